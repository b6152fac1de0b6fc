/// @file
/// Per-criterion agreement between a judge and the human scores, with bootstrap intervals and
/// the coverage (share of items with a valid score) reported beside every number.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/data/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// One metric on one criterion: the point value on all scored items and a percentile bootstrap
/// interval. NaN where the metric is undefined (fewer than 2 pairs, or a constant side for a
/// correlation): undefined is never reported as 0.
struct metric_value {
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
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

/// How intervals are computed.
struct bootstrap_settings {
  std::size_t resamples = 1000;  ///< 0 turns intervals off (low = high = NaN)
  double confidence = 0.95;
  std::uint32_t seed = 0;
};

namespace detail {

// Until judgegrad::stats provides them, the judge computes Spearman and MAE itself, here.
inline std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<std::size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && x[idx[j + 1]] == x[idx[i]]) ++j;
    double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  if (a.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}
/// Spearman's rho with average ranks for ties (as scipy.stats.spearmanr).
inline double spearman(const std::vector<double>& gold, const std::vector<double>& pred) {
  return pearson(average_ranks(gold), average_ranks(pred));
}
/// Mean absolute error; NaN for no pairs.
inline double mae(const std::vector<double>& gold, const std::vector<double>& pred) {
  if (gold.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) s += std::abs(gold[i] - pred[i]);
  return s / static_cast<double>(gold.size());
}

using metric_fn = double (*)(const std::vector<double>&, const std::vector<double>&);
struct named_metric {
  std::string_view name;
  metric_fn fn;
};
inline constexpr named_metric metrics[] = {{"spearman", &spearman}, {"mae", &mae}};

/// Percentile of sorted finite values (linear interpolation).
inline double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  double pos = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace detail

/// The names of the metrics every evaluation reports, in report order.
inline std::vector<std::string_view> metric_names() {
  std::vector<std::string_view> out;
  for (const auto& m : detail::metrics) out.push_back(m.name);
  return out;
}

/// Every metric on the pairs (gold[i], pred[i]) with bootstrap intervals: resample the pairs with
/// replacement `resamples` times (indices drawn with data::random_state seeded by `seed`, so
/// two prompts evaluated on the same items get the same resamples), take the central
/// `confidence` share of the finite resampled values.
inline std::vector<metric_value> compute_metrics(const std::vector<double>& gold, const std::vector<double>& pred,
                                                 const bootstrap_settings& b) {
  std::vector<metric_value> out;
  for (const auto& m : detail::metrics) {
    metric_value v;
    v.name = std::string(m.name);
    v.value = m.fn(gold, pred);
    out.push_back(v);
  }
  if (b.resamples == 0 || gold.size() < 2) return out;
  std::vector<std::vector<double>> samples(out.size());
  data::random_state rng(b.seed);
  std::vector<double> g(gold.size()), p(pred.size());
  for (std::size_t r = 0; r < b.resamples; ++r) {
    for (std::size_t i = 0; i < gold.size(); ++i) {
      auto k = static_cast<std::size_t>(rng.interval(gold.size() - 1));
      g[i] = gold[k];
      p[i] = pred[k];
    }
    for (std::size_t m = 0; m < out.size(); ++m) {
      double x = detail::metrics[m].fn(g, p);
      if (std::isfinite(x)) samples[m].push_back(x);
    }
  }
  double tail = (1 - b.confidence) / 2;
  for (std::size_t m = 0; m < out.size(); ++m) {
    std::sort(samples[m].begin(), samples[m].end());
    out[m].low = detail::percentile(samples[m], tail);
    out[m].high = detail::percentile(samples[m], 1 - tail);
  }
  return out;
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
