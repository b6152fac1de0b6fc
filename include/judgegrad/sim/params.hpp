/// @file
/// Every coefficient of the simulated world as a named knob with a documented default, presets, and
/// reading / writing the knobs as JSON. docs/simulator.md explains what each one does.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_syntax.hpp>
#include <judgegrad/core/json_writer.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

/// The simulated judge: gold label plus noise shaped by the instruction.
struct judge_knobs {
  /// Standard deviation of the judge's error when it attends to the example, with a bare
  /// instruction, as a fraction of the scale's width (0.2 x 4 = 0.8 points on 1-5).
  double noise = 0.2;
  /// Probability, with a bare instruction, that the judge lapses into a stock answer: a score drawn
  /// from the criterion's label distribution in the known data, unrelated to this example.
  /// Calibrated with `noise`: mean Spearman 0.28 with "Rate from 1 to 5." on the SummEval paper split.
  double lapse = 0.6;
  /// Per-criterion overrides of `noise`, by criterion name.
  std::map<std::string, double> noise_by_criterion;
  /// Share of the noise variance that is the model's fixed opinion of an example (the same for
  /// every prompt and repeat); the rest is drawn afresh for every request (sampling).
  double persistent_share = 0.7;
  /// How much stating every facet shrinks the noise and the lapse probability: both are multiplied
  /// by (1 - coverage_gain x coverage).
  double coverage_gain = 0.6;
  /// Upward bias with a bare instruction, as a fraction of the scale's width, vanishing as
  /// coverage grows (LLM judges are lenient when told little).
  double leniency = 0.06;
  /// Growth of noise and lapse probability per facet of another criterion stated in this
  /// criterion's instruction (both are multiplied by 1 + this x count + length_penalty x imbalance).
  double foreign_facet_penalty = 0.12;
  /// Noise growth at full length imbalance: this instruction's share of the instructions' tokens
  /// falling to zero below its fair share 1/K.
  double length_penalty = 1.0;
  /// Instruction tokens (all criteria) at which length imbalance has its full weight; shorter
  /// joint prompts suffer proportionally less.
  double long_prompt_tokens = 150;
  /// Probability that a reply has a format fault: code fence or preamble (only when no JSON
  /// response format was requested), a missing key, or a value out of range.
  double format_fault_rate = 0.04;
};

/// The simulated gradient: proposals of missing facets under a fixed budget.
struct gradient_knobs {
  /// Proposals per call, whatever the number K of criteria it covers.
  int budget = 4;
  /// Probability that a proposal is generic advice rather than a facet, with K = 1 ...
  double generic_base = 0.03;
  /// ... plus this much per additional criterion in the call.
  double generic_per_extra = 0.04;
  /// Misattribution: a facet proposal names its own criterion with probability
  /// 1 / (1 + misattribution x (K - 1)), else another criterion of the call.
  double misattribution = 0.5;
  /// Probability that a proposal of a single-criterion call is a facet of another criterion of the
  /// set (confusing, say, coherence with fluency).
  double leak_rate = 0.06;
};

/// The simulated optimizer: adopting proposals into instructions.
struct optimizer_knobs {
  /// Probability that a proposal named for an instruction being rewritten is adopted.
  double adherence = 0.85;
  /// Probability that a piece of generic advice is adopted (it lengthens the instruction only).
  double generic_adoption = 0.5;
  /// Factor on `adherence` for a proposal named for another criterion when a single instruction
  /// is rewritten (it pollutes that instruction).
  double cross_adoption = 0.25;
};

/// The simulated OPRO optimizer: recombining the best past instruction sets.
struct opro_knobs {
  /// How many of the best-scored past sets are recombined.
  int parents = 3;
  /// Probability per criterion of adding one new facet of its own (exploration).
  double explore = 0.3;
  /// Probability per criterion of adding a facet of another criterion (a confused step).
  double confuse = 0.1;
};

/// The simulated diagnostic rater.
struct evaluator_knobs {
  /// Lowest gradient specificity an on-topic gradient gets: rating = floor + (10 - floor) x share.
  double specificity_floor = 2.0;
  /// Same for feedback adherence.
  double adherence_floor = 1.0;
  /// Standard deviation of the rater's noise, in rating points, before rounding.
  double noise = 0.5;
};

/// The simulated conflict resolver (merge::conflict_resolving).
struct resolver_knobs {
  /// Probability that a sentence given to one criterion but about another's facet is found (and
  /// moved); a guess, not calibrated on any model.
  double recall = 0.8;
};

/// The simulated provider's prompt cache (off by default). When on, a request whose prompt starts
/// with a prefix of an earlier request of the same batch — cut at a section boundary, as the
/// shared parts of judgegrad's prompts are — reports that prefix's tokens as `cached_tokens`,
/// rounded down to whole blocks, when it reaches the minimum. OpenAI: block 128, minimum 1024;
/// vLLM's prefix caching: block 16, no minimum.
struct provider_knobs {
  /// Tokens per cached block; 0 turns the prompt cache off.
  double prefix_cache_block = 0;
  /// The shortest prefix served from the cache, in tokens.
  double prefix_cache_min = 0;
};

