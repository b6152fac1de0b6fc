/// @file
/// Uncertainty of a metric: the nonparametric bootstrap over items (percentile and BCa intervals),
/// a paired bootstrap and a paired permutation test comparing two prompts on the same items. All
/// seeded with stats::xoshiro256, so a seed gives the same numbers on every platform. Resampling
/// draws a count per item and evaluates the metric on those counts, reusing its buffers: nothing
/// is allocated per resample, and rank metrics need no sorting per resample.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/agreement.hpp>
#include <judgegrad/stats/correlation.hpp>
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
  double standard_error = detail::nan;  ///< sample standard deviation of the resampled values
  std::size_t resamples = 0;   ///< resamples drawn
  std::size_t undefined = 0;   ///< resamples where the metric was NaN (left out of the intervals)
};

/// Prompt A against prompt B on the same items. `difference` is oriented so that positive means A
/// is better: normalized_score(metric(A)) - normalized_score(metric(B)).
struct paired_comparison {
  double difference = detail::nan;
  interval ci;                  ///< paired bootstrap percentile interval of the difference (bootstrap only)
  double p_value = detail::nan; ///< two-sided, for "A and B are equally good"
  std::size_t used = 0;         ///< items where gold, A and B are all present
  std::size_t given = 0;
  std::size_t resamples = 0;
  std::size_t undefined = 0;    ///< resamples where either metric was NaN
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

/// numpy.percentile(sorted, 100 q) with linear interpolation.
inline double quantile_sorted(std::span<const double> sorted, double q) {
  if (sorted.empty() || std::isnan(q)) return nan;
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

/// A metric evaluated on plain complete pairs, with buffers kept between calls.
template <class M>
struct metric_kernel {
  workspace w;
  std::vector<double> f1_a, f1_b, f1_c;
  double operator()(std::span<const double> g, std::span<const double> p) {
    const std::size_t n = g.size();
    const auto mean_of = [&](auto term) {
      if (n == 0) return nan;
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += term(g[i], p[i]);
      return s / static_cast<double>(n);
    };
    if constexpr (std::is_same_v<M, metric::spearman>) return spearman_kernel(g, p, w);
    else if constexpr (std::is_same_v<M, metric::kendall>) return kendall_kernel(g, p, w);
    else if constexpr (std::is_same_v<M, metric::pearson>) return pearson_kernel(g, p);
    else if constexpr (std::is_same_v<M, metric::mae>) return mean_of([](double a, double b) { return std::abs(b - a); });
    else if constexpr (std::is_same_v<M, metric::off_by_one>) return mean_of([](double a, double b) { return std::abs(b - a) <= 1 ? 1.0 : 0.0; });
    else if constexpr (std::is_same_v<M, metric::accuracy>) return mean_of([](double a, double b) { return a == b ? 1.0 : 0.0; });
    else if constexpr (std::is_same_v<M, metric::qwk>) return qwk_kernel(g, p);
    else return M::compute(g, p).value;  // a metric type defined elsewhere
  }
};

/// Any statistic of (gold, pred) evaluated on per-item counts by expanding them into buffers.
template <class Kernel>
struct expanded_statistic {
  std::span<const double> g, p;
  Kernel kernel;
  std::vector<double> eg, ep;
  expanded_statistic(std::span<const double> gold, std::span<const double> pred, Kernel k)
      : g(gold), p(pred), kernel(std::move(k)) {
    eg.reserve(g.size());
    ep.reserve(g.size());
  }
  double operator()(std::span<const std::uint32_t> counts) {
    eg.clear();
    ep.clear();
    for (std::size_t i = 0; i < counts.size(); ++i)
      for (std::uint32_t k = 0; k < counts[i]; ++k) {
        eg.push_back(g[i]);
        ep.push_back(p[i]);
      }
    return kernel(std::span<const double>(eg), std::span<const double>(ep));
  }
};

/// Sorted positions of `x` and where each run of equal values ends, for ranking under counts.
struct rank_groups {
  std::vector<std::uint32_t> order, ends;
  explicit rank_groups(std::span<const double> x) : order(x.size()) {
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
    for (std::size_t i = 1; i <= order.size(); ++i)
      if (i == order.size() || x[order[i]] != x[order[i - 1]]) ends.push_back(static_cast<std::uint32_t>(i));
  }
  /// Average ranks of the resample where item i appears counts[i] times, written per item.
  void assign(std::span<const std::uint32_t> counts, std::vector<double>& rank) const {
    std::size_t begin = 0;
    double before = 0;
    for (std::uint32_t end : ends) {
      std::uint64_t total = 0;
      for (std::size_t k = begin; k < end; ++k) total += counts[order[k]];
      const double r = before + 0.5 * static_cast<double>(total + 1);
      for (std::size_t k = begin; k < end; ++k) rank[order[k]] = r;
      before += static_cast<double>(total);
      begin = end;
    }
  }
};

/// Spearman's rho under counts in O(n): the items' order is sorted once, each resample only
/// re-sums the run lengths.
struct spearman_counts {
  rank_groups gx, gy;
  std::vector<double> rx, ry;
  spearman_counts(std::span<const double> g, std::span<const double> p)
      : gx(g), gy(p), rx(g.size()), ry(g.size()) {}
  double operator()(std::span<const std::uint32_t> counts) {
    gx.assign(counts, rx);
    gy.assign(counts, ry);
    std::uint64_t total = 0;
    for (auto c : counts) total += c;
    if (total < 2) return nan;
    const double mean = 0.5 * static_cast<double>(total + 1);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      const double c = counts[i], dx = rx[i] - mean, dy = ry[i] - mean;
      sxy += c * dx * dy;
      sxx += c * dx * dx;
      syy += c * dy * dy;
    }
    if (sxx == 0 || syy == 0) return nan;
    return clip_unit(sxy / std::sqrt(sxx) / std::sqrt(syy));
  }
};

/// A mean of per-pair terms (MAE, accuracy, off-by-one) under counts.
struct mean_term_counts {
  std::vector<double> term;
  double operator()(std::span<const std::uint32_t> counts) const {
    double s = 0;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      s += counts[i] * term[i];
      total += counts[i];
    }
    return total == 0 ? nan : s / static_cast<double>(total);
  }
};

