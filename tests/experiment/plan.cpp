// The calls an experiment plans, against the reference's own table (its notes, section 1.8):
// SummEval (K = 4, B = 3, V = 100, N = 480) SSS makes 3 + 12 + 12 + 4 = 31 optimization calls,
// 100 gate and 480 test calls a step; a 12-step BRIGHTER run (K = 5, N = 2767) about 36 k.
#include <judgegrad/experiment/plan.hpp>
#include <judgegrad/experiment/runner.hpp>

#include <doctest/doctest.h>

namespace test_experiment_plan {

namespace jg = judgegrad;
namespace ex = judgegrad::experiment;

TEST_CASE("planned calls per step and per run, by the reference's accounting") {
  using se = jg::summeval::all;
  CHECK(ex::paper_test_size("summeval") == 480);
  CHECK(ex::paper_test_size("brighter") == 2767);
  CHECK(ex::paper_test_size("other") == 0);

  auto step = [](const char* name) { return ex::planned_step_calls<se>(ex::variant_spec::parse(name).value(), 3, 100, 480); };
  auto sss = step("SSS/gate=mae");
  REQUIRE(sss);
  CHECK(sss->judge + sss->stages.total() == 31);
  CHECK(sss->stages == jg::stage_calls{12, 12, 4});
  CHECK(sss->gate == 100);
  CHECK(sss->test == 480);
  CHECK(sss->total() == 611);
  // By hand from the table: SSC 3 + 12 + 12 + 1, SCC 3 + 12 + 3 + 1, CCC 3 + 3 + 3 + 1; no gate: none.
  CHECK(step("SSC")->total() == 28 + 480);
  CHECK(step("SCC")->total() == 19 + 480);
  CHECK(step("CCC")->total() == 10 + 480);
  CHECK(step("CCC")->gate == 0);
  // The single-task baseline: one run per criterion, each a CCC step over its criterion alone.
  CHECK(step("CCC/algorithm=single_task/gate=mae")->total() == 3 + 1 * 3 + 1 * 3 + 1 + 100 + 480);
  CHECK(!step("SSS/algorithm=opro"));  // no static count
  CHECK(!step("SSC/algorithm=pareto"));

  // A run: the test split at step 0, 12 steps, and the incumbent at the first gate.
  auto d = ex::paper_preset();
  auto jobs = ex::jobs_of<se>(d);
  for (const auto& j : jobs)
    if (j.variant == "SSS/gate=mae") CHECK(ex::planned_run_calls<se>(d, j, 480) == 480 + 12 * 611 + 100);

  using br = jg::brighter::all;
  ex::job ccc;
  ccc.spec = ex::variant_spec::parse("CCC").value();
  const auto brighter = ex::planned_run_calls<br>(ex::brighter_preset(), ccc, ex::paper_test_size("brighter"));
  CHECK(brighter == 2767 + 12 * (3 + 3 + 3 + 1 + 2767));
  CHECK(*brighter / 1000 == 36);  // "about 36 k judge calls per 12-step run"
}

}  // namespace test_experiment_plan
