/// @file
/// Small text utilities shared by the data loaders, the judge prompt and the reply parser:
/// FNV-1a 64 hashing, hex, trimming, line splitting and replacement.
#pragma once

#include <judgegrad/config.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <system_error>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace text {

/// FNV-1a 64-bit offset basis and prime (Fowler, Noll, Vo): byte-wise, so the same on every platform.
inline constexpr std::uint64_t fnv1a64_basis = 14695981039346656037ull;
inline constexpr std::uint64_t fnv1a64_prime = 1099511628211ull;

/// Continues an FNV-1a 64 hash `h` over the bytes of `bytes`.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = fnv1a64_basis) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= fnv1a64_prime;
  }
  return h;
}

/// Continues a 64-bit hash `h` over `bytes` eight at a time (little-endian words, the tail padded
/// with its length), about eight times faster than FNV-1a on long texts: for fingerprints of
/// prompts, where FNV-1a's byte-serial chain was the cost. Not FNV-1a: values differ.
constexpr std::uint64_t word_hash64(std::string_view bytes, std::uint64_t h = fnv1a64_basis) {
  constexpr std::uint64_t mul = 0x9e3779b97f4a7c15ull;
  const auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * mul;
    h ^= h >> 29;
  };
  const auto word = [&](std::size_t at, std::size_t n) {  // n <= 8 bytes from `at`, little-endian
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t(static_cast<unsigned char>(bytes[at + k])) << (8 * k);
    return w;
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) mix(word(i, 8));
  mix(word(i, bytes.size() - i) | std::uint64_t(bytes.size() - i) << 56);
  return h;
}

/// `x` as 16 lower-case hex digits.
inline std::string hex64(std::uint64_t x) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4) out[static_cast<std::size_t>(i)] = digits[x & 0xF];
  return out;
}

/// True for space, tab, CR, LF, vertical tab and form feed.
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/// `s` without leading and trailing ASCII white space.
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// The finite decimal number that is all of `s` ("4", "+4", "-1.5", "3e0"), surrounding white
/// space allowed; nothing for anything else (words, "4/5", "inf", out-of-range values).
inline std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

/// ASCII lower case.
inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Every occurrence of `from` (non-empty) replaced by `to`, scanning left to right.
inline std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (true) {
    std::size_t j = s.find(from, i);
    if (j == std::string_view::npos || from.empty()) break;
    out.append(s.substr(i, j - i));
    out.append(to);
    i = j + from.size();
  }
  out.append(s.substr(i));
  return out;
}

/// The lines of `s` split at '\n' (a trailing '\r' stays on its line); "" gives one empty line.
inline std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  std::size_t i = 0;
  while (true) {
    std::size_t j = s.find('\n', i);
    if (j == std::string_view::npos) {
      lines.push_back(s.substr(i));
      return lines;
    }
    lines.push_back(s.substr(i, j - i));
    i = j + 1;
  }
}

/// A short excerpt of `s` for error messages: at most `max` bytes, newlines shown as "\n".
inline std::string excerpt(std::string_view s, std::size_t max = 60) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    if (s[i] == '\n') out += "\\n";
    else if (s[i] == '\r') out += "\\r";
    else out.push_back(s[i]);
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace text
JUDGEGRAD_END_NAMESPACE
