// Shards of a grid and their merge: "I/N" parsing, the shards as a partition of the paper's 48
// runs (disjoint, complete, balanced, in grid order), the manifest's shard and cache fields (and a
// manifest written before they existed), and merge_shards on hand-built shard directories: the
// grid's order restored, caches united without duplicates, and each refusal with its message.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/inputs.hpp>
#include <judgegrad/experiment/merge.hpp>
#include <judgegrad/experiment/runner.hpp>
#include <judgegrad/experiment/shards.hpp>

#include <doctest/doctest.h>

#include "../support/scratch.hpp"


#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace test_experiment_shards {

namespace fs = std::filesystem;
namespace jg = judgegrad;
namespace ex = judgegrad::experiment;
namespace llm = judgegrad::llm;

namespace {
struct temp_dir : judgegrad_test::temp_dir {
  temp_dir() : judgegrad_test::temp_dir("jg-shards") {}
};
using judgegrad_test::error_of;

ex::definition tiny() {
  ex::definition d = ex::paper_preset();
  d.name = "tiny";
  d.modes = {"SSS", "CCC"};
  d.gates = {"none", "mae"};
  d.seeds = {1, 2};
  d.steps = 2;
  return d;
}

/// A shard directory of `d` as `judgegrad run --shard` leaves it, its runs ended (or not) and
/// its cache holding one reply per run plus one reply every shard has.
void make_shard(const fs::path& dir, const ex::definition& d, ex::shard s, bool finished = true) {
  auto all = ex::jobs_of<jg::summeval::all>(d);
  ex::manifest m;
  m.experiment = d;
  m.created_at = "2026-12-0" + std::to_string(s.index) + "T00:00:00Z";
  m.shard = s;
  m.criteria = {"fluency", "coherence", "consistency", "relevance"};
  m.train = 60;
  m.validation = 100;
  m.test = 480;
  m.models = {{"judge", "judgegrad-sim"}};
  m.data_digests = {{"train", "1111111111111111"}, {"validation", "2222222222222222"}, {"test", "3333333333333333"}};
  for (const auto& j : ex::in_shard<ex::job>(all, s)) m.runs.push_back(j.id);
  ex::create_run_directory(dir, m);
  llm::response_store cache(dir / "cache.sqlite");
  std::vector<llm::request> reqs;
  auto ask = [&](std::string text) {
    llm::request r;
    r.model = "sim";
    r.messages = {{"user", std::move(text)}};
    reqs.push_back(std::move(r));
  };
  for (const auto& id : m.runs) ask(id);
  ask("the seed prompt, judged by every shard");
  llm::response resp;
  resp.content = "4";
  std::vector<std::pair<const llm::request*, const llm::response*>> entries;
  for (const auto& r : reqs) entries.emplace_back(&r, &resp);
  cache.insert(entries);
  for (std::size_t k = 0; k < m.runs.size(); ++k) {
    fs::create_directories(dir / "runs" / m.runs[k]);
    bool ended = finished || k + 1 < m.runs.size();
    ex::files::write_atomic(dir / "runs" / m.runs[k] / "state.json",
                            fmt::format(R"({{"step": 12, "finished": {}, "aborted": "", "lines": {{"steps": 1, "predictions": 0}}}})", ended ? "true" : "false"));
    ex::files::write_atomic(dir / "runs" / m.runs[k] / "steps.jsonl", m.runs[k] + "\n");
  }
  ex::log_event(dir, "start", s.name());
}

std::uint64_t rows_of(const fs::path& cache) {
  llm::response_store store(cache);
  return store.size();
}
}  // namespace

TEST_CASE("shards are read as I/N with 1 <= I <= N") {
  CHECK(ex::parse_shard("2/8") == ex::shard{2, 8});
  CHECK(ex::parse_shard("1/1").whole());
  CHECK(error_of([] { ex::parse_shard("0/4"); }) == "--shard: shard 0 of 4 does not exist: I runs from 1 to N");
  CHECK(error_of([] { ex::parse_shard("5/4"); }) == "--shard: shard 5 of 4 does not exist: I runs from 1 to N");
  for (auto bad : {"3", "a/4", "1/", "/4", "1/4x", "-1/4", " 1/4", "1/0"}) {
    CAPTURE(bad);
    auto what = error_of([&] { ex::parse_shard(bad); });
    CHECK((what.find("is not I/N") != std::string::npos || what.find("does not exist") != std::string::npos));
  }
}

