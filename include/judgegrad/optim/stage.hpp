/// @file
/// Stage policies: whether a stage of the TextGrad step (loss, gradient, update) makes one call
/// per criterion (`separate`) or one call for all criteria (`combined`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// One call per criterion: each text concerns a single criterion ("S" in the paper's mode names).
struct separate {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "separate";
  static constexpr char letter = 'S';
};

/// One call for all criteria together ("C" in the paper's mode names).
struct combined {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "combined";
  static constexpr char letter = 'C';
};

/// `separate` or `combined`.
template <class P>
concept stage_policy = policy_of<P, family::stage>;

JUDGEGRAD_END_NAMESPACE
