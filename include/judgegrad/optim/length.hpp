/// @file
/// Length policies: how long the update may make each criterion's instruction. The paper traces
/// instruction interference to one instruction growing to ~800 tokens while another stays at 4;
/// `length::balanced<Budget, Ratio, Floor>` keeps every instruction within a token budget and within
/// a ratio of the others — told to the optimizer model, checked on its reply, and enforced by one
/// repair round and then by a cut at a sentence boundary, each logged in the step's notes.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/llm/types.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace length {

/// The limits of a length-balanced update, as values.
struct limits {
  std::size_t budget = 200;  ///< tokens, any instruction
  double ratio = 3;          ///< an instruction's tokens over the mean of the others'
  std::size_t floor = 32;    ///< the ratio never limits below this many tokens

  /// The token limit of the instruction at `c` given every instruction's length in tokens:
  /// min(budget, max(floor, ratio x mean of the others)).
  std::size_t limit_for(std::size_t c, std::span<const std::size_t> tokens) const {
    if (tokens.size() <= 1) return budget;
    double others = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i)
      if (i != c) others += static_cast<double>(tokens[i]);
    others /= static_cast<double>(tokens.size() - 1);
    auto by_ratio = static_cast<std::size_t>(ratio * others);
    return std::min(budget, std::max(floor, by_ratio));
  }
};

/// Tokens of an instruction as judgegrad estimates them (4 characters a token), the unit of the limits.
inline std::size_t tokens_of(std::string_view text) { return static_cast<std::size_t>(llm::estimate_tokens(text)); }

/// `text` cut to at most `max_tokens` tokens: at the last sentence end ('.', '!' or '?' followed by
/// a space or the end) that fits, else at the last word boundary that fits, with a full stop added.
inline std::string cut_at_sentence(std::string_view text, std::size_t max_tokens) {
  text = text::trim(text);
  std::size_t max_chars = max_tokens * 4;
  if (text.size() <= max_chars) return std::string(text);
  std::size_t end = 0;
  for (std::size_t i = 0; i < max_chars && i < text.size(); ++i)
    if ((text[i] == '.' || text[i] == '!' || text[i] == '?') && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n'))
      end = i + 1;
  if (end > 0) return std::string(text.substr(0, end));
  if (max_chars < 2) return ".";
  std::size_t space = text.rfind(' ', max_chars - 1);  // the word boundary the full stop fits after
  std::size_t keep = space == std::string_view::npos || space == 0 ? max_chars - 1 : space;
  std::string out(text::trim(text.substr(0, keep)));
  while (!out.empty() && (out.back() == ',' || out.back() == ';' || out.back() == ':')) out.pop_back();
  out += '.';
  return out;
}

/// The instructions over their limit: positions, in order.
inline std::vector<std::size_t> over_limit(std::span<const std::string> instructions, const limits& l) {
  std::vector<std::size_t> tokens;
  for (const auto& i : instructions) tokens.push_back(tokens_of(i));
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < instructions.size(); ++c)
    if (tokens[c] > l.limit_for(c, tokens)) out.push_back(c);
  return out;
}

/// Cuts every instruction over its limit at a sentence boundary until none is (a cut shortens the
/// mean the others are held to, so it repeats). Returns one line per cut, "<name>: 812 -> 198 tokens".
inline std::vector<std::string> enforce(std::span<std::string> instructions, std::span<const std::string_view> names, const limits& l) {
  std::vector<std::string> log;
  for (std::size_t round = 0; round <= instructions.size() * 4; ++round) {
    auto over = over_limit(std::span<const std::string>(instructions.data(), instructions.size()), l);
    if (over.empty()) break;
    std::vector<std::size_t> tokens;
    for (const auto& i : instructions) tokens.push_back(tokens_of(i));
    for (std::size_t c : over) {
      std::size_t before = tokens[c];
      instructions[c] = cut_at_sentence(instructions[c], l.limit_for(c, tokens));
      log.push_back(fmt::format("{}: {} -> {} tokens", names[c], before, tokens_of(instructions[c])));
    }
  }
  return log;
}

/// No bound on the instructions' length (the paper's behaviour).
struct unbounded {
  using family = judgegrad::family::length;
  static constexpr std::string_view name = "unbounded";
  static constexpr bool bounded = false;
};

/// Every instruction within `Budget` tokens and within `Ratio` times the mean length of the others
/// (never below `Floor` tokens by the ratio alone). Named "balanced(200:3:32)".
template <int Budget = 200, int Ratio = 3, int Floor = 32>
struct balanced {
  static_assert(Budget >= 8 && Ratio >= 1 && Floor >= 1 && Floor <= Budget,
                "judgegrad::length::balanced<Budget, Ratio, Floor>: Budget >= 8 tokens, Ratio >= 1, 1 <= Floor <= Budget");
  using family = judgegrad::family::length;
  static constexpr bool bounded = true;
  static constexpr limits value{static_cast<std::size_t>(Budget), static_cast<double>(Ratio), static_cast<std::size_t>(Floor)};

 private:
  static constexpr auto label = [] {
    fixed_string<48> s("balanced(");
    auto number = [&](int v) {
      char digits[12] = {};
      int n = 0;
      do digits[n++] = static_cast<char>('0' + v % 10);
      while ((v /= 10) > 0);
      for (int i = n - 1; i >= 0; --i) s.append(std::string_view(&digits[i], 1));
    };
    number(Budget);
    s.append(":");
    number(Ratio);
    s.append(":");
    number(Floor);
    s.append(")");
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
};

}  // namespace length

/// A length policy.
template <class P>
concept length_policy = policy_of<P, family::length> && requires {
  { P::bounded } -> std::convertible_to<bool>;
};

JUDGEGRAD_END_NAMESPACE
