/// @file
/// Judge layouts: how the judge model is asked for its scores.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace layout {

/// One call per example scores every criterion; all instructions share one prompt, which is
/// where instructions can interfere with each other.
struct joint {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "joint";
};

/// One call per example and criterion; each call sees only its own criterion's instruction.
struct per_criterion {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "per_criterion";
};

}  // namespace layout

/// A layout policy.
template <class P>
concept layout_policy = policy_of<P, family::layout>;

JUDGEGRAD_END_NAMESPACE
