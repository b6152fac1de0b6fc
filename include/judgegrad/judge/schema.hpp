/// @file
/// The output schema of a judge prompt as an `llm::response_format` (JSON Schema): one required
/// key per criterion shown, each an integer (or number) restricted to the criterion's scale.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/llm/types.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// JSON Schema text for the criteria at positions `shown`:
/// {"type":"object","properties":{"fluency":{"type":"integer","enum":[1,2,3,4,5]},...},
///  "required":[...],"additionalProperties":false}. Scales with a fractional step use "number".
template <criteria_set Set>
std::string score_schema(std::span<const std::size_t> shown) {
  static constexpr const auto& scales = Set::scales;
  json_writer w;
  w.begin_object().key("type").value("object").key("properties").begin_object();
  for (std::size_t i : shown) {
    const score_scale& s = scales[i];
    bool integral = s.step == std::floor(s.step) && s.min == std::floor(s.min);
    w.key(Set::names[i]).begin_object().key("type").value(integral ? "integer" : "number").key("enum").begin_array();
    for (std::size_t k = 0; k < s.levels(); ++k) {
      if (integral) w.value(static_cast<std::int64_t>(std::llround(s.value(k))));
      else w.value(s.value(k));
    }
    w.end_array().end_object();
  }
  w.end_object().key("required").begin_array();
  for (std::size_t i : shown) w.value(Set::names[i]);
  w.end_array().key("additionalProperties").value(false).end_object();
  return std::move(w).str();
}

/// A response_format carrying `score_schema` under the name "judge_scores".
template <criteria_set Set>
llm::response_format score_format(std::span<const std::size_t> shown) {
  llm::response_format f;
  f.type = llm::response_format::kind::json_schema;
  f.schema_name = "judge_scores";
  f.schema = score_schema<Set>(shown);
  return f;
}

/// The response_format for every criterion of `Set`.
template <criteria_set Set>
llm::response_format score_format() {
  static constexpr auto all = all_criteria<Set>();
  return score_format<Set>(std::span<const std::size_t>(all));
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
