/// @file
/// Parsing what a judge model answers into per-criterion outcomes. Tolerant of the shapes real
/// models produce (code fences, preambles and trailing talk, <think> blocks, smart quotes,
/// doubled braces, single-quoted or bare keys, trailing commas, numbers as strings, nested
/// {"scores": {...}}), strict about the result: every score is checked against its scale and a
/// missing or bad score is an explicit outcome, never an exception. docs/judging.md lists the rules.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// What became of one criterion's score in a reply.
enum class score_status {
  ok,            ///< a number on the criterion's scale
  missing,       ///< the reply's JSON object has no such key
  out_of_range,  ///< a number below the scale's minimum or above its maximum
  off_scale,     ///< inside the range but not an allowed value (4.5 on a 1..5 scale in steps of 1)
  not_a_number,  ///< a value that is no number: text, null, true/false, a list
  unparsable,    ///< the reply held no usable JSON object at all
  call_failed,   ///< the model call itself failed (transport, rate limit, budget, ...)
};

inline constexpr std::string_view to_string(score_status s) {
  switch (s) {
    case score_status::ok: return "ok";
    case score_status::missing: return "missing";
    case score_status::out_of_range: return "out_of_range";
    case score_status::off_scale: return "off_scale";
    case score_status::not_a_number: return "not_a_number";
    case score_status::unparsable: return "unparsable";
    case score_status::call_failed: return "call_failed";
  }
  return "unknown";
}

/// One criterion's outcome: the status, the number read (also when out of range), and a short
/// human-readable note for anything but ok.
struct score_outcome {
  score_status status = score_status::missing;
  std::optional<double> value;
  std::string detail;
  bool ok() const { return status == score_status::ok; }
  /// The score when ok, else nothing.
  std::optional<double> score() const { return ok() ? value : std::nullopt; }
  friend bool operator==(const score_outcome&, const score_outcome&) = default;
};

/// What became of the reply as a whole.
enum class reply_status {
  ok,            ///< a JSON object was found (its criteria may still be missing or bad)
  empty,         ///< nothing but white space
  no_json,       ///< no '{' ... '}' anywhere
  invalid_json,  ///< braces, but nothing inside them parses, even leniently
  call_failed,   ///< no reply: the call failed
};

inline constexpr std::string_view to_string(reply_status s) {
  switch (s) {
    case reply_status::ok: return "ok";
    case reply_status::empty: return "empty";
    case reply_status::no_json: return "no_json";
    case reply_status::invalid_json: return "invalid_json";
    case reply_status::call_failed: return "call_failed";
  }
  return "unknown";
}

/// A criterion as the parser needs it: the key and the scale.
struct criterion_spec {
  std::string_view name;
  score_scale scale;
};

/// The parse of one reply against a list of criteria: one outcome per criterion, in list order.
struct parsed_reply {
  reply_status status = reply_status::ok;
  std::string error;  ///< why the reply failed as a whole (status != ok)
  std::vector<score_outcome> scores;
  /// True when every criterion is ok.
  bool complete() const {
    for (const auto& s : scores)
      if (!s.ok()) return false;
    return true;
  }
  /// One line per problem ("no JSON object found", "coherence: 7 is outside 1..5"); empty when complete.
  std::string problems(std::span<const criterion_spec> criteria) const {
    if (status != reply_status::ok) return error;
    std::string out;
    for (std::size_t i = 0; i < scores.size() && i < criteria.size(); ++i)
      if (!scores[i].ok()) out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", criteria[i].name, scores[i].detail);
    return out;
  }
};

namespace detail {

/// A parsed JSON(-ish) value.
struct jvalue {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;                 ///< string value (or a number's source text)
  std::vector<std::string> keys;    ///< object keys, in order
  std::vector<jvalue> values;       ///< object values (parallel to keys) or array items
};

inline constexpr std::size_t max_depth = 64;
inline constexpr std::size_t max_candidates = 32;

/// simdjson DOM -> jvalue, for replies that are strict JSON.
inline bool from_dom(simdjson::dom::element e, jvalue& out, std::size_t depth) {
  if (depth > max_depth) return false;
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::OBJECT: {
      out.type = jvalue::kind::object;
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) return false;
      for (auto kv : obj) {
        out.keys.emplace_back(kv.key);
        out.values.emplace_back();
        if (!from_dom(kv.value, out.values.back(), depth + 1)) return false;
      }
      return true;
    }
    case T::ARRAY: {
      out.type = jvalue::kind::array;
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return false;
      for (auto item : arr) {
        out.values.emplace_back();
        if (!from_dom(item, out.values.back(), depth + 1)) return false;
      }
      return true;
    }
    case T::STRING: out.type = jvalue::kind::string; out.text = std::string(e.get_string().value_unsafe()); return true;
    case T::INT64: out.type = jvalue::kind::number; out.number = static_cast<double>(e.get_int64().value_unsafe()); return true;
    case T::UINT64: out.type = jvalue::kind::number; out.number = static_cast<double>(e.get_uint64().value_unsafe()); return true;
    case T::DOUBLE: out.type = jvalue::kind::number; out.number = e.get_double().value_unsafe(); return true;
    case T::BOOL: out.type = jvalue::kind::boolean; out.boolean = e.get_bool().value_unsafe(); return true;
    case T::NULL_VALUE: out.type = jvalue::kind::null; return true;
  }
  return false;
}

