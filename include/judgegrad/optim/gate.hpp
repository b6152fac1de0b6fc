/// @file
/// Gate policies: whether the optimizer's candidate prompt replaces the incumbent.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/scalarizer.hpp>

#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE
namespace gate {

/// Every candidate is accepted (the reference's `validation_metric = "none"`).
struct always {
  using family = judgegrad::family::gate;
  static constexpr std::string_view name = "none";
};

/// The reference's gate: the candidate is scored once on the validation items and accepted when
/// the scalarized, direction-normalised metric is at least the incumbent's cached score.
/// Named after its metric ("mae"), as the reference's run names are.
template <class Metric, class Scalarizer = scalar::mean>
struct non_regression {
  static_assert(metric_type<Metric>, "judgegrad::gate::non_regression<Metric>: Metric must be a judgegrad::metric type");
  static_assert(scalarizer_policy<Scalarizer>,
                "judgegrad::gate::non_regression<Metric, Scalarizer>: Scalarizer must be a judgegrad::scalar policy");
  using family = judgegrad::family::gate;
  using metric = Metric;
  using scalarizer = Scalarizer;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s;
    if constexpr (metric_type<Metric> && scalarizer_policy<Scalarizer>) {  // else the asserts above speak
      s.append(Metric::name);
      if (!std::is_same_v<Scalarizer, scalar::mean>) s.append("-").append(Scalarizer::name);
    }
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
};

}  // namespace gate

/// A gate policy.
template <class P>
concept gate_policy = policy_of<P, family::gate>;

JUDGEGRAD_END_NAMESPACE
