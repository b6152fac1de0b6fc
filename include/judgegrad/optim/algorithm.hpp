/// @file
/// Algorithm policies: which optimizer drives the loop.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace algorithm {

/// TextGrad: textual loss, gradient and update stages, decomposed per the variant's mode.
struct textgrad {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "textgrad";
};

/// OPRO: the optimizer sees a scored history of instruction sets instead of critiques.
struct opro {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "opro";
};

/// The paper's single-task baseline: one whole TextGrad run per criterion, each with a judge
/// prompt holding only that criterion.
struct single_task {
  using family = judgegrad::family::algorithm;
  static constexpr std::string_view name = "single_task";
};

}  // namespace algorithm

/// An algorithm policy.
template <class P>
concept algorithm_policy = policy_of<P, family::algorithm>;

JUDGEGRAD_END_NAMESPACE
