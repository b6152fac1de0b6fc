/// @file
/// Algorithm policies: which optimizer drives the loop (optim/optimize.hpp). An algorithm is a
/// policy of family::algorithm with a name and one step:
///
///     struct my_search {
///       using family = judgegrad::family::algorithm;
///       static constexpr std::string_view name = "my_search";
///       template <criteria_set Set>
///       static void step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step);
///     };
///
/// `run` (optim/run.hpp) offers what a step may do; the step leaves the prompt in force in
/// `state`. The built-in steps are defined in optim/algorithms/: textgrad.hpp, opro.hpp,
/// pareto.hpp. `examples/custom_algorithm.cpp` adds one without touching judgegrad.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/stats/metric.hpp>

#include <cstdint>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

// Defined in optim/run.hpp and optim/record.hpp.
template <criteria_set Set>
class run;
template <criteria_set Set>
struct run_state;
struct step_record;

namespace algorithm {

/// TextGrad: textual loss, gradient and update stages, decomposed per the variant's mode.
struct textgrad {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "textgrad";
  template <criteria_set Set>
  static void step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step);
};

/// OPRO: the optimizer sees a scored history of instruction sets (scored on the training batch by
/// `Metric`, the mean over criteria; the reference's accuracy) instead of critiques, and proposes
/// several candidates per step. Named "opro", or "opro(mae)" with another metric.
template <class Metric = metric::accuracy>
struct opro {
  static_assert(metric_type<Metric>, "judgegrad::algorithm::opro<Metric>: Metric must be a judgegrad::metric type");
  using family = judgegrad::family::algorithm;
  using metric = Metric;

 private:
  static constexpr auto label = [] {
    fixed_string<48> s("opro");
    if constexpr (metric_type<Metric>)
      if (!std::is_same_v<Metric, judgegrad::metric::accuracy>) s.append("(").append(Metric::name).append(")");
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
  template <criteria_set Set>
  static void step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step);
};

/// Pareto search over prompts (in the spirit of GEPA's per-objective frontier): a frontier of
/// non-dominated prompts over the per-criterion validation values of `Metric`. Each step draws a
/// parent from the frontier (weighted by the criteria it is best on, seeded), proposes a child with
/// the variant's TextGrad stages from it, judges the child on validation and adds it when no
/// member dominates it; every `MergeEvery`-th step instead merges each criterion's best specialist
/// instruction into one prompt, held to the length balance (the variant's, else
/// length::balanced<>). The prompt in force is the member the variant's scalarizer ranks first.
/// The variant's gate is not used. Named "pareto", or "pareto(spearman:3)" off the defaults.
template <class Metric = metric::mae, int MergeEvery = 4>
struct pareto {
  static_assert(metric_type<Metric>, "judgegrad::algorithm::pareto<Metric, MergeEvery>: Metric must be a judgegrad::metric type");
  static_assert(MergeEvery >= 0, "judgegrad::algorithm::pareto<Metric, MergeEvery>: MergeEvery >= 0 (0: never merge)");
  using family = judgegrad::family::algorithm;
  using metric = Metric;
  static constexpr int merge_every = MergeEvery;

 private:
  static constexpr auto label = [] {
    fixed_string<48> s("pareto");
    if constexpr (metric_type<Metric>)
      if (!std::is_same_v<Metric, judgegrad::metric::mae> || MergeEvery != 4) {
        s.append("(").append(Metric::name).append(":");
        const char digit[2] = {static_cast<char>('0' + MergeEvery % 10), '\0'};
        if (MergeEvery >= 10) {
          const char tens[1] = {static_cast<char>('0' + MergeEvery / 10 % 10)};
          s.append(std::string_view(tens, 1));
        }
        s.append(std::string_view(digit, 1)).append(")");
      }
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
  /// What the records call its acceptance rule, in place of the variant's gate.
  static constexpr std::string_view gate_name = "pareto-front";
  template <criteria_set Set>
  static void step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step);
};

template <class T>
inline constexpr bool is_pareto = false;
template <class M, int E>
inline constexpr bool is_pareto<pareto<M, E>> = true;

/// The paper's single-task baseline: one whole TextGrad run per criterion, each with a judge
/// prompt holding only that criterion and evaluated on it alone (`optimize` runs them; each run's
/// step is TextGrad's).
struct single_task {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "single_task";
};

}  // namespace algorithm

/// An algorithm policy.
template <class P>
concept algorithm_policy = policy_of<P, family::algorithm>;

/// An algorithm policy with a step over criteria set `Set` (every one but single_task, which
/// `optimize` runs as TextGrad runs of one criterion each).
template <class P, class Set>
concept algorithm_step = algorithm_policy<P> && requires(run<Set>& r, run_state<Set>& s, step_record& rec, std::int64_t step) {
  P::template step<Set>(r, s, rec, step);
};

JUDGEGRAD_END_NAMESPACE
