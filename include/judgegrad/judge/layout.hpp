/// @file
/// Judge layouts: how the judge model is asked for its scores. A layout is a policy with a planning
/// hook: given the judge prompt, it renders what every call shares once and returns the calls for
/// each example (the criteria each asks for, and its prompt). judge::forward_pass sends what the
/// hook plans and parses the replies; a layout of one's own needs no change to judgegrad:
///
///     struct halves {                                  // two calls per example
///       using family = judgegrad::family::layout;
///       static constexpr std::string_view name = "halves";
///       static constexpr bool one_call_per_criterion = false;
///       template <criteria_set Set>
///       static layout::example_calls<Set> plan(const judge_prompt<Set>& p) { ... }
///     };
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/judge/render.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace layout {

/// One judge call for an example: the criteria it asks for (positions in the set, in the order the
/// reply is to give them) and its whole prompt.
struct call {
  std::vector<std::size_t> shown;
  std::string prompt;
};

/// A layout's plan for one judge prompt: the calls for each example.
template <criteria_set Set>
using example_calls = std::function<std::vector<call>(const example<Set>&)>;

/// One call per example scores every criterion; all instructions share one prompt, which is
/// where instructions can interfere with each other.
struct joint {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "joint";
  static constexpr bool one_call_per_criterion = false;

  template <criteria_set Set>
  static example_calls<Set> plan(const judge_prompt<Set>& prompt) {
    static constexpr auto all = judge::all_criteria<Set>();
    return [&prompt, head = judge::render_head(prompt, std::span<const std::size_t>(all))](const example<Set>& e) {
      return std::vector<call>{{std::vector<std::size_t>(all.begin(), all.end()), head + judge::render_sample(prompt, e)}};
    };
  }
};

/// One call per example and criterion; each call sees only its own criterion's instruction.
struct per_criterion {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "per_criterion";
  static constexpr bool one_call_per_criterion = true;

  template <criteria_set Set>
  static example_calls<Set> plan(const judge_prompt<Set>& prompt) {
    std::vector<std::string> heads;  // rendered once per criterion, not once per call
    for (std::size_t c = 0; c < Set::size; ++c) heads.push_back(judge::render_head(prompt, std::span<const std::size_t>(&c, 1)));
    return [&prompt, heads = std::move(heads)](const example<Set>& e) {
      const std::string sample = judge::render_sample(prompt, e);
      std::vector<call> calls;
      for (std::size_t c = 0; c < Set::size; ++c) calls.push_back({{c}, heads[c] + sample});
      return calls;
    };
  }
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

  template <criteria_set Set>
  static example_calls<Set> plan(const judge_prompt<Set>& prompt) {
    std::vector<std::string> tails;  // the criterion's part and the response section
    for (std::size_t c = 0; c < Set::size; ++c)
      tails.push_back(judge::render_criteria(prompt, std::span<const std::size_t>(&c, 1)) + std::string(judge::render_response(prompt.skeleton().style)));
    return [&prompt, tails = std::move(tails)](const example<Set>& e) {
      const std::string shared = judge::render_shared_prefix(prompt, e);
      std::vector<call> calls;
      for (std::size_t c = 0; c < Set::size; ++c) calls.push_back({{c}, shared + tails[c]});
      return calls;
    };
  }
};

}  // namespace layout

/// A layout policy: a `family::layout` policy saying whether each call asks for one criterion (the
/// optimizer's stages then show a criterion its own score rather than the judge's whole reply), with
/// the planning hook `plan<Set>(prompt)`.
template <class P>
concept layout_policy = policy_of<P, family::layout> && requires(const judge_prompt<detail::probe_criteria>& p) {
  { P::one_call_per_criterion } -> std::convertible_to<bool>;
  { P::template plan<detail::probe_criteria>(p) } -> std::convertible_to<layout::example_calls<detail::probe_criteria>>;
};

namespace layout {

/// A layout as a value, for code compiled once for every layout (the optimization loop): its
/// name, whether each call asks for one criterion, and its planning hook.
template <criteria_set Set>
struct planner {
  std::string_view name = joint::name;
  bool one_call_per_criterion = false;
  example_calls<Set> (*plan)(const judge_prompt<Set>&) = &joint::plan<Set>;
  bool operator==(const planner&) const = default;
};

/// Layout policy P as a value.
template <layout_policy P, criteria_set Set>
constexpr planner<Set> planner_of() {
  return {P::name, P::one_call_per_criterion, &P::template plan<Set>};
}

}  // namespace layout
JUDGEGRAD_END_NAMESPACE