/// Pearson's r under counts, as weighted moments (what pearson_kernel gives on the expanded resample).
struct pearson_counts {
  std::span<const double> x, y;
  double operator()(std::span<const std::uint32_t> counts) const {
    std::uint64_t total = 0;
    double sx = 0, sy = 0;
    bool x_constant = true, y_constant = true;
    std::size_t first = counts.size();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      if (first == counts.size()) first = i;
      x_constant = x_constant && x[i] == x[first];
      y_constant = y_constant && y[i] == y[first];
      total += counts[i];
      sx += counts[i] * x[i];
      sy += counts[i] * y[i];
    }
    if (total < 2 || x_constant || y_constant) return nan;
    const double mx = sx / static_cast<double>(total), my = sy / static_cast<double>(total);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      const double c = counts[i], dx = x[i] - mx, dy = y[i] - my;
      sxy += c * dx * dy;
      sxx += c * dx * dx;
      syy += c * dy * dy;
    }
    return clip_unit(sxy / std::sqrt(sxx) / std::sqrt(syy));
  }
};

/// Quadratic weighted kappa under counts, as weighted moments.
struct qwk_counts {
  std::span<const double> g, p;
  double operator()(std::span<const std::uint32_t> counts) const {
    std::uint64_t total = 0;
    double sg = 0, sp = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      total += counts[i];
      sg += counts[i] * g[i];
      sp += counts[i] * p[i];
    }
    if (total == 0) return nan;
    const double n = static_cast<double>(total), mg = sg / n, mp = sp / n;
    double observed = 0, vg = 0, vp = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      const double c = counts[i];
      observed += c * (g[i] - p[i]) * (g[i] - p[i]);
      vg += c * (g[i] - mg) * (g[i] - mg);
      vp += c * (p[i] - mp) * (p[i] - mp);
    }
    const double expected = vg + vp + n * (mg - mp) * (mg - mp);
    return expected == 0 ? nan : 1 - observed / expected;
  }
};

