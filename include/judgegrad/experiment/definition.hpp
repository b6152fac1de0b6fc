/// @file
/// What an experiment is: a data set, a grid of variants (decomposition modes or algorithms x gates
/// x merge policies x judge layouts) and seeds, one run's settings, and how many runs go at once.
/// Written as JSON (docs/experiments.md), given as flags, or taken from a preset (`paper`,
/// `brighter`); the reference implementation's experiment files are read too. Errors name the
/// file and the key.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_syntax.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/config.hpp>
#include <judgegrad/llm/config_reader.hpp>
#include <judgegrad/optim/settings.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// A wrong experiment definition: the message names the file (or flag) and the key.
struct definition_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The names a definition may use, each with what it means. The tool's catalog of compiled
/// variants covers exactly these (experiment/catalog.hpp).
inline constexpr std::string_view known_datasets[] = {"summeval", "brighter"};
inline constexpr std::string_view known_modes[] = {"single-task", "SSS", "SSC", "SCC", "CCC", "CSS", "CSC", "CCS", "SCS", "opro", "opro(mae)"};
inline constexpr std::string_view known_gates[] = {"none", "mae", "spearman", "off_by_one", "paired-mae", "bootstrap-mae", "pareto-mae"};
inline constexpr std::string_view known_merges[] = {"labeled_sections", "concatenate", "structured"};
inline constexpr std::string_view known_layouts[] = {"joint", "per_criterion"};

/// How reports name a run's configuration: its mode, and the remedies that modify a mode — a
/// conflict-resolving merge, a layout other than joint, a length policy — spelt as in variant names
/// ("SSC/merge=conflict_resolving", "SSC/layout=prefix_shared"). Other merges and the gate have
/// columns of their own.
inline std::string configuration_label(std::string_view mode, std::string_view merge, std::string_view layout, std::string_view length) {
  std::string out(mode);
  if (merge.starts_with("conflict_resolving")) out += fmt::format("/merge={}", merge);
  if (!layout.empty() && layout != "joint") out += fmt::format("/layout={}", layout);
  if (!length.empty() && length != "unbounded") out += fmt::format("/length={}", length);
  return out;
}

/// One experiment.
struct definition {
  std::string name = "paper";
  std::string dataset = "summeval";
  /// summeval: "paper" (the reference's 160/480) or "docsplit"; brighter: "paper" or "official".
  std::string split = "paper";
  std::vector<std::string> modes = {"single-task", "SSS", "SSC", "SCC", "CCC"};
  std::vector<std::string> gates = {"none", "mae"};
  std::vector<std::string> merges = {"labeled_sections"};
  std::vector<std::string> layouts = {"joint"};
  /// Variants named in full (as variant::name() spells them, e.g. "SSC/merge=conflict_resolving"),
  /// run beside the grid above with the same seeds: the remedies (docs/remedies.md) and any
  /// other variant of the catalog.
  std::vector<std::string> variants;
  std::vector<std::uint32_t> seeds = {1, 2, 3};
  /// The reference's behaviour (run_settings::faithful(), merge concatenate unless merges says
  /// otherwise); else judgegrad's.
  bool faithful = false;
  std::size_t steps = 12, batch = 3, test_every = 1, validation = 100;
  std::size_t parallel_runs = 4;  ///< runs in flight at once (they share the backend's limits)
  /// Where it came from: a file, "preset paper", "flags".
  std::string source = "preset paper";

  friend bool operator==(const definition&, const definition&) = default;
};

/// The paper's study (reference notes, Appendix A): SummEval paper split, 12 steps, batch 3, test
/// at every step, modes single-task, SSS, SSC, SCC, CCC, gates none and mae, 3 seeds.
inline definition paper_preset(bool faithful = false) {
  definition d;
  d.faithful = faithful;
  if (faithful) d.merges = {"concatenate"};
  d.source = faithful ? "preset paper (faithful)" : "preset paper";
  return d;
}

/// The same study on BRIGHTER's paper split (2768 train / 2767 test, five emotions).
inline definition brighter_preset(bool faithful = false) {
  definition d = paper_preset(faithful);
  d.name = "brighter";
  d.dataset = "brighter";
  d.source = faithful ? "preset brighter (faithful)" : "preset brighter";
  return d;
}

