// judgegrad's own CPU per model call in a whole optimization run: the paper's SummEval setting
// (batch 3, 100 validation items, 480 test items; step 0 and one step), for every decomposition
// mode and the OPRO and single-task algorithms, against a backend that answers at once with
// replies prepared before the timing (so the model costs nothing and only judgegrad's work, from
// prompt rendering to parsing, metrics and records, is timed). Counters: calls per run and
// `us_per_call`, judgegrad's CPU microseconds per model call (target: under 5).
//
// Baseline in the same run: the same variant chosen at run time by name (variant_handle::visit,
// what `judgegrad run` does), against calling optimize<V> with the type written out.
//
// Needs the data: $JUDGEGRAD_DATA, else the data judgegrad ships.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/optim.hpp>

#include "ratio.hpp"

#include <array>
#include <map>
#include <string>

namespace jg = judgegrad;
namespace llm = jg::llm;
namespace hana = boost::hana;
using se = jg::summeval::all;

namespace {

/// Answers every role with a reply prepared in advance, chosen by what the request concerns: all
/// criteria or one (its tag), keyed JSON or text. Judge scores vary with the example so that
/// metrics are defined.
template <jg::criteria_set Set>
struct canned_backend {
  std::array<std::string, 5> joint_scores;
  std::map<std::string, std::array<std::string, 5>, std::less<>> one_score;
  std::string keyed_all, instructions_all, text = "Say what a score of 3 means for this summary, with an example.";
  std::map<std::string, std::string, std::less<>> keyed_one;
  std::size_t calls = 0;

  canned_backend() {
    std::vector<jg::protocol::named_text> all;
    for (std::size_t s = 0; s < 5; ++s) {
      std::string joint = "{";
      for (std::size_t c = 0; c < Set::size; ++c) {
        const std::string name(Set::names[c]);
        const auto score = std::to_string(1 + (s + c) % 5);
        joint += (c ? ", \"" : "\"") + name + "\": " + score;
        one_score[name][s] = "{\"" + name + "\": " + score + "}";
      }
      joint_scores[s] = joint + "}";
    }
    for (std::size_t c = 0; c < Set::size; ++c) {
      const std::string name(Set::names[c]);
      all.push_back({name, "Score " + name + " by counting the problems you find; " + text});
      keyed_one[name] = jg::protocol::write_keyed_json(std::vector<jg::protocol::named_text>{all.back()});
    }
    keyed_all = jg::protocol::write_keyed_json(all);
    instructions_all = jg::protocol::write_instructions_json(all);
  }

  llm::result reply(const llm::request& r) const {
    llm::response out;
    out.model = "canned";
    const bool keyed = r.format.type == llm::response_format::kind::json_object;
    const std::string& who = r.tag.criterion;
    const std::size_t pick = r.tag.example.empty() ? 0 : static_cast<unsigned char>(r.tag.example.back()) % 5;
    switch (r.role) {
      case llm::role::judge: out.content = who.empty() ? joint_scores[pick] : one_score.find(who)->second[pick]; break;
      case llm::role::optimizer: out.content = !who.empty() && !keyed ? text : instructions_all; break;
      default: out.content = !keyed ? text : who.empty() ? keyed_all : keyed_one.find(who)->second; break;
    }
    return out;
  }
  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    calls += batch.size();
    std::vector<llm::result> out;
    out.reserve(batch.size());
    for (const auto& r : batch) out.push_back(reply(r));
    return out;
  }
};

struct fixture {
  jg::judge_prompt<se> prompt = jg::judge::summeval_prompt<se>();
  jg::data::splits<se> data = [] {
    auto paper = jg::data::summeval_paper<se>(
        jg::data::data_directory());
    auto s = jg::data::split_groups(paper.train, {0.625, 0.0}, 42);
    return jg::data::splits<se>{std::move(s.train), std::move(s.validation), paper.test};
  }();
  jg::run_settings settings = [] {
    jg::run_settings s;
    s.steps = 1;
    return s;
  }();
};
const fixture& f() {
  static const fixture x;
  return x;
}

template <class V>
std::size_t run_once(canned_backend<se>& backend) {
  auto r = jg::optimize<V>(backend, f().prompt, f().data, f().settings);
  if (!r.error.empty()) throw std::runtime_error(r.error);
  return backend.calls;
}

void report(benchmark::State& state, std::size_t calls) {
  state.counters["calls"] = static_cast<double>(calls);
  state.counters["us_per_call"] = benchmark::Counter(static_cast<double>(calls) * 1e-6,
                                                     benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <class V>
void static_variant(benchmark::State& state) {
  std::size_t calls = 0;
  for (auto _ : state) {
    canned_backend<se> backend;
    calls = run_once<V>(backend);
  }
  report(state, calls);
}

constexpr auto grid = jg::grid<se>(hana::tuple_t<jg::sss, jg::ssc, jg::scs, jg::scc, jg::css, jg::csc, jg::ccs, jg::ccc>);

void by_name(benchmark::State& state, const std::string& name) {
  const auto handle = *jg::find_variant(grid, name);
  std::size_t calls = 0;
  for (auto _ : state) {
    canned_backend<se> backend;
    calls = handle.visit([&](auto v) { return run_once<typename decltype(v)::type>(backend); });
  }
  report(state, calls);
}

}  // namespace

BENCHMARK(static_variant<jg::variant<se, jg::sss>>)->Name("step/SSS")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::ssc>>)->Name("step/SSC")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::scs>>)->Name("step/SCS")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::scc>>)->Name("step/SCC")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::css>>)->Name("step/CSS")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::csc>>)->Name("step/CSC")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::ccs>>)->Name("step/CCS")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::ccc>>)->Name("step/CCC")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::sss, jg::gate::non_regression<jg::metric::mae>>>)->Name("step/SSS/gate=mae")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::algorithm::opro<>>>)->Name("step/opro")->Unit(benchmark::kMillisecond);
BENCHMARK(static_variant<jg::variant<se, jg::ccc, jg::algorithm::single_task>>)->Name("step/single-task")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(by_name, SSS, std::string("SSS"))->Name("by_name/SSS")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(by_name, CCC, std::string("CCC"))->Name("by_name/CCC")->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"SSS: type written out vs chosen by name", "step/SSS", "by_name/SSS"},
                           {"CCC: type written out vs chosen by name", "step/CCC", "by_name/CCC"}});
}
