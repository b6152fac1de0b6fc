/// @file
/// Algorithm policies: which optimizer drives the loop (optim/optimize.hpp).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/stats/metric.hpp>

#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE
namespace algorithm {

/// TextGrad: textual loss, gradient and update stages, decomposed per the variant's mode.
struct textgrad {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "textgrad";
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
};

/// The paper's single-task baseline: one whole TextGrad run per criterion, each with a judge
/// prompt holding only that criterion and evaluated on it alone.
struct single_task {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "single_task";
};

}  // namespace algorithm

/// An algorithm policy.
template <class P>
concept algorithm_policy = policy_of<P, family::algorithm>;

JUDGEGRAD_END_NAMESPACE
