/// @file
/// Average ranks (ties share the mean of the ranks they span), as scipy.stats.rankdata(method="average").
#pragma once

#include <judgegrad/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

/// A value with its position, sorted by value to rank without an indirect comparison.
struct keyed {
  double value;
  std::uint32_t index;
};

/// Writes the 1-based average ranks of `x` (no NaN) to `out`; `scratch` is reused storage.
inline void average_ranks(std::span<const double> x, std::span<double> out, std::vector<keyed>& scratch) {
  const std::size_t n = x.size();
  scratch.resize(n);
  for (std::size_t i = 0; i < n; ++i) scratch[i] = {x[i], static_cast<std::uint32_t>(i)};
  std::sort(scratch.begin(), scratch.end(), [](const keyed& a, const keyed& b) { return a.value < b.value; });
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && scratch[j].value == scratch[i].value) ++j;
    // Ranks i+1 .. j share their mean; (i + 1 + j) / 2 is exact in binary floating point.
    const double rank = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k) out[scratch[k].index] = rank;
    i = j;
  }
}

}  // namespace detail

/// The 1-based average ranks of `x`: tied values share the mean of the ranks they span, so
/// ranks({10, 20, 20, 30}) == {1, 2.5, 2.5, 4}. Equals scipy.stats.rankdata(x). If `x` holds a NaN,
/// every rank is NaN (SciPy's nan_policy="propagate").
inline std::vector<double> ranks(std::span<const double> x) {
  std::vector<double> out(x.size());
  if (std::any_of(x.begin(), x.end(), [](double v) { return std::isnan(v); })) {
    std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  std::vector<detail::keyed> scratch;
  detail::average_ranks(x, out, scratch);
  return out;
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
