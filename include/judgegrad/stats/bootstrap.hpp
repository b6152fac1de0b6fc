/// @file
/// Uncertainty of a metric: the nonparametric bootstrap over items, with percentile and BCa
/// intervals. Seeded with stats::xoshiro256, so a seed gives the same numbers on every platform.
/// Resampling draws a count per item and evaluates the metric on those counts (stats/detail/counts.hpp),
/// reusing its buffers: nothing is allocated per resample, and rank metrics need no sorting per
/// resample. Comparing two prompts on the same items: stats/paired.hpp.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/detail/counts.hpp>
#include <judgegrad/stats/measurement.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/random.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {

/// The sample standard deviation of `x` (n - 1 in the denominator); NaN for fewer than two values.
inline double sample_sd(std::span<const double> x) {
  if (x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean = 0, ss = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double v : x) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

/// A closed interval; NaN bounds when it could not be computed.
struct interval {
  double lower = detail::nan;
  double upper = detail::nan;
  /// Whether `x` lies in [lower, upper].
  constexpr bool contains(double x) const { return lower <= x && x <= upper; }
};

/// How to resample.
struct bootstrap_options {
  std::size_t resamples = 10'000;  ///< bootstrap resamples (or permutations)
  double confidence = 0.95;        ///< interval coverage, in (0, 1)
  std::uint64_t seed = 0;          ///< seeds stats::xoshiro256
};

/// A metric with its bootstrap distribution summarised.
struct bootstrap_result {
  measurement estimate;        ///< the metric on all complete pairs
  interval percentile;         ///< percentile interval of the resampled values
  interval bca;                ///< bias-corrected and accelerated interval (Efron 1987)
  double bias_correction = detail::nan;  ///< BCa's z0: normal quantile of the share of resamples below the estimate (ties half)
  double acceleration = detail::nan;     ///< BCa's a: skewness of the jackknife values, sum d^3 / (6 (sum d^2)^1.5)
  double standard_error = detail::nan;  ///< sample standard deviation of the resampled values
  std::size_t resamples = 0;   ///< resamples drawn
  std::size_t undefined = 0;   ///< resamples where the metric was NaN (left out of the intervals)
};

namespace detail {

inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// The standard normal quantile: Acklam's rational approximation, polished by one Halley step
/// to full double precision.
inline double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return p == 0 ? -std::numeric_limits<double>::infinity() : p == 1 ? std::numeric_limits<double>::infinity() : nan;
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

inline void check_options(const bootstrap_options& o, const char* function) {
  if (o.resamples == 0) throw std::invalid_argument(fmt::format("judgegrad::stats::{}: resamples must be positive", function));
  if (!(o.confidence > 0 && o.confidence < 1))
    throw std::invalid_argument(fmt::format("judgegrad::stats::{}: confidence {} is not in (0, 1)", function, o.confidence));
}

}  // namespace detail

// The bootstrap's building blocks, for a bootstrap of one's own (the paired bootstrap gate, Table 1's
// mean over seeds): a resample of n items is a count per item, a statistic is a callable on those
// counts, and nothing is allocated per resample.

/// The `q` quantile of values sorted ascending, as numpy.percentile(sorted, 100 q) with linear
/// interpolation; NaN when there are none.
inline double quantile_sorted(std::span<const double> sorted, double q) {
  if (sorted.empty() || std::isnan(q)) return detail::nan;
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

/// Draws one bootstrap resample of `counts.size()` items as counts (how often each item is drawn).
inline void draw_counts(xoshiro256& rng, std::span<std::uint32_t> counts) {
  std::fill(counts.begin(), counts.end(), 0u);
  const auto n = static_cast<std::uint32_t>(counts.size());
  for (std::uint32_t i = 0; i < n; ++i) ++counts[rng.below(n)];
}

/// Metric type M on the complete pairs `gold`, `pred`, as a statistic of item counts: the fastest
/// kernel judgegrad has for M (rank metrics are not re-sorted per resample).
template <metric_type M>
auto counts_statistic(std::span<const double> gold, std::span<const double> pred) {
  return detail::counts_statistic<M>(gold, pred);
}
/// The type `counts_statistic<M>` returns.
template <metric_type M>
using counts_statistic_t = decltype(counts_statistic<M>(std::span<const double>{}, std::span<const double>{}));

/// The bootstrap of `stat` (a callable `double(std::span<const std::uint32_t> counts)`) over n
/// items, `given` of which were offered before incomplete pairs were dropped: the estimate at all
/// counts 1, `o.resamples` resamples, percentile and BCa intervals (the jackknife sets one
/// count to 0).
template <class Stat>
bootstrap_result bootstrap_counts(Stat& stat, std::size_t n, std::size_t given, const bootstrap_options& o) {
  bootstrap_result r;
  r.estimate.used = n;
  r.estimate.given = given;
  r.resamples = o.resamples;
  if (n == 0) {
    r.undefined = o.resamples;
    return r;
  }
  std::vector<std::uint32_t> counts(n, 1);
  r.estimate.value = stat(std::span<const std::uint32_t>(counts));

  xoshiro256 rng(o.seed);
  std::vector<double> theta;
  theta.reserve(o.resamples);
  for (std::size_t b = 0; b < o.resamples; ++b) {
    draw_counts(rng, counts);
    const double v = stat(std::span<const std::uint32_t>(counts));
    if (std::isnan(v)) ++r.undefined;
    else theta.push_back(v);
  }
  std::sort(theta.begin(), theta.end());
  if (theta.empty() || std::isnan(r.estimate.value)) return r;

  const double alpha = (1 - o.confidence) / 2;
  r.percentile = {quantile_sorted(theta, alpha), quantile_sorted(theta, 1 - alpha)};
  if (theta.size() > 1) r.standard_error = sample_sd(theta);

  // BCa: bias from the share of resamples below the estimate (ties count half, as SciPy does),
  // acceleration from the jackknife (leave one item out: its count becomes 0).
  const auto below = std::lower_bound(theta.begin(), theta.end(), r.estimate.value) - theta.begin();
  const auto at_most = std::upper_bound(theta.begin(), theta.end(), r.estimate.value) - theta.begin();
  const double z0 = detail::normal_quantile(static_cast<double>(below + at_most) / (2.0 * static_cast<double>(theta.size())));
  std::fill(counts.begin(), counts.end(), 1u);
  std::vector<double> jack(n);
  for (std::size_t j = 0; j < n; ++j) {
    counts[j] = 0;
    jack[j] = stat(std::span<const std::uint32_t>(counts));
    counts[j] = 1;
  }
  r.bias_correction = z0;
  if (!std::isfinite(z0) || std::any_of(jack.begin(), jack.end(), [](double v) { return std::isnan(v); })) return r;
  const double jack_mean = std::accumulate(jack.begin(), jack.end(), 0.0) / static_cast<double>(n);
  double num = 0, den = 0;
  for (double v : jack) {
    const double d = jack_mean - v;
    num += d * d * d;
    den += d * d;
  }
  const double accel = den == 0 ? 0 : num / (6 * std::pow(den, 1.5));
  r.acceleration = accel;
  const auto adjusted = [&](double q) {
    const double z = detail::normal_quantile(q);
    return detail::normal_cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)));
  };
  r.bca = {quantile_sorted(theta, adjusted(alpha)), quantile_sorted(theta, adjusted(1 - alpha))};
  return r;
}