inline bool parse_strict(std::string_view s, jvalue& out) {
  thread_local simdjson::dom::parser parser;  // keeps its buffers between replies; one per thread
  simdjson::padded_string padded(s);
  simdjson::dom::element e;
  if (parser.parse(padded).get(e)) return false;
  out = jvalue{};
  return from_dom(e, out, 0);
}

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

/// A forgiving recursive-descent reader for what models write when they mean JSON: single or
/// double quoted strings, bare keys and words, trailing commas, True/False/None, a leading '+'.
class lenient_reader {
 public:
  explicit lenient_reader(std::string_view s) : s_(s) {}
  bool read(jvalue& out) {
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
  bool value(jvalue& out, std::size_t depth) {
    if (depth > max_depth) return false;
    skip();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"' || c == '\'') {
      out.type = jvalue::kind::string;
      return string(out.text);
    }
    std::size_t start = i_;
    while (i_ < s_.size() && word_char(s_[i_])) ++i_;
    std::string_view w = s_.substr(start, i_ - start);
    if (w.empty()) return false;
    if (w == "true" || w == "True") {
      out.type = jvalue::kind::boolean;
      out.boolean = true;
    } else if (w == "false" || w == "False") {
      out.type = jvalue::kind::boolean;
    } else if (w == "null" || w == "None") {
      out.type = jvalue::kind::null;
    } else if (auto n = number(w)) {
      out.type = jvalue::kind::number;
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
    if (s_[i_] == '"' || s_[i_] == '\'') return string(out);
    std::size_t start = i_;
    while (i_ < s_.size() && (word_char(s_[i_]) || s_[i_] == ' ') && s_[i_] != ':') ++i_;
    out = std::string(text::trim(s_.substr(start, i_ - start)));
    return !out.empty();
  }
  bool object(jvalue& out, std::size_t depth) {
    ++i_;
    out.type = jvalue::kind::object;
    while (true) {
      if (eat('}')) return true;
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
  bool array(jvalue& out, std::size_t depth) {
    ++i_;
    out.type = jvalue::kind::array;
    while (true) {
      if (eat(']')) return true;
      out.values.emplace_back();
      if (!value(out.values.back(), depth + 1)) return false;
      if (eat(',')) continue;
      if (eat(']')) return true;
      return false;
    }
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

/// Curly double quotes and guillemets become '"', curly single quotes become '\''.
inline std::string straighten_quotes(std::string_view s) {
  std::string out = text::replace_all(s, "\u201C", "\"");
  for (std::string_view q : {"\u201D", "\u201E", "\u201F", "\u00AB", "\u00BB", "\u2033"}) out = text::replace_all(out, q, "\"");
  for (std::string_view q : {"\u2018", "\u2019", "\u201A", "\u201B", "\u2032"}) out = text::replace_all(out, q, "'");
  return out;
}

/// Reads `candidate` strictly (simdjson), then leniently, then leniently with "{{"/"}}" collapsed.
inline bool read_candidate(std::string_view candidate, jvalue& out) {
  if (parse_strict(candidate, out)) return true;
  std::string straight = straighten_quotes(candidate);
  out = jvalue{};
  if (lenient_reader(straight).read(out)) return true;
  std::string single = text::replace_all(text::replace_all(straight, "{{", "{"), "}}", "}");
  out = jvalue{};
  return lenient_reader(single).read(out);
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
inline std::vector<std::string_view> candidates(std::string_view s) {
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
    if (out.size() >= max_candidates) break;  // bounds the work on replies full of braces
    out.push_back(s.substr(i, j - i + 1));
    i = j;
  }
  std::size_t first = s.find('{'), last = s.rfind('}');
  if (first != std::string_view::npos && last != std::string_view::npos && last > first)
    out.push_back(s.substr(first, last - first + 1));
  return out;
}

/// A key as compared with criterion names: trimmed, lower case, without a "score" suffix.
inline std::string normalize_key(std::string_view k) {
  std::string s = text::to_lower(text::trim(k));
  for (std::string_view suffix : {"_score", " score", "-score"})
    if (s.size() > suffix.size() && s.ends_with(suffix)) s.resize(s.size() - suffix.size());
  return s;
}

/// The value under `name` in object `o` (the last exact match, else the last normalized match).
inline const jvalue* member(const jvalue& o, std::string_view name) {
  const jvalue* found = nullptr;
  for (std::size_t k = 0; k < o.keys.size(); ++k)
    if (o.keys[k] == name) found = &o.values[k];
  if (found) return found;
  std::string want = normalize_key(name);
  for (std::size_t k = 0; k < o.keys.size(); ++k)
    if (normalize_key(o.keys[k]) == want) found = &o.values[k];
  return found;
}

inline std::size_t count_members(const jvalue& o, std::span<const criterion_spec> criteria) {
  std::size_t n = 0;
  for (const auto& c : criteria) n += member(o, c.name) != nullptr;
  return n;
}

/// The object holding the scores: `v` itself when it has a criterion key, else the first object
/// nested in it (breadth first, a few levels deep, arrays included) that has one.
inline const jvalue* score_object(const jvalue& v, std::span<const criterion_spec> criteria) {
  std::vector<const jvalue*> level{&v};
  for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
    std::vector<const jvalue*> next;
    for (const jvalue* x : level) {
      if (x->type == jvalue::kind::object && count_members(*x, criteria) > 0) return x;
      if (x->type == jvalue::kind::object || x->type == jvalue::kind::array)
        for (const auto& child : x->values) next.push_back(&child);
    }
    level = std::move(next);
  }
  return nullptr;
}

/// Scores given as a list of named items, [{"criterion": "fluency", "score": 4}, ...] (name under
/// criterion/name/aspect/metric) or [["fluency", 4], ...], found anywhere a few levels down,
/// rebuilt as one object keyed by name; nothing when there is no such list.
inline std::optional<jvalue> object_from_list(const jvalue& v, std::span<const criterion_spec> criteria) {
  std::vector<const jvalue*> level{&v};
  for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
    std::vector<const jvalue*> next;
    for (const jvalue* x : level) {
      if (x->type == jvalue::kind::array) {
        jvalue obj;
        obj.type = jvalue::kind::object;
        for (const auto& item : x->values) {
          if (item.type == jvalue::kind::array && item.values.size() == 2 && item.values[0].type == jvalue::kind::string) {
            obj.keys.push_back(item.values[0].text);
            obj.values.push_back(item.values[1]);
          } else if (item.type == jvalue::kind::object) {
            const jvalue* name = nullptr;
            for (std::string_view k : {"criterion", "name", "aspect", "metric"})
              if (!name) name = member(item, k);
            if (name && name->type == jvalue::kind::string) {
              obj.keys.push_back(name->text);
              obj.values.push_back(item);  // judge_value reads its score/value/rating
            }
          }
        }
        if (count_members(obj, criteria) > 0) return obj;
      }
      if (x->type == jvalue::kind::object || x->type == jvalue::kind::array)
        for (const auto& child : x->values) next.push_back(&child);
    }
    level = std::move(next);
  }
  return std::nullopt;
}

/// A number written as text: "4", " 4.0 ", "4/5" or "4 out of 5" when 5 is the scale's maximum.
inline std::optional<double> number_in_text(std::string_view s, const score_scale& scale) {
  s = text::trim(s);
  if (auto v = text::parse_number(s)) return v;
  for (std::string_view sep : {"/", " out of "}) {
    std::size_t at = s.find(sep);
    if (at == std::string_view::npos) continue;
    auto num = text::parse_number(s.substr(0, at));
    auto den = text::parse_number(s.substr(at + sep.size()));
    if (num && den && *den == scale.max) return num;
  }
  return std::nullopt;
}

inline score_outcome judge_value(const jvalue* v, const score_scale& scale, int depth = 0) {
  score_outcome o;
  if (v == nullptr) {
    o.status = score_status::missing;
    o.detail = "missing";
    return o;
  }
  std::optional<double> x;
  switch (v->type) {
    case jvalue::kind::number: x = v->number; break;
    case jvalue::kind::string:
      x = number_in_text(v->text, scale);
      if (!x) {
        o.status = score_status::not_a_number;
        o.detail = fmt::format("not a number: \"{}\"", text::excerpt(v->text, 40));
        return o;
      }
      break;
    case jvalue::kind::object:
      if (depth == 0)
        for (std::string_view k : {"score", "value", "rating"})
          if (const jvalue* inner = member(*v, k)) return judge_value(inner, scale, 1);
      o.status = score_status::not_a_number;
      o.detail = "not a number: an object";
      return o;
    case jvalue::kind::null: o.status = score_status::not_a_number; o.detail = "not a number: null"; return o;
    case jvalue::kind::boolean: o.status = score_status::not_a_number; o.detail = "not a number: true/false"; return o;
    case jvalue::kind::array: o.status = score_status::not_a_number; o.detail = "not a number: a list"; return o;
  }
  o.value = *x;
  if (!(*x >= scale.min - 1e-9 && *x <= scale.max + 1e-9)) {
    o.status = score_status::out_of_range;
    o.detail = fmt::format("{} is outside {}..{}", *x, scale.min, scale.max);
  } else if (!scale.contains(*x)) {
    o.status = score_status::off_scale;
    o.detail = fmt::format("{} is not one of the allowed values", *x);
  } else {
    o.status = score_status::ok;
  }
  return o;
}

}  // namespace detail

/// Parses `reply` for the criteria `criteria`. Never throws on any input.
inline parsed_reply parse_scores(std::string_view reply, std::span<const criterion_spec> criteria) {
  parsed_reply r;
  auto fail = [&](reply_status st, std::string why) {
    r.status = st;
    r.error = std::move(why);
    r.scores.assign(criteria.size(), score_outcome{score_status::unparsable, std::nullopt, r.error});
    return r;
  };
  std::string body = detail::drop_thinking(reply);
  if (text::trim(body).empty()) return fail(reply_status::empty, "the reply is empty");
  // A reply that is one JSON string literal (the object serialized twice): read the string first.
  if (std::string_view t = text::trim(body); t.size() >= 2 && t.front() == '"' && t.back() == '"') {
    detail::jvalue v;
    if (detail::lenient_reader(t).read(v) && v.type == detail::jvalue::kind::string) body = std::move(v.text);
  }
  auto cands = detail::candidates(body);
  if (cands.empty()) {
    // Asked for one criterion, a model may answer with the bare number ("4", "`4`", "\"4\"").
    std::string_view bare = text::trim(body);
    while (!bare.empty() && (bare.front() == '`' || bare.front() == '"' || bare.front() == '\''))
      bare = text::trim(bare.substr(1));
    while (!bare.empty() && (bare.back() == '`' || bare.back() == '"' || bare.back() == '\'' || bare.back() == '.'))
      bare = text::trim(bare.substr(0, bare.size() - 1));
    if (criteria.size() == 1) {
      if (auto x = detail::number_in_text(bare, criteria[0].scale)) {
        detail::jvalue v;
        v.type = detail::jvalue::kind::number;
        v.number = *x;
        r.scores.push_back(detail::judge_value(&v, criteria[0].scale));
        return r;
      }
    }
    return fail(reply_status::no_json, "no JSON object found in the reply");
  }
  std::optional<detail::jvalue> fallback;
  for (auto c : cands) {
    detail::jvalue v;
    if (!detail::read_candidate(c, v)) continue;
    const detail::jvalue* obj = detail::score_object(v, criteria);
    std::optional<detail::jvalue> listed;
    if (!obj && (listed = detail::object_from_list(v, criteria))) obj = &*listed;
    if (obj) {
      for (const auto& spec : criteria) r.scores.push_back(detail::judge_value(detail::member(*obj, spec.name), spec.scale));
      return r;
    }
    if (!fallback) fallback = std::move(v);
  }
  if (!fallback) return fail(reply_status::invalid_json, "the reply's JSON could not be parsed");
  r.scores.assign(criteria.size(), score_outcome{score_status::missing, std::nullopt, "missing"});
  return r;
}

/// The parser's view of the criteria of `Set`, in set order.
template <criteria_set Set>
constexpr std::array<criterion_spec, Set::size> specs() {
  std::array<criterion_spec, Set::size> a{};
  std::size_t i = 0;
  Set::for_each([&](auto c) {
    using C = typename decltype(c)::type;
    a[i++] = criterion_spec{C::name, C::scale};
  });
  return a;
}

/// A reply parsed against every criterion of `Set`.
template <criteria_set Set>
struct reply_scores {
  reply_status status = reply_status::ok;
  std::string error;
  per_criterion<Set, score_outcome> scores;
};

/// Parses `reply` for all criteria of `Set`.
template <criteria_set Set>
reply_scores<Set> parse_reply(std::string_view reply) {
  static constexpr auto all = specs<Set>();
  parsed_reply p = parse_scores(reply, std::span<const criterion_spec>(all));
  reply_scores<Set> out;
  out.status = p.status;
  out.error = std::move(p.error);
  for (std::size_t i = 0; i < Set::size; ++i) out.scores[i] = std::move(p.scores[i]);
  return out;
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
