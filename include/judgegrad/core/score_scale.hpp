/// @file
/// The range of scores a criterion allows: min, max and the step between allowed values.
#pragma once

#include <judgegrad/config.hpp>

#include <cmath>
#include <cstddef>

JUDGEGRAD_BEGIN_NAMESPACE

/// An ordinal score range such as 1..5 (step 1) or 0..3. A score is allowed when it lies in
/// [min, max] and is a whole number of steps above min.
struct score_scale {
  double min = 1;
  double max = 5;
  double step = 1;

  /// Number of allowed values (5 for 1..5 in steps of 1).
  constexpr std::size_t levels() const { return static_cast<std::size_t>((max - min) / step + 0.5) + 1; }
  /// The i-th allowed value, counting from min.
  constexpr double value(std::size_t i) const { return min + static_cast<double>(i) * step; }
  /// Width of the range; the largest possible absolute error.
  constexpr double span() const { return max - min; }
  /// Whether `x` is one of the allowed values (within a rounding tolerance).
  bool contains(double x) const {
    if (!(x >= min - 1e-9 && x <= max + 1e-9)) return false;
    double k = (x - min) / step;
    return std::abs(k - std::round(k)) < 1e-9;
  }
  friend constexpr bool operator==(const score_scale&, const score_scale&) = default;
};

JUDGEGRAD_END_NAMESPACE
