// A layout of one's own, through the planning hook (judge/layout.hpp): two judge calls per
// example, the first half of the criteria in one and the rest in the other. Used by the judge's
// tests and the loop's.
#pragma once

#include <judgegrad/core/criteria.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/judge/render.hpp>

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace test_layouts {

struct halves {
  using family = judgegrad::family::layout;
  static constexpr std::string_view name = "halves";
  static constexpr bool one_call_per_criterion = false;

  /// The criteria of each half, in order.
  template <judgegrad::criteria_set Set>
  static std::vector<std::vector<std::size_t>> parts() {
    std::vector<std::vector<std::size_t>> out(2);
    for (std::size_t c = 0; c < Set::size; ++c) out[c < Set::size / 2 ? 0 : 1].push_back(c);
    return out;
  }

  template <judgegrad::criteria_set Set>
  static judgegrad::layout::example_calls<Set> plan(const judgegrad::judge_prompt<Set>& prompt) {
    return [&prompt, halves = parts<Set>()](const judgegrad::example<Set>& e) {
      std::vector<judgegrad::layout::call> calls;
      for (const auto& half : halves)
        calls.push_back({half, judgegrad::judge::render_head(prompt, std::span<const std::size_t>(half)) +
                                   judgegrad::judge::render_sample(prompt, e)});
      return calls;
    };
  }
};
static_assert(judgegrad::layout_policy<halves>);

}  // namespace test_layouts
