/// @file
/// The gradient role's prompt: a critic reads the judge prompt, one example, the judge's output on
/// it and the loss critique(s), and explains what in the instruction(s) under critique caused the
/// errors and how to change them. A separate call covers one criterion (the judge prompt filtered
/// to it, its score, its critique, its instruction); a combined call covers all.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <span>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

/// What a gradient call sees.
struct gradient_input {
  std::string_view judge_prompt;                      ///< the judge prompt before its sample (filtered when separate)
  std::span<const protocol::named_text> sample;       ///< the example's inputs, label and text
  std::string_view judge_output;                      ///< the judge's reply, or "<criterion>: <score>" when separate
  std::span<const protocol::group> critique;               ///< the loss critique(s), grouped by the merge policy
  std::span<const protocol::named_text> instructions; ///< the instruction(s) under critique: the criteria the call covers
  bool keyed = false;                                 ///< answer one JSON object keyed by criterion (structured merge)
};

/// The gradient prompt.
inline std::string gradient(prompt_style style, const gradient_input& in) {
  namespace t = protocol::titles;
  std::string out;
  if (style == prompt_style::standard) {
    out =
        "You improve the instructions an automatic judge follows when it scores texts. Below are the "
        "judge's prompt, one sample the judge scored, its output, a critique of its scores against human "
        "scores, and the instructions under critique. Explain what in the instructions led to the errors "
        "and what they should say instead.\n";
  } else {
    out =
        "You are a critic who examines one part of a system's prompt and explains, without rewriting it, how "
        "it should change. Below: the prompt the system ran with, the input it saw, the output it gave, an "
        "evaluation of that output, and the part of the prompt to critique (the variable).\n";
  }
  protocol::write_section(out, t::judge_prompt);
  protocol::write_text(out, in.judge_prompt);
  protocol::write_section(out, t::sample);
  for (const auto& f : in.sample) protocol::write_field(out, f.name, f.text);
  protocol::write_section(out, t::judge_output);
  protocol::write_text(out, in.judge_output);
  protocol::write_section(out, t::critique);
  protocol::write_groups(out, in.critique);
  protocol::write_section(out, t::instructions);
  for (const auto& i : in.instructions) protocol::write_entry(out, i.name, i.text);
  protocol::write_section(out, t::task);
  if (style == prompt_style::standard)
    out += "Write three short paragraphs: what works and must be kept, what caused the wrong scores, and "
           "concrete changes to the instructions. Name the criterion each change is for.\n";
  else
    out += "Write exactly three paragraphs: first, what in the variable works and must be preserved; second, "
           "which of its problems led to the wrong outputs; third, concrete strategies to fix them.\n";
  if (in.keyed)
    out += "Answer with one JSON object and nothing else, holding that critique for each criterion apart: "
           "{\"<criterion>\": \"<critique of its instruction>\", ...}, with every criterion above.\n";
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
