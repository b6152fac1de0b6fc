/// @file
/// Judge layouts: how the judge model is asked for its scores.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <concepts>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace layout {

/// One call per example scores every criterion; all instructions share one prompt, which is
/// where instructions can interfere with each other.
struct joint {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "joint";
  static constexpr bool one_call_per_criterion = false;
};

/// One call per example and criterion; each call sees only its own criterion's instruction.
struct per_criterion {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "per_criterion";
  static constexpr bool one_call_per_criterion = true;
};

}  // namespace layout

/// A layout policy: a `family::layout` policy saying whether each call asks for one criterion.
template <class P>
concept layout_policy = policy_of<P, family::layout> && requires {
  { P::one_call_per_criterion } -> std::convertible_to<bool>;
};

JUDGEGRAD_END_NAMESPACE
