/// @file
/// OPRO's meta-prompt: the best instruction sets tried so far with their scores, worst first, a few
/// demonstrations (inputs and human scores), and a request for a better set as
/// {"instructions": {...}}.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <fmt/format.h>

#include <span>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

/// One demonstration: an example's inputs and its human scores.
struct demonstration {
  std::vector<protocol::named_text> inputs;  ///< label and text
  std::vector<protocol::named_text> scores;  ///< criterion and human score
};

/// The OPRO meta-prompt; `past` must be ordered worst first (the caller ranks).
inline std::string opro(prompt_style style, std::span<const protocol::scored_set> past, std::span<const demonstration> demos = {}) {
  namespace t = protocol::titles;
  std::string out;
  if (style == prompt_style::standard) {
    out =
        "You write instructions for an automatic judge that scores texts on several criteria. Below are "
        "instruction sets tried so far with their scores (higher is better), worst first. Write a new set "
        "that scores higher than all of them.\n";
  } else {
    out =
        "Your task is to find instructions for an automatic judge that make its scores agree with human "
        "scores. Here are earlier instruction sets, each with its score on training examples, in ascending "
        "order of score (higher is better).\n";
  }
  protocol::write_section(out, t::past_instructions);
  protocol::write_scored_sets(out, past);
  if (!demos.empty()) {
    protocol::write_section(out, t::examples);
    for (std::size_t k = 0; k < demos.size(); ++k) {
      protocol::write_block(out, fmt::format("Example {}", k + 1));
      for (const auto& f : demos[k].inputs) protocol::write_field(out, f.name, f.text);
      for (const auto& s : demos[k].scores) protocol::write_field(out, fmt::format("Human {}", s.name), s.text);
    }
  }
  protocol::write_section(out, t::task);
  out += "Answer with one JSON object and nothing else: {\"instructions\": {\"<criterion>\": \"<new instruction>\", ...}}";
  out += style == prompt_style::standard ? ".\n" : ", different from every set above and better than all of them.\n";
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
