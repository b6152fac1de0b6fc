/// @file
/// Parsing what a judge model answers into per-criterion outcomes. Tolerant of the shapes real
/// models produce (code fences, preambles and trailing talk, <think> blocks, smart quotes,
/// doubled braces, single-quoted or bare keys, trailing commas, numbers as strings, nested
/// {"scores": {...}}), strict about the result: every score is checked against its scale and a
/// missing or bad score is an explicit outcome, never an exception. docs/judging.md lists the rules.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/json_reader.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>

#include <array>
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

/// A key as compared with criterion names: trimmed, lower case, without a "score" suffix.
inline std::string normalize_key(std::string_view k) {
  std::string s = text::to_lower(text::trim(k));
  for (std::string_view suffix : {"_score", " score", "-score"})
    if (s.size() > suffix.size() && s.ends_with(suffix)) s.resize(s.size() - suffix.size());
  return s;
}

/// The value under `name` in object `o` (the last exact match, else the last normalized match).
inline const json_value* member(const json_value& o, std::string_view name) {
  const json_value* found = nullptr;
  for (std::size_t k = 0; k < o.keys.size(); ++k)
    if (o.keys[k] == name) found = &o.values[k];
  if (found) return found;
  std::string want = normalize_key(name);
  for (std::size_t k = 0; k < o.keys.size(); ++k)
    if (normalize_key(o.keys[k]) == want) found = &o.values[k];
  return found;
}

inline std::size_t count_members(const json_value& o, std::span<const criterion_spec> criteria) {
  std::size_t n = 0;
  for (const auto& c : criteria) n += member(o, c.name) != nullptr;
  return n;
}

/// The object holding the scores: `v` itself when it has a criterion key, else the first object
/// nested in it (breadth first, a few levels deep, arrays included) that has one.
inline const json_value* score_object(const json_value& v, std::span<const criterion_spec> criteria) {
  std::vector<const json_value*> level{&v};
  for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
    std::vector<const json_value*> next;
    for (const json_value* x : level) {
      if (x->type == json_value::kind::object && count_members(*x, criteria) > 0) return x;
      if (x->type == json_value::kind::object || x->type == json_value::kind::array)
        for (const auto& child : x->values) next.push_back(&child);
    }
    level = std::move(next);
  }
  return nullptr;
}

/// Scores given as a list of named items, [{"criterion": "fluency", "score": 4}, ...] (name under
/// criterion/name/aspect/metric) or [["fluency", 4], ...], found anywhere a few levels down,
/// rebuilt as one object keyed by name; nothing when there is no such list.
inline std::optional<json_value> object_from_list(const json_value& v, std::span<const criterion_spec> criteria) {
  std::vector<const json_value*> level{&v};
  for (int depth = 0; depth < 4 && !level.empty(); ++depth) {
    std::vector<const json_value*> next;
    for (const json_value* x : level) {
      if (x->type == json_value::kind::array) {
        json_value obj;
        obj.type = json_value::kind::object;
        for (const auto& item : x->values) {
          if (item.type == json_value::kind::array && item.values.size() == 2 && item.values[0].type == json_value::kind::string) {
            obj.keys.push_back(item.values[0].text);
            obj.values.push_back(item.values[1]);
          } else if (item.type == json_value::kind::object) {
            const json_value* name = nullptr;
            for (std::string_view k : {"criterion", "name", "aspect", "metric"})
              if (!name) name = member(item, k);
            if (name && name->type == json_value::kind::string) {
              obj.keys.push_back(name->text);
              obj.values.push_back(item);  // judge_value reads its score/value/rating
            }
          }
        }
        if (count_members(obj, criteria) > 0) return obj;
      }
      if (x->type == json_value::kind::object || x->type == json_value::kind::array)
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

inline score_outcome judge_value(const json_value* v, const score_scale& scale, int depth = 0) {
  score_outcome o;
  if (v == nullptr) {
    o.status = score_status::missing;
    o.detail = "missing";
    return o;
  }
  std::optional<double> x;
  switch (v->type) {
    case json_value::kind::number: x = v->number; break;
    case json_value::kind::string:
      x = number_in_text(v->text, scale);
      if (!x) {
        o.status = score_status::not_a_number;
        o.detail = fmt::format("not a number: \"{}\"", text::excerpt(v->text, 40));
        return o;
      }
      break;
    case json_value::kind::object:
      if (depth == 0)
        for (std::string_view k : {"score", "value", "rating"})
          if (const json_value* inner = member(*v, k)) return judge_value(inner, scale, 1);
      o.status = score_status::not_a_number;
      o.detail = "not a number: an object";
      return o;
    case json_value::kind::null: o.status = score_status::not_a_number; o.detail = "not a number: null"; return o;
    case json_value::kind::boolean: o.status = score_status::not_a_number; o.detail = "not a number: true/false"; return o;
    case json_value::kind::array: o.status = score_status::not_a_number; o.detail = "not a number: a list"; return o;
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
  std::string body = drop_thinking(reply);
  if (text::trim(body).empty()) return fail(reply_status::empty, "the reply is empty");
  // A reply that is one JSON string literal (the object serialized twice): read the string first.
  if (std::string_view t = text::trim(body); t.size() >= 2 && t.front() == '"' && t.back() == '"') {
    if (auto v = read_json(t); v && v->is_string()) body = std::move(v->text);
  }
  auto cands = json_candidates(body);
  if (cands.empty()) {
    // Asked for one criterion, a model may answer with the bare number ("4", "`4`", "\"4\"").
    std::string_view bare = text::trim(body);
    while (!bare.empty() && (bare.front() == '`' || bare.front() == '"' || bare.front() == '\''))
      bare = text::trim(bare.substr(1));
    while (!bare.empty() && (bare.back() == '`' || bare.back() == '"' || bare.back() == '\'' || bare.back() == '.'))
      bare = text::trim(bare.substr(0, bare.size() - 1));
    if (criteria.size() == 1) {
      if (auto x = detail::number_in_text(bare, criteria[0].scale)) {
        json_value v;
        v.type = json_value::kind::number;
        v.number = *x;
        r.scores.push_back(detail::judge_value(&v, criteria[0].scale));
        return r;
      }
    }
    return fail(reply_status::no_json, "no JSON object found in the reply");
  }
  std::optional<json_value> fallback;
  for (auto c : cands) {
    std::optional<json_value> read = read_json(c);
    if (!read) continue;
    json_value& v = *read;
    const json_value* obj = detail::score_object(v, criteria);
    std::optional<json_value> listed;
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
