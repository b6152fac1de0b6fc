/// @file
/// Per-criterion agreement between a judge and the human scores: every metric of
/// judgegrad::stats with a bootstrap interval, and the coverage (share of items with a valid
/// score) reported beside them.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/metric.hpp>

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// One metric on one criterion: the value on all scored items and the bootstrap's percentile
/// interval and standard error. NaN where undefined (no pairs, a constant side for a correlation,
/// intervals turned off): undefined is never reported as 0.
struct metric_value {
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
  double standard_error = std::numeric_limits<double>::quiet_NaN();
};

/// What an evaluation reports for one criterion.
struct criterion_report {
  std::size_t items = 0;    ///< items with a human score
  std::size_t scored = 0;   ///< of those, items the judge gave a valid score
  double coverage = 0;      ///< scored / items (0 when items is 0)
  std::vector<metric_value> metrics;
  /// The metric called `name`, or nullptr.
  const metric_value* find(std::string_view name) const {
    for (const auto& m : metrics)
      if (m.name == name) return &m;
    return nullptr;
  }
};

/// How intervals are computed: stats::bootstrap with these options; 0 resamples turns them off.
struct bootstrap_settings {
  std::size_t resamples = 1000;
  double confidence = 0.95;
  std::uint64_t seed = 0;  ///< the same seed gives two prompts on the same items the same resamples
};

namespace detail {
template <metric_type M>
metric_value one_metric(std::span<const double> gold, std::span<const double> pred, const score_scale& scale,
                        const bootstrap_settings& b) {
  metric_value v;
  v.name = std::string(M::name);
  v.value = M::compute(gold, pred, scale).value;
  if (b.resamples == 0 || gold.empty()) return v;
  auto r = stats::bootstrap<M>(gold, pred, {.resamples = b.resamples, .confidence = b.confidence, .seed = b.seed});
  v.low = r.percentile.lower;
  v.high = r.percentile.upper;
  v.standard_error = r.standard_error;
  return v;
}
}  // namespace detail

/// The metrics every evaluation reports, in report order.
inline constexpr std::string_view reported_metrics[] = {"spearman", "kendall", "pearson", "mae",
                                                        "off_by_one", "accuracy", "qwk"};

/// Every reported metric on the pairs (gold[i], pred[i]) of a criterion with scale `scale`.
inline std::vector<metric_value> compute_metrics(std::span<const double> gold, std::span<const double> pred,
                                                 const score_scale& scale, const bootstrap_settings& b) {
  return {detail::one_metric<metric::spearman>(gold, pred, scale, b), detail::one_metric<metric::kendall>(gold, pred, scale, b),
          detail::one_metric<metric::pearson>(gold, pred, scale, b),  detail::one_metric<metric::mae>(gold, pred, scale, b),
          detail::one_metric<metric::off_by_one>(gold, pred, scale, b), detail::one_metric<metric::accuracy>(gold, pred, scale, b),
          detail::one_metric<metric::qwk>(gold, pred, scale, b)};
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
