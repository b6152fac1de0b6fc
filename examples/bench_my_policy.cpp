// Microbenchmark your own aggregation policy beside judgegrad's: a scalarizer that rewards the
// weakest criteria most (a soft minimum), timed against the built-in ones on SummEval's four
// criteria, and judgegrad's non-regression gate deciding with it.
//
//   build/release/examples/example.bench_my_policy --benchmark_min_time=0.2
//
// The table at the end gives each policy's time as a ratio: against the built-in mean, against
// the hand-written loop, and the virtual and std::function forms against the static call.
#include <judgegrad/bench/aggregation.hpp>
#include <judgegrad/criteria.hpp>

#include <cmath>

namespace jg = judgegrad;

// -log(mean(exp(-t * v))) / t: near the minimum for large t, near the mean for small t.
struct soft_minimum {
  using family = jg::family::scalarizer;
  static constexpr std::string_view name = "soft_minimum";
  template <class Set>
  static double apply(const jg::per_criterion<Set, double>& v) {
    constexpr double t = 4;
    double sum = 0;
    for (double x : v.values) sum += std::exp(-t * x);
    return -std::log(sum / static_cast<double>(Set::size)) / t;
  }
};

int main(int argc, char** argv) {
  namespace jb = jg::bench;
  using summeval = jg::summeval::all;
  jb::add_builtin_scalarizers<summeval>();
  jb::add_scalarizer<summeval, soft_minimum>("soft_minimum");
  jb::add_gate<summeval, jg::gate::non_regression<jg::metric::spearman>, soft_minimum>("gate=spearman+soft_minimum");
  return jb::run(argc, argv);
}
