/// @file
/// Reading JSON, leniently: strict JSON and what models write when they mean JSON (single-quoted or
/// bare keys, trailing commas, True/False/None, smart quotes, doubled braces), and finding the JSON
/// inside a model's reply (code fences, prose around it, <think> blocks). The counterpart of
/// json_writer.hpp; the judge's score parser and the protocol's readers of structured replies use
/// it. Never throws on any input; nesting and the number of candidates are bounded.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/text.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// A parsed JSON(-ish) value.
struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;                 ///< string value (or a number's source text)
  std::vector<std::string> keys;    ///< object keys, in order
  std::vector<json_value> values;   ///< object values (parallel to keys) or array items

  bool is_object() const { return type == kind::object; }
  bool is_string() const { return type == kind::string; }
  /// The value under exactly `key` in an object (the last one when repeated), or nullptr.
  const json_value* find(std::string_view key) const {
    const json_value* found = nullptr;
    for (std::size_t k = 0; k < keys.size(); ++k)
      if (keys[k] == key) found = &values[k];
    return found;
  }
};

namespace detail {

inline constexpr std::size_t max_json_depth = 64;
inline constexpr std::size_t max_json_candidates = 32;

inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) out.push_back(static_cast<char>(cp));
  else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// A recursive-descent reader. Lenient, it takes what models write when they mean JSON: single or
/// double quoted strings, bare keys and words, trailing commas, True/False/None, a leading '+'.
/// Strict, only JSON: double-quoted keys and strings, true/false/null, no trailing comma.
class lenient_json_reader {
 public:
  explicit lenient_json_reader(std::string_view s, bool strict = false) : s_(s), strict_(strict) {}
  bool read(json_value& out) {
    if (!value(out, 0)) return false;
    skip();
    return i_ == s_.size();
  }

 private:
  void skip() {
    while (i_ < s_.size() && text::is_space(s_[i_])) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  static bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '+' || static_cast<unsigned char>(c) >= 0x80;
  }
  bool value(json_value& out, std::size_t depth) {
    if (depth > max_json_depth) return false;
    skip();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"' || (c == '\'' && !strict_)) {
      out.type = json_value::kind::string;
      return string(out.text);
    }
    std::size_t start = i_;
    while (i_ < s_.size() && word_char(s_[i_])) ++i_;
    std::string_view w = s_.substr(start, i_ - start);
    if (w.empty()) return false;
    if (w == "true" || (w == "True" && !strict_)) {
      out.type = json_value::kind::boolean;
      out.boolean = true;
    } else if (w == "false" || (w == "False" && !strict_)) {
      out.type = json_value::kind::boolean;
    } else if (w == "null" || (w == "None" && !strict_)) {
      out.type = json_value::kind::null;
    } else if (auto n = (strict_ && w.front() == '+') ? std::nullopt : number(w)) {
      out.type = json_value::kind::number;
      out.number = *n;
      out.text = std::string(w);
    } else {
      return false;  // a bare word is only accepted as a key
    }
    return true;
  }
  static std::optional<double> number(std::string_view w) {
    if (!w.empty() && w.front() == '+') w.remove_prefix(1);
    if (w.empty() || !((w.front() >= '0' && w.front() <= '9') || w.front() == '-' || w.front() == '.')) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (end != w.data() + w.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) return w.front() == '-' ? -HUGE_VAL : HUGE_VAL;
    if (ec != std::errc()) return std::nullopt;
    return v;
  }
  bool string(std::string& out) {
    char quote = s_[i_++];
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == quote) return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            std::size_t save = i_;
            i_ += 2;
            std::uint32_t lo = 0;
            if (hex4(lo) && lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else i_ = save;
          }
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
          append_utf8(out, cp);
          break;
        }
        default: out.push_back(e);  // \" \\ \/ \' and anything else: the character itself
      }
    }
    return false;
  }
  bool hex4(std::uint32_t& cp) {
    if (i_ + 4 > s_.size()) return false;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else return false;
    }
    return true;
  }
  bool key(std::string& out) {
    skip();
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '"' || (s_[i_] == '\'' && !strict_)) return string(out);
    if (strict_) return false;
    std::size_t start = i_;
    while (i_ < s_.size() && (word_char(s_[i_]) || s_[i_] == ' ') && s_[i_] != ':') ++i_;
    out = std::string(text::trim(s_.substr(start, i_ - start)));
    return !out.empty();
  }
  bool object(json_value& out, std::size_t depth) {
    ++i_;
    out.type = json_value::kind::object;
    bool first = true;
    while (true) {
      if ((first || !strict_) && eat('}')) return true;
      first = false;
      std::string k;
      if (!key(k) || !eat(':')) return false;
      out.keys.push_back(std::move(k));
      out.values.emplace_back();
      if (!value(out.values.back(), depth + 1)) return false;
      if (eat(',')) continue;
      if (eat('}')) return true;
      return false;
    }
  }
  bool array(json_value& out, std::size_t depth) {
    ++i_;
    out.type = json_value::kind::array;
    bool first = true;
    while (true) {
      if ((first || !strict_) && eat(']')) return true;
      first = false;
      out.values.emplace_back();
      if (!value(out.values.back(), depth + 1)) return false;
      if (eat(',')) continue;
      if (eat(']')) return true;
      return false;
    }
  }
  std::string_view s_;
  bool strict_ = false;
  std::size_t i_ = 0;
};

}  // namespace detail

