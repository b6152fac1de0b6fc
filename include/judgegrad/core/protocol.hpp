/// @file
/// The grammar of every prompt judgegrad writes and of the structured blocks it reads back: the
/// judge's, the optimizer roles' (optim/prompts/) and the simulator's view of both. Plain text a
/// real LLM reads as such; one set of writers and readers, one escaping rule.
///
///     <preamble>
///
///     ## <Title>                      a section; its body runs to the next "## " line
///     - <name>: <text>                an entry (instructions, scores, definitions)
///     <Label>: <text>                 a field (the sample's inputs)
///     ### <label>                     a block inside a section (feedback per criterion, past sets)
///     - <text>                        an item of a block
///     <free text>                     anything else: a section's text
///
/// **Escaping**, the one rule: a line of embedded text that would read as structure — it starts
/// with a space, '#' or '-', or with a field label ("Word: ") — is written with one more leading
/// space; a reader removes one leading space from every line that has one. The first line of an
/// entry, field or item follows its marker and needs nothing. So any text (trimmed of outer white
/// space) reads back exactly, "## " and "- name:" lines included: tests/core/protocol.cpp checks it
/// on random texts built from such lines.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_reader.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace protocol {

/// Section titles (the text after "## ").
namespace titles {
inline constexpr std::string_view output_format = "Output format";
inline constexpr std::string_view criteria = "Criteria";
inline constexpr std::string_view instructions = "Instructions";
inline constexpr std::string_view sample = "Sample";
inline constexpr std::string_view response = "Response";
inline constexpr std::string_view scores = "Scores";
inline constexpr std::string_view judge_prompt = "Judge prompt";
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
inline constexpr std::string_view advice = "Advice";
inline constexpr std::string_view task = "Task";
}  // namespace titles

// -------------------------------------------------------------------------------------------------
// Escaping

namespace detail {
/// A field label: 1 to 40 letters, digits, spaces, '_', '-', '(' or ')', then ": ".
inline std::size_t label_length(std::string_view line) {
  std::size_t colon = line.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return 0;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = line[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' || c == '-' ||
              c == '(' || c == ')';
    if (!ok) return 0;
  }
  return colon;
}
}  // namespace detail

/// Whether `line`, at the start of a line, would read as structure (see the file comment).
inline bool needs_guard(std::string_view line) {
  if (line.empty()) return false;
  char c = line.front();
  return c == ' ' || c == '#' || c == '-' || detail::label_length(line) > 0;
}

/// Appends `text` (trimmed) with every line that needs it guarded; when `first_line_follows_marker`,
/// the first line follows an entry's, field's or item's marker and is left as it is.
inline void append_escaped(std::string& out, std::string_view text, bool first_line_follows_marker) {
  text = text::trim(text);
  std::size_t pos = 0;
  bool first = true;
  while (true) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (!(first && first_line_follows_marker) && needs_guard(line)) out.push_back(' ');
    out.append(line);
    first = false;
    if (eol == std::string_view::npos) return;
    out.push_back('\n');
    pos = eol + 1;
  }
}

/// `text` escaped as a section's free text.
inline std::string escape(std::string_view text) {
  std::string out;
  append_escaped(out, text, false);
  return out;
}

/// The inverse of escaping: one leading space removed from every line that has one; trimmed.
inline std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    out.append(line);
    if (eol == std::string_view::npos) break;
    out.push_back('\n');
    pos = eol + 1;
  }
  return std::string(text::trim(out));
}

// -------------------------------------------------------------------------------------------------
// Writing

/// "## <title>" on a line of its own, after a blank line unless `out` is empty.
inline void write_section(std::string& out, std::string_view title) {
  if (!out.empty()) {
    if (out.back() != '\n') out.push_back('\n');
    out.push_back('\n');
  }
  out += "## ";
  out += title;
  out.push_back('\n');
}

/// A section's free text, escaped, and a line end.
inline void write_text(std::string& out, std::string_view text) {
  append_escaped(out, text, false);
  out.push_back('\n');
}

/// "- <name>: <text>" with the text's later lines escaped.
inline void write_entry(std::string& out, std::string_view name, std::string_view text) {
  out += "- ";
  out += name;
  out += ": ";
  append_escaped(out, text, true);
  out.push_back('\n');
}

/// "<label>: <text>" with the text's later lines escaped (the sample's inputs).
inline void write_field(std::string& out, std::string_view label, std::string_view text) {
  out += label;
  out += ": ";
  append_escaped(out, text, true);
  out.push_back('\n');
}

/// "### <label>" on a line of its own.
inline void write_block(std::string& out, std::string_view label) {
  out += "### ";
  out += label;
  out.push_back('\n');
}

