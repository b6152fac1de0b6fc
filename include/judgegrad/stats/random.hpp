/// @file
/// A small, fully specified pseudo-random generator for resampling: xoshiro256** seeded through
/// splitmix64, with Lemire's unbiased bounded integers. Unlike std:: distributions, its output is
/// the same with every compiler and standard library, so seeded results reproduce everywhere.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/random.hpp>

#include <cstdint>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {

using judgegrad::mix64;
using judgegrad::splitmix64;

/// xoshiro256** 1.0 (Blackman and Vigna): the seed's splitmix64 stream fills the 256-bit state.
class xoshiro256 {
 public:
  using result_type = std::uint64_t;

  constexpr explicit xoshiro256(std::uint64_t seed = 0) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  /// A generator at a given 256-bit state (not all zero), as the reference implementation's
  /// known-answer values are stated.
  static constexpr xoshiro256 from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) {
    xoshiro256 g;
    g.s_[0] = s0;
    g.s_[1] = s1;
    g.s_[2] = s2;
    g.s_[3] = s3;
    return g;
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  /// The next 64 random bits.
  constexpr result_type operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// A uniform integer in [0, n) for n > 0, without bias (Lemire's multiply-and-reject on 32 bits).
  constexpr std::uint32_t below(std::uint32_t n) {
    std::uint64_t m = static_cast<std::uint64_t>(static_cast<std::uint32_t>((*this)() >> 32)) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(static_cast<std::uint32_t>((*this)() >> 32)) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

  /// A uniform double in [0, 1) with 53 random bits.
  constexpr double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// A fair coin.
  constexpr bool coin() { return ((*this)() >> 63) != 0; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
