/// @file
/// Ready-made judge prompts for SummEval and BRIGHTER with the reference's seed instructions, in
/// both styles. Each works for any subset of its data set's criteria (e.g. one criterion for the
/// single-task baseline).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>

#include <fmt/format.h>

#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// The reference's seed instruction for a 1-5 SummEval criterion: "Rate from 1 to 5."
inline std::string summeval_seed(std::string_view /*criterion*/) { return "Rate from 1 to 5."; }
/// The reference's seed instruction for a BRIGHTER emotion: "Rate <emotion> intensity from 0 (none) to 3 (most intense)."
inline std::string brighter_seed(std::string_view emotion) {
  return fmt::format("Rate {} intensity from 0 (none) to 3 (most intense).", emotion);
}

/// One instruction per criterion of `Set`, made by `seed(name)`.
template <criteria_set Set, class F>
per_criterion<Set, std::string> seed_instructions(F&& seed) {
  per_criterion<Set, std::string> out;
  for (std::size_t i = 0; i < Set::size; ++i) out[i] = seed(Set::names[i]);
  return out;
}

/// The SummEval judge skeleton. Standard: a persona and task statement, inputs "Source text" then
/// "Summary". Faithful: the reference's directive plus its line asking for a JSON of scores and no
/// reasoning, inputs in the reference's order ("Summary" then "Source Text").
inline judge_skeleton summeval_skeleton(prompt_style style = prompt_style::standard) {
  judge_skeleton s;
  s.style = style;
  if (style == prompt_style::standard) {
    s.preamble =
        "You are a careful evaluator of news summaries. You will read a source article and a summary "
        "written for it, then rate the summary on each criterion listed below. Follow the instruction "
        "given for each criterion, judge only what that criterion asks about, and use the whole scale "
        "when the text calls for it. Answer with the JSON object described under Output format and "
        "write no reasoning.";
    s.inputs = {{"text", "Source text"}, {"machine_summary", "Summary"}};
  } else {
    s.preamble =
        "Assess the quality of the Summary written for the Source Text.\n"
        "Follow the Instructions below when you assess it. Answer with a JSON object holding the "
        "requested scores, and give no reasoning or explanation.";
    s.inputs = {{"machine_summary", "Summary"}, {"text", "Source Text"}};
  }
  return s;
}

/// The BRIGHTER judge skeleton (input "Text").
inline judge_skeleton brighter_skeleton(prompt_style style = prompt_style::standard) {
  judge_skeleton s;
  s.style = style;
  if (style == prompt_style::standard) {
    s.preamble =
        "You are a careful annotator of emotions in short English texts. You will read one text and "
        "rate how intensely its writer expresses each emotion listed below. Follow the instruction "
        "given for each emotion, rate every emotion on its own, and give 0 when an emotion is absent. "
        "Answer with the JSON object described under Output format and write no reasoning.";
  } else {
    s.preamble =
        "Assess how intensely each emotion is expressed in the Text.\n"
        "Follow the Instructions below when you assess it. Answer with a JSON object holding the "
        "requested scores, and give no reasoning or explanation.";
  }
  s.inputs = {{"text", "Text"}};
  return s;
}

/// The initial SummEval judge prompt: the skeleton and "Rate from 1 to 5." for every criterion.
template <criteria_set Set = summeval::all>
judge_prompt<Set> summeval_prompt(prompt_style style = prompt_style::standard) {
  return {summeval_skeleton(style), seed_instructions<Set>(summeval_seed)};
}

/// The initial BRIGHTER judge prompt: the skeleton and the reference's seed for every emotion.
template <criteria_set Set = brighter::all>
judge_prompt<Set> brighter_prompt(prompt_style style = prompt_style::standard) {
  return {brighter_skeleton(style), seed_instructions<Set>(brighter_seed)};
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
