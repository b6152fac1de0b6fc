/// @file
/// `json_syntax_error`: where strict JSON text first goes wrong, as a line and a column, and what
/// was expected there. simdjson says that a document is malformed, not where; a message about a
/// file a person wrote names the place ("experiment.json: line 4, column 17: expected ',' or '}'").
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// A syntax error in JSON text: 1-based line and column (in bytes) and what was expected.
struct json_syntax_problem {
  std::size_t line = 1, column = 1;
  std::string what;
  std::string text() const { return fmt::format("line {}, column {}: {}", line, column, what); }
};

namespace json_syntax_detail {

class scanner {
 public:
  explicit scanner(std::string_view s) : s_(s) {}

  std::optional<json_syntax_problem> run() {
    space();
    if (!value(0)) return problem_;
    space();
    if (at_ < s_.size()) return fail("the document has ended: nothing may follow it");
    return std::nullopt;
  }

 private:
  static constexpr std::size_t max_depth = 512;

  std::optional<json_syntax_problem> fail(std::string what) {
    json_syntax_problem p;
    for (std::size_t i = 0; i < at_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') ++p.line, p.column = 1;
      else ++p.column;
    }
    p.what = at_ >= s_.size() ? what + " (the text ends here)" : std::move(what);
    problem_ = p;
    return problem_;
  }
  bool failed(std::string what) {
    fail(std::move(what));
    return false;
  }
  void space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(at_, word.size()) != word) return failed(fmt::format("expected {}", word));
    at_ += word.size();
    return true;
  }
  bool string() {
    ++at_;  // the opening quote
    while (at_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[at_]);
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c < 0x20) return failed("a control character (a line break?) inside a string: write it as an escape");
      if (c >= 0x80) {
        if (!utf8()) return failed("bytes that are not UTF-8 inside a string");
        continue;
      }
      if (c == '\\') {
        ++at_;
        if (at_ >= s_.size()) break;
        char e = s_[at_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            char h = at_ + k < s_.size() ? s_[at_ + k] : '\0';
            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
              at_ += static_cast<std::size_t>(k);
              return failed("\\u needs four hexadecimal digits");
            }
          }
          at_ += 5;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return failed(fmt::format("\\{} is not an escape JSON knows", e));
      }
      ++at_;
    }
    return failed("a string is not closed with '\"'");
  }
  /// One well-formed UTF-8 sequence at at_ (RFC 3629: no overlong form, no surrogate, at most
  /// U+10FFFF); at_ moves past it when it is one.
  bool utf8() {
    auto byte = [&](std::size_t k) { return at_ + k < s_.size() ? static_cast<unsigned char>(s_[at_ + k]) : 0u; };
    unsigned lead = byte(0);
    std::size_t length = 0;
    unsigned low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead == 0xE0) length = 3, low = 0xA0;
    else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) length = 3;
    else if (lead == 0xED) length = 3, high = 0x9F;
    else if (lead == 0xF0) length = 4, low = 0x90;
    else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
    else if (lead == 0xF4) length = 4, high = 0x8F;
    else return false;
    if (byte(1) < low || byte(1) > high) return false;
    for (std::size_t k = 2; k < length; ++k)
      if (byte(k) < 0x80 || byte(k) > 0xBF) return false;
    at_ += length;
    return true;
  }
  bool digits() {
    std::size_t start = at_;
    while (at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9') ++at_;
    return at_ > start;
  }
  bool number() {
    if (s_[at_] == '-') ++at_;
    if (at_ < s_.size() && s_[at_] == '0') ++at_;
    else if (!digits()) return failed("expected a digit");
    if (at_ < s_.size() && s_[at_] == '.') {
      ++at_;
      if (!digits()) return failed("expected a digit after '.'");
    }
    if (at_ < s_.size() && (s_[at_] == 'e' || s_[at_] == 'E')) {
      ++at_;
      if (at_ < s_.size() && (s_[at_] == '+' || s_[at_] == '-')) ++at_;
      if (!digits()) return failed("expected a digit in the exponent");
    }
    return true;
  }
  bool value(std::size_t depth) {
    if (depth > max_depth) return failed("nested too deeply");
    if (at_ >= s_.size()) return failed("expected a value");
    switch (s_[at_]) {
      case '{': return container(depth, '}');
      case '[': return container(depth, ']');
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (s_[at_] == '-' || (s_[at_] >= '0' && s_[at_] <= '9')) return number();
        if (s_[at_] == '\'') return failed("a string in single quotes: JSON needs double quotes");
        return failed(fmt::format("expected a value, not '{}'", s_[at_]));
    }
  }
  bool container(std::size_t depth, char close) {
    bool object = close == '}';
    ++at_;
    space();
    if (at_ < s_.size() && s_[at_] == close) {
      ++at_;
      return true;
    }
    while (true) {
      if (object) {
        if (at_ >= s_.size() || s_[at_] != '"')
          return failed(at_ < s_.size() && s_[at_] == close ? "a comma before '}': JSON allows none" : "expected a key in double quotes");
        if (!string()) return false;
        space();
        if (at_ >= s_.size() || s_[at_] != ':') return failed("expected ':' after the key");
        ++at_;
        space();
      }
      if (!object && at_ < s_.size() && s_[at_] == close) return failed(fmt::format("a comma before '{}': JSON allows none", close));
      if (!value(depth + 1)) return false;
      space();
      if (at_ < s_.size() && s_[at_] == ',') {
        ++at_;
        space();
        continue;
      }
      if (at_ < s_.size() && s_[at_] == close) {
        ++at_;
        return true;
      }
      return failed(fmt::format("expected ',' or '{}'", close));
    }
  }

  std::string_view s_;
  std::size_t at_ = 0;
  std::optional<json_syntax_problem> problem_;
};

}  // namespace json_syntax_detail

/// The first place where `text` is not strict JSON (RFC 8259), or nothing when it is.
inline std::optional<json_syntax_problem> json_syntax_error(std::string_view text) { return json_syntax_detail::scanner(text).run(); }

/// Why `text` did not parse, for a message: where it first goes wrong ("line 4, column 17:
/// expected ',' or '}'"), else `parser_says` (what the parser said, for what the scanner accepts:
/// invalid UTF-8, a number out of range).
inline std::string json_error_text(std::string_view text, std::string_view parser_says) {
  if (auto p = json_syntax_error(text)) return p->text();
  return std::string(parser_says);
}

JUDGEGRAD_END_NAMESPACE
