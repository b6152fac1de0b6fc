/// @file
/// What a calibration fits and to what: the knobs of the simulated world with the ranges their
/// meaning allows, the observations it is fitted on (train) and tested on (held out), the reduced
/// study each evaluation runs, and the world seeds. Read from a JSON file ("judgegrad-calibration",
/// version 1; docs/calibration.md).
#pragma once

#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/config.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/sim/params.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace calibration {

/// A calibration that cannot be set up: a bad specification, an observation the study cannot
/// simulate, a knob that does not exist. The message names the file and the entry.
struct calibration_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A knob of the simulated world (its dotted path, as sim::to_json writes it) and the range a fit
/// may move it in.
struct knob_range {
  std::string path;
  double lower = 0, upper = 1;
};

/// The knobs a calibration may fit, with the ranges their meaning allows (docs/simulator.md says
/// what each does). Integer knobs (gradient.budget, opro.parents) and the provider's cache are not
/// fitted: a derivative-free optimizer over a continuous box cannot move them.
inline const std::vector<knob_range>& fittable_knobs() {
  static const std::vector<knob_range> knobs = {
      {"judge.noise", 0.02, 0.6},               // error SD up to 60% of the scale's width
      {"judge.lapse", 0, 0.95},                 // a probability; 1 would make every reply a stock answer
      {"judge.persistent_share", 0, 1},         // a share of variance
      {"judge.coverage_gain", 0, 1},            // shrinks noise and lapse by at most all of it
      {"judge.leniency", 0, 0.3},               // upward bias up to 30% of the scale's width
      {"judge.foreign_facet_penalty", 0, 1},    // noise growth per foreign facet
      {"judge.length_penalty", 0, 4},           // noise growth at full length imbalance
      {"judge.long_prompt_tokens", 20, 2000},   // the paper's instructions run from 4 to 800 tokens
      {"judge.format_fault_rate", 0, 0.5},
      {"gradient.generic_base", 0, 0.9},
      {"gradient.generic_per_extra", 0, 0.3},   // times (K - 1) = 3 on SummEval: up to 0.9
      {"gradient.misattribution", 0, 3},
      {"gradient.leak_rate", 0, 0.5},
      {"optimizer.adherence", 0, 1},
      {"optimizer.generic_adoption", 0, 1},
      {"optimizer.cross_adoption", 0, 1},
      {"opro.explore", 0, 1},
      {"opro.confuse", 0, 1},
      {"evaluator.specificity_floor", 1, 9},    // ratings run from 1 to 10
      {"evaluator.adherence_floor", 1, 9},
      {"evaluator.noise", 0, 3},
      {"resolver.recall", 0, 1},
  };
  return knobs;
}

/// The range of fittable knob `path`; a calibration_error naming the fittable ones otherwise.
inline knob_range fittable_knob(std::string_view path) {
  std::string known;
  for (const auto& k : fittable_knobs()) {
    if (k.path == path) return k;
    if (!known.empty()) known += ", ";
    known += k.path;
  }
  throw calibration_error(fmt::format("'{}' is not a knob a calibration can fit (these are: {})", path, known));
}

/// Whether observation id `id` matches `pattern`, where `*` stands for any run of characters.
inline bool id_matches(std::string_view pattern, std::string_view id) {
  // Iterative glob with one backtrack point: linear in practice, no recursion.
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < id.size()) {
    if (p < pattern.size() && pattern[p] == '*') star = p++, mark = i;
    else if (p < pattern.size() && pattern[p] == id[i]) ++p, ++i;
    else if (star != std::string_view::npos) p = star + 1, i = ++mark;
    else return false;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

/// A calibration: fit `knobs`, starting from the world `start`, so that the reduced `study` run on
/// the simulator with each of `world_seeds` reproduces the observations whose ids match `train`;
/// then predict those matching `held_out` (all others, when it is empty).
struct calibration_spec {
  std::string name = "calibration";
  std::string source;                   ///< the file it was read from
  std::filesystem::path observations;   ///< the observations file
  std::vector<std::string> train, held_out;
  std::vector<knob_range> knobs;
  sim::params start;                    ///< the world the fit starts from; its other knobs stay as they are
  experiment::definition study;         ///< what every evaluation runs, once per world seed
  std::vector<std::uint64_t> world_seeds = {1, 2, 3};
  std::size_t evaluations = 200;        ///< at most this many evaluations of the objective by the optimizer
  /// The step, as a share of each knob's range, of the finite differences the identifiability
  /// check takes at the fitted knobs.
  double curvature_step = 0.05;
};

inline constexpr std::string_view spec_format = "judgegrad-calibration";
inline constexpr std::int64_t spec_format_version = 1;

namespace detail {

inline std::vector<std::string> string_list(simdjson::dom::element e, const std::string& where) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get(a)) throw calibration_error(fmt::format("{}: expected an array of strings", where));
  for (auto x : a) {
    std::string_view s;
    if (x.get(s)) throw calibration_error(fmt::format("{}: expected an array of strings", where));
    out.emplace_back(s);
  }
  return out;
}

inline double bound_of(simdjson::dom::object o, std::string_view key, double otherwise, const std::string& where) {
  simdjson::dom::element e;
  if (o[key].get(e)) return otherwise;
  double v;
  if (e.get(v) || !std::isfinite(v)) throw calibration_error(fmt::format("{}.{}: expected a number", where, key));
  return v;
}

}  // namespace detail

