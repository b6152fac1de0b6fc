/// @file
/// The update role's prompt: an optimizer rewrites the instruction(s) of the judge prompt from the
/// gradients. A separate call rewrites one criterion's instruction from its gradients and answers
/// with the new text alone; a combined call rewrites all and answers
/// {"instructions": {"<criterion>": "<text>", ...}}.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>

#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace prompts {

/// One example of the batch as the update's context shows it: its inputs and the judge's output.
struct context_example {
  std::string id;
  std::vector<protocol::named_text> inputs;  ///< label and text
  std::string judge_output;
};

/// What an update call sees.
struct update_input {
  std::span<const protocol::named_text> instructions;  ///< the instruction(s) to rewrite
  std::string_view judge_prompt;                       ///< the judge prompt before its sample (filtered when separate)
  std::span<const context_example> examples;           ///< the batch's forward passes
  std::span<const protocol::group> feedback;           ///< the gradients, grouped by the merge policy
  /// Length bounds told to the optimizer (0: none): the length-balanced update's budget in tokens
  /// and its ratio to the mean length of the other instructions.
  std::size_t max_tokens_per_instruction = 0;
  double max_ratio = 0;
};

/// The update prompt.
inline std::string update(prompt_style style, const update_input& in) {
  namespace t = protocol::titles;
  std::string out;
  if (style == prompt_style::standard) {
    out =
        "You rewrite the instructions an automatic judge follows when it scores texts, using the feedback "
        "below. Keep what works, add what the feedback asks for, and put each change under the criterion it "
        "is for.\n";
  } else {
    out =
        "You improve one part of a system's prompt, the variable, from feedback on how the system performed. "
        "The context shows the prompt the system ran with and what it produced; the feedback says what to "
        "change.\n";
  }
  protocol::write_section(out, t::instructions);
  for (const auto& i : in.instructions) protocol::write_entry(out, i.name, i.text);
  protocol::write_section(out, t::context);
  protocol::write_block(out, "Judge prompt");
  protocol::write_text(out, in.judge_prompt);
  for (std::size_t k = 0; k < in.examples.size(); ++k) {
    const auto& e = in.examples[k];
    protocol::write_block(out, fmt::format("Example {}", k + 1));
    for (const auto& f : e.inputs) protocol::write_field(out, f.name, f.text);
    protocol::write_field(out, "Judge output", e.judge_output);
  }
  protocol::write_section(out, t::feedback);
  protocol::write_groups(out, in.feedback);
  protocol::write_section(out, t::task);
  std::string bound;
  if (in.max_tokens_per_instruction > 0)
    bound = fmt::format(" Keep each instruction under about {} words ({} tokens){}.", in.max_tokens_per_instruction * 3 / 4,
                        in.max_tokens_per_instruction,
                        in.max_ratio > 0 ? fmt::format(", and none more than {:g} times as long as the others on average", in.max_ratio) : std::string());
  if (in.instructions.size() > 1) {
    out += fmt::format(
        "Answer with one JSON object and nothing else: {{\"instructions\": {{\"<criterion>\": \"<new instruction>\", "
        "...}}}}, with every criterion above.{}\n",
        bound);
  } else if (style == prompt_style::standard) {
    out += fmt::format("Answer with the new instruction text alone.{}\n", bound);
  } else {
    out += fmt::format("Answer with the improved variable alone, nothing before or after it.{}\n", bound);
  }
  return out;
}

}  // namespace prompts
JUDGEGRAD_END_NAMESPACE