/// Kendall's tau-b under counts for scores on small integer scales: the contingency table is
/// filled with the counts, so a resample costs O(n + levels^2) and sorts nothing. Other data
/// expand the counts.
struct kendall_counts {
  std::span<const double> x, y;
  bool integer = false;
  double lx = 0, ly = 0;
  std::size_t wx = 0, wy = 0;
  std::vector<std::uint64_t> table;
  expanded_statistic<metric_kernel<metric::kendall>> fallback;
  kendall_counts(std::span<const double> g, std::span<const double> p) : x(g), y(p), fallback(g, p, {}) {
    integer = !g.empty() && narrow_integers(g, lx, wx, 64) && narrow_integers(p, ly, wy, 64);
  }
  double operator()(std::span<const std::uint32_t> counts) {
    if (!integer) return fallback(counts);
    table.assign(wx * wy + 2 * wy + wx, 0);
    std::uint64_t *cell = table.data(), *above = cell + wx * wy, *column = above + wy, *row = column + wy;
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      cell[static_cast<std::size_t>(x[i] - lx) * wy + static_cast<std::size_t>(y[i] - ly)] += counts[i];
      n += counts[i];
    }
    if (n < 2) return nan;
    const auto pairs = [](std::uint64_t k) { return k * (k - 1) / 2; };
    std::uint64_t joint = 0, discordant = 0;
    for (std::size_t r = 0; r < wx; ++r) {
      std::uint64_t higher = 0;
      for (std::size_t c = wy; c-- > 0;) {
        const std::uint64_t k = cell[r * wy + c];
        discordant += k * higher;
        higher += above[c];
        joint += k > 1 ? pairs(k) : 0;
        row[r] += k;
        column[c] += k;
      }
      for (std::size_t c = 0; c < wy; ++c) above[c] += cell[r * wy + c];
    }
    std::uint64_t x_ties = 0, y_ties = 0;
    for (std::size_t r = 0; r < wx; ++r) x_ties += row[r] > 1 ? pairs(row[r]) : 0;
    for (std::size_t c = 0; c < wy; ++c) y_ties += column[c] > 1 ? pairs(column[c]) : 0;
    return tau_b(n, x_ties, y_ties, joint, discordant);
  }
};

/// The fastest counts statistic for metric type M on complete pairs.
template <class M>
auto counts_statistic(std::span<const double> g, std::span<const double> p) {
  const auto terms = [&](auto f) {
    mean_term_counts s;
    s.term.resize(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) s.term[i] = f(g[i], p[i]);
    return s;
  };
  if constexpr (std::is_same_v<M, metric::spearman>) return spearman_counts(g, p);
  else if constexpr (std::is_same_v<M, metric::kendall>) return kendall_counts(g, p);
  else if constexpr (std::is_same_v<M, metric::pearson>) return pearson_counts{g, p};
  else if constexpr (std::is_same_v<M, metric::qwk>) return qwk_counts{g, p};
  else if constexpr (std::is_same_v<M, metric::mae>) return terms([](double a, double b) { return std::abs(b - a); });
  else if constexpr (std::is_same_v<M, metric::off_by_one>) return terms([](double a, double b) { return std::abs(b - a) <= 1 ? 1.0 : 0.0; });
  else if constexpr (std::is_same_v<M, metric::accuracy>) return terms([](double a, double b) { return a == b ? 1.0 : 0.0; });
  else return expanded_statistic<metric_kernel<M>>(g, p, metric_kernel<M>{});
}

