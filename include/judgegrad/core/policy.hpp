/// @file
/// Policy families. A policy is an empty type with a static `name` and a `family` tag saying
/// which slot of a variant it fills (stage, decomposition, merge, gate, scalarizer, layout,
/// algorithm, length). Variants recognise a policy's slot by its family, so they take policies in any order;
/// the slots and their defaults are one table, in optim/variant.hpp.
#pragma once

#include <judgegrad/config.hpp>

#include <concepts>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

/// The tags naming each family of policies; `label` is how a variant's name shows the slot.
namespace family {
struct stage {  ///< how one stage treats the criteria: separate, combined, grouped, routed
  static constexpr std::string_view label = "stage";
};
struct decomposition {  ///< a stage policy for each of loss, gradient and update
  static constexpr std::string_view label = "";
};
struct merge {  ///< how per-criterion texts are joined, and joint texts routed back
  static constexpr std::string_view label = "merge";
};
struct gate {  ///< whether a candidate prompt replaces the incumbent
  static constexpr std::string_view label = "gate";
};
struct scalarizer {  ///< how per-criterion values become one number
  static constexpr std::string_view label = "scalar";
};
struct layout {  ///< how the judge is asked: one joint call or one call per criterion
  static constexpr std::string_view label = "layout";
};
struct algorithm {  ///< the optimizer: TextGrad, OPRO, Pareto search, or one single-criterion run each
  static constexpr std::string_view label = "algorithm";
};
struct length {  ///< how long the update may make each instruction
  static constexpr std::string_view label = "length";
};
}  // namespace family

/// An empty type with a `name` that declares `family` as `Family`.
template <class P, class Family>
concept policy_of = std::is_empty_v<P> && requires {
  typename P::family;
  { P::name } -> std::convertible_to<std::string_view>;
} && std::same_as<typename P::family, Family>;

JUDGEGRAD_END_NAMESPACE
