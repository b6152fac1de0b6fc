// The catalog: every name a definition can give finds its compiled variant, and variant_spec::name()
// spells it exactly as the variant's type does; jobs_of expands a definition in its order, with a
// single-task job per criterion and no merge or layout copies where the mode has none.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/runner.hpp>
#include <judgegrad/sim/world.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <span>
#include <string_view>
#include <vector>
#include <thread>
#include <string>

namespace test_experiment_catalog {

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
          std::vector<std::string_view> type_slots, found_slots;
          bool ok = ex::catalog<set>::visit(spec, [&](auto v) {
            using V = typename decltype(v)::type;
            found = std::string(V::name());
            type_slots = {V::decomposition::name, V::merge::name, V::gate::name, V::scalarizer::name, V::layout::name, V::length::name,
                          V::algorithm::name};
          });
          INFO(spec.name());
          REQUIRE(ok);
          CHECK(found == spec.name());
          // find, which runs the tool's jobs, gives slot by slot the policies of the variant's type.
          REQUIRE(ex::catalog<set>::find(spec, [&](auto t) { found_slots.push_back(decltype(t)::type::name); }));
          CHECK(found_slots == type_slots);
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
  int calls = 0;
  CHECK_FALSE(ex::catalog<set>::find({"SSC", "mae", "nonexistent", "joint"}, [&](auto) { ++calls; }));
  CHECK_FALSE(ex::catalog<set>::find({"SSS", "none", "labeled_sections", "joint", "balanced(200:3:32)"}, [&](auto) { ++calls; }));
  CHECK(calls == 0);  // no slot is reported for a variant the catalog does not have
}

TEST_CASE("the catalog's names are its grids' variant names, in the grids' order, for both criteria sets") {
  using c = ex::catalog<set>;
  std::vector<std::string> expected;
  auto add = [&](const auto& names) { expected.insert(expected.end(), names.begin(), names.end()); };
  add(jg::variant_names(c::textgrad()));
  add(jg::variant_names(c::single_task()));
  add(jg::variant_names(c::opro()));
  add(jg::variant_names(c::remedies()));
  // 336 TextGrad variants, 7 single-task, 28 OPRO; 35 remedies (grouped halves included).
  CHECK(expected.size() == 336 + 7 + 28 + 35);
  CHECK(c::names() == expected);
  // BRIGHTER: the same grids but for the remedies' grouped partition (its own criteria's halves).
  auto brighter = ex::catalog<jg::brighter::all>::names();
  REQUIRE(brighter.size() == expected.size());
  const auto& remedies = jg::variant_names(ex::catalog<jg::brighter::all>::remedies());
  CHECK(std::equal(brighter.begin(), brighter.end() - 35, expected.begin()));
  CHECK(std::equal(brighter.end() - 35, brighter.end(), remedies.begin(), remedies.end()));
  // Every remedy is found by find too (the first test covers the grid a definition's flags can name).
  for (const auto& name : ex::catalog<set>::names()) {
    CAPTURE(name);
    auto spec = ex::variant_spec::parse(name);
    REQUIRE(spec);
    CHECK(ex::catalog<set>::find(*spec, [](auto) {}));
  }
  for (const auto& name : brighter) {
    CAPTURE(name);
    auto spec = ex::variant_spec::parse(name);
    REQUIRE(spec);
    CHECK(ex::catalog<jg::brighter::all>::find(*spec, [](auto) {}));
  }
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
      // The first job waits for a second one to start (an event; 30 s at most): with more than one
      // worker that always happens, one after another it never does.
      if (j.id == "job0")
        for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30); most.load() < 2 && std::chrono::steady_clock::now() < until;)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
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

TEST_CASE("outcome_tally counts a grid's outcomes and names the first run that stopped or failed") {
  using status = ex::run_outcome::status;
  std::vector<ex::run_outcome> outcomes(7);
  const status states[] = {status::finished, status::aborted, status::not_started, status::stopped, status::failed, status::stopped,
                           status::finished};
  for (std::size_t k = 0; k < outcomes.size(); ++k) outcomes[k].id = "run" + std::to_string(k), outcomes[k].state = states[k];
  auto t = ex::outcome_tally::of(outcomes);
  CHECK(t.text() == "2 finished, 1 aborted, 2 stopped, 1 failed, 1 not started");
  REQUIRE(t.first_problem);
  CHECK(t.first_problem->id == "run3");  // not the unstarted run2
  CHECK_FALSE(t.budget);
  outcomes[5].stopped_by = jg::llm::error_kind::budget_exhausted;
  CHECK(ex::outcome_tally::of(outcomes).budget);
  CHECK(outcomes[0].ended());
  CHECK(outcomes[1].ended());
  CHECK_FALSE(outcomes[2].ended());
  CHECK_FALSE(outcomes[3].ended());
  auto none = ex::outcome_tally::of(std::span(outcomes).first(3));
  CHECK_FALSE(none.first_problem);
  CHECK(none.text() == "1 finished, 1 aborted, 0 stopped, 0 failed, 1 not started");
}

