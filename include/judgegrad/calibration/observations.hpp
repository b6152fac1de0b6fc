/// @file
/// Observations as data: a quantity measured on a judge setup (a model, a data set), with its value,
/// its uncertainty and where it comes from. What the simulated world is fitted to and tested on.
/// Written and read as JSON ("judgegrad-observations", version 1; docs/calibration.md).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace calibration {

/// An observations file that cannot be read: the message names the file, the entry and the field.
struct observation_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What an observation measures. Spearman values are test-split Spearman correlations with the
/// human scores; "mean" values (no criterion) are the mean over the criteria.
enum class quantity {
  test_spearman,          ///< at `step`, mean over runs
  best_test_spearman,     ///< the best step's value (the step whose mean over runs of the mean over criteria is highest)
  best_step,              ///< the step of that best (0: the seed prompt was never beaten)
  final_test_spearman,    ///< at the last step
  hvi,                    ///< hypervolume of the cumulative archive of per-step points, reference -1
  specificity,            ///< gradient specificity rating (1-10) by the evaluator
  adherence,              ///< feedback adherence rating (1-10) by the evaluator
  interference_seed,      ///< the seed instructions judged together (the interference experiment's control)
  interference_alone,     ///< each criterion's selected single-task instruction judged alone
  interference_together,  ///< the selected instructions packed into one judge prompt
  repeat_spread,          ///< range (max - min) of test Spearman over repeated evaluations of one identical prompt
  format_fault_rate,      ///< share of the judge's replies with a format fault
  instruction_tokens,     ///< an instruction's length in tokens (at `step`)
};

inline constexpr std::array<std::string_view, 13> quantity_names = {
    "test_spearman",      "best_test_spearman", "best_step",          "final_test_spearman",   "hvi",
    "specificity",        "adherence",          "interference_seed",  "interference_alone",    "interference_together",
    "repeat_spread",      "format_fault_rate",  "instruction_tokens"};

inline std::string_view to_string(quantity q) { return quantity_names[static_cast<std::size_t>(q)]; }

/// The quantity named `name`, if it is one.
inline std::optional<quantity> quantity_named(std::string_view name) {
  auto it = std::find(quantity_names.begin(), quantity_names.end(), name);
  if (it == quantity_names.end()) return std::nullopt;
  return static_cast<quantity>(std::distance(quantity_names.begin(), it));
}

/// How uncertain a value is: a standard error, or a 95% interval, over `n` units (runs, items,
/// rated gradients), and why (how it was estimated).
struct uncertainty {
  std::optional<double> standard_error;
  std::optional<double> lower, upper;  ///< a 95% interval
  std::size_t n = 0;
  std::string basis;

  /// The standard deviation a fit weighs the value's error by: the standard error, else the 95%
  /// interval's half width over 1.96; none when the value came with neither.
  std::optional<double> sigma() const {
    if (standard_error) return *standard_error;
    if (lower && upper) return (*upper - *lower) / (2 * 1.959963984540054);
    return std::nullopt;
  }
};

/// One observed quantity.
struct observation {
  std::string id;         ///< unique in its set: "table1/SSS/mae/initial"
  quantity what = quantity::test_spearman;
  std::string mode;       ///< the configuration's mode ("single-task", "SSS", ...; "" when the quantity has none)
  std::string gate;       ///< and gate ("mae", "none"; "" when it has none)
  std::string criterion;  ///< "" for the mean over criteria (or all of them)
  std::optional<std::int64_t> step;
  double value = 0;
  struct uncertainty uncertainty;
  std::string source;        ///< where it comes from: a table, figure or section, or a run directory
  bool approximate = false;  ///< read from a figure or from the text, not from a table
  std::string note;
};

/// A set of observations of one setup.
struct observation_set {
  std::string name;         ///< "paper-qwen3"
  std::string dataset;      ///< "summeval" or "brighter"
  std::string model;        ///< what was observed, in words ("Qwen3 (judge), ..." or a run directory's backend)
  std::string description;
  bool simulated = false;   ///< observed on judgegrad's simulator (a test of the calibration, not of a model)
  std::vector<observation> observations;

