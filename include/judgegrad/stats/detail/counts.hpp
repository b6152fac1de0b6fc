/// @file
/// Metrics evaluated on a bootstrap resample given as one count per item: the kernels that let the
/// bootstrap and the paired tests resample without allocating, and rank metrics without sorting,
/// per resample. Internal to stats/bootstrap.hpp and stats/paired.hpp; exact as the metrics
/// themselves (tests/stats/uncertainty.cpp compares them on expanded resamples).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/agreement.hpp>
#include <judgegrad/stats/correlation.hpp>
#include <judgegrad/stats/measurement.hpp>
#include <judgegrad/stats/metric.hpp>

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
namespace stats::detail {

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

/// Kendall's tau-b under counts for data with few distinct values per side (integer scores, means
/// over a few annotators): the contingency table of their level codes is filled with the counts, so
/// a resample costs O(n + levels^2) and sorts nothing. Other data expand the counts.
struct kendall_counts {
  std::vector<std::uint8_t> cx, cy;
  std::size_t wx = 0, wy = 0;
  std::vector<std::uint64_t> table;
  expanded_statistic<metric_kernel<metric::kendall>> fallback;
  kendall_counts(std::span<const double> g, std::span<const double> p) : fallback(g, p, {}) {
    if (g.empty()) return;
    wx = code_levels(g, cx);
    wy = wx ? code_levels(p, cy) : 0;
  }
  double operator()(std::span<const std::uint32_t> counts) {
    if (wx == 0 || wy == 0) return fallback(counts);
    return contingency_tau_b(cx, wx, cy, wy, counts, table);
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

}  // namespace stats::detail
JUDGEGRAD_END_NAMESPACE