/// Curly double quotes and guillemets become '"', curly single quotes become '\''.
inline std::string straighten_quotes(std::string_view s) {
  std::string out = text::replace_all(s, "\u201C", "\"");
  for (std::string_view q : {"\u201D", "\u201E", "\u201F", "\u00AB", "\u00BB", "\u2033"}) out = text::replace_all(out, q, "\"");
  for (std::string_view q : {"\u2018", "\u2019", "\u201A", "\u201B", "\u2032"}) out = text::replace_all(out, q, "'");
  return out;
}

/// Reads `text` as one JSON value: as JSON, then leniently (see the file comment) with smart quotes
/// straightened, then also with "{{" / "}}" collapsed (templates rendered twice). Nothing when
/// even that fails. Valid JSON keeps its strings exactly, smart quotes included.
inline std::optional<json_value> read_json(std::string_view text) {
  json_value v;
  if (detail::lenient_json_reader(text, true).read(v)) return v;
  std::string straight = straighten_quotes(text);
  v = json_value{};
  if (detail::lenient_json_reader(straight).read(v)) return v;
  std::string single = text::replace_all(text::replace_all(straight, "{{", "{"), "}}", "}");
  v = json_value{};
  if (detail::lenient_json_reader(single).read(v)) return v;
  return std::nullopt;
}

/// `reply` without <think>...</think> blocks (reasoning models put them before the answer).
inline std::string drop_thinking(std::string_view reply) {
  std::string out;
  std::size_t i = 0;
  while (true) {
    std::size_t open = reply.find("<think>", i);
    if (open == std::string_view::npos) break;
    std::size_t close = reply.find("</think>", open);
    if (close == std::string_view::npos) break;
    out.append(reply.substr(i, open - i));
    i = close + 8;
  }
  out.append(reply.substr(i));
  return out;
}

/// Candidate JSON texts, most likely first: the inside of each ``` fence that holds a '{', the
/// span from a '[' before the first '{' to the last ']', each balanced {...} span outside quotes,
/// and the span from the first '{' to the last '}'.
inline std::vector<std::string_view> json_candidates(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; (i = s.find("```", i)) != std::string_view::npos;) {
    std::size_t body = s.find('\n', i + 3);
    std::size_t close = s.find("```", i + 3);
    if (close == std::string_view::npos) {  // an unclosed fence: the rest of the reply
      close = s.size();
    }
    // "```json {...}```" on one line: the body starts after the language tag.
    if (body == std::string_view::npos || body > close) {
      body = i + 3;
      while (body < close && s[body] != '{') ++body;
    } else {
      ++body;
    }
    std::string_view inner = s.substr(body, close - body);
    if (inner.find('{') != std::string_view::npos) out.push_back(text::trim(inner));
    i = close == s.size() ? close : close + 3;
  }
  // A list opened before any object: [{...}, ...] or [["name", 4], ...].
  std::size_t open = s.find('['), close = s.rfind(']');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open && open < s.find('{'))
    out.push_back(s.substr(open, close - open + 1));
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '{') continue;
    std::size_t depth = 0, j = i;
    bool in_string = false;
    for (; j < s.size(); ++j) {
      char c = s[j];
      if (in_string) {
        if (c == '\\') ++j;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        break;
      }
    }
    if (j >= s.size()) break;  // unbalanced from here on
    if (out.size() >= detail::max_json_candidates) break;  // bounds the work on replies full of braces
    out.push_back(s.substr(i, j - i + 1));
    i = j;
  }
  std::size_t first = s.find('{'), last = s.rfind('}');
  if (first != std::string_view::npos && last != std::string_view::npos && last > first)
    out.push_back(s.substr(first, last - first + 1));
  return out;
}

/// The first JSON object in `reply` (thinking dropped, candidates most likely first) for which
/// `accept(value)` holds, or nothing.
template <class Accept>
std::optional<json_value> find_json(std::string_view reply, Accept&& accept) {
  std::string body = drop_thinking(reply);
  for (auto candidate : json_candidates(body))
    if (auto v = read_json(candidate); v && accept(*v)) return v;
  return std::nullopt;
}

JUDGEGRAD_END_NAMESPACE