TEST_CASE("the remedies presets: every variant they name parses, spells its own name, and is compiled") {
  for (std::string dataset : {"summeval", "brighter"}) {
    auto d = ex::remedies_preset(dataset);
    CAPTURE(dataset);
    REQUIRE(d.variants.size() == 15);
    for (const auto& v : d.variants) {
      CAPTURE(v);
      auto spec = ex::variant_spec::parse(v);
      REQUIRE(spec);
      CHECK(spec->name() == v);
      if (dataset == "summeval") {
        std::string found;
        REQUIRE(ex::catalog<set>::visit(*spec, [&](auto t) { found = std::string(decltype(t)::type::name()); }));
        CHECK(found == v);
      } else {
        CHECK(jg::find_variant(ex::catalog<jg::brighter::all>::remedies(), v).has_value());
      }
    }
  }
  auto d = ex::remedies_preset();
  CHECK(d.name == "remedies");
  CHECK(*ex::preset("remedies") == d);
  CHECK_FALSE(ex::preset("remedies", true));
  auto jobs = ex::jobs_of<set>(d);
  CHECK(jobs.size() == 48 + 15 * 3);
  CHECK(jobs[48].id == "S(fluency+coherence)(consistency+relevance)C,seed=1");
  CHECK(jobs.back().id == "SSC,algorithm=pareto,seed=3");
  CHECK(jobs.back().spec.mode == "pareto");
  CHECK(jobs.back().spec.gate == "none");
  CHECK(ex::variant_spec::parse("SSC/length=balanced(200:3:32)")->length == "balanced(200:3:32)");
  CHECK(ex::variant_spec::parse("SSC/gate=mae/layout=prefix_shared")->layout == "prefix_shared");
  CHECK(ex::variant_spec::parse("CCC/algorithm=single_task/gate=mae")->mode == "single-task");
}

TEST_CASE("variants named in full: misspellings and repeats are refused with the key that holds them") {
  for (std::string bad : {"SSC/gate", "SSC/colour=red", "SSC/gate=mae/gate=mae", "SSC/gate=mae/gate=none", "SSC/gate=none", "SSS/algorithm=pareto"}) {
    CAPTURE(bad);
    CHECK_FALSE(ex::variant_spec::parse(bad));
    ex::definition d;
    d.variants = {bad};
    CHECK_THROWS_WITH_AS(ex::jobs_of<set>(d), doctest::Contains("variants[0]"), ex::definition_error);
  }
  // The policy parts in any order name the same variant, spelled canonically in the runs' ids.
  auto any_order = ex::variant_spec::parse("SSC/layout=prefix_shared/merge=structured/gate=mae");
  REQUIRE(any_order);
  CHECK(any_order->name() == "SSC/merge=structured/gate=mae/layout=prefix_shared");
  {
    ex::definition d;
    d.modes.clear();
    d.variants = {"SSC/layout=prefix_shared/gate=mae"};
    auto jobs = ex::jobs_of<set>(d);
    REQUIRE_FALSE(jobs.empty());
    CHECK(jobs.front().variant == "SSC/gate=mae/layout=prefix_shared");
    d.variants = {"SSC/layout=prefix_shared/gate=mae", "SSC/gate=mae/layout=prefix_shared"};
    CHECK_THROWS_WITH_AS(ex::jobs_of<set>(d), doctest::Contains("variants[1]: \"SSC/gate=mae/layout=prefix_shared\" is named already, as"),
                         ex::definition_error);
  }
  ex::definition d;
  d.variants = {"SSC/gate=mae"};  // the paper preset's grid has it
  CHECK_THROWS_WITH_AS(ex::jobs_of<set>(d), doctest::Contains("is in the grid"), ex::definition_error);
  d.variants = {"SR(lexical:6)C", "SR(lexical:6)C"};
  CHECK_THROWS_WITH_AS(ex::check(d), doctest::Contains("listed twice"), ex::definition_error);
  // Read from a file, and written back.
  auto f = ex::parse_definition(R"({"preset": "paper", "variants": ["SR(lexical:6)C", "SSC/algorithm=pareto"]})", "test.json");
  CHECK(f.experiment.variants == std::vector<std::string>{"SR(lexical:6)C", "SSC/algorithm=pareto"});
  jg::json_writer w;
  ex::write_json(w, f.experiment);
  CHECK(std::move(w).str().find(R"("variants":["SR(lexical:6)C","SSC/algorithm=pareto"])") != std::string::npos);
}