  /// The observation with id `id`, if any.
  const observation* find(std::string_view id) const {
    for (const auto& o : observations)
      if (o.id == id) return &o;
    return nullptr;
  }
};

inline constexpr std::string_view observations_format = "judgegrad-observations";
inline constexpr std::int64_t observations_format_version = 1;

/// The set as JSON (one observation a line, for diffs).
inline std::string to_json(const observation_set& s) {
  json_writer w;
  w.begin_object().key("format").value(observations_format).key("format_version").value(observations_format_version)
      .key("name").value(s.name).key("dataset").value(s.dataset).key("model").value(s.model).key("description").value(s.description)
      .key("simulated").value(s.simulated).key("observations").begin_array();
  std::string out = std::move(w).str();
  for (std::size_t i = 0; i < s.observations.size(); ++i) {
    const auto& o = s.observations[i];
    json_writer e;
    e.begin_object().key("id").value(o.id).key("quantity").value(to_string(o.what));
    if (!o.mode.empty()) e.key("mode").value(o.mode);
    if (!o.gate.empty()) e.key("gate").value(o.gate);
    if (!o.criterion.empty()) e.key("criterion").value(o.criterion);
    if (o.step) e.key("step").value(*o.step);
    e.key("value").value(o.value).key("uncertainty").begin_object();
    if (o.uncertainty.standard_error) e.key("standard_error").value(*o.uncertainty.standard_error);
    if (o.uncertainty.lower && o.uncertainty.upper)
      e.key("interval").begin_array().value(*o.uncertainty.lower).value(*o.uncertainty.upper).end_array();
    e.key("n").value(std::uint64_t(o.uncertainty.n)).key("basis").value(o.uncertainty.basis).end_object();
    e.key("source").value(o.source).key("approximate").value(o.approximate);
    if (!o.note.empty()) e.key("note").value(o.note);
    e.end_object();
    out += fmt::format("\n  {}{}", std::move(e).str(), i + 1 < s.observations.size() ? "," : "");
  }
  return out + "\n]}\n";
}

namespace detail {

/// Reads one JSON value of an observations file; a shape error names the file, the entry and the field.
class observation_reader {
 public:
  observation_reader(std::string file, std::string where) : file_(std::move(file)), where_(std::move(where)) {}
  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw observation_error(fmt::format("{}: {}{}{}: {}", file_, where_, where_.empty() || key.empty() ? "" : ".", key, what));
  }
  std::optional<simdjson::dom::element> optional(simdjson::dom::element e, std::string_view key) const {
    simdjson::dom::element v;
    if (e[key].get(v) || v.is_null()) return std::nullopt;
    return v;
  }
  simdjson::dom::element at(simdjson::dom::element e, std::string_view key) const {
    auto v = optional(e, key);
    if (!v) fail(key, "missing");
    return *v;
  }
  std::string text(simdjson::dom::element e, std::string_view key) const {
    std::string_view s;
    if (at(e, key).get_string().get(s)) fail(key, "expected a string");
    return std::string(s);
  }
  std::string text_or(simdjson::dom::element e, std::string_view key) const { return optional(e, key) ? text(e, key) : std::string(); }
  double number(simdjson::dom::element e, std::string_view key) const {
    double v;
    if (at(e, key).get_double().get(v) || !std::isfinite(v)) fail(key, "expected a finite number");
    return v;
  }
  std::int64_t integer(simdjson::dom::element e, std::string_view key) const {
    std::int64_t v;
    if (at(e, key).get_int64().get(v)) fail(key, "expected an integer");
    return v;
  }
  bool boolean_or(simdjson::dom::element e, std::string_view key, bool absent) const {
    auto v = optional(e, key);
    if (!v) return absent;
    bool b;
    if (v->get_bool().get(b)) fail(key, "expected true or false");
    return b;
  }

