/// @file
/// The loss role's prompt: a critic reads one example's judge scores against the human scores (one
/// criterion when the loss stage is separate, all when combined) and writes a critique of the
/// scores. It sees neither the example nor the judge prompt (the reference's information table).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <fmt/format.h>

#include <cmath>
#include <span>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

/// The reference's verdict, computed in code: "CORRECT" when the two numbers print alike, else
/// "INCORRECT (difference: d)". It compares printed text, so 4 and 4.0 would differ; judgegrad
/// prints both the same way, which the reference's "4" vs "4.0" did not.
inline std::string reference_verdict(const protocol::score_line& s) {
  if (!s.predicted || !s.human) return "INCORRECT (no score to compare)";
  if (protocol::number(*s.predicted) == protocol::number(*s.human)) return "CORRECT";
  return fmt::format("INCORRECT (difference: {:.2f})", std::abs(*s.predicted - *s.human));
}

/// The loss prompt for `scores` (one entry per criterion the call covers). `definitions` (may be
/// empty) are shown in a Criteria section. `keyed` asks for one JSON object keyed by criterion (a
/// joint call under the structured merge) instead of "- <criterion>: <critique>" lines.
inline std::string loss(prompt_style style, std::span<const protocol::score_line> scores,
                        std::span<const protocol::named_text> definitions = {}, bool keyed = false) {
  namespace t = protocol::titles;
  std::string out;
  if (style == prompt_style::standard) {
    out =
        "You review the scores an automatic judge gave to one sample, criterion by criterion, against the "
        "scores human experts gave. Criticise the judge's scores; do not rescore the sample. Say for each "
        "criterion whether the judge was right, and if not, in which direction and by how much it missed.\n";
  } else {
    out =
        "You are a critic who examines one output of a system and explains, without rewriting it, what is "
        "wrong with it and what is right. When the output is correct, say what made it correct, so that it "
        "can be kept. Below, the output is a score the judge gave; compare it with the expected score.\n";
  }
  if (!definitions.empty()) {
    protocol::write_section(out, t::criteria);
    for (const auto& d : definitions) protocol::write_entry(out, d.name, d.text);
  }
  protocol::write_section(out, t::scores);
  for (auto s : scores) {
    if (style == prompt_style::faithful && s.verdict.empty()) s.verdict = reference_verdict(s);
    protocol::write_score_line(out, s);
  }
  protocol::write_section(out, t::task);
  if (keyed) {
    out += "Answer with one JSON object and nothing else, one critique per criterion: "
           "{\"<criterion>\": \"<critique>\", ...}, with every criterion above.\n";
  } else if (style == prompt_style::standard) {
    out += "Write one short critique per criterion, as \"- <criterion>: <critique>\" lines.\n";
  } else {
    out += "Give your critique of the scores, criterion by criterion, as \"- <criterion>: <critique>\" lines, "
           "and stop there.\n";
  }
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