namespace {
using backend = jg::sim::world;

// The values run_one runs variant V with (assembled slot by slot from its name, through the
// catalog's products) against prepare<V>() of V's type: the loop's policies, the stages' plan, the
// merge's code.
template <class V, class Sub = typename V::criteria>
void check_assembled(const ex::variant_spec& spec) {
  CAPTURE(spec.name());
  auto a = ex::runner_detail::assemble<Sub, set, backend>(spec);
  REQUIRE(a);
  const auto prepared = jg::prepare<V, backend>();
  const auto& p = prepared.policies;
  const auto& q = a->policies;
  CHECK(q.layout.name == p.layout.name);
  CHECK(q.layout.one_call_per_criterion == p.layout.one_call_per_criterion);
  CHECK((q.layout.plan == p.layout.plan));
  CHECK(q.length_limits.has_value() == p.length_limits.has_value());
  if (q.length_limits && p.length_limits) {
    CHECK(q.length_limits->budget == p.length_limits->budget);
    CHECK(q.length_limits->ratio == p.length_limits->ratio);
    CHECK(q.length_limits->floor == p.length_limits->floor);
  }
  CHECK(q.gate_name == p.gate_name);
  CHECK(q.needs_validation == p.needs_validation);
  CHECK(q.rescores_incumbent == p.rescores_incumbent);
  using decide_fn = jg::gate::verdict (*)(const jg::gate::evidence<Sub>&);
  REQUIRE(q.decide.template target<decide_fn>());
  CHECK((*q.decide.template target<decide_fn>() == *p.decide.template target<decide_fn>()));
  // The scalarizer and the algorithm's step: the same functions.
  REQUIRE((q.scalarize != nullptr));
  CHECK((q.scalarize == p.scalarize));
  REQUIRE((q.step != nullptr));
  CHECK((q.step == p.step));
  const auto& plan = prepared.plan;
  CHECK(a->plan.loss == plan.loss);
  CHECK(a->plan.gradient == plan.gradient);
  CHECK(a->plan.update == plan.update);
  CHECK(a->plan.routing.has_value() == plan.routing.has_value());
  if (plan.routing && a->plan.routing) {
    CHECK(a->plan.routing->evaluator == plan.routing->evaluator);
    CHECK(a->plan.routing->threshold == plan.routing->threshold);
    CHECK(a->plan.routing->scorer == plan.routing->scorer);
  }
  REQUIRE((a->stages != nullptr));
  CHECK((a->stages == prepared.stages));
}

template <class V>
void check_assembled() {
  auto spec = ex::variant_spec::parse(V::name());
  REQUIRE(spec);
  check_assembled<V>(*spec);
}
}  // namespace

TEST_CASE("a variant the catalog assembles slot by slot has its type's policies, stages and merge") {
  using namespace jg;
  using routed_evaluator = decomposition<separate, routed<specificity::evaluator, 6>, combined>;
  check_assembled<variant<set, routed_evaluator, merge::structured, gate::non_regression<metric::mae>>>();
  check_assembled<variant<set, ssc, algorithm::pareto<>>>();
  check_assembled<variant<set, sss, algorithm::opro<metric::mae>, gate::paired_bootstrap<metric::mae>, layout::per_criterion>>();
  check_assembled<variant<set, sss, algorithm::opro<>, gate::non_regression<metric::spearman>>>();
  check_assembled<variant<set, ccc, length::balanced<>, gate::non_regression<metric::mae>>>();
  check_assembled<variant<set, scc, merge::conflict_resolving<merge::structured>>>();
  check_assembled<variant<set, ssc, gate::non_regression<metric::mae>, layout::prefix_shared>>();
  check_assembled<variant<set, csc, merge::concatenate, gate::pareto<metric::mae>, layout::per_criterion>>();
  check_assembled<variant<set, decomposition<separate, ex::catalog_detail::remedy_partition<set>::type, combined>, merge::structured>>();
  // The single-task baseline: its policies over one criterion, run as TextGrad.
  using single = variant<set, ccc, algorithm::single_task, gate::paired<metric::mae>>;
  auto spec = ex::variant_spec::parse(single::name());
  REQUIRE(spec);
  check_assembled<single_task_part<single, summeval::coherence>>(*spec);
  CHECK_FALSE(ex::runner_detail::assemble<set, set, backend>(ex::variant_spec{"SSC", "mae", "nonexistent", "joint"}));
}
}  // namespace test_experiment_catalog
