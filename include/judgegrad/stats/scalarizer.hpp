/// @file
/// Scalarizers: policies that turn one value per criterion into one number.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace scalar {

/// The unweighted mean over criteria (the reference's gate aggregation).
struct mean {
  using family = judgegrad::family::scalarizer;
  static constexpr std::string_view name = "mean";
};

/// The worst criterion's value: no criterion may be sacrificed for another.
struct minimum {
  using family = judgegrad::family::scalarizer;
  static constexpr std::string_view name = "minimum";
};

}  // namespace scalar

/// A scalarizer policy.
template <class P>
concept scalarizer_policy = policy_of<P, family::scalarizer>;

JUDGEGRAD_END_NAMESPACE
