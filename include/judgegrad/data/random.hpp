/// @file
/// The one pseudo-random generator judgegrad shuffles with: NumPy's legacy `RandomState`
/// (MT19937, `init_genrand` seeding, masked-rejection bounded integers, Fisher-Yates from the
/// back). Written out here so every platform gives the same stream, and so that
/// `permutation(n, s)` equals `numpy.random.RandomState(s).permutation(n)`, which is what pandas'
/// `df.sample(frac=1, random_state=s)` reorders rows by.
#pragma once

#include <judgegrad/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// MT19937 with NumPy's legacy seeding (`RandomState(seed)` for an integer seed < 2^32).
class random_state {
 public:
  explicit random_state(std::uint32_t seed) { this->seed(seed); }

  /// Re-seeds as `RandomState.seed(seed)` does (Matsumoto and Nishimura's init_genrand).
  void seed(std::uint32_t seed) {
    key_[0] = seed;
    for (std::uint32_t i = 1; i < n; ++i) key_[i] = 1812433253u * (key_[i - 1] ^ (key_[i - 1] >> 30)) + i;
    pos_ = n;
  }

  /// The next 32 random bits.
  std::uint32_t next_uint32() {
    if (pos_ >= n) generate();
    std::uint32_t y = key_[pos_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }
  /// The next 64 random bits: two 32-bit draws, the first in the high half (NumPy's order).
  std::uint64_t next_uint64() {
    std::uint64_t hi = next_uint32();
    return (hi << 32) | next_uint32();
  }

  /// A uniform integer in [0, max]: draws masked to the smallest all-ones mask >= max, rejecting
  /// values above max (NumPy's legacy `random_interval`).
  std::uint64_t interval(std::uint64_t max) {
    if (max == 0) return 0;
    std::uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    std::uint64_t v;
    if (max <= 0xffffffffull) {
      while ((v = (next_uint32() & mask)) > max) {
      }
    } else {
      while ((v = (next_uint64() & mask)) > max) {
      }
    }
    return v;
  }

  /// Shuffles `items` in place as NumPy's legacy `shuffle` does for a 1-d array.
  template <class T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i-- > 1;) {
      std::size_t j = static_cast<std::size_t>(interval(i));
      using std::swap;
      swap(items[i], items[j]);
    }
  }

 private:
  static constexpr std::uint32_t n = 624, m = 397;
  void generate() {
    constexpr std::uint32_t upper = 0x80000000u, lower = 0x7fffffffu, matrix = 0x9908b0dfu;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t y = (key_[i] & upper) | (key_[(i + 1) % n] & lower);
      key_[i] = key_[(i + m) % n] ^ (y >> 1) ^ ((y & 1u) ? matrix : 0u);
    }
    pos_ = 0;
  }
  std::array<std::uint32_t, n> key_{};
  std::uint32_t pos_ = n;
};

/// 0..n-1 in the order `numpy.random.RandomState(seed).permutation(n)` gives (and therefore the
/// row order of pandas' `sample(frac=1, random_state=seed)`).
inline std::vector<std::size_t> permutation(std::size_t n, std::uint32_t seed) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  random_state rng(seed);
  rng.shuffle(std::span<std::size_t>(p));
  return p;
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
