/// @file
/// The prompt protocol between judgegrad's optimizer roles and whatever model answers them: the
/// "## " sections each role's prompt has, the "- <criterion>: <text>" entries inside them, and
/// builders that render those prompts. Plain prompt text a real LLM understands as well; the
/// simulator reads exactly this structure. Independent of the simulator (docs/simulator.md).
///
/// | role | sections read (in this order) |
/// |---|---|
/// | judge | Output format, Criteria (optional), Instructions, Sample, Response (prompt contract) |
/// | loss | Criteria (optional), Scores ("- c: predicted P, human H"), Task |
/// | gradient | Instructions (the K criteria covered), Sample, Judge output, Critique, Task |
/// | optimizer | Instructions (those to rewrite), Context (optional), Feedback, Task |
/// | optimizer, OPRO | Past instructions ("### Set i (score S)" blocks of entries), Examples (optional), Task |
/// | evaluator, specificity | Target criterion, Gradient, Task |
/// | evaluator, adherence | Target criterion, Previous instruction, New instruction, Gradient, Task |
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

/// Section titles of the protocol (the text after "## ").
namespace titles {
inline constexpr std::string_view output_format = "Output format";
inline constexpr std::string_view criteria = "Criteria";
inline constexpr std::string_view instructions = "Instructions";
inline constexpr std::string_view sample = "Sample";
inline constexpr std::string_view response = "Response";
inline constexpr std::string_view scores = "Scores";
inline constexpr std::string_view judge_output = "Judge output";
inline constexpr std::string_view critique = "Critique";
inline constexpr std::string_view context = "Context";
inline constexpr std::string_view feedback = "Feedback";
inline constexpr std::string_view past_instructions = "Past instructions";
inline constexpr std::string_view examples = "Examples";
inline constexpr std::string_view target_criterion = "Target criterion";
inline constexpr std::string_view gradient = "Gradient";
inline constexpr std::string_view previous_instruction = "Previous instruction";
inline constexpr std::string_view new_instruction = "New instruction";
inline constexpr std::string_view task = "Task";
}  // namespace titles

/// One "## <title>" section: its title (trailing ':' dropped) and body (up to the next header).
/// Text before the first header is a section with an empty title.
struct section {
  std::string_view title;
  std::string_view body;
};

/// The sections of `prompt`, in order. A header is a line starting with "## ". The sections view
/// `prompt`, which must outlive them.
inline std::vector<section> split_sections(std::string_view prompt) {
  std::vector<section> out;
  section current{"", {}};
  std::size_t body_start = 0;
  std::size_t pos = 0;
  auto close = [&](std::size_t end) {
    current.body = prompt.substr(body_start, end - body_start);
    out.push_back(current);
  };
  while (pos <= prompt.size()) {
    std::size_t eol = prompt.find('\n', pos);
    if (eol == std::string_view::npos) eol = prompt.size();
    std::string_view line = prompt.substr(pos, eol - pos);
    if (line.substr(0, 3) == "## ") {
      close(pos);
      std::string_view title = trim(line.substr(3));
      if (!title.empty() && title.back() == ':') title = trim(title.substr(0, title.size() - 1));
      current = section{title, {}};
      body_start = std::min(eol + 1, prompt.size());
    }
    if (eol == prompt.size()) break;
    pos = eol + 1;
  }
  close(prompt.size());
  if (!out.empty() && out.front().title.empty() && trim(out.front().body).empty()) out.erase(out.begin());
  return out;
}

/// A temporary would leave the sections dangling: keep the prompt in a variable.
std::vector<section> split_sections(std::string&&) = delete;

/// The first section titled `title` (ASCII case-insensitive), or nullptr. A title that continues
/// after `title` with a space or a parenthesis also matches ("Output format (keep to it exactly)").
inline const section* find_section(std::span<const section> sections, std::string_view title) {
  std::string want = to_lower(title);
  for (const auto& s : sections) {
    std::string have = to_lower(s.title);
    if (have == want) return &s;
    if (have.size() > want.size() && have.starts_with(want) && (have[want.size()] == ' ' || have[want.size()] == '('))
      return &s;
  }
  return nullptr;
}

/// One "- <name>: <text>" entry of a section.
struct entry {
  std::string_view name;
  std::string_view text;
};

