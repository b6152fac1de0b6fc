/// @file
/// A 1-to-10 rating read from the evaluator role's reply (gradient specificity, feedback
/// adherence). judgegrad's reading takes the first number of the reply, written in digits
/// ("7", "7/10", "Rating: 7.5") or as a word ("seven"), and a range ("7-8", "7 to 8") as its
/// midpoint; a reply without one, or with one outside 1..10, has no rating. The reference's
/// reading (faithful) takes the first integer of one or two digits that lies in 1..10 and ignores
/// everything else: "7.5" reads 7, "seven" reads nothing, "0 of 10" reads 10.
#pragma once

#include <judgegrad/config.hpp>

#include <array>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace ratings {

/// How the diagnostics rate: judgegrad's protocol, or the reference's (one call per run, step and
/// criterion over the step's gradients joined, its reading of the reply).
enum class protocol { standard, faithful };

namespace detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

/// A number at `at` (digits with an optional decimal part, or a number word one..ten); advances `at`.
inline std::optional<double> number_at(std::string_view s, std::size_t& at) {
  if (is_digit(s[at])) {
    std::size_t end = at;
    double v = 0;
    while (end < s.size() && is_digit(s[end])) v = v * 10 + (s[end++] - '0');
    if (end + 1 < s.size() && (s[end] == '.' || s[end] == ',') && is_digit(s[end + 1])) {
      double scale = 0.1;
      ++end;
      while (end < s.size() && is_digit(s[end])) v += (s[end++] - '0') * scale, scale /= 10;
    }
    at = end;
    return v;
  }
  if (!is_alpha(s[at]) || (at > 0 && is_alpha(s[at - 1]))) return std::nullopt;
  static constexpr std::array<std::string_view, 10> words{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
  for (std::size_t w = 0; w < words.size(); ++w) {
    auto word = words[w];
    if (s.size() - at < word.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < word.size() && same; ++i) same = std::tolower(static_cast<unsigned char>(s[at + i])) == word[i];
    if (!same || (at + word.size() < s.size() && is_alpha(s[at + word.size()]))) continue;
    at += word.size();
    return static_cast<double>(w + 1);
  }
  return std::nullopt;
}

}  // namespace detail

/// The rating in `reply`, or nothing (see the file comment for both readings).
inline std::optional<double> parse_rating(std::string_view reply, protocol p = protocol::standard) {
  if (p == protocol::faithful) {
    for (std::size_t i = 0; i < reply.size(); ++i) {
      if (!detail::is_digit(reply[i]) || (i > 0 && detail::is_digit(reply[i - 1]))) continue;
      std::size_t end = i;
      while (end < reply.size() && detail::is_digit(reply[end])) ++end;
      if (end - i <= 2) {
        int v = reply[i] - '0';
        if (end - i == 2) v = v * 10 + (reply[i + 1] - '0');
        if (v >= 1 && v <= 10) return v;
      }
      i = end;
    }
    return std::nullopt;
  }
  for (std::size_t i = 0; i < reply.size(); ++i) {
    std::size_t at = i;
    auto first = detail::number_at(reply, at);
    if (!first) continue;
    // A range: "7-8", "7 – 8", "7 to 8".
    std::size_t j = at;
    while (j < reply.size() && reply[j] == ' ') ++j;
    std::size_t dash = j;
    if (reply.substr(j, 1) == "-") j += 1;
    else if (reply.substr(j, 3) == "\u2013") j += 3;
    else if (reply.substr(j, 2) == "to" && j + 2 < reply.size() && !detail::is_alpha(reply[j + 2])) j += 2;
    double value = *first;
    if (j != dash) {
      while (j < reply.size() && reply[j] == ' ') ++j;
      if (j < reply.size()) {
        std::size_t k = j;
        if (auto second = detail::number_at(reply, k)) value = (*first + *second) / 2;
      }
    }
    if (value < 1 || value > 10) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace ratings
JUDGEGRAD_END_NAMESPACE
