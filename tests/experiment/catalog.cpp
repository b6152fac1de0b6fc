// The catalog: every name a definition can give finds its compiled variant, and variant_spec::name()
// spells it exactly as the variant's type does; jobs_of expands a definition in its order, with a
// single-task job per criterion and no merge or layout copies where the mode has none.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/runner.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <string>

namespace jg = judgegrad;
namespace ex = judgegrad::experiment;
using set = jg::summeval::all;

TEST_CASE("every mode x gate x merge x layout a definition may name is compiled, under the name it spells") {
  std::set<std::string> seen;
  std::size_t specs = 0;
  for (auto mode : ex::known_modes)
    for (auto gate : ex::known_gates)
      for (auto merge : ex::known_merges)
        for (auto layout : ex::known_layouts) {
          ex::variant_spec spec{std::string(mode), std::string(gate), std::string(merge), std::string(layout)};
          if (!spec.has_merge()) spec.merge = "labeled_sections";
          if (!spec.has_layout()) spec.layout = "joint";
          std::string found;
          bool ok = ex::catalog<set>::visit(spec, [&](auto v) { found = std::string(decltype(v)::type::name()); });
          INFO(spec.name());
          REQUIRE(ok);
          CHECK(found == spec.name());
          seen.insert(found);
          ++specs;
        }
  CHECK(specs == 11 * 7 * 3 * 2);
  // 8 TextGrad modes x 3 merges x 7 gates x 2 layouts; single-task x 7 gates; 2 OPROs x 7 gates x 2 layouts.
  CHECK(seen.size() == 8 * 3 * 7 * 2 + 7 + 2 * 7 * 2);
  CHECK(seen.count("SCC/merge=structured/gate=pareto-mae/layout=per_criterion"));
  CHECK(seen.count("CCC/algorithm=single_task/gate=mae"));
  CHECK(seen.count("SSS/algorithm=opro(mae)/gate=spearman"));
  CHECK_FALSE(ex::catalog<set>::visit({"SSC", "mae", "nonexistent", "joint"}, [](auto) {}));
}

TEST_CASE("jobs_of expands modes, gates, merges, layouts, seeds in that order") {
  ex::definition d;
  d.modes = {"single-task", "SSC", "opro"};
  d.gates = {"mae"};
  d.merges = {"labeled_sections", "structured"};
  d.layouts = {"joint", "per_criterion"};
  d.seeds = {1, 2};
  auto jobs = ex::jobs_of<set>(d);
  std::vector<std::string> ids;
  for (const auto& j : jobs) ids.push_back(j.id);
  std::vector<std::string> expected = {
      "CCC,algorithm=single_task,gate=mae,seed=1,criterion=fluency", "CCC,algorithm=single_task,gate=mae,seed=1,criterion=relevance",
      "CCC,algorithm=single_task,gate=mae,seed=1,criterion=coherence", "CCC,algorithm=single_task,gate=mae,seed=1,criterion=consistency",
      "CCC,algorithm=single_task,gate=mae,seed=2,criterion=fluency", "CCC,algorithm=single_task,gate=mae,seed=2,criterion=relevance",
      "CCC,algorithm=single_task,gate=mae,seed=2,criterion=coherence", "CCC,algorithm=single_task,gate=mae,seed=2,criterion=consistency",
      "SSC,gate=mae,seed=1", "SSC,gate=mae,seed=2", "SSC,gate=mae,layout=per_criterion,seed=1", "SSC,gate=mae,layout=per_criterion,seed=2",
      "SSC,merge=structured,gate=mae,seed=1", "SSC,merge=structured,gate=mae,seed=2",
      "SSC,merge=structured,gate=mae,layout=per_criterion,seed=1", "SSC,merge=structured,gate=mae,layout=per_criterion,seed=2",
      "SSS,algorithm=opro,gate=mae,seed=1", "SSS,algorithm=opro,gate=mae,seed=2", "SSS,algorithm=opro,gate=mae,layout=per_criterion,seed=1",
      "SSS,algorithm=opro,gate=mae,layout=per_criterion,seed=2"};
  CHECK(ids == expected);
  CHECK(jobs[0].criterion == "fluency");
  CHECK(jobs[8].variant == "SSC/gate=mae");
  CHECK(jobs[8].seed == 1);
  // A run's seed is the sampling seed of every call it makes.
  auto s = ex::settings_of(d, jobs[9]);
  CHECK(s.seed == 2);
  CHECK(s.run == "SSC,gate=mae,seed=2");
  CHECK(s.judge.seed == 2u);
  CHECK(s.gradient.seed == 2u);
}

TEST_CASE("run_jobs: runs in flight at once, outcomes in the jobs' order; an aborted run does not stop the grid, a stopped one does") {
  std::vector<ex::job> jobs(12);
  for (std::size_t k = 0; k < jobs.size(); ++k) jobs[k].id = "job" + std::to_string(k);
  std::atomic<int> in_flight{0}, most{0};
  auto runner = [&](bool stop_at_5) {
    return [&, stop_at_5](const ex::job& j) {
      int now = ++in_flight;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ex::run_outcome o;
      o.id = j.id;
      o.state = j.id == "job3" ? ex::run_outcome::status::aborted
                : stop_at_5 && j.id == "job5" ? ex::run_outcome::status::stopped
                                               : ex::run_outcome::status::finished;
      --in_flight;
      return o;
    };
  };
  ex::grid_progress progress;
  auto all = ex::run_jobs(jobs, 3, runner(false), 12, &progress);
  REQUIRE(all.size() == 12);
  for (std::size_t k = 0; k < all.size(); ++k) CHECK(all[k].id == jobs[k].id);
  CHECK(all[3].state == ex::run_outcome::status::aborted);
  CHECK(all[11].state == ex::run_outcome::status::finished);
  CHECK(most.load() >= 2);
  CHECK(most.load() <= 3);
  CHECK(progress.runs_done.load() == 12);
  CHECK(progress.steps_total.load() == 12 * 13);

  auto stopped = ex::run_jobs(jobs, 1, runner(true), 12);
  CHECK(stopped[5].state == ex::run_outcome::status::stopped);
  CHECK(stopped[6].state == ex::run_outcome::status::not_started);
  CHECK(stopped[11].state == ex::run_outcome::status::not_started);
}