/// The paper's study beside the remedies of its section 5 (docs/remedies.md), same steps, batch
/// and seeds: grouped and routed gradients, the conflict-resolving merge, the length-balanced
/// update, the prefix-shared judge layout (each with the gates none and mae) and Pareto search.
inline definition remedies_preset(std::string_view dataset = "summeval") {
  definition d = dataset == "brighter" ? brighter_preset() : paper_preset();
  d.name = dataset == "brighter" ? "remedies-brighter" : "remedies";
  d.source = fmt::format("preset {}", d.name);
  std::string grouped = dataset == "brighter" ? "S(joy+surprise)(anger+fear+sadness)C" : "S(fluency+coherence)(consistency+relevance)C";
  for (std::string gate : {"", "/gate=mae"})
    for (std::string v : {grouped, std::string("SR(lexical:6)C"), std::string("SR(evaluator:6)C"), std::string("SSC/merge=conflict_resolving"),
                          std::string("SSC/length=balanced(200:3:32)"), std::string("SSC/layout=prefix_shared"),
                          std::string("CCC/layout=prefix_shared")}) {
      // The slots after the merge come in name order: gate before layout and length.
      auto cut = v.find("/layout=") != std::string::npos ? v.find("/layout=") : v.find("/length=");
      d.variants.push_back(cut == std::string::npos ? v + gate : v.substr(0, cut) + gate + v.substr(cut));
    }
  d.variants.push_back("SSC/algorithm=pareto");
  return d;
}

/// The names of the presets `preset` knows.
inline constexpr std::string_view known_presets[] = {"paper", "brighter", "remedies", "remedies-brighter"};

/// A preset by name ("paper", "brighter", "remedies", "remedies-brighter"); nothing for another name.
inline std::optional<definition> preset(std::string_view name, bool faithful = false) {
  if (name == "paper") return paper_preset(faithful);
  if (name == "brighter") return brighter_preset(faithful);
  if (name == "remedies" && !faithful) return remedies_preset("summeval");
  if (name == "remedies-brighter" && !faithful) return remedies_preset("brighter");
  return std::nullopt;
}

/// Whether `a` and `b` make the same runs: equal but for where they came from and how many runs
/// go at once.
inline bool same_experiment(definition a, definition b) {
  a.source = b.source;
  a.parallel_runs = b.parallel_runs;
  return a == b;
}

/// The run settings every run of `d` starts from (a run's seed is set per run).
inline run_settings settings_of(const definition& d) {
  run_settings s = d.faithful ? run_settings::faithful() : run_settings{};
  s.steps = d.steps;
  s.batch = d.batch;
  s.test_every = d.test_every;
  s.validation = d.validation;
  return s;
}

