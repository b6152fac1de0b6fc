/// @file
/// Merge policies: how texts written per criterion are joined into one prompt section, and how a
/// joint text reaches each criterion when a combined stage feeds a separate one.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace merge {

/// The reference's behaviour: per-criterion texts joined under "Feedback for task" headers, and a
/// joint text copied to every criterion (so a combined gradient appears once per criterion).
struct concatenate {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "concatenate";
};

/// Each text once, under a header naming the criteria it really covers; a joint text is shown
/// once, labelled as covering all criteria, and broadcast to each criterion without duplication.
struct labeled_sections {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "labeled_sections";
};

/// A joint call answers JSON keyed by criterion, so each criterion receives only its own part.
struct structured {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "structured";
};

}  // namespace merge

/// A merge policy.
template <class P>
concept merge_policy = policy_of<P, family::merge>;

JUDGEGRAD_END_NAMESPACE
