// Loading the shared data files and parsing judge replies, each beside its baseline from the same
// run: simdjson parsing every line of the file without building examples (JSON Lines), reading the
// file into memory (CSV), and strict simdjson on a clean reply (the reply parser).
// The data directory is $JUDGEGRAD_DATA, else the data judgegrad ships.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge/parse.hpp>

#include <benchmark/benchmark.h>

#include "ratio.hpp"

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace jg = judgegrad;
namespace data = jg::data;

namespace {

std::filesystem::path dir() {
  return data::data_directory();
}

void baseline_jsonl_parse_only(benchmark::State& state) {
  auto file = dir() / "summeval/paper-test.jsonl";
  for (auto _ : state) {
    auto content = data::read_file(file);
    simdjson::dom::parser parser;
    std::string_view all(content.data(), content.size());
    std::size_t rows = 0;
    for (std::size_t i = 0; i < all.size();) {
      std::size_t end = all.find('\n', i);
      if (end == std::string_view::npos) end = all.size();
      simdjson::dom::element e;
      if (!parser.parse(all.data() + i, end - i, false).get(e)) ++rows;
      i = end + 1;
    }
    benchmark::DoNotOptimize(rows);
  }
}
void load_summeval_test(benchmark::State& state) {
  auto file = dir() / "summeval/paper-test.jsonl";
  for (auto _ : state) benchmark::DoNotOptimize(data::load_summeval(file).size());
}
void baseline_csv_read_only(benchmark::State& state) {
  auto file = dir() / "brighter/eng-test.csv";
  for (auto _ : state) benchmark::DoNotOptimize(data::read_file(file).size());
}
void load_brighter_csv_test(benchmark::State& state) {
  auto file = dir() / "brighter/eng-test.csv";
  for (auto _ : state) benchmark::DoNotOptimize(data::load_brighter_csv(file).size());
}

const std::string clean = R"({"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2})";
const std::string fenced = "Here are the scores:\n```json\n" + clean + "\n```\nThe summary misses one point.";
const std::string python = "{'fluency': 4, 'relevance': 3, 'coherence': 5, 'consistency': 2}";

void baseline_strict_simdjson(benchmark::State& state) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(clean);
  for (auto _ : state) {
    simdjson::dom::element e;
    benchmark::DoNotOptimize(parser.parse(padded).get(e));
  }
}
void parse_reply_clean(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(jg::judge::parse_reply<jg::summeval::all>(clean).scores[0].value);
}
void parse_reply_fenced(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(jg::judge::parse_reply<jg::summeval::all>(fenced).scores[0].value);
}
void parse_reply_python_dict(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(jg::judge::parse_reply<jg::summeval::all>(python).scores[0].value);
}

}  // namespace

BENCHMARK(baseline_jsonl_parse_only)->Unit(benchmark::kMillisecond);
BENCHMARK(load_summeval_test)->Unit(benchmark::kMillisecond);
BENCHMARK(baseline_csv_read_only)->Unit(benchmark::kMillisecond);
BENCHMARK(load_brighter_csv_test)->Unit(benchmark::kMillisecond);
BENCHMARK(baseline_strict_simdjson);
BENCHMARK(parse_reply_clean);
BENCHMARK(parse_reply_fenced);
BENCHMARK(parse_reply_python_dict);

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"load summeval/paper-test.jsonl vs simdjson parse only", "load_summeval_test", "baseline_jsonl_parse_only"},
                           {"load brighter test CSV vs reading the file", "load_brighter_csv_test", "baseline_csv_read_only"},
                           {"parse a clean judge reply vs strict simdjson", "parse_reply_clean", "baseline_strict_simdjson"},
                           {"parse a fenced judge reply vs strict simdjson", "parse_reply_fenced", "baseline_strict_simdjson"},
                           {"parse a Python-dict reply vs strict simdjson", "parse_reply_python_dict", "baseline_strict_simdjson"}});
}