TEST_CASE("the shards of the paper's grid partition its 48 runs, balanced and in grid order") {
  auto all = ex::jobs_of<jg::summeval::all>(ex::paper_preset());
  REQUIRE(all.size() == 48);
  for (std::size_t n : {1u, 2u, 3u, 5u, 7u, 48u}) {
    CAPTURE(n);
    std::multiset<std::string> seen;
    std::size_t smallest = all.size(), largest = 0;
    for (std::size_t i = 1; i <= n; ++i) {
      auto part = ex::in_shard<ex::job>(all, {i, n});
      smallest = std::min(smallest, part.size());
      largest = std::max(largest, part.size());
      for (std::size_t k = 0; k < part.size(); ++k) {
        seen.insert(part[k].id);
        CHECK(part[k].id == all[(i - 1) + k * n].id);  // every n-th run from the i-th
      }
    }
    CHECK(seen.size() == all.size());
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == all.size());
    CHECK(largest - smallest <= 1);
  }
  // With 5 shards of 48 runs each shard holds runs of several modes: dealt out, not cut in blocks.
  std::set<std::string> variants;
  for (const auto& j : ex::in_shard<ex::job>(all, {1, 5})) variants.insert(j.spec.mode);
  CHECK(variants.size() >= 4);
}

TEST_CASE("the manifest keeps the shard and the cache file; an older manifest ran the whole grid") {
  temp_dir t;
  auto d = tiny();
  make_shard(t.path / "s", d, {2, 3});
  auto m = ex::read_manifest(t.path / "s");
  CHECK(m.shard == ex::shard{2, 3});
  CHECK(m.cache_file.empty());
  CHECK(m.cache_in(t.path / "s") == t.path / "s" / "cache.sqlite");
  m.cache_file = "/shared/cache.sqlite";
  ex::files::write_atomic(t.path / "s" / "experiment.json", ex::to_json(m));
  CHECK(ex::read_manifest(t.path / "s").cache_in(t.path / "s") == "/shared/cache.sqlite");
  // Without the two keys (as written before shards existed): the whole grid, its own cache.
  std::string text = ex::to_json(m);
  text = text.substr(0, text.find(",\"shard\"")) + "}\n";
  ex::files::write_atomic(t.path / "s" / "experiment.json", text);
  auto old = ex::read_manifest(t.path / "s");
  CHECK(old.shard.whole());
  CHECK(old.cache_file.empty());
  CHECK(old.simulator_knobs.empty());
  CHECK(ex::simulator_params(old).judge.lapse == jg::sim::preset("paper").judge.lapse);
}

TEST_CASE("the manifest keeps the knobs of a knob file, and the world they make") {
  temp_dir t;
  make_shard(t.path / "s", tiny(), {1, 1});
  auto m = ex::read_manifest(t.path / "s");
  auto p = jg::sim::from_json(R"({"judge": {"lapse": 0.37}, "seed": 9})");
  m.simulator_knobs = jg::sim::to_json(p);
  ex::files::write_atomic(t.path / "s" / "experiment.json", ex::to_json(m));
  auto back = ex::read_manifest(t.path / "s");
  CHECK(back.simulator_knobs == m.simulator_knobs);
  auto q = ex::simulator_params(back);
  CHECK(q.judge.lapse == 0.37);
  CHECK(q.seed == 9);
  CHECK(jg::sim::to_json(q) == jg::sim::to_json(p));
  // A knob the simulator does not know is named, with where it was read.
  back.simulator_knobs = R"({"judge": {"lapsed": 0.37}})";
  CHECK_THROWS_WITH_AS(ex::simulator_params(back), doctest::Contains("unknown knob 'judge.lapsed' (in experiment.json (backend.simulator_knobs))"),
                       jg::sim::config_error);
  // Another world is another backend to merge.
  CHECK(ex::merge_detail::difference(m, ex::read_manifest(t.path / "s")).empty());
  auto other = m;
  other.simulator_knobs = jg::sim::to_json(jg::sim::preset("paper"));
  CHECK(ex::merge_detail::difference(m, other).find("was answered by another backend") != std::string::npos);
}

TEST_CASE("merging shards restores the grid's order and unites their caches") {
  temp_dir t;
  auto d = tiny();
  auto all = ex::jobs_of<jg::summeval::all>(d);
  REQUIRE(all.size() == 8);
  std::vector<fs::path> dirs;
  for (std::size_t i : {3u, 1u, 2u}) {  // in any order
    dirs.push_back(t.path / fmt::format("{}-of-3", i));
    make_shard(dirs.back(), d, {i, 3});
  }
  auto r = ex::merge_shards(dirs, t.path / "merged");
  CHECK(r.shards == 3);
  CHECK(r.runs == 8);
  CHECK(r.cache_entries == 9);  // one per run, and the reply all three shards hold, once
  auto m = ex::read_manifest(t.path / "merged");
  CHECK(m.shard.whole());
  CHECK(m.created_at == "2026-12-01T00:00:00Z");  // the earliest shard's
  std::vector<std::string> ids;
  for (const auto& j : all) ids.push_back(j.id);
  CHECK(m.runs == ids);
  for (const auto& id : ids) CHECK(ex::files::read_all(t.path / "merged" / "runs" / id / "steps.jsonl") == id + "\n");
  CHECK(rows_of(t.path / "merged" / "cache.sqlite") == 9);
  auto events = ex::files::read_all(t.path / "merged" / "events.jsonl");
  CHECK(std::count(events.begin(), events.end(), '\n') == 4);  // three starts and the merge
  CHECK(events.find("\"event\":\"merge\"") != std::string::npos);
  CHECK_FALSE(fs::exists(t.path / "merged.merging"));
  CHECK(ex::run_standing(t.path / "merged", ids[0]) == "finished");
  CHECK(ex::run_standing(t.path / "merged", "no such run") == "not started");
  // The shards are left as they were.
  CHECK(rows_of(dirs[0] / "cache.sqlite") == 2 + 1);  // shard 3/3 holds runs 3 and 6 of 8
}