/// All knobs of the simulated world.
struct params {
  /// World seed: replies are a function of (seed, request content, repeat index).
  std::uint64_t seed = 42;
  /// Name the simulator answers as ("simulated:" is prefixed to the model of every reply).
  std::string model = "judgegrad-sim";
  judge_knobs judge;
  gradient_knobs gradient;
  optimizer_knobs optimizer;
  opro_knobs opro;
  evaluator_knobs evaluator;
  resolver_knobs resolver;
  provider_knobs provider;
};

/// A bad configuration: names the knob (dotted path) and what is wrong.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
// The single table of knobs: readers, writers and checks walk it, so they cannot disagree. `P` is
// params or const params; `f(path, value)` is called with a reference to each knob.
template <class P, class F>
void for_each_knob(P& p, F&& f) {
  f("seed", p.seed);
  f("model", p.model);
  f("judge.noise", p.judge.noise);
  f("judge.lapse", p.judge.lapse);
  f("judge.persistent_share", p.judge.persistent_share);
  f("judge.coverage_gain", p.judge.coverage_gain);
  f("judge.leniency", p.judge.leniency);
  f("judge.foreign_facet_penalty", p.judge.foreign_facet_penalty);
  f("judge.length_penalty", p.judge.length_penalty);
  f("judge.long_prompt_tokens", p.judge.long_prompt_tokens);
  f("judge.format_fault_rate", p.judge.format_fault_rate);
  f("gradient.budget", p.gradient.budget);
  f("gradient.generic_base", p.gradient.generic_base);
  f("gradient.generic_per_extra", p.gradient.generic_per_extra);
  f("gradient.misattribution", p.gradient.misattribution);
  f("gradient.leak_rate", p.gradient.leak_rate);
  f("optimizer.adherence", p.optimizer.adherence);
  f("optimizer.generic_adoption", p.optimizer.generic_adoption);
  f("optimizer.cross_adoption", p.optimizer.cross_adoption);
  f("opro.parents", p.opro.parents);
  f("opro.explore", p.opro.explore);
  f("opro.confuse", p.opro.confuse);
  f("evaluator.specificity_floor", p.evaluator.specificity_floor);
  f("evaluator.adherence_floor", p.evaluator.adherence_floor);
  f("evaluator.noise", p.evaluator.noise);
  f("resolver.recall", p.resolver.recall);
  f("provider.prefix_cache_block", p.provider.prefix_cache_block);
  f("provider.prefix_cache_min", p.provider.prefix_cache_min);
}

inline bool is_probability_knob(std::string_view path) {
  for (std::string_view k : {"judge.persistent_share", "judge.lapse", "judge.format_fault_rate", "gradient.generic_base",
                             "gradient.leak_rate", "optimizer.adherence", "optimizer.generic_adoption",
                             "optimizer.cross_adoption", "opro.explore", "opro.confuse", "judge.coverage_gain", "resolver.recall"})
    if (k == path) return true;
  return false;
}
}  // namespace detail

/// The value of number knob `path` ("judge.noise") of `p`; a config_error when there is none.
inline double knob_value(const params& p, std::string_view path) {
  const double* out = nullptr;
  detail::for_each_knob(p, [&](std::string_view name, const auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>)
      if (name == path) out = &v;
  });
  if (!out) throw config_error(fmt::format("judgegrad::sim: no number knob '{}'", path));
  return *out;
}

/// Sets number knob `path` of `p` to `value` (unchecked: validate() checks ranges); a config_error
/// when there is no such knob.
inline void set_knob(params& p, std::string_view path, double value) {
  bool found = false;
  detail::for_each_knob(p, [&](std::string_view name, auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>)
      if (name == path) v = value, found = true;
  });
  if (!found) throw config_error(fmt::format("judgegrad::sim: no number knob '{}'", path));
}

/// The names of the presets `preset` knows.
inline std::vector<std::string_view> preset_names() { return {"paper", "noiseless"}; }

/// A named preset. `paper` (the defaults) is calibrated on the SummEval paper split so that the
/// paper's figures appear (docs/simulator.md); `noiseless` is a perfect world for pipeline tests:
/// an exact judge, no format faults, focused gradients, a fully adherent optimizer and rater.
inline params preset(std::string_view name) {
  params p;
  if (name == "paper") return p;
  if (name == "noiseless") {
    p.judge.noise = 0;
    p.judge.lapse = 0;
    p.judge.leniency = 0;
    p.judge.format_fault_rate = 0;
    p.gradient.generic_base = 0;
    p.gradient.generic_per_extra = 0;
    p.gradient.misattribution = 0;
    p.gradient.leak_rate = 0;
    p.optimizer.adherence = 1;
    p.optimizer.generic_adoption = 0;
    p.optimizer.cross_adoption = 0;
    p.evaluator.noise = 0;
    return p;
  }
  throw config_error(fmt::format("judgegrad::sim: unknown preset '{}' (known: paper, noiseless)", name));
}

