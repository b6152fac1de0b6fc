/// @file
/// Rendering judge prompts as text: the standard contract (docs/judging.md) or the reference's
/// structure (faithful), for all criteria at once or for one.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// The allowed values of a scale joined by '|': "1|2|3|4|5".
inline std::string allowed_values(const score_scale& s) {
  std::string out;
  for (std::size_t i = 0; i < s.levels(); ++i) {
    if (i) out.push_back('|');
    fmt::format_to(std::back_inserter(out), "{}", s.value(i));
  }
  return out;
}

/// Positions of every criterion of `Set`, 0..K-1.
template <criteria_set Set>
constexpr std::array<std::size_t, Set::size> all_criteria() {
  std::array<std::size_t, Set::size> a{};
  for (std::size_t i = 0; i < Set::size; ++i) a[i] = i;
  return a;
}

/// The criteria part of the prompt, showing the criteria at positions `shown` (in that order): the
/// Output format, the definitions when the skeleton shows them, and the Instructions. It begins
/// with the blank line that follows the preamble.
template <criteria_set Set>
std::string render_criteria(const judge_prompt<Set>& p, std::span<const std::size_t> shown) {
  static constexpr const auto& scales = Set::scales;
  static constexpr const auto& defs = Set::definitions;
  const judge_skeleton& sk = p.skeleton();
  std::string out;
  if (sk.style == prompt_style::standard) {
    out += "\n\n";
    if (sk.show_output_format) {
      out += "## Output format\nReply with exactly one JSON object of this shape and nothing else:\n{";
      for (std::size_t k = 0; k < shown.size(); ++k)
        out += fmt::format("{}\"{}\": {}", k ? ", " : "", Set::names[shown[k]], allowed_values(scales[shown[k]]));
      out += "}\n\n";
    }
    if (sk.show_definitions) {
      out += fmt::format("## {}\n", protocol::titles::criteria);
      for (std::size_t i : shown) protocol::write_entry(out, Set::names[i], defs[i]);
      out += "\n";
    }
    out += fmt::format("## {}\n", protocol::titles::instructions);
    for (std::size_t i : shown) protocol::write_entry(out, Set::names[i], p.instructions()[i]);
    return out;
  }
  // Faithful: the reference's line structure (notes 2.4): preamble, the output format as a
  // multi-line object, then the instruction list, each block introduced by a blank line.
  if (sk.show_output_format) {
    out += "\n\n## Output format (keep to it exactly):\n{\n";
    for (std::size_t k = 0; k < shown.size(); ++k)
      out += fmt::format("  \"{}\": {}{}", Set::names[shown[k]], allowed_values(scales[shown[k]]), k + 1 < shown.size() ? ",\n" : "\n");
    out += "}";
  }
  if (sk.show_definitions) {
    out += "\n\n## Criteria:\n";
    for (std::size_t k = 0; k < shown.size(); ++k) out += fmt::format("{}- {}: {}", k ? "\n" : "", Set::names[shown[k]], defs[shown[k]]);
  }
  out += fmt::format("\n\n## {}:\n", protocol::titles::instructions);
  for (std::size_t i : shown) protocol::write_entry(out, Set::names[i], p.instructions()[i]);
  return out;
}

/// Everything before the Sample section, showing the criteria at positions `shown` (in that
/// order): the preamble and the criteria part. The gradient and optimizer roles see this text as
/// "the judge prompt".
template <criteria_set Set>
std::string render_head(const judge_prompt<Set>& p, std::span<const std::size_t> shown) {
  std::string out(text::trim(p.skeleton().preamble));
  out += render_criteria(p, shown);
  return out;
}

