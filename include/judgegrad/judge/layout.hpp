/// @file
/// Judge layouts: how the judge model is asked for its scores.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>

#include <concepts>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace layout {

/// How a forward pass asks: one call per example, one per example and criterion, or one per
/// example and criterion with the shared part of the prompt first.
enum class kind { joint, per_criterion, prefix_shared };

/// One call per example scores every criterion; all instructions share one prompt, which is
/// where instructions can interfere with each other.
struct joint {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "joint";
  static constexpr bool one_call_per_criterion = false;
  static constexpr layout::kind form = kind::joint;
};

/// One call per example and criterion; each call sees only its own criterion's instruction.
struct per_criterion {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "per_criterion";
  static constexpr bool one_call_per_criterion = true;
  static constexpr layout::kind form = kind::per_criterion;
};

/// Per-criterion judging at the price of about one call: one call per example and criterion, each
/// seeing only its criterion's instruction (as per_criterion: no instruction interferes with
/// another), with the prompt's long shared part first — preamble and the sample — and the
/// criterion's output format and instruction last. A provider with prompt caching (OpenAI,
/// DeepSeek, vLLM's prefix caching) serves the shared prefix from its cache for K-1 of the K calls
/// of an example; the records count those tokens as `cached_tokens` (docs/remedies.md).
struct prefix_shared {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "prefix_shared";
  static constexpr bool one_call_per_criterion = true;
  static constexpr layout::kind form = kind::prefix_shared;
};

}  // namespace layout

/// A layout policy: a `family::layout` policy saying whether each call asks for one criterion and
/// how the prompt is arranged.
template <class P>
concept layout_policy = policy_of<P, family::layout> && requires {
  { P::one_call_per_criterion } -> std::convertible_to<bool>;
  { P::form } -> std::convertible_to<layout::kind>;
};

JUDGEGRAD_END_NAMESPACE
