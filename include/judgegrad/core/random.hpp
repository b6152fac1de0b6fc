/// @file
/// SplitMix64 (Steele, Lea and Flood): the 64-bit mixer and stream every seeded part of judgegrad
/// builds on (the statistics' xoshiro256** seeding, the simulator's generator). Fully specified,
/// so its output is the same with every compiler and standard library.
#pragma once

#include <judgegrad/config.hpp>

#include <cstdint>

JUDGEGRAD_BEGIN_NAMESPACE

/// SplitMix64's finaliser: a bijective scramble of a 64-bit word.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// splitmix64: advances `state` and returns the next well-mixed word of its stream.
constexpr std::uint64_t splitmix64(std::uint64_t& state) { return mix64(state += 0x9e3779b97f4a7c15ULL); }

JUDGEGRAD_END_NAMESPACE