/// "- <text>" with the text's later lines escaped: an item of a block.
inline void write_item(std::string& out, std::string_view text) {
  out += "- ";
  append_escaped(out, text, true);
  out.push_back('\n');
}

// -------------------------------------------------------------------------------------------------
// Reading

/// One "## <title>" section: its title (a trailing ':' dropped) and its body as written (escaped),
/// up to the next header. Text before the first header is a section with an empty title.
struct section {
  std::string_view title;
  std::string_view body;
  /// The body as free text: unescaped and trimmed.
  std::string text() const { return unescape(body); }
};

/// The sections of `prompt`, in order. They view `prompt`, which must outlive them.
inline std::vector<section> split_sections(std::string_view prompt) {
  std::vector<section> out;
  section current{"", {}};
  std::size_t body_start = 0, pos = 0;
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
      std::string_view title = text::trim(line.substr(3));
      if (!title.empty() && title.back() == ':') title = text::trim(title.substr(0, title.size() - 1));
      current = section{title, {}};
      body_start = std::min(eol + 1, prompt.size());
    }
    if (eol == prompt.size()) break;
    pos = eol + 1;
  }
  close(prompt.size());
  if (!out.empty() && out.front().title.empty() && text::trim(out.front().body).empty()) out.erase(out.begin());
  return out;
}

/// A temporary would leave the sections dangling: keep the prompt in a variable.
std::vector<section> split_sections(std::string&&) = delete;

/// The first section titled `title` (ASCII case-insensitive), or nullptr. A title that continues
/// after `title` with a space or a parenthesis also matches ("Output format (keep to it exactly)").
inline const section* find_section(std::span<const section> sections, std::string_view title) {
  std::string want = text::to_lower(title);
  for (const auto& s : sections) {
    std::string have = text::to_lower(s.title);
    if (have == want) return &s;
    if (have.size() > want.size() && have.starts_with(want) && (have[want.size()] == ' ' || have[want.size()] == '('))
      return &s;
  }
  return nullptr;
}

/// A named text read back: an entry's name and text, a field's label and text.
struct named_text {
  std::string name;
  std::string text;
  friend bool operator==(const named_text&, const named_text&) = default;
};

namespace detail {
/// Lines of `body` grouped under the marker lines `starts(line)` recognises (returning the text on
/// the marker line after the marker, or nothing); unescaped. Lines before the first marker are
/// skipped.
template <class Starts>
std::vector<named_text> group(std::string_view body, Starts&& starts) {
  std::vector<named_text> out;
  std::string pending;
  bool open = false;
  auto close = [&] {
    if (open) out.back().text = unescape(pending);
    pending.clear();
  };
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    if (auto start = starts(line)) {
      close();
      out.push_back({std::move(start->name), {}});
      pending = std::move(start->text);
      open = true;
    } else if (open) {
      pending.push_back('\n');
      pending.append(line);
    }
    pos = eol + 1;
  }
  close();
  return out;
}

inline bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ' ' ||
         static_cast<unsigned char>(c) >= 0x80;
}
}  // namespace detail

/// The entries "- <name>: <text>" of a section or block body. With `names`, only those names start
/// an entry; without, any name of letters, digits, '_', '-' and spaces (at most 60 bytes).
inline std::vector<named_text> read_entries(std::string_view body, std::span<const std::string_view> names = {}) {
  return detail::group(body, [&](std::string_view line) -> std::optional<named_text> {
    if (line.substr(0, 2) != "- ") return std::nullopt;
    std::size_t colon = line.find(':', 2);
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = line.substr(2, colon - 2);
    if (names.empty()) {
      if (name.empty() || name.size() > 60) return std::nullopt;
      for (char c : name)
        if (!detail::is_name_char(c)) return std::nullopt;
    } else if (std::find(names.begin(), names.end(), name) == names.end()) {
      return std::nullopt;
    }
    std::string_view rest = line.substr(colon + 1);
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return named_text{std::string(name), std::string(rest)};
  });
}

/// The fields "<Label>: <text>" of a section body (the sample's inputs).
inline std::vector<named_text> read_fields(std::string_view body) {
  return detail::group(body, [](std::string_view line) -> std::optional<named_text> {
    std::size_t n = detail::label_length(line);
    if (n == 0 || line.front() == ' ') return std::nullopt;
    return named_text{std::string(line.substr(0, n)), std::string(line.substr(n + 2))};
  });
}