inline void check_options(const bootstrap_options& o, const char* function) {
  if (o.resamples == 0) throw std::invalid_argument(fmt::format("judgegrad::stats::{}: resamples must be positive", function));
  if (!(o.confidence > 0 && o.confidence < 1))
    throw std::invalid_argument(fmt::format("judgegrad::stats::{}: confidence {} is not in (0, 1)", function, o.confidence));
}

/// Draws one bootstrap resample of n items as counts.
inline void draw_counts(xoshiro256& rng, std::span<std::uint32_t> counts) {
  std::fill(counts.begin(), counts.end(), 0u);
  const auto n = static_cast<std::uint32_t>(counts.size());
  for (std::uint32_t i = 0; i < n; ++i) ++counts[rng.below(n)];
}

/// The bootstrap of `stat` (a callable on counts) over n items.
template <class Stat>
bootstrap_result run_bootstrap(Stat& stat, std::size_t n, std::size_t given, const bootstrap_options& o) {
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
  if (theta.size() > 1) {
    double mean = 0, ss = 0;
    for (double v : theta) mean += v;
    mean /= static_cast<double>(theta.size());
    for (double v : theta) ss += (v - mean) * (v - mean);
    r.standard_error = std::sqrt(ss / static_cast<double>(theta.size() - 1));
  }

  // BCa: bias from the share of resamples below the estimate (ties count half, as SciPy does),
  // acceleration from the jackknife (leave one item out: its count becomes 0).
  const auto below = std::lower_bound(theta.begin(), theta.end(), r.estimate.value) - theta.begin();
  const auto at_most = std::upper_bound(theta.begin(), theta.end(), r.estimate.value) - theta.begin();
  const double z0 = normal_quantile(static_cast<double>(below + at_most) / (2.0 * static_cast<double>(theta.size())));
  std::fill(counts.begin(), counts.end(), 1u);
  std::vector<double> jack(n);
  for (std::size_t j = 0; j < n; ++j) {
    counts[j] = 0;
    jack[j] = stat(std::span<const std::uint32_t>(counts));
    counts[j] = 1;
  }
  if (!std::isfinite(z0) || std::any_of(jack.begin(), jack.end(), [](double v) { return std::isnan(v); })) return r;
  const double jack_mean = std::accumulate(jack.begin(), jack.end(), 0.0) / static_cast<double>(n);
  double num = 0, den = 0;
  for (double v : jack) {
    const double d = jack_mean - v;
    num += d * d * d;
    den += d * d;
  }
  const double accel = den == 0 ? 0 : num / (6 * std::pow(den, 1.5));
  const auto adjusted = [&](double q) {
    const double z = normal_quantile(q);
    return normal_cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)));
  };
  r.bca = {quantile_sorted(theta, adjusted(alpha)), quantile_sorted(theta, adjusted(1 - alpha))};
  return r;
}

/// Keeps the items where gold, A and B are all present.
inline std::size_t common_items(std::span<const double> gold, std::span<const double> a, std::span<const double> b,
                                const char* function, std::vector<double>& g, std::vector<double>& pa,
                                std::vector<double>& pb) {
  if (a.size() != gold.size()) length_mismatch("pred_a", gold.size(), a.size(), function);
  if (b.size() != gold.size()) length_mismatch("pred_b", gold.size(), b.size(), function);
  for (std::size_t i = 0; i < gold.size(); ++i) {
    if (std::isnan(gold[i]) || std::isnan(a[i]) || std::isnan(b[i])) continue;
    g.push_back(gold[i]);
    pa.push_back(a[i]);
    pb.push_back(b[i]);
  }
  return g.size();
}

}  // namespace detail

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
  auto stat = detail::counts_statistic<M>(g, p);
  return detail::run_bootstrap(stat, g.size(), gold.size(), options);
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
  return detail::run_bootstrap(stat, g.size(), gold.size(), options);
}

