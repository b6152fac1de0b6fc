/// @file
/// Sorting helpers for the rank statistics: an order-preserving integer key for doubles and a
/// stable LSD radix sort of (key, index) items, which beats comparison sorts for large n.
#pragma once

#include <judgegrad/config.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats::detail {

/// A key whose unsigned order is the numeric order of `x` (no NaN); -0.0 and 0.0 get the same key.
inline std::uint64_t order_key(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x + 0.0);
  return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}

/// A key with the position it came from.
struct radix_item {
  std::uint64_t key;
  std::uint32_t index;
};

/// Stable sort of `items` by key: 11-bit digits, skipping digits every key shares.
inline void radix_sort(std::vector<radix_item>& items, std::vector<radix_item>& buffer) {
  constexpr int bits = 11, passes = 6;
  constexpr std::size_t bins = std::size_t{1} << bits;
  const std::size_t n = items.size();
  buffer.resize(n);
  std::vector<std::array<std::uint32_t, bins>> hist(passes);
  for (auto& h : hist) h.fill(0);
  for (const auto& it : items)
    for (int p = 0; p < passes; ++p) ++hist[p][(it.key >> (p * bits)) & (bins - 1)];
  radix_item* from = items.data();
  radix_item* to = buffer.data();
  for (int p = 0; p < passes; ++p) {
    auto& h = hist[p];
    if (h[(from[0].key >> (p * bits)) & (bins - 1)] == n) continue;  // every key has this digit
    std::uint32_t sum = 0;
    for (auto& c : h) {
      const std::uint32_t c0 = c;
      c = sum;
      sum += c0;
    }
    for (std::size_t i = 0; i < n; ++i) to[h[(from[i].key >> (p * bits)) & (bins - 1)]++] = from[i];
    std::swap(from, to);
  }
  if (from != items.data()) items.swap(buffer);
}

}  // namespace stats::detail
JUDGEGRAD_END_NAMESPACE
