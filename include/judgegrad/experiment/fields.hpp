/// @file
/// Reading the fields of a run directory's JSON files (experiment.json, state.json, summary.json,
/// the JSON Lines logs): each accessor returns the field typed, or throws a storage_error naming
/// the file and what is wrong with it ("missing \"step\"", "expected an integer").
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/experiment/files.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment::detail {

/// Reads what the run directory's writers wrote; any other shape is a storage_error naming `file`.
class field_reader {
 public:
  explicit field_reader(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(std::string_view what) const { throw storage_error(fmt::format("{}: {}", file_, what)); }

  simdjson::dom::element at(simdjson::dom::element e, std::string_view key) const {
    simdjson::dom::element v;
    if (e[key].get(v)) fail(fmt::format("missing \"{}\"", key));
    return v;
  }
  std::string text(simdjson::dom::element e) const {
    std::string_view s;
    if (e.get_string().get(s)) fail("expected a string");
    return std::string(s);
  }
  /// The string under `key`, or `absent` when the key is missing (a field later versions added).
  std::string text_or(simdjson::dom::element e, std::string_view key, std::string_view absent) const {
    simdjson::dom::element v;
    return e[key].get(v) ? std::string(absent) : text(v);
  }
  std::int64_t integer(simdjson::dom::element e) const {
    std::int64_t v;
    if (e.get_int64().get(v)) fail("expected an integer");
    return v;
  }
  double number(simdjson::dom::element e) const {
    if (e.is_null()) return std::numeric_limits<double>::quiet_NaN();
    double v;
    if (e.get_double().get(v)) fail("expected a number");
    return v;
  }
  std::optional<double> optional_number(simdjson::dom::element e) const {
    if (e.is_null()) return std::nullopt;
    return number(e);
  }
  bool boolean(simdjson::dom::element e) const {
    bool b;
    if (e.get_bool().get(b)) fail("expected true or false");
    return b;
  }
  simdjson::dom::array array(simdjson::dom::element e) const {
    simdjson::dom::array a;
    if (e.get_array().get(a)) fail("expected an array");
    return a;
  }
  simdjson::dom::object object(simdjson::dom::element e) const {
    simdjson::dom::object o;
    if (e.get_object().get(o)) fail("expected an object");
    return o;
  }
  template <criteria_set Set>
  per_criterion<Set, std::string> instructions(simdjson::dom::element e) const {
    per_criterion<Set, std::string> out;
    for (std::size_t c = 0; c < Set::size; ++c) out[c] = text(at(e, Set::names[c]));
    return out;
  }

 private:
  std::string file_;
};

}  // namespace experiment::detail
JUDGEGRAD_END_NAMESPACE