/// The entries of a section body. An entry starts with a line "- <name>: " where <name> is one of
/// `names` (or, when `names` is empty, any name of letters, digits, '_', '-' and spaces), and runs
/// until the next such line; continuation lines belong to it. Lines before the first entry are
/// skipped. The text is trimmed.
inline std::vector<entry> split_entries(std::string_view body, std::span<const std::string_view> names = {}) {
  std::vector<entry> out;
  auto entry_name = [&](std::string_view line) -> std::optional<std::string_view> {
    if (line.substr(0, 2) != "- ") return std::nullopt;
    std::size_t colon = line.find(':', 2);
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = line.substr(2, colon - 2);
    if (names.empty()) {
      if (name.empty() || name.size() > 60) return std::nullopt;
      for (char c : name)
        if (!(detail::is_word_byte(c) || c == '_' || c == '-' || c == ' ')) return std::nullopt;
      return name;
    }
    for (auto n : names)
      if (n == name) return name;
    return std::nullopt;
  };
  std::size_t pos = 0;
  std::optional<std::string_view> current;
  std::size_t text_start = 0;
  auto close = [&](std::size_t end) {
    if (current) out.push_back({*current, trim(body.substr(text_start, end - text_start))});
  };
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    if (auto n = entry_name(body.substr(pos, eol - pos))) {
      close(pos);
      current = n;
      text_start = pos + 2 + n->size() + 1;
    }
    pos = eol + 1;
  }
  close(body.size());
  return out;
}

/// The text of the entry called `name`, or nothing.
inline std::optional<std::string_view> entry_text(std::span<const entry> entries, std::string_view name) {
  for (const auto& e : entries)
    if (e.name == name) return e.text;
  return std::nullopt;
}

/// A name and a text: an instruction, a definition, a sample field (label and text), a feedback.
struct named_text {
  std::string name;
  std::string text;
};

/// One criterion's judge score against the human score, for a loss prompt.
struct score_line {
  std::string criterion;
  std::optional<double> predicted;  ///< nothing when the judge gave no usable score
  double human = 0;
};

/// One past instruction set with its score, for an OPRO prompt.
struct scored_set {
  double score = 0;
  std::vector<named_text> instructions;
};

namespace detail {
// Embedded free text must not open a section: a line starting with "## " gets a leading space.
inline std::string guard(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.substr(0, 3) == "## ") out.push_back(' ');
    out.append(line);
    if (eol == text.size()) break;
    out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}
inline std::string number(double v) { return fmt::format("{}", v); }
inline void entries(std::string& out, const std::vector<named_text>& items) {
  for (const auto& i : items) out += fmt::format("- {}: {}\n", i.name, guard(trim(i.text)));
}
}  // namespace detail

/// The loss prompt: a critic persona, optional definitions, one Scores entry per criterion
/// ("- fluency: predicted 4, human 5"; one entry when separate, all when combined).
inline std::string loss_prompt(const std::vector<score_line>& scores, const std::vector<named_text>& definitions = {}) {
  std::string out =
      "You review the scores an automatic judge gave to one sample, criterion by criterion, against the "
      "scores human experts gave. Criticise the judge's scores; do not rescore the sample. Say for each "
      "criterion whether the judge was right, and if not, in which direction and by how much it missed.\n\n";
  if (!definitions.empty()) {
    out += fmt::format("## {}\n", titles::criteria);
    detail::entries(out, definitions);
    out += "\n";
  }
  out += fmt::format("## {}\n", titles::scores);
  for (const auto& s : scores)
    out += fmt::format("- {}: predicted {}, human {}\n", s.criterion, s.predicted ? detail::number(*s.predicted) : "none",
                       detail::number(s.human));
  out += fmt::format("\n## {}\nWrite one short critique per criterion, as \"- <criterion>: <critique>\" lines.\n", titles::task);
  return out;
}

/// The gradient prompt: the instruction(s) under critique (the criteria the call covers), the
/// sample, the judge's output and the loss critique(s).
inline std::string gradient_prompt(const std::vector<named_text>& instructions, const std::vector<named_text>& sample,
                                   std::string_view judge_output, std::string_view critique) {
  std::string out =
      "You improve the instructions an automatic judge follows when it scores texts. Below are the "
      "instructions, one sample the judge scored, its output, and a critique of its scores against human "
      "scores. Explain what in the instructions led to the errors and what they should say instead.\n\n";
  out += fmt::format("## {}\n", titles::instructions);
  detail::entries(out, instructions);
  out += fmt::format("\n## {}\n", titles::sample);
  for (const auto& f : sample) out += fmt::format("{}: {}\n", f.name, detail::guard(f.text));
  out += fmt::format("\n## {}\n{}\n\n## {}\n{}\n", titles::judge_output, detail::guard(trim(judge_output)), titles::critique,
                     detail::guard(trim(critique)));
  out += fmt::format(
      "\n## {}\nWrite three short paragraphs: what works and must be kept, what caused the wrong scores, and "
      "concrete changes to the instructions. Name the criterion each change is for.\n",
      titles::task);
  return out;
}