/// Paired bootstrap: resamples the common items once per resample and scores A and B on the same
/// resample. `ci` is the percentile interval of the difference; `p_value` = min(1, 2 min(share
/// of differences <= 0, share >= 0)), each share counted as (k + 1) / (resamples + 1).
template <metric_type M>
paired_comparison paired_bootstrap(std::span<const double> gold, std::span<const double> pred_a,
                                   std::span<const double> pred_b, const bootstrap_options& options = {}) {
  detail::check_options(options, "paired_bootstrap");
  std::vector<double> g, a, b;
  paired_comparison r;
  r.used = detail::common_items(gold, pred_a, pred_b, "paired_bootstrap", g, a, b);
  r.given = gold.size();
  r.resamples = options.resamples;
  if (r.used == 0) return r;
  auto sa = detail::counts_statistic<M>(g, a);
  auto sb = detail::counts_statistic<M>(g, b);
  std::vector<std::uint32_t> counts(r.used, 1);
  const auto diff = [&] {
    return normalized_score<M>(sa(std::span<const std::uint32_t>(counts))) -
           normalized_score<M>(sb(std::span<const std::uint32_t>(counts)));
  };
  r.difference = diff();
  xoshiro256 rng(options.seed);
  std::vector<double> d;
  d.reserve(options.resamples);
  for (std::size_t k = 0; k < options.resamples; ++k) {
    detail::draw_counts(rng, counts);
    const double v = diff();
    if (std::isnan(v)) ++r.undefined;
    else d.push_back(v);
  }
  if (d.empty()) return r;
  std::sort(d.begin(), d.end());
  const double alpha = (1 - options.confidence) / 2;
  r.ci = {detail::quantile_sorted(d, alpha), detail::quantile_sorted(d, 1 - alpha)};
  const auto le = std::upper_bound(d.begin(), d.end(), 0.0) - d.begin();
  const auto ge = d.end() - std::lower_bound(d.begin(), d.end(), 0.0);
  const double denom = static_cast<double>(d.size()) + 1;
  r.p_value = std::min(1.0, 2 * std::min(static_cast<double>(le + 1) / denom, static_cast<double>(ge + 1) / denom));
  return r;
}

/// Paired permutation test: under "A and B are exchangeable", each item's two predictions are
/// swapped with probability 1/2. `p_value` = (1 + #{|permuted difference| >= |observed|}) /
/// (permutations + 1), comparing with a relative tolerance of 1e-12 so exact ties count.
template <metric_type M>
paired_comparison paired_permutation_test(std::span<const double> gold, std::span<const double> pred_a,
                                          std::span<const double> pred_b, const bootstrap_options& options = {}) {
  detail::check_options(options, "paired_permutation_test");
  std::vector<double> g, a, b;
  paired_comparison r;
  r.used = detail::common_items(gold, pred_a, pred_b, "paired_permutation_test", g, a, b);
  r.given = gold.size();
  r.resamples = options.resamples;
  if (r.used == 0) return r;
  detail::metric_kernel<M> ka, kb;
  r.difference = normalized_score<M>(ka(g, a)) - normalized_score<M>(kb(g, b));
  if (std::isnan(r.difference)) return r;
  const double observed = std::abs(r.difference) * (1 - 1e-12);
  xoshiro256 rng(options.seed);
  std::vector<double> pa(a.size()), pb(b.size());
  std::size_t extreme = 0, defined = 0;
  for (std::size_t k = 0; k < options.resamples; ++k) {
    for (std::size_t i = 0; i < g.size(); ++i) {
      const bool swap = rng.coin();
      pa[i] = swap ? b[i] : a[i];
      pb[i] = swap ? a[i] : b[i];
    }
    const double v = normalized_score<M>(ka(g, pa)) - normalized_score<M>(kb(g, pb));
    if (std::isnan(v)) {
      ++r.undefined;
      continue;
    }
    ++defined;
    if (std::abs(v) >= observed) ++extreme;
  }
  r.p_value = static_cast<double>(extreme + 1) / static_cast<double>(defined + 1);
  return r;
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
