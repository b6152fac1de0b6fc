/// @file
/// Stage policies: how a stage of the TextGrad step (loss, gradient, update) groups the criteria
/// into calls. `separate` makes one call per criterion (S), `combined` one for all (C); both are
/// partitions of the criteria set, and the step works with any partition (`groups<Set>()`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/policy.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// One call per criterion: each text concerns a single criterion ("S" in the paper's mode names).
struct separate {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "separate";
  static constexpr char letter = 'S';
  /// The partition into singletons.
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    std::vector<std::vector<std::size_t>> out;
    for (std::size_t c = 0; c < Set::size; ++c) out.push_back({c});
    return out;
  }
};

/// One call for all criteria together ("C" in the paper's mode names).
struct combined {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "combined";
  static constexpr char letter = 'C';
  /// The partition into one group.
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    std::vector<std::size_t> all;
    for (std::size_t c = 0; c < Set::size; ++c) all.push_back(c);
    return {all};
  }
};

/// A stage policy: a `family::stage` policy with a letter and a partition of any criteria set.
template <class P>
concept stage_policy = policy_of<P, family::stage> && requires {
  { P::letter } -> std::convertible_to<char>;
  { P::template groups<detail::probe_criteria>() } -> std::same_as<std::vector<std::vector<std::size_t>>>;
};

JUDGEGRAD_END_NAMESPACE
