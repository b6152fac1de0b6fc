/// @file
/// The evaluator role's prompts, the paper's diagnostics: gradient specificity (how focused a
/// gradient is on one criterion) and feedback adherence (how far a rewritten instruction follows
/// its gradient), each rated 1 to 10 with a single integer. Standard: the criteria of the set are
/// named (any data set); faithful: the reference's protocol, written for SummEval.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

namespace detail {
inline std::string list_names(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += fmt::format("{}{}", i ? ", " : "", names[i]);
  return out;
}
}  // namespace detail

/// How specifically `gradient` addresses `target`, 1 to 10; `criteria` are all the judge's criteria.
inline std::string specificity(prompt_style style, std::string_view target, std::string_view gradient,
                               std::span<const std::string_view> criteria = {}) {
  namespace t = protocol::titles;
  std::string out =
      "You rate feedback written to improve the instruction for one criterion of an automatic judge.\n";
  if (style == prompt_style::standard && !criteria.empty())
    out += fmt::format("The judge scores these criteria: {}.\n", detail::list_names(criteria));
  else if (style == prompt_style::faithful)
    out += "The judge scores summaries on fluency, relevance, coherence and consistency.\n";
  protocol::write_section(out, t::target_criterion);
  protocol::write_text(out, target);
  protocol::write_section(out, t::gradient);
  protocol::write_text(out, gradient);
  protocol::write_section(out, t::task);
  out += "Rate from 1 to 10 how specifically the feedback addresses the target criterion: 10 when everything in "
         "it is about that criterion, 1 when it is generic or about other criteria. Answer with the number alone.\n";
  return out;
}

/// How fully `new_instruction` takes up `gradient`'s proposals for `target`, 1 to 10.
inline std::string adherence(prompt_style style, std::string_view target, std::string_view old_instruction,
                             std::string_view new_instruction, std::string_view gradient) {
  namespace t = protocol::titles;
  std::string out =
      "You rate how well a rewritten instruction for one criterion of an automatic judge follows the feedback "
      "it was given.\n";
  if (style == prompt_style::faithful) out += "The judge scores summaries of news articles.\n";
  protocol::write_section(out, t::target_criterion);
  protocol::write_text(out, target);
  protocol::write_section(out, t::previous_instruction);
  protocol::write_text(out, old_instruction);
  protocol::write_section(out, t::new_instruction);
  protocol::write_text(out, new_instruction);
  protocol::write_section(out, t::gradient);
  protocol::write_text(out, gradient);
  protocol::write_section(out, t::task);
  out += "Rate from 1 to 10 how fully the new instruction takes up the feedback's proposals for the target "
         "criterion while keeping what worked. Answer with the number alone.\n";
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