/// Checks ranges: probabilities in [0, 1], non-negative coefficients, budget >= 1, parents >= 1.
inline void validate(const params& p) {
  detail::for_each_knob(p, [](std::string_view path, const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, double>) {
      if (!(v >= 0) || v > 1e9) throw config_error(fmt::format("judgegrad::sim: knob '{}' = {} must be >= 0", path, v));
      if (detail::is_probability_knob(path) && v > 1)
        throw config_error(fmt::format("judgegrad::sim: knob '{}' = {} is a probability and must lie in [0, 1]", path, v));
    } else if constexpr (std::is_same_v<T, int>) {
      if (v < 1 || v > 1000) throw config_error(fmt::format("judgegrad::sim: knob '{}' = {} must lie in [1, 1000]", path, v));
    }
  });
  for (const auto& [name, v] : p.judge.noise_by_criterion)
    if (!(v >= 0)) throw config_error(fmt::format("judgegrad::sim: knob 'judge.noise_by_criterion.{}' must be >= 0", name));
}

namespace detail {
inline void read_object(params& p, simdjson::dom::object obj, const std::string& prefix) {
  for (auto member : obj) {
    std::string key(member.key);
    simdjson::dom::element value = member.value;  // a variable, not a binding: lambdas capture it
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (path == "preset") continue;
    if (path == "judge.noise_by_criterion") {
      simdjson::dom::object m;
      if (value.get(m)) throw config_error(fmt::format("judgegrad::sim: knob '{}' must be an object of numbers", path));
      for (auto [name, v] : m) {
        double d;
        if (v.get(d)) throw config_error(fmt::format("judgegrad::sim: knob '{}.{}' must be a number", path, name));
        p.judge.noise_by_criterion[std::string(name)] = d;
      }
      continue;
    }
    if (value.is_object()) {
      read_object(p, value.get_object().value_unsafe(), path);
      continue;
    }
    bool found = false;
    for_each_knob(p, [&](std::string_view name, auto& knob) {
      if (name != path) return;
      found = true;
      using T = std::decay_t<decltype(knob)>;
      bool bad = false;
      if constexpr (std::is_same_v<T, double>) {
        bad = value.get(knob) != simdjson::SUCCESS;
      } else if constexpr (std::is_same_v<T, int>) {
        std::int64_t v = 0;
        bad = value.get(v) != simdjson::SUCCESS || v < -1000000 || v > 1000000;
        if (!bad) knob = static_cast<int>(v);
      } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        bad = value.get(knob) != simdjson::SUCCESS;
      } else {
        std::string_view sv;
        bad = value.get(sv) != simdjson::SUCCESS;
        if (!bad) knob = std::string(sv);
      }
      if (bad) throw config_error(fmt::format("judgegrad::sim: knob '{}' has the wrong type", path));
    });
    if (!found) throw config_error(fmt::format("judgegrad::sim: unknown knob '{}'", path));
  }
}
}  // namespace detail

/// Knobs from a JSON object such as `{"preset": "paper", "judge": {"noise": 0.2}}`: the preset
/// (`default_preset` when the object names none) is applied first, then every key overrides one
/// knob. An unknown key, a wrong type or an out-of-range value is a config_error naming the knob;
/// `where` names the source.
inline params from_json(std::string_view json, std::string_view where = "<configuration>",
                        std::string_view default_preset = "paper") {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root))
    throw config_error(fmt::format("judgegrad::sim: {}: not valid JSON: {}", where, json_error_text(json, simdjson::error_message(err))));
  simdjson::dom::object obj;
  if (root.get(obj)) throw config_error(fmt::format("judgegrad::sim: {}: the configuration must be a JSON object", where));
  std::string_view preset_name = default_preset;
  if (auto pv = obj["preset"]; !pv.error()) {
    if (pv.get(preset_name)) throw config_error(fmt::format("judgegrad::sim: {}: 'preset' must be a string", where));
  }
  params p = preset(preset_name);
  try {
    detail::read_object(p, obj, "");
    validate(p);
  } catch (const config_error& e) {
    throw config_error(fmt::format("{} (in {})", e.what(), where));
  }
  return p;
}

/// All knobs as one JSON object (nested by group), for run manifests and `--print-config`.
inline std::string to_json(const params& p) {
  json_writer w;
  w.begin_object();
  std::string group;
  detail::for_each_knob(p, [&](std::string_view path, const auto& knob) {
    auto dot = path.find('.');
    std::string g = dot == std::string_view::npos ? "" : std::string(path.substr(0, dot));
    if (g != group) {
      if (!group.empty()) {
        if (group == "judge") {
          w.key("noise_by_criterion").begin_object();
          for (const auto& [name, v] : p.judge.noise_by_criterion) w.key(name).value(v);
          w.end_object();
        }
        w.end_object();
      }
      if (!g.empty()) w.key(g).begin_object();
      group = g;
    }
    w.key(dot == std::string_view::npos ? path : path.substr(dot + 1));
    w.value(knob);
  });
  if (!group.empty()) w.end_object();
  w.end_object();
  return std::move(w).str();
}

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
