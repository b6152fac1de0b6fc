/// @file
/// Policy families. A policy is an empty type with a static `name` and a `family` tag saying
/// which slot of a variant it fills (stage, decomposition, merge, gate, scalarizer, layout,
/// algorithm). Variants recognise a policy's slot by its family, so they take policies in any order.
#pragma once

#include <judgegrad/config.hpp>

#include <concepts>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

/// The tags naming each family of policies.
namespace family {
struct stage {};          ///< how one stage treats the criteria: separate or combined
struct decomposition {};  ///< a stage policy for each of loss, gradient and update
struct merge {};          ///< how per-criterion texts are joined, and joint texts routed back
struct gate {};           ///< whether a candidate prompt replaces the incumbent
struct scalarizer {};     ///< how per-criterion values become one number
struct layout {};         ///< how the judge is asked: one joint call or one call per criterion
struct algorithm {};      ///< the optimizer: TextGrad, OPRO, or one single-criterion run each
}  // namespace family

/// An empty type with a `name` that declares `family` as `Family`.
template <class P, class Family>
concept policy_of = std::is_empty_v<P> && requires {
  typename P::family;
  { P::name } -> std::convertible_to<std::string_view>;
} && std::same_as<typename P::family, Family>;

/// Any policy of a known family.
template <class P>
concept policy = policy_of<P, family::stage> || policy_of<P, family::decomposition> ||
                 policy_of<P, family::merge> || policy_of<P, family::gate> ||
                 policy_of<P, family::scalarizer> || policy_of<P, family::layout> ||
                 policy_of<P, family::algorithm>;

JUDGEGRAD_END_NAMESPACE
