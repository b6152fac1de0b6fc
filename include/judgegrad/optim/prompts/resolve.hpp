/// @file
/// The conflict-resolving merge's prompt (merge::conflict_resolving, a textual analogue of PCGrad):
/// a model reads the advice written for each criterion, names where pieces of it contradict each
/// other or where advice given for one criterion concerns another, and rewrites the advice so that
/// each criterion's part agrees with the others and concerns that criterion alone. It answers one
/// JSON object: {"conflicts": ["..."], "<criterion>": "<advice>", ...}.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <span>
#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

/// What a resolve call sees: the current instructions and, per criterion, the advice it received.
struct resolve_input {
  std::span<const protocol::named_text> instructions;
  std::span<const protocol::group> advice;  ///< one group per criterion, labelled with its name
};

/// The resolve prompt.
inline std::string resolve(prompt_style, const resolve_input& in) {
  namespace t = protocol::titles;
  std::string out =
      "You reconcile advice written separately for each criterion of an automatic judge, before the judge's "
      "instructions are rewritten from it. Pieces of advice written apart can pull against each other (one asks "
      "to be stricter about length, another to ignore length) or concern another criterion than the one they "
      "were written for.\n";
  protocol::write_section(out, t::instructions);
  for (const auto& i : in.instructions) protocol::write_entry(out, i.name, i.text);
  protocol::write_section(out, t::advice);
  protocol::write_groups(out, in.advice);
  protocol::write_section(out, t::task);
  out +=
      "List every contradiction between pieces of advice, and every piece given for one criterion that concerns "
      "another, one line each. Then rewrite the advice so that it is mutually compatible: each criterion's part "
      "concerns that criterion alone, a point that belongs to another criterion moves there, and where two "
      "points contradict, keep the one that fits the criterion's definition. Answer with one JSON object and "
      "nothing else: {\"conflicts\": [\"<one line each>\"], \"<criterion>\": \"<its advice>\", ...}, with every "
      "criterion above.\n";
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