/// Calls `f(label, text)` for each input of `e` as the Sample section shows it: ordered by the
/// skeleton's labels, fields the skeleton does not list after them in the example's order, under
/// their names.
template <criteria_set Set, class F>
void for_each_sample_field(const judge_prompt<Set>& p, const example<Set>& e, F&& f) {
  std::vector<bool> used(e.inputs.size(), false);
  for (const auto& l : p.skeleton().inputs)
    for (std::size_t j = 0; j < e.inputs.size(); ++j)
      if (!used[j] && e.inputs[j].name == l.field) {
        f(std::string_view(l.label), std::string_view(e.inputs[j].text));
        used[j] = true;
        break;
      }
  for (std::size_t j = 0; j < e.inputs.size(); ++j)
    if (!used[j]) f(std::string_view(e.inputs[j].name), std::string_view(e.inputs[j].text));
}

/// The inputs of `e` as the Sample section shows them, label and text (for_each_sample_field).
template <criteria_set Set>
std::vector<protocol::named_text> sample_fields(const judge_prompt<Set>& p, const example<Set>& e) {
  std::vector<protocol::named_text> out;
  for_each_sample_field(p, e, [&](std::string_view label, std::string_view text) { out.push_back({std::string(label), std::string(text)}); });
  return out;
}

/// The Sample section for `e`: one "<label>: <text>" field per input (for_each_sample_field),
/// texts escaped as every embedded text is (core/protocol.hpp), without the last line end.
template <criteria_set Set>
std::string render_sample_section(const judge_prompt<Set>& p, const example<Set>& e) {
  const bool standard = p.skeleton().style == prompt_style::standard;
  std::size_t size = 64;
  for (const auto& f : e.inputs) size += f.name.size() + f.text.size() + 8;
  std::string out;
  out.reserve(size);
  out += standard ? "\n## " : "\n\n## ";
  out += protocol::titles::sample;
  out += standard ? "\n" : ":\n";
  bool any = false;
  for_each_sample_field(p, e, [&](std::string_view label, std::string_view text) {
    protocol::write_field(out, label, text);
    any = true;
  });
  if (any) out.pop_back();  // the last line end
  return out;
}

/// The Response section that ends every judge prompt.
inline std::string_view render_response(prompt_style style) { return style == prompt_style::standard ? "\n\n## Response\n" : "\n\n## Response:\n"; }

/// The Sample and Response sections for `e`.
template <criteria_set Set>
std::string render_sample(const judge_prompt<Set>& p, const example<Set>& e) {
  std::string out = render_sample_section(p, e);
  out += render_response(p.skeleton().style);
  return out;
}

/// The shared part of render_prefix_first: the preamble and the Sample section.
template <criteria_set Set>
std::string render_shared_prefix(const judge_prompt<Set>& p, const example<Set>& e) {
  std::string out(text::trim(p.skeleton().preamble));
  if (p.skeleton().style == prompt_style::standard) out += "\n";
  out += render_sample_section(p, e);
  return out;
}

/// The prompt for `e` with the shared part first: preamble and Sample, then the criteria part for
/// the criteria at `shown`, then Response. Calls for one example that differ only in the criterion
/// shown share everything up to the criteria part, so a provider with prompt caching serves that
/// prefix (the sample, often hundreds of tokens) from its cache for all but the first.
template <criteria_set Set>
std::string render_prefix_first(const judge_prompt<Set>& p, const example<Set>& e, std::span<const std::size_t> shown) {
  std::string out = render_shared_prefix(p, e);
  out += render_criteria(p, shown);
  out += render_response(p.skeleton().style);
  return out;
}

/// The whole prompt for `e`, showing the criteria at positions `shown`.
template <criteria_set Set>
std::string render(const judge_prompt<Set>& p, const example<Set>& e, std::span<const std::size_t> shown) {
  return render_head(p, shown) + render_sample(p, e);
}

/// The joint-layout prompt for `e`: every criterion.
template <criteria_set Set>
std::string render(const judge_prompt<Set>& p, const example<Set>& e) {
  static constexpr auto all = all_criteria<Set>();
  return render(p, e, std::span<const std::size_t>(all));
}

/// The per-criterion-layout prompt for `e` and the criterion at position `criterion`.
template <criteria_set Set>
std::string render_one(const judge_prompt<Set>& p, const example<Set>& e, std::size_t criterion) {
  std::size_t shown[1] = {criterion};
  return render(p, e, std::span<const std::size_t>(shown));
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
