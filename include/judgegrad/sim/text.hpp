/// @file
/// Text helpers the simulator reads prompts with: cue matching at word starts, whole-word names and
/// sentence splitting (case folding and trimming come from core/text.hpp).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/text.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

using text::to_lower;
using text::trim;

namespace detail {
inline bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (static_cast<unsigned char>(c) >= 0x80);
}
}  // namespace detail

/// Whether the lower-case `cue` occurs in the case-folded `folded` at the start of a word. Cues are
/// stems ("grammat" matches "grammar" and "ungrammatical" does not).
inline bool has_cue(std::string_view folded, std::string_view cue) {
  if (cue.empty()) return false;
  for (std::size_t at = folded.find(cue); at != std::string_view::npos; at = folded.find(cue, at + 1))
    if (at == 0 || !detail::is_word_byte(folded[at - 1])) return true;
  return false;
}

/// Position of the whole word `word` (lower-case) in `folded`, or npos.
inline std::size_t find_word(std::string_view folded, std::string_view word, std::size_t from = 0) {
  for (std::size_t at = folded.find(word, from); at != std::string_view::npos; at = folded.find(word, at + 1)) {
    bool start = at == 0 || !detail::is_word_byte(folded[at - 1]);
    bool end = at + word.size() == folded.size() || !detail::is_word_byte(folded[at + word.size()]);
    if (start && end) return at;
  }
  return std::string_view::npos;
}

/// Sentences of `text`: pieces ending at '.', '!', '?' followed by white space, or at a blank
/// line; trimmed, empty ones dropped. Good enough for the simulator's own prose and most LLM prose.
inline std::vector<std::string_view> sentences(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  auto push = [&](std::size_t end) {
    auto s = trim(text.substr(start, end - start));
    if (!s.empty()) out.push_back(s);
    start = end;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool next_space = i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n';
    if ((c == '.' || c == '!' || c == '?') && next_space) push(i + 1);
    else if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n') push(i + 1);
  }
  push(text.size());
  return out;
}

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