 private:
  std::string file_, where_;
};

}  // namespace detail

/// Reads an observations file's text (`file` names it in errors). Refused, naming the entry and
/// field: another format or version, an unknown quantity, a value or uncertainty that is not a
/// finite number, an interval not around its value, a negative standard error, a repeated id.
inline observation_set parse_observations(std::string_view text, const std::string& file) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc)) throw observation_error(fmt::format("{}: not valid JSON", file));
  detail::observation_reader top(file, "");
  if (top.text(doc, "format") != observations_format)
    top.fail("format", fmt::format("expected \"{}\"", observations_format));
  if (auto v = top.integer(doc, "format_version"); v != observations_format_version)
    top.fail("format_version", fmt::format("{} is not a version this judgegrad reads ({})", v, observations_format_version));
  observation_set s;
  s.name = top.text(doc, "name");
  s.dataset = top.text(doc, "dataset");
  if (s.dataset != "summeval" && s.dataset != "brighter") top.fail("dataset", fmt::format("\"{}\": expected summeval or brighter", s.dataset));
  s.model = top.text_or(doc, "model");
  s.description = top.text_or(doc, "description");
  s.simulated = top.boolean_or(doc, "simulated", false);
  simdjson::dom::array entries;
  if (top.at(doc, "observations").get_array().get(entries)) top.fail("observations", "expected an array");
  std::set<std::string> ids;
  std::size_t index = 0;
  for (simdjson::dom::element e : entries) {
    detail::observation_reader in(file, fmt::format("observations[{}]", index++));
    observation o;
    o.id = in.text(e, "id");
    in = detail::observation_reader(file, fmt::format("observation \"{}\"", o.id));
    if (!ids.insert(o.id).second) in.fail("id", "appears twice");
    auto name = in.text(e, "quantity");
    auto q = quantity_named(name);
    if (!q) in.fail("quantity", fmt::format("\"{}\" is not one of the quantities judgegrad knows (docs/calibration.md)", name));
    o.what = *q;
    o.mode = in.text_or(e, "mode");
    o.gate = in.text_or(e, "gate");
    o.criterion = in.text_or(e, "criterion");
    if (in.optional(e, "step")) o.step = in.integer(e, "step");
    o.value = in.number(e, "value");
    auto u = in.at(e, "uncertainty");
    if (in.optional(u, "standard_error")) {
      o.uncertainty.standard_error = in.number(u, "standard_error");
      if (*o.uncertainty.standard_error < 0) in.fail("uncertainty.standard_error", "must not be negative");
    }
    if (auto iv = in.optional(u, "interval")) {
      simdjson::dom::array bounds;
      double lo = 0, hi = 0;
      if (iv->get_array().get(bounds) || bounds.size() != 2 || bounds.at(0).get_double().get(lo) || bounds.at(1).get_double().get(hi))
        in.fail("uncertainty.interval", "expected [lower, upper]");
      if (!(lo <= o.value && o.value <= hi)) in.fail("uncertainty.interval", fmt::format("[{}, {}] does not hold the value {}", lo, hi, o.value));
      o.uncertainty.lower = lo, o.uncertainty.upper = hi;
    }
    if (in.optional(u, "n")) {
      auto n = in.integer(u, "n");
      if (n < 0) in.fail("uncertainty.n", "must not be negative");
      o.uncertainty.n = static_cast<std::size_t>(n);
    }
    o.uncertainty.basis = in.text_or(u, "basis");
    o.source = in.text(e, "source");
    o.approximate = in.boolean_or(e, "approximate", false);
    o.note = in.text_or(e, "note");
    s.observations.push_back(std::move(o));
  }
  return s;
}

/// Reads the observations file `file`.
inline observation_set read_observations(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw observation_error(fmt::format("{}: cannot read this observations file", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_observations(text.str(), file.string());
}

}  // namespace calibration
JUDGEGRAD_END_NAMESPACE
