/// @file
/// Comparing two prompts on the same items: a paired bootstrap (an interval for the difference of a
/// metric) and a paired permutation test, seeded like the bootstrap (stats/bootstrap.hpp).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/detail/counts.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/random.hpp>

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
  auto sa = counts_statistic<M>(g, a);
  auto sb = counts_statistic<M>(g, b);
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
    draw_counts(rng, counts);
    const double v = diff();
    if (std::isnan(v)) ++r.undefined;
    else d.push_back(v);
  }
  if (d.empty()) return r;
  std::sort(d.begin(), d.end());
  const double alpha = (1 - options.confidence) / 2;
  r.ci = {quantile_sorted(d, alpha), quantile_sorted(d, 1 - alpha)};
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