/// The optimizer prompt: the instruction(s) to rewrite, optional context (samples and judge outputs,
/// free text), and the feedback: per-criterion entries, or one joint text when `feedback` holds a
/// single item with an empty name. More than one instruction asks for JSON
/// `{"instructions": {...}}`; one asks for the new instruction text alone.
inline std::string optimizer_prompt(const std::vector<named_text>& instructions, std::string_view context,
                                    const std::vector<named_text>& feedback) {
  std::string out =
      "You rewrite the instructions an automatic judge follows when it scores texts, using the feedback "
      "below. Keep what works, add what the feedback asks for, and put each change under the criterion it "
      "is for.\n\n";
  out += fmt::format("## {}\n", titles::instructions);
  detail::entries(out, instructions);
  if (!trim(context).empty()) out += fmt::format("\n## {}\n{}\n", titles::context, detail::guard(trim(context)));
  out += fmt::format("\n## {}\n", titles::feedback);
  if (feedback.size() == 1 && feedback.front().name.empty()) out += detail::guard(trim(feedback.front().text)) + "\n";
  else detail::entries(out, feedback);
  if (instructions.size() > 1)
    out += fmt::format(
        "\n## {}\nAnswer with one JSON object and nothing else: {{\"instructions\": {{\"<criterion>\": \"<new "
        "instruction>\", ...}}}}, with every criterion above.\n",
        titles::task);
  else
    out += fmt::format("\n## {}\nAnswer with the new instruction text alone.\n", titles::task);
  return out;
}

/// The OPRO meta-prompt: past instruction sets with their scores, worst first, optional examples,
/// and a request for a better set as JSON `{"instructions": {...}}`.
inline std::string opro_prompt(const std::vector<scored_set>& past, std::string_view examples = {}) {
  std::vector<const scored_set*> order;
  for (const auto& s : past) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->score < b->score; });
  std::string out =
      "You write instructions for an automatic judge that scores texts on several criteria. Below are "
      "instruction sets tried so far with their scores (higher is better), worst first. Write a new set "
      "that scores higher than all of them.\n\n";
  out += fmt::format("## {}\n", titles::past_instructions);
  for (std::size_t i = 0; i < order.size(); ++i) {
    out += fmt::format("### Set {} (score {:.4f})\n", i + 1, order[i]->score);
    detail::entries(out, order[i]->instructions);
  }
  if (!trim(examples).empty()) out += fmt::format("\n## {}\n{}\n", titles::examples, detail::guard(trim(examples)));
  out += fmt::format(
      "\n## {}\nAnswer with one JSON object and nothing else: {{\"instructions\": {{\"<criterion>\": \"<new "
      "instruction>\", ...}}}}.\n",
      titles::task);
  return out;
}

/// The gradient-specificity prompt: how focused `gradient` is on `target`, 1 to 10.
inline std::string specificity_prompt(std::string_view target, std::string_view gradient) {
  return fmt::format(
      "You rate feedback written to improve the instruction for one criterion of an automatic judge.\n\n"
      "## {}\n{}\n\n## {}\n{}\n\n## {}\nRate from 1 to 10 how specifically the feedback addresses the target "
      "criterion: 10 when everything in it is about that criterion, 1 when it is generic or about other "
      "criteria. Answer with the number alone.\n",
      titles::target_criterion, target, titles::gradient, detail::guard(trim(gradient)), titles::task);
}

/// The feedback-adherence prompt: how far the new instruction follows the gradient, 1 to 10.
inline std::string adherence_prompt(std::string_view target, std::string_view old_instruction,
                                    std::string_view new_instruction, std::string_view gradient) {
  return fmt::format(
      "You rate how well a rewritten instruction for one criterion of an automatic judge follows the "
      "feedback it was given.\n\n## {}\n{}\n\n## {}\n{}\n\n## {}\n{}\n\n## {}\n{}\n\n## {}\nRate from 1 to 10 "
      "how fully the new instruction takes up the feedback's proposals for the target criterion while keeping "
      "what worked. Answer with the number alone.\n",
      titles::target_criterion, target, titles::previous_instruction, detail::guard(trim(old_instruction)),
      titles::new_instruction, detail::guard(trim(new_instruction)), titles::gradient, detail::guard(trim(gradient)),
      titles::task);
}

/// The role a prompt plays, told by its sections, for requests that do not carry one: Past
/// instructions or Feedback -> optimizer; Scores -> loss; Critique -> gradient; Target criterion ->
/// evaluator; Instructions with a Sample or an Output format -> judge.
inline std::optional<llm::role> infer_role(std::span<const section> sections) {
  auto has = [&](std::string_view t) { return find_section(sections, t) != nullptr; };
  if (has(titles::past_instructions) || has(titles::feedback)) return llm::role::optimizer;
  if (has(titles::scores)) return llm::role::loss;
  if (has(titles::critique)) return llm::role::gradient;
  if (has(titles::target_criterion)) return llm::role::evaluator;
  if (has(titles::instructions) && (has(titles::sample) || has(titles::output_format))) return llm::role::judge;
  return std::nullopt;
}

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