/// A calibration from its JSON text (docs/calibration.md); `source` names it in errors and `dir`
/// is where relative paths (the observations file) start.
inline calibration_spec parse_spec(std::string_view json, const std::string& source, const std::filesystem::path& dir = ".") {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) throw calibration_error(fmt::format("{}: not valid JSON: {}", source, simdjson::error_message(err)));
  simdjson::dom::object obj;
  if (root.get(obj)) throw calibration_error(fmt::format("{}: a calibration must be a JSON object", source));
  auto fail = [&](std::string_view key, std::string_view what) { throw calibration_error(fmt::format("{}: \"{}\": {}", source, key, what)); };
  std::string_view format;
  if (obj["format"].get(format) || format != spec_format) fail("format", fmt::format("expected \"{}\"", spec_format));
  std::int64_t version = 0;
  if (obj["format_version"].get(version) || version != spec_format_version)
    fail("format_version", fmt::format("this judgegrad reads version {}", spec_format_version));
  calibration_spec s;
  s.source = source;
  for (auto [key, value] : obj) {
    const std::string k(key);
    std::string_view text;
    if (k == "format" || k == "format_version") continue;
    if (k == "name") {
      if (value.get(text) || text.empty()) fail(k, "expected a non-empty string");
      s.name = std::string(text);
    } else if (k == "description") {
      if (value.get(text)) fail(k, "expected a string");
    } else if (k == "observations") {
      if (value.get(text) || text.empty()) fail(k, "expected the path of an observations file");
      s.observations = std::filesystem::path(text).is_absolute() ? std::filesystem::path(text) : dir / text;
    } else if (k == "train") {
      s.train = detail::string_list(value, fmt::format("{}: \"train\"", source));
    } else if (k == "held_out") {
      s.held_out = detail::string_list(value, fmt::format("{}: \"held_out\"", source));
    } else if (k == "knobs") {
      // ["judge.noise", ...] with the default ranges, or {"judge.noise": {"lower": 0.05, "upper": 0.4}, ...}
      if (value.is_array()) {
        for (const auto& path : detail::string_list(value, fmt::format("{}: \"knobs\"", source))) s.knobs.push_back(fittable_knob(path));
      } else if (simdjson::dom::object knobs; !value.get(knobs)) {
        for (auto [path, range] : knobs) {
          knob_range r = fittable_knob(path);
          simdjson::dom::object bounds;
          const std::string where = fmt::format("{}: \"knobs\".\"{}\"", source, path);
          if (range.get(bounds)) throw calibration_error(fmt::format("{}: expected an object with \"lower\" and \"upper\" (or {{}})", where));
          const knob_range meaning = r;
          r.lower = detail::bound_of(bounds, "lower", r.lower, where);
          r.upper = detail::bound_of(bounds, "upper", r.upper, where);
          if (!(r.lower < r.upper) || r.lower < meaning.lower || r.upper > meaning.upper)
            throw calibration_error(fmt::format("{}: [{}, {}] must be a range inside [{}, {}], what the knob's meaning allows", where, r.lower, r.upper,
                                                meaning.lower, meaning.upper));
          s.knobs.push_back(r);
        }
      } else {
        fail(k, "expected an array of knob names or an object of knob ranges");
      }
    } else if (k == "start") {
      try {
        s.start = sim::from_json(simdjson::minify(value), fmt::format("{}: \"start\"", source));
      } catch (const sim::config_error& e) {
        throw calibration_error(e.what());
      }
    } else if (k == "study") {
      try {
        s.study = experiment::parse_definition(simdjson::minify(value), fmt::format("{}: \"study\"", source), dir).experiment;
      } catch (const experiment::definition_error& e) {
        throw calibration_error(e.what());
      }
    } else if (k == "world_seeds") {
      simdjson::dom::array a;
      if (value.get(a)) fail(k, "expected an array of seeds");
      s.world_seeds.clear();
      for (auto x : a) {
        std::uint64_t seed;
        if (x.get(seed)) fail(k, "expected an array of non-negative integers");
        s.world_seeds.push_back(seed);
      }
      if (s.world_seeds.empty()) fail(k, "give at least one world seed (three or more make the intervals)");
    } else if (k == "evaluations") {
      std::uint64_t n;
      if (value.get(n) || n < 1 || n > 100000) fail(k, "expected an integer in 1..100000");
      s.evaluations = static_cast<std::size_t>(n);
    } else if (k == "curvature_step") {
      double h;
      if (value.get(h) || !(h > 0 && h <= 0.5)) fail(k, "expected a share of each knob's range in (0, 0.5]");
      s.curvature_step = h;
    } else {
      fail(k, "unknown key (known: format, format_version, name, description, observations, train, held_out, knobs, start, study, "
              "world_seeds, evaluations, curvature_step)");
    }
  }
  if (s.observations.empty()) fail("observations", "missing: the observations file to fit");
  if (s.train.empty()) fail("train", "missing: the ids (or patterns with *) of the observations to fit on");
  if (s.knobs.empty()) fail("knobs", "missing: the knobs to fit");
  for (std::size_t i = 0; i < s.knobs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (s.knobs[i].path == s.knobs[j].path) fail("knobs", fmt::format("'{}' is given twice", s.knobs[i].path));
  return s;
}

/// The calibration file `file` (parse_spec; relative paths start at its folder).
inline calibration_spec read_spec(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw calibration_error(fmt::format("{}: cannot be read", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_spec(text.str(), file.string(), file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path());
}

}  // namespace calibration
JUDGEGRAD_END_NAMESPACE
