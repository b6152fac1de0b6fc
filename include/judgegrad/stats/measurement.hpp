/// @file
/// The result of a statistic over (gold, prediction) pairs: its value and how many pairs it used.
/// Also the input conventions shared by every metric: NaN or a cleared mask entry means missing.
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {

/// A statistic's value with its coverage. `value` is NaN when the statistic is undefined for the
/// pairs used (too few pairs, a constant vector): never a made-up 0.
struct measurement {
  double value = std::numeric_limits<double>::quiet_NaN();
  std::size_t used = 0;   ///< complete pairs the value was computed from
  std::size_t given = 0;  ///< pairs passed in, complete or not

  /// Share of the given pairs that were used (NaN when none were given).
  constexpr double coverage() const {
    return given == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(used) / static_cast<double>(given);
  }
  /// Whether the value is a number.
  bool defined() const { return !std::isnan(value); }
};

/// Which pairs are present: a view over `bool`s from a `std::span<const bool>`, a C array or a
/// `std::vector<bool>` (which has no contiguous storage). An empty mask means "all present".
class mask_view {
 public:
  constexpr mask_view() = default;
  constexpr mask_view(std::span<const bool> flags) : span_(flags), size_(flags.size()) {}
  mask_view(const std::vector<bool>& flags) : bits_(&flags), size_(flags.size()) {}

  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  bool operator[](std::size_t i) const { return bits_ ? (*bits_)[i] : span_[i]; }

 private:
  std::span<const bool> span_{};
  const std::vector<bool>* bits_ = nullptr;
  std::size_t size_ = 0;
};

namespace detail {

[[noreturn]] inline void length_mismatch(std::string_view other, std::size_t a, std::size_t b, std::string_view function) {
  throw std::invalid_argument(fmt::format("judgegrad::stats::{}: gold has {} values but {} has {}", function, a, other, b));
}

/// Checks the lengths of gold, pred and the mask; throws std::invalid_argument naming `function`.
inline void check_lengths(std::span<const double> gold, std::span<const double> pred, const mask_view& mask,
                          std::string_view function) {
  if (gold.size() != pred.size()) length_mismatch("pred", gold.size(), pred.size(), function);
  if (!mask.empty() && mask.size() != gold.size()) length_mismatch("the mask", gold.size(), mask.size(), function);
}

/// Appends the complete pairs (both numbers, mask set) to `g` and `p`, which are cleared first.
inline void complete_pairs(std::span<const double> gold, std::span<const double> pred, const mask_view& mask,
                           std::vector<double>& g, std::vector<double>& p) {
  g.clear();
  p.clear();
  g.reserve(gold.size());
  p.reserve(gold.size());
  for (std::size_t i = 0; i < gold.size(); ++i) {
    if (std::isnan(gold[i]) || std::isnan(pred[i]) || (!mask.empty() && !mask[i])) continue;
    g.push_back(gold[i]);
    p.push_back(pred[i]);
  }
}

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

}  // namespace detail
}  // namespace stats
JUDGEGRAD_END_NAMESPACE
