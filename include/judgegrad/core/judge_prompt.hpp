/// @file
/// `judge_prompt<Set>`: a frozen skeleton (persona and task statement, input labels, rendering
/// switches), the output schema implied by the criteria set, and one instruction per criterion,
/// the only part an optimizer changes.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// How a judge prompt is laid out as text.
enum class prompt_style {
  standard,  ///< the documented contract (docs/judging.md): "## Output format", "## Instructions", ...
  faithful,  ///< the reference implementation's structure field by field, in judgegrad's own words
};

/// The label an input field is shown under in the prompt's Sample section, e.g. {"text", "Source text"}.
struct input_label {
  std::string field;
  std::string label;
  friend bool operator==(const input_label&, const input_label&) = default;
};

/// The frozen part of a judge prompt: nothing an optimizer may touch.
struct judge_skeleton {
  /// Persona and task statement for the data set: several sentences, rendered first.
  std::string preamble;
  /// Labels of the input fields, in the order the Sample section shows them; fields of an example
  /// that are not listed follow in the example's order, under their own names.
  std::vector<input_label> inputs;
  prompt_style style = prompt_style::standard;
  /// Show each criterion's definition in a "## Criteria" section (the reference never does).
  bool show_definitions = false;
  /// Show the "## Output format" block. Only reproducing the reference's quirk of dropping it from
  /// optimized prompts turns this off; the schema itself stays part of the prompt regardless.
  bool show_output_format = true;
  friend bool operator==(const judge_skeleton&, const judge_skeleton&) = default;
};

/// A judge prompt: a shared, immutable skeleton plus one instruction per criterion of `Set`. A
/// value type: copies share the skeleton, and `with_instructions` returns a copy that differs in
/// its instructions only.
template <criteria_set Set>
class judge_prompt {
 public:
  using criteria = Set;
  using instruction_set = per_criterion<Set, std::string>;

  judge_prompt(judge_skeleton skeleton, instruction_set instructions)
      : skeleton_(std::make_shared<const judge_skeleton>(std::move(skeleton))), instructions_(std::move(instructions)) {}

  const judge_skeleton& skeleton() const { return *skeleton_; }
  const instruction_set& instructions() const { return instructions_; }
  /// The instruction of the criterion called `name`; std::out_of_range for an unknown name.
  const std::string& instruction(std::string_view name) const { return instructions_.at(name); }

  /// This prompt with other instructions and the same skeleton.
  judge_prompt with_instructions(instruction_set instructions) const {
    judge_prompt copy = *this;
    copy.instructions_ = std::move(instructions);
    return copy;
  }
  /// This prompt with the instruction of criterion `name` replaced.
  judge_prompt with_instruction(std::string_view name, std::string text) const {
    judge_prompt copy = *this;
    copy.instructions_.at(name) = std::move(text);
    return copy;
  }
  /// This prompt with a modified skeleton (a new frozen part: a different experiment, not a step).
  judge_prompt with_skeleton(judge_skeleton skeleton) const { return judge_prompt(std::move(skeleton), instructions_); }

  /// 16 hex digits identifying the prompt's text: FNV-1a 64 over the skeleton and the
  /// instructions. Equal prompts have equal fingerprints; records use it to tell prompts apart.
  std::string fingerprint() const {
    const judge_skeleton& s = *skeleton_;
    auto field = [](std::uint64_t h, std::string_view text) { return text::fnv1a64(std::string_view("\x1f", 1), text::fnv1a64(text, h)); };
    std::uint64_t h = field(text::fnv1a64_basis, s.preamble);
    for (const auto& l : s.inputs) h = field(field(h, l.field), l.label);
    h = field(h, fmt::format("{}{}{}", static_cast<int>(s.style), s.show_definitions, s.show_output_format));
    for (const auto& i : instructions_) h = field(h, i);
    return text::hex64(h);
  }

  friend bool operator==(const judge_prompt& a, const judge_prompt& b) {
    return (a.skeleton_ == b.skeleton_ || *a.skeleton_ == *b.skeleton_) && a.instructions_ == b.instructions_;
  }

 private:
  std::shared_ptr<const judge_skeleton> skeleton_;
  instruction_set instructions_;
};

JUDGEGRAD_END_NAMESPACE