/// Bootstrap of metric type `M` over the complete pairs: `resamples` resamples of n items drawn
/// with replacement, percentile and BCa intervals at `confidence`.
///
///     auto r = bootstrap<metric::spearman>(gold, pred, {.resamples = 10'000, .seed = 7});
///     fmt::print("{:.3f} [{:.3f}, {:.3f}]", r.estimate.value, r.bca.lower, r.bca.upper);
template <metric_type M>
bootstrap_result bootstrap(std::span<const double> gold, std::span<const double> pred, const bootstrap_options& options = {},
                           mask_view mask = {}) {
  detail::check_lengths(gold, pred, mask, "bootstrap");
  detail::check_options(options, "bootstrap");
  std::vector<double> g, p;
  detail::complete_pairs(gold, pred, mask, g, p);
  auto stat = counts_statistic<M>(g, p);
  return bootstrap_counts(stat, g.size(), gold.size(), options);
}

/// Bootstrap of any statistic `f(gold, pred) -> double` (given the complete pairs of a resample).
template <class F>
  requires std::is_invocable_r_v<double, F&, std::span<const double>, std::span<const double>>
bootstrap_result bootstrap_statistic(F&& f, std::span<const double> gold, std::span<const double> pred,
                                     const bootstrap_options& options = {}, mask_view mask = {}) {
  detail::check_lengths(gold, pred, mask, "bootstrap_statistic");
  detail::check_options(options, "bootstrap_statistic");
  std::vector<double> g, p;
  detail::complete_pairs(gold, pred, mask, g, p);
  auto call = [&f](std::span<const double> a, std::span<const double> b) { return static_cast<double>(f(a, b)); };
  detail::expanded_statistic<decltype(call)> stat(g, p, call);
  return bootstrap_counts(stat, g.size(), gold.size(), options);
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
