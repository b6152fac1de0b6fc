/// @file
/// Error and hit-rate metrics: mean absolute error, root mean squared error, exact-match accuracy
/// and off-by-k. Missing pairs (NaN, cleared mask entry) are left out and lower the coverage; no
/// complete pair gives NaN (the reference's 0.0 would be a perfect MAE).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/measurement.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

/// Mean over complete pairs of `term(gold, pred)`, in one pass with no copy.
template <class Term>
measurement mean_over_pairs(std::span<const double> gold, std::span<const double> pred, const mask_view& mask,
                            std::string_view function, Term&& term) {
  check_lengths(gold, pred, mask, function);
  double sum = 0;
  std::size_t used = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) {
    if (std::isnan(gold[i]) || std::isnan(pred[i]) || (!mask.empty() && !mask[i])) continue;
    sum += term(gold[i], pred[i]);
    ++used;
  }
  return {used == 0 ? nan : sum / static_cast<double>(used), used, gold.size()};
}

}  // namespace detail

/// Mean absolute error, mean(|pred - gold|), over complete pairs; NaN when there are none.
inline measurement mae(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  return detail::mean_over_pairs(gold, pred, mask, "mae", [](double g, double p) { return std::abs(p - g); });
}

/// Root mean squared error, sqrt(mean((pred - gold)^2)), over complete pairs; NaN when there are none.
inline measurement rmse(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  auto m = detail::mean_over_pairs(gold, pred, mask, "rmse", [](double g, double p) { return (p - g) * (p - g); });
  m.value = std::sqrt(m.value);
  return m;
}

/// Share of complete pairs with pred == gold exactly (4.0 equals 4); NaN when there are none.
inline measurement accuracy(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  return detail::mean_over_pairs(gold, pred, mask, "accuracy", [](double g, double p) { return g == p ? 1.0 : 0.0; });
}

/// Share of complete pairs with |pred - gold| <= k (k = 1 is the reference's OffByOne); NaN when
/// there are none.
inline measurement off_by_k(std::span<const double> gold, std::span<const double> pred, double k, mask_view mask = {}) {
  return detail::mean_over_pairs(gold, pred, mask, "off_by_k",
                                 [k](double g, double p) { return std::abs(p - g) <= k ? 1.0 : 0.0; });
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
