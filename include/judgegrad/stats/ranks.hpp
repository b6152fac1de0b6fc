/// @file
/// Average ranks (ties share the mean of the ranks they span), as scipy.stats.rankdata(method="average").
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/detail/radix.hpp>

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

/// Buffers reused across rankings.
struct rank_scratch {
  std::vector<keyed> keyed_values;
  std::vector<radix_item> items, buffer;
  std::vector<std::uint32_t> counts;
  std::vector<double> level_rank;
};

/// Whole numbers in a range no wider than max(1024, n) (Likert and intensity scores): ranks by
/// counting, in O(n + range). Returns false, doing nothing, for other data.
inline bool small_integer_ranks(std::span<const double> x, std::span<double> out, rank_scratch& s) {
  const std::size_t n = x.size();
  double lo = x[0], hi = x[0];
  for (double v : x) {
    if (!(std::abs(v) < 1e9) || v != std::trunc(v)) return false;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  const auto width = static_cast<std::size_t>(hi - lo) + 1;
  if (width > std::max<std::size_t>(1024, n)) return false;
  s.counts.assign(width, 0);
  for (double v : x) ++s.counts[static_cast<std::size_t>(v - lo)];
  s.level_rank.resize(width);
  std::size_t before = 0;
  for (std::size_t k = 0; k < width; ++k) {
    // Ranks before + 1 .. before + count share their mean.
    s.level_rank[k] = static_cast<double>(before) + 0.5 * static_cast<double>(s.counts[k] + 1);
    before += s.counts[k];
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = s.level_rank[static_cast<std::size_t>(x[i] - lo)];
  return true;
}

/// Writes the 1-based average ranks of `x` (no NaN) to `out`.
inline void average_ranks(std::span<const double> x, std::span<double> out, rank_scratch& s) {
  const std::size_t n = x.size();
  if (n == 0 || small_integer_ranks(x, out, s)) return;
  const auto assign = [&](auto&& same, auto&& index_at) {
    std::size_t i = 0;
    while (i < n) {
      std::size_t j = i + 1;
      while (j < n && same(i, j)) ++j;
      // Ranks i+1 .. j share their mean; (i + 1 + j) / 2 is exact in binary floating point.
      const double rank = 0.5 * static_cast<double>(i + 1 + j);
      for (std::size_t k = i; k < j; ++k) out[index_at(k)] = rank;
      i = j;
    }
  };
  if (n >= 4096) {
    s.items.resize(n);
    for (std::size_t i = 0; i < n; ++i) s.items[i] = {order_key(x[i]), static_cast<std::uint32_t>(i)};
    radix_sort(s.items, s.buffer);
    assign([&](std::size_t a, std::size_t b) { return s.items[a].key == s.items[b].key; },
           [&](std::size_t k) { return s.items[k].index; });
    return;
  }
  s.keyed_values.resize(n);
  for (std::size_t i = 0; i < n; ++i) s.keyed_values[i] = {x[i], static_cast<std::uint32_t>(i)};
  std::sort(s.keyed_values.begin(), s.keyed_values.end(), [](const keyed& a, const keyed& b) { return a.value < b.value; });
  assign([&](std::size_t a, std::size_t b) { return s.keyed_values[a].value == s.keyed_values[b].value; },
         [&](std::size_t k) { return s.keyed_values[k].index; });
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
  detail::rank_scratch scratch;
  detail::average_ranks(x, out, scratch);
  return out;
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