/// Throws definition_error when a name or number of `d` is not one judgegrad knows; `where` names
/// the source in the message.
inline void check(const definition& d) {
  auto fail = [&](std::string_view key, std::string what) {
    throw definition_error(fmt::format("{}: {}: {}", d.source, key, what));
  };
  auto one_of = [&](std::string_view key, const std::string& value, std::span<const std::string_view> known) {
    if (std::find(known.begin(), known.end(), value) == known.end())
      fail(key, fmt::format("unknown value \"{}\" (known: {})", value, fmt::join(known, ", ")));
  };
  auto list = [&](std::string_view key, const std::vector<std::string>& values, std::span<const std::string_view> known) {
    if (values.empty()) fail(key, "give at least one");
    for (std::size_t i = 0; i < values.size(); ++i) {
      one_of(fmt::format("{}[{}]", key, i), values[i], known);
      for (std::size_t j = 0; j < i; ++j)
        if (values[j] == values[i]) fail(fmt::format("{}[{}]", key, i), fmt::format("\"{}\" is listed twice", values[i]));
    }
  };
  one_of("dataset", d.dataset, known_datasets);
  std::string_view other_split = d.dataset == "summeval" ? "docsplit" : "official";
  if (d.split != "paper" && d.split != other_split)
    fail("split", fmt::format("unknown value \"{}\" for {} (known: paper, {})", d.split, d.dataset, other_split));
  list("modes", d.modes, known_modes);
  list("gates", d.gates, known_gates);
  list("merges", d.merges, known_merges);
  list("layouts", d.layouts, known_layouts);
  for (std::size_t i = 0; i < d.variants.size(); ++i) {
    if (d.variants[i].empty()) fail(fmt::format("variants[{}]", i), "an empty name");
    for (std::size_t j = 0; j < i; ++j)
      if (d.variants[j] == d.variants[i]) fail(fmt::format("variants[{}]", i), fmt::format("\"{}\" is listed twice", d.variants[i]));
  }
  if (d.seeds.empty()) fail("seeds", "give at least one");
  for (std::size_t i = 0; i < d.seeds.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (d.seeds[j] == d.seeds[i]) fail(fmt::format("seeds[{}]", i), fmt::format("seed {} is listed twice", d.seeds[i]));
  if (d.steps < 1) fail("steps", "must be 1 or more");
  if (d.batch < 1) fail("batch", "must be 1 or more");
  if (d.validation < 1) fail("validation", "must be 1 or more");
  if (d.parallel_runs < 1) fail("parallel_runs", "must be 1 or more");
  if (d.name.empty() || d.name.find_first_of("/\\") != std::string::npos) fail("name", "must be a non-empty name without slashes");
}

/// `d` as JSON, in the format `parse_definition` reads (the run directory keeps it).
inline void write_json(json_writer& w, const definition& d) {
  auto strings = [&](std::string_view key, const std::vector<std::string>& v) {
    w.key(key).begin_array();
    for (const auto& s : v) w.value(s);
    w.end_array();
  };
  w.begin_object().key("name").value(d.name).key("dataset").value(d.dataset).key("split").value(d.split);
  strings("modes", d.modes);
  strings("gates", d.gates);
  strings("merges", d.merges);
  strings("layouts", d.layouts);
  if (!d.variants.empty()) strings("variants", d.variants);
  w.key("seeds").begin_array();
  for (auto s : d.seeds) w.value(std::uint64_t(s));
  w.end_array().key("faithful").value(d.faithful).key("steps").value(std::uint64_t(d.steps)).key("batch").value(std::uint64_t(d.batch))
      .key("test_every").value(std::uint64_t(d.test_every)).key("validation").value(std::uint64_t(d.validation))
      .key("parallel_runs").value(std::uint64_t(d.parallel_runs)).end_object();
}

/// What an experiment file gives beyond the definition: the LLM configuration it names, if any
/// (relative to the file's directory), and the output directory the reference's files name.
struct definition_file {
  definition experiment;
  std::optional<std::filesystem::path> llm;
  std::optional<std::filesystem::path> output_dir;
  bool reference_format = false;
};

namespace detail {

/// Keys only the reference's experiment files have.
inline constexpr std::string_view reference_only_keys[] = {"batch_size", "eval_every", "output_dir", "checkpoint_every", "verbosity"};

inline std::vector<std::string> strings(const llm::config_reader& in, simdjson::dom::element e, const std::string& path) {
  simdjson::dom::array a;
  if (e.get_array().get(a)) in.fail(path, "expected an array of strings");
  std::vector<std::string> out;
  std::size_t i = 0;
  for (auto v : a) out.push_back(in.text(v, fmt::format("{}[{}]", path, i++)));
  return out;
}

inline std::size_t size_in(const llm::config_reader& in, simdjson::dom::element e, const std::string& path, std::uint64_t low,
                           std::uint64_t high) {
  std::uint64_t v = in.count(e, path);
  if (v < low || v > high) in.fail(path, fmt::format("{} is outside {}..{}", v, low, high));
  return static_cast<std::size_t>(v);
}

}  // namespace detail

/// Reads an experiment from JSON text; `source` names it in errors, `dir` resolves relative paths.
/// judgegrad's format (docs/experiments.md): {"preset"?, "name", "dataset", "split", "modes",
/// "gates", "merges", "layouts", "seeds", "faithful", "steps", "batch", "test_every", "validation",
/// "parallel_runs", "llm"}, every key optional (the paper preset fills what is left out). The
/// reference's format ({"llm", "dataset": "SummEval", "steps", "batch_size", "eval_every", "seed",
/// "output_dir", ...}) is recognised by its keys and runs the paper's grid with its numbers.
inline definition_file parse_definition(std::string_view json, const std::string& source, const std::filesystem::path& dir = ".") {
  llm::config_reader in(source, llm::process_environment);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto code = parser.parse(json.data(), json.size()).get(doc))
    throw definition_error(fmt::format("{}: not valid JSON: {}", source, json_error_text(json, simdjson::error_message(code))));
  definition_file out;
  try {
    simdjson::dom::object top = in.object(doc, "(top level)", {});
    simdjson::dom::element probe;
    for (auto k : detail::reference_only_keys) out.reference_format = out.reference_format || !top[k].get(probe);
    auto path_of = [&](simdjson::dom::element e, const std::string& key) {
      std::filesystem::path p = in.text(e, key);
      return p.is_absolute() ? p : dir / p;
    };
    if (out.reference_format) {
      definition& d = out.experiment = paper_preset();
      d.seeds = {42};
      d.steps = 10;
      d.batch = 10;
      for (auto [k, v] : in.object(doc, "", {"llm", "dataset", "output_dir", "steps", "batch_size", "eval_every", "seed", "checkpoint_every", "verbosity"})) {
        std::string key(k);
        if (k == "llm") {
          std::string_view s;
          if (v.get_string().get(s)) in.fail(key, "judgegrad reads the LLM configuration from a file: give its path");
          out.llm = path_of(v, key);
        } else if (k == "dataset") {
          std::string name = in.text(v, key);
          if (name == "SummEval") d.dataset = "summeval";
          else if (name == "BRIGHTER") d.dataset = "brighter";
          else in.fail(key, fmt::format("unknown data set \"{}\" (known: SummEval, BRIGHTER)", name));
          d.name = d.dataset == "summeval" ? "paper" : "brighter";
        } else if (k == "output_dir") out.output_dir = std::filesystem::path(in.text(v, key));  // as the reference: from the working directory
        else if (k == "steps") d.steps = detail::size_in(in, v, key, 1, 10000);
        else if (k == "batch_size") d.batch = detail::size_in(in, v, key, 1, 100000);
        else if (k == "eval_every") d.test_every = detail::size_in(in, v, key, 0, 10000);
        else if (k == "seed") d.seeds = {static_cast<std::uint32_t>(detail::size_in(in, v, key, 0, 0xffffffffu))};
        else detail::size_in(in, v, key, 0, 1000000);  // checkpoint_every, verbosity: accepted, no effect
      }
    } else {
      definition& d = out.experiment;
      simdjson::dom::element p;
      bool faithful = false;
      if (!top["faithful"].get(p)) faithful = in.boolean(p, "faithful");
      if (!top["preset"].get(p)) {
        std::string name = in.text(p, "preset");
        auto chosen = preset(name, faithful);
        if (!chosen)
          in.fail("preset", fmt::format("unknown preset \"{}\" (known: {}; the remedies presets have no faithful form)", name,
                                        fmt::join(known_presets, ", ")));
        d = *chosen;
      } else {
        d = paper_preset(faithful);
      }
      for (auto [k, v] : in.object(doc, "", {"preset", "name", "dataset", "split", "modes", "gates", "merges", "layouts", "variants", "seeds", "faithful",
                                             "steps", "batch", "test_every", "validation", "parallel_runs", "llm"})) {
        std::string key(k);
        if (k == "name") d.name = in.text(v, key);
        else if (k == "dataset") d.dataset = in.text(v, key);
        else if (k == "split") d.split = in.text(v, key);
        else if (k == "modes") d.modes = detail::strings(in, v, key);
        else if (k == "gates") d.gates = detail::strings(in, v, key);
        else if (k == "merges") d.merges = detail::strings(in, v, key);
        else if (k == "layouts") d.layouts = detail::strings(in, v, key);
        else if (k == "variants") d.variants = detail::strings(in, v, key);
        else if (k == "seeds") {
          simdjson::dom::array a;
          if (v.get_array().get(a)) in.fail(key, "expected an array of seeds (whole numbers)");
          d.seeds.clear();
          std::size_t i = 0;
          for (auto s : a) {
            d.seeds.push_back(static_cast<std::uint32_t>(detail::size_in(in, s, fmt::format("seeds[{}]", i), 0, 0xffffffffu)));
            ++i;
          }
        } else if (k == "steps") d.steps = detail::size_in(in, v, key, 1, 10000);
        else if (k == "batch") d.batch = detail::size_in(in, v, key, 1, 100000);
        else if (k == "test_every") d.test_every = detail::size_in(in, v, key, 0, 10000);
        else if (k == "validation") d.validation = detail::size_in(in, v, key, 1, 100000);
        else if (k == "parallel_runs") d.parallel_runs = detail::size_in(in, v, key, 1, 256);
        else if (k == "llm") out.llm = path_of(v, key);
      }
    }
  } catch (const llm::config_error& e) {
    throw definition_error(e.what());
  }
  out.experiment.source = source;
  check(out.experiment);
  return out;
}

/// Reads an experiment file (see parse_definition).
inline definition_file load_definition(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw definition_error(fmt::format("{}: cannot open the experiment file", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  return parse_definition(text.str(), path.string(), path.parent_path());
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