TEST_CASE("merge refuses what is not one experiment's complete set of shards, naming what and where") {
  temp_dir t;
  auto d = tiny();
  auto at = [&](std::string name) { return t.path / name; };
  make_shard(at("1"), d, {1, 3});
  make_shard(at("2"), d, {2, 3});
  make_shard(at("3"), d, {3, 3});
  auto merge = [&](std::vector<std::string> names, std::string out = "out") {
    std::vector<fs::path> dirs;
    for (auto& n : names) dirs.push_back(at(n));
    return error_of([&] { ex::merge_shards(dirs, at(out)); });
  };
  CHECK(merge({"1", "3"}) == "missing shard 2 of 3: give every shard's directory");
  CHECK(merge({"1"}) == "missing shards 2, 3 of 3: give every shard's directory");
  CHECK(merge({"1", "2", "3", "2"}).find("is given twice") != std::string::npos);
  fs::copy(at("2"), at("2b"), fs::copy_options::recursive);
  CHECK(merge({"1", "2", "2b", "3"}) == fmt::format("{} and {} are both shard 2/3", at("2").string(), at("2b").string()));

  auto other = d;
  other.steps = 3;
  make_shard(at("other"), other, {2, 3});
  CHECK(merge({"1", "other", "3"}) ==
        fmt::format("{} holds another experiment (its definition differs): it cannot be merged with {}", at("other").string(), at("1").string()));
  make_shard(at("of4"), d, {2, 4});
  CHECK(merge({"1", "of4", "3"}).find("is a shard of 4, the first shard one of 3") != std::string::npos);
  auto m = ex::read_manifest(at("2b"));
  m.judgegrad_version = "0.0.1";
  ex::files::write_atomic(at("2b") / "experiment.json", ex::to_json(m));
  CHECK(merge({"1", "2b", "3"}).find("was written by judgegrad 0.0.1") != std::string::npos);

  // Another backend, another model, another simulator preset, other items under the same sizes.
  const auto changed = [&](std::string name, auto change) {
    fs::copy(at("2"), at(name), fs::copy_options::recursive);
    auto c = ex::read_manifest(at(name));
    change(c);
    ex::files::write_atomic(at(name) / "experiment.json", ex::to_json(c));
    return merge({"1", name, "3"}, "out-" + name);
  };
  const auto first = ex::read_manifest(at("1"));
  REQUIRE(first.backend_kind == "simulator");
  REQUIRE(first.data_digests.count("test"));
  CHECK(changed("http", [](ex::manifest& c) { c.backend_kind = "endpoints", c.backend = "http://127.0.0.1:9/v1"; })
            .find("was answered by another backend (http://127.0.0.1:9/v1; the first shard: ") != std::string::npos);
  CHECK(changed("model", [](ex::manifest& c) { c.models["judge"] = "another-model"; }).find("was answered by another backend") != std::string::npos);
  CHECK(changed("preset", [](ex::manifest& c) { c.simulator_preset = "another-preset"; }).find("was answered by another backend") !=
        std::string::npos);
  CHECK(changed("data", [](ex::manifest& c) { c.data_digests["test"] = "0000000000000000"; }) ==
        fmt::format("{} ran on other data (its test items differ: digest 0000000000000000, the first shard's {}): it cannot be merged with {}",
                    at("data").string(), first.data_digests.at("test"), at("1").string()));
  for (std::string name : {"http", "model", "preset", "data"}) CHECK_FALSE(fs::exists(at("out-" + name)));

  make_shard(at("2u"), d, {2, 3}, false);
  auto unfinished = merge({"1", "2u", "3"});
  CHECK(unfinished.find("1 of 8 runs have not finished: ") == 0);
  CHECK(unfinished.find("(unfinished, shard 2/3)") != std::string::npos);
  CHECK_FALSE(fs::exists(at("out")));
  CHECK(merge({"1", "nowhere", "3"}) == at("nowhere").string() + " is not a judgegrad run directory (it has no experiment.json)");

  fs::create_directories(at("full"));
  ex::files::write_atomic(at("full") / "x", "y");
  CHECK(merge({"1", "2", "3"}, "full") == at("full").string() + " exists: name a new (or empty) directory for the merged run directory");
  fs::create_directories(at("empty"));
  CHECK(merge({"1", "2", "3"}, "empty").empty());
  CHECK(ex::is_run_directory(at("empty")));
}
}  // namespace test_experiment_shards