/// The items "- <text>" of a block body.
inline std::vector<std::string> read_items(std::string_view body) {
  auto grouped = detail::group(body, [](std::string_view line) -> std::optional<named_text> {
    if (line.substr(0, 2) != "- " && line != "-") return std::nullopt;
    return named_text{{}, std::string(line.substr(std::min<std::size_t>(2, line.size())))};
  });
  std::vector<std::string> out;
  for (auto& g : grouped) out.push_back(std::move(g.text));
  return out;
}

/// One "### <label>" block of a section: its label and its body as written.
struct block {
  std::string label;
  std::string body;
};

/// The blocks of a section body; a body without any "### " line is one block with an empty label.
inline std::vector<block> read_blocks(std::string_view body) {
  std::vector<block> out;
  std::size_t pos = 0;
  bool any = false;
  std::string pending;
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = body.substr(pos, eol - pos);
    if (line.substr(0, 4) == "### ") {
      if (any) out.back().body = std::move(pending);
      else if (!text::trim(pending).empty()) out.push_back({"", std::move(pending)});
      pending.clear();
      out.push_back({std::string(text::trim(line.substr(4))), {}});
      any = true;
    } else {
      pending.append(line);
      pending.push_back('\n');
    }
    pos = eol + 1;
  }
  if (any) out.back().body = std::move(pending);
  else out.push_back({"", std::move(pending)});
  return out;
}

/// The text of the entry called `name`, or nothing. It views `entries`, which must outlive it.
inline std::optional<std::string_view> entry_text(std::span<const named_text> entries, std::string_view name) {
  for (const auto& e : entries)
    if (e.name == name) return std::string_view(e.text);
  return std::nullopt;
}
/// A temporary would leave the text dangling: keep the entries in a variable.
std::optional<std::string_view> entry_text(std::vector<named_text>&&, std::string_view) = delete;

/// Texts under a label naming what they concern ("fluency", "fluency, relevance") — how several
/// critiques or gradients appear in one prompt, as a merge policy arranged them.
struct group {
  std::string label;
  std::vector<std::string> items;
  friend bool operator==(const group&, const group&) = default;
};

/// `groups` as a section body: a single unlabelled group with one item as free text, an unlabelled
/// group as items, labelled groups as "### <label>" blocks of items.
inline void write_groups(std::string& out, std::span<const group> groups) {
  if (groups.size() == 1 && groups.front().label.empty()) {
    const auto& items = groups.front().items;
    if (items.size() == 1) write_text(out, items.front());
    else
      for (const auto& i : items) write_item(out, i);
    return;
  }
  for (const auto& g : groups) {
    write_block(out, g.label);
    for (const auto& i : g.items) write_item(out, i);
  }
}

/// The groups of a section body written by write_groups (free text: one unlabelled group).
inline std::vector<group> read_groups(std::string_view body) {
  std::vector<group> out;
  for (const auto& b : read_blocks(body)) {
    group g{b.label, read_items(b.body)};
    if (b.label.empty() && g.items.empty()) {
      std::string text = unescape(b.body);
      if (!text.empty()) g.items.push_back(std::move(text));
    }
    if (!g.label.empty() || !g.items.empty()) out.push_back(std::move(g));
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Structured blocks: groups, score lines, scored instruction sets, texts keyed by name in JSON

/// One criterion's judge score against the human score, as the loss prompt shows it:
/// "- fluency: predicted 4, human 5" ("predicted none" when the judge gave no usable score), and
/// optionally a verdict computed in code: "... (verdict: incorrect, difference 1)".
struct score_line {
  std::string criterion;
  std::optional<double> predicted;
  std::optional<double> human;
  std::string verdict = {};  ///< empty: none shown
};

/// A number as the prompts show it: "4", "4.5", "-1" (shortest round trip).
inline std::string number(double v) { return fmt::format("{}", v); }

inline void write_score_line(std::string& out, const score_line& s) {
  std::string text = fmt::format("predicted {}, human {}", s.predicted ? number(*s.predicted) : "none", s.human ? number(*s.human) : "none");
  if (!s.verdict.empty()) text += fmt::format(" ({})", s.verdict);
  write_entry(out, s.criterion, text);
}

/// The score line of entry `e` ("predicted P, human H ..."); absent numbers stay empty.
inline score_line read_score_line(const named_text& e) {
  score_line s;
  s.criterion = e.name;
  auto number_after = [&](std::string_view word) -> std::optional<double> {
    std::string_view t = e.text;
    std::size_t at = t.find(word);
    if (at == std::string_view::npos) return std::nullopt;
    t = t.substr(at + word.size());
    std::size_t end = 0;
    while (end < t.size() && (t[end] == '-' || t[end] == '+' || t[end] == '.' || (t[end] >= '0' && t[end] <= '9') || t[end] == 'e'))
      ++end;
    return text::parse_number(t.substr(0, end));
  };
  s.predicted = number_after("predicted ");
  s.human = number_after("human ");
  if (auto open = e.text.find(" ("); open != std::string::npos && e.text.back() == ')')
    s.verdict = e.text.substr(open + 2, e.text.size() - open - 3);
  return s;
}

/// One past instruction set with its score, for the OPRO meta-prompt.
struct scored_set {
  double score = 0;
  std::vector<named_text> instructions;
};

/// The sets as blocks "### Set i (score S)" of entries, in the order given.
inline void write_scored_sets(std::string& out, std::span<const scored_set> sets) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    write_block(out, fmt::format("Set {} (score {:.4f})", i + 1, sets[i].score));
    for (const auto& in : sets[i].instructions) write_entry(out, in.name, in.text);
  }
}

