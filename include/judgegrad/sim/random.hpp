/// @file
/// The simulator's random numbers: judgegrad's FNV-1a 64 text hash and SplitMix64 (core/, shared
/// with the data ids and the statistics) drive a generator whose noise uses integer and IEEE
/// arithmetic only, so that every reply is byte-identical across processes, compilers and standard
/// libraries (no std::hash, no <random> distributions, no libm calls).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/random.hpp>
#include <judgegrad/core/text.hpp>

#include <cstdint>
#include <initializer_list>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

using judgegrad::mix64;
using text::fnv1a64;

/// Combines words into one key, order-sensitive.
constexpr std::uint64_t combine(std::initializer_list<std::uint64_t> words) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t w : words) h = mix64(h ^ (w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)));
  return h;
}

/// A SplitMix64 stream: small, fast, and fully specified, so its output never depends on the
/// standard library.
class rng {
 public:
  explicit constexpr rng(std::uint64_t seed) : state_(seed) {}

  /// The next 64 random bits.
  constexpr std::uint64_t next() { return splitmix64(state_); }
  /// Uniform in [0, 1), 53 bits.
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// True with probability `p`.
  constexpr bool chance(double p) { return uniform() < p; }
  /// Uniform integer in [0, n); n > 0.
  constexpr std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  /// Approximately standard normal: the Irwin-Hall sum of 12 uniforms minus 6 (mean 0, variance 1,
  /// support [-6, 6]); exact arithmetic, no transcendental functions.
  constexpr double normal() {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }
  /// Exponential with mean `mean`: -ln(1-u) by its power series (sum of u^k/k), with u capped at
  /// 0.999 so the tail stops near 7 means; libm-free like the rest. Used for latency injection.
  constexpr double exponential(double mean) {
    double u = uniform();
    if (u > 0.999) u = 0.999;
    double term = u, sum = 0;
    for (int k = 1; k <= 200; ++k) {
      sum += term / k;
      term *= u;
      if (term < 1e-12) break;
    }
    return mean * sum;
  }

 private:
  std::uint64_t state_;
};

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