/// The sets of a "Past instructions" body (entries restricted to `names` when given).
inline std::vector<scored_set> read_scored_sets(std::string_view body, std::span<const std::string_view> names = {}) {
  std::vector<scored_set> out;
  for (const auto& b : read_blocks(body)) {
    if (b.label.empty()) continue;
    scored_set s;
    if (auto at = b.label.find("score "); at != std::string::npos) {
      std::string_view rest = std::string_view(b.label).substr(at + 6);
      if (!rest.empty() && rest.back() == ')') rest.remove_suffix(1);
      s.score = text::parse_number(rest).value_or(0);
    }
    s.instructions = read_entries(b.body, names);
    out.push_back(std::move(s));
  }
  return out;
}

/// {"<name>": "<text>", ...}: what a joint call answers under the structured merge.
inline std::string write_keyed_json(std::span<const named_text> texts) {
  json_writer w;
  w.begin_object();
  for (const auto& i : texts) w.key(i.name).value(i.text);
  w.end_object();
  return std::move(w).str();
}

/// {"instructions": {"<name>": "<text>", ...}}: what an optimizer asked for several instructions
/// answers, and OPRO's candidates.
inline std::string write_instructions_json(std::span<const named_text> instructions) {
  return "{\"instructions\":" + write_keyed_json(instructions) + "}";
}

/// What a reply of texts keyed by name held.
struct instructions_reply {
  std::vector<std::optional<std::string>> texts;  ///< one per name asked for: the (trimmed) text, or nothing
  std::vector<std::string> missing;               ///< names with no usable text (absent or empty)
  bool found_json = false;                        ///< a JSON object of instructions was found at all
};

namespace detail {
inline void leaf_strings(const json_value& v, std::string& out) {
  if (v.is_string()) {
    if (!out.empty()) out.push_back(' ');
    out += v.text;
  } else if (v.is_object() || v.type == json_value::kind::array) {
    for (const auto& child : v.values) leaf_strings(child, out);
  }
}
}  // namespace detail

/// Reads a text for each of `names` from a reply: the first JSON object in it (code fences and
/// prose around it allowed) that is {"instructions": {...}}, {"instruction": {...}}, or itself maps
/// names to texts — the update's answer, OPRO's candidates, and a joint call's answer keyed by
/// criterion under the structured merge. A value that is an object or a list counts as its
/// strings joined by spaces. Names are matched exactly, then ignoring case.
inline instructions_reply read_texts_json(std::string_view reply, std::span<const std::string_view> names) {
  instructions_reply out;
  out.texts.resize(names.size());
  auto table_of = [&](const json_value& v) -> const json_value* {
    if (!v.is_object()) return nullptr;
    for (std::string_view key : {"instructions", "instruction"})
      if (const json_value* t = v.find(key); t && t->is_object()) return t;
    for (auto n : names)
      if (v.find(n)) return &v;
    return nullptr;
  };
  auto found = find_json(reply, [&](const json_value& v) { return table_of(v) != nullptr; });
  if (found) {
    out.found_json = true;
    const json_value& table = *table_of(*found);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const json_value* v = table.find(names[i]);
      if (!v) {
        std::string want = text::to_lower(names[i]);
        for (std::size_t k = 0; k < table.keys.size() && !v; ++k)
          if (text::to_lower(text::trim(table.keys[k])) == want) v = &table.values[k];
      }
      if (!v) continue;
      std::string textual;
      detail::leaf_strings(*v, textual);
      std::string_view trimmed = text::trim(textual);
      if (!trimmed.empty()) out.texts[i] = std::string(trimmed);
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!out.texts[i]) out.missing.emplace_back(names[i]);
  return out;
}

}  // namespace protocol
JUDGEGRAD_END_NAMESPACE
