/// @file
/// Gradient specificity and feedback adherence (the paper's evidence for gradient dilution) for
/// every gradient of every run of run directories: which ratings to ask for, the evaluator role's
/// requests, the replies read back, and the means per mode, per mode and criterion and per step,
/// each with a percentile bootstrap interval over rated units (one unit: a run, a step and a target
/// criterion). Beside each specificity rating stands the lexical proxy (optim/lexicon.hpp).
///
/// judgegrad's protocol (standard) rates each distinct gradient a criterion received in a step on
/// its own, with a prompt that names the judge's criteria, and averages them into the unit; the
/// reference's (faithful) joins a step's gradients for the criterion with blank lines and asks once
/// per unit with its SummEval wording. Either way a joint gradient (SCC, CCC) is rated once per
/// target criterion, and adherence asks once per unit whose update proposed an instruction:
/// previous instruction, the candidate (accepted or not) and the unit's gradients joined.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/lexicon.hpp>
#include <judgegrad/optim/prompts/evaluator.hpp>
#include <judgegrad/optim/rating.hpp>
#include <judgegrad/stats/bootstrap.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment::diagnostics {

// The evaluator's reading and the lexical proxy, shared with the optimizer's routing.
using ratings::lexicon;
using ratings::parse_rating;
using ratings::protocol;

/// One rating asked of the evaluator role.
struct rating {
  std::string kind;  ///< "specificity" or "adherence"
  std::string run, mode, gate;
  std::uint32_t seed = 0;
  std::int64_t step = 0;
  std::string criterion;              ///< the target
  bool joint_gradient = false;        ///< the gradient was written for every criterion at once (SCC, CCC, ...)
  std::string text;                   ///< the gradient text rated (faithful: the unit's gradients joined)
  std::string old_instruction, new_instruction;  ///< adherence only
  std::optional<double> llm;          ///< the evaluator's rating, when its reply had one
  double lexical = std::numeric_limits<double>::quiet_NaN();  ///< the lexical proxy (specificity only)
  std::string reply;
};

/// What a `mean_of` reports.
struct mean_ci {
  double mean = std::numeric_limits<double>::quiet_NaN();
  stats::interval ci;
  std::size_t n = 0;
};

/// The mean of `values` (NaN left out) with a percentile bootstrap interval.
inline mean_ci mean_of(std::span<const double> values, const stats::bootstrap_options& o) {
  std::vector<double> x;
  for (double v : values)
    if (!std::isnan(v)) x.push_back(v);
  mean_ci out;
  out.n = x.size();
  if (x.empty()) return out;
  auto stat = [&](std::span<const std::uint32_t> counts) {
    double sum = 0, n = 0;
    for (std::size_t i = 0; i < x.size(); ++i) sum += counts[i] * x[i], n += counts[i];
    return sum / n;
  };
  if (o.resamples == 0) {
    std::vector<std::uint32_t> ones(x.size(), 1);
    out.mean = stat(ones);
    return out;
  }
  auto r = stats::bootstrap_counts(stat, x.size(), x.size(), o);
  out.mean = r.estimate.value;
  out.ci = r.percentile;
  return out;
}

namespace detail {

inline std::string string_at(simdjson::dom::element e, std::string_view key, const std::filesystem::path& file) {
  std::string_view v;
  if (e[key].get_string().get(v)) bad_file(file, fmt::format("\"{}\" is missing or not a string", key));
  return std::string(v);
}

/// Whether mode `mode` writes one gradient for all criteria (its gradient letter is C).
inline bool joint_gradient_mode(std::string_view mode) { return mode.size() == 3 && mode[1] == 'C'; }

}  // namespace detail

/// The ratings to ask for every finished step of the run directories `dirs` (each an experiment's
/// run directory, holding runs/), with the lexical proxy already computed. Runs without
/// gradients (OPRO) give none.
inline std::vector<rating> collect(std::span<const std::filesystem::path> dirs, protocol p, const lexicon& words,
                                   std::span<const std::string_view> names) {
  std::vector<rating> out;
  simdjson::dom::parser parser;
  for (const auto& root : dirs) {
    for (const auto& summary : read_runs(root).whole()) {
      rating base;
      base.run = summary.id;
      base.mode = summary.configuration();
      base.gate = summary.gate;
      base.seed = summary.seed;
      base.joint_gradient = detail::joint_gradient_mode(base.mode);
      if (base.mode.starts_with("opro")) continue;
      for_each_step(summary, parser, [&](const step_row& s) {
        if (!s.error.empty()) return;  // the step that stopped a run
        // Per target criterion: the gradients it received, in order, each once.
        std::map<std::string, std::vector<std::string>> received;
        for (const auto& g : s.gradients) {
          auto give = [&](std::string_view target) {
            auto& list = received[std::string(target)];
            if (std::find(list.begin(), list.end(), g.text) == list.end()) list.push_back(g.text);
          };
          if (g.criteria.empty())  // written for all of them
            for (auto n : names) give(n);
          for (const auto& c : g.criteria) give(c);
        }
        for (auto& [target, texts] : received) {
          std::size_t index = std::find(names.begin(), names.end(), target) - names.begin();
          rating r = base;
          r.step = s.step;
          r.criterion = target;
          std::string joined;
          for (const auto& t : texts) joined += (joined.empty() ? "" : "\n\n") + t;
          if (p == protocol::faithful) {
            r.kind = "specificity";
            r.text = joined;
            r.lexical = words.specificity(index, joined);
            out.push_back(r);
          } else {
            for (const auto& t : texts) {
              rating one_text = r;
              one_text.kind = "specificity";
              one_text.text = t;
              one_text.lexical = words.specificity(index, t);
              out.push_back(std::move(one_text));
            }
          }
          auto before = s.incumbent.find(target), after = s.candidate.find(target);
          if (before != s.incumbent.end() && after != s.candidate.end() && !after->second.empty()) {
            r.kind = "adherence";
            r.text = joined;
            r.old_instruction = before->second;
            r.new_instruction = after->second;
            out.push_back(std::move(r));
          }
        }
      });
    }
  }
  return out;
}

/// The evaluator role's request for each rating, in order.
inline std::vector<llm::request> requests(std::span<const rating> ratings, protocol p, std::span<const std::string_view> names) {
  std::vector<llm::request> out;
  out.reserve(ratings.size());
  auto style = p == protocol::faithful ? prompt_style::faithful : prompt_style::standard;
  for (const auto& r : ratings) {
    llm::request q;
    q.role = llm::role::evaluator;
    q.tag = {r.step, "diagnose-" + r.kind, r.criterion, ""};
    q.messages = {{"user", r.kind == "specificity" ? prompts::specificity(style, r.criterion, r.text, names)
                                                   : prompts::adherence(style, r.criterion, r.old_instruction, r.new_instruction, r.text)}};
    out.push_back(std::move(q));
  }
  return out;
}

/// The replies read back into `ratings`: a failed call or a reply without a rating leaves `llm` empty.
inline std::size_t absorb(std::span<rating> ratings, std::span<const llm::result> results, protocol p) {
  std::size_t unreadable = 0;
  for (std::size_t i = 0; i < ratings.size() && i < results.size(); ++i) {
    if (!results[i].ok()) {
      ratings[i].reply = "";
      ++unreadable;
      continue;
    }
    ratings[i].reply = results[i].value().content;
    ratings[i].llm = parse_rating(ratings[i].reply, p);
    unreadable += !ratings[i].llm;
  }
  return unreadable;
}

/// One row of a diagnostics table.
struct diagnostics_row {
  std::string mode, gate, criterion;  ///< criterion "" for the row over all criteria
  mean_ci specificity, lexical, adherence;
};

/// Everything `judgegrad diagnose` reports.
struct diagnostics {
  protocol used = protocol::standard;
  bool simulated = false;
  std::string backend;
  std::size_t calls = 0, unreadable = 0, resamples = 0;
  std::vector<diagnostics_row> by_mode, by_mode_criterion;
  /// Per mode: mean specificity per step (the step's units averaged), index = step.
  std::map<std::string, std::vector<double>> specificity_by_step;
};

/// The seed of the diagnostics' bootstrap intervals, so that the same ratings give the same ones.
inline constexpr std::uint64_t summary_seed = 20261;

/// Means per unit (standard: a unit's ratings averaged), then per mode / mode and criterion.
inline diagnostics summarize(std::span<const rating> ratings, protocol p, std::size_t resamples, std::uint64_t seed = summary_seed) {
  diagnostics d;
  d.used = p;
  d.resamples = resamples;
  using unit_key = std::tuple<std::string, std::int64_t, std::string>;  // run, step, criterion
  struct unit {
    std::string mode, gate, criterion;
    std::int64_t step = 0;
    double spec_sum = 0, spec_n = 0, lex_sum = 0, lex_n = 0, adh = std::numeric_limits<double>::quiet_NaN();
  };
  std::map<unit_key, unit> units;
  for (const auto& r : ratings) {
    auto& u = units[{r.run, r.step, r.criterion}];
    u.mode = r.mode, u.gate = r.gate, u.criterion = r.criterion, u.step = r.step;
    if (r.kind == "adherence") {
      if (r.llm) u.adh = *r.llm;
      continue;
    }
    if (r.llm) u.spec_sum += *r.llm, u.spec_n += 1;
    if (!std::isnan(r.lexical)) u.lex_sum += r.lexical, u.lex_n += 1;
  }
  auto order = [](const std::string& mode) {
    static constexpr std::string_view modes[] = {"single-task", "SSS", "SSC", "CSS", "CSC", "SCC", "CCC", "SCS", "CCS"};
    return std::size_t(std::find(std::begin(modes), std::end(modes), mode) - std::begin(modes));
  };
  using group_key = std::tuple<std::size_t, std::string, std::string, std::string>;
  std::map<group_key, std::array<std::vector<double>, 3>> groups;
  std::map<std::string, std::map<std::int64_t, std::pair<double, double>>> steps;
  for (const auto& [k, u] : units) {
    double spec = u.spec_n ? u.spec_sum / u.spec_n : std::numeric_limits<double>::quiet_NaN();
    double lex = u.lex_n ? u.lex_sum / u.lex_n : std::numeric_limits<double>::quiet_NaN();
    for (const auto& crit : {std::string(), u.criterion}) {
      auto& g = groups[{order(u.mode), u.mode, u.gate, crit}];
      g[0].push_back(spec), g[1].push_back(lex), g[2].push_back(u.adh);
    }
    if (!std::isnan(spec)) {
      auto& s = steps[u.mode][u.step];
      s.first += spec, s.second += 1;
    }
  }
  std::uint64_t salt = 0;
  for (const auto& [k, g] : groups) {
    diagnostics_row row{std::get<1>(k), std::get<2>(k), std::get<3>(k), {}, {}, {}};
    stats::bootstrap_options o{resamples, 0.95, seed + salt++};
    row.specificity = mean_of(g[0], o);
    row.lexical = mean_of(g[1], o);
    row.adherence = mean_of(g[2], o);
    (row.criterion.empty() ? d.by_mode : d.by_mode_criterion).push_back(std::move(row));
  }
  for (const auto& [mode, per] : steps) {
    auto& curve = d.specificity_by_step[mode];
    for (const auto& [step, s] : per) {
      if (curve.size() <= static_cast<std::size_t>(step)) curve.resize(static_cast<std::size_t>(step) + 1, std::numeric_limits<double>::quiet_NaN());
      curve[static_cast<std::size_t>(step)] = s.first / s.second;
    }
  }
  return d;
}

/// The paper's number for a mode's gradient specificity: 9.0 for per-criterion gradients
/// (single-task, SSS, SSC), 3.7 for joint ones (SCC, CCC); adherence 7.8-8.8 for all.
inline std::optional<double> paper_specificity(std::string_view mode) {
  if (mode == "single-task" || mode == "SSS" || mode == "SSC") return 9.0;
  if (mode == "SCC" || mode == "CCC") return 3.7;
  return std::nullopt;
}

namespace detail {
inline std::string cell(const mean_ci& m) {
  if (std::isnan(m.mean)) return "-";
  if (std::isnan(m.ci.lower)) return fmt::format("{:.2f}", m.mean);
  return fmt::format("{:.2f} [{:.2f}, {:.2f}]", m.mean, m.ci.lower, m.ci.upper);
}
}  // namespace detail

/// The diagnostics as Markdown: per mode and gate, then per mode, gate and criterion.
inline std::string to_markdown(const diagnostics& d) {
  std::string out = fmt::format("Gradient specificity and feedback adherence (1-10){}\n\n",
                                d.simulated ? " (SIMULATED: judgegrad's simulator, not a language model)" : "");
  auto table = [&](const std::vector<diagnostics_row>& rows, bool criteria) {
    out += fmt::format("| mode | gate |{} units | specificity [95% CI] | lexical proxy [95% CI] | adherence [95% CI] | paper specificity | paper adherence |\n",
                       criteria ? " criterion |" : "");
    out += fmt::format("|---|---|{}---|---|---|---|---|---|\n", criteria ? "---|" : "");
    for (const auto& r : rows) {
      auto paper = paper_specificity(r.mode);
      out += fmt::format("| {} | {} |{} {} | {} | {} | {} | {} | {} |\n", r.mode, r.gate, criteria ? fmt::format(" {} |", r.criterion) : "",
                         r.specificity.n, detail::cell(r.specificity), detail::cell(r.lexical), detail::cell(r.adherence),
                         paper ? fmt::format("{:.1f}", *paper) : "-", paper ? "7.8–8.8" : "-");
    }
  };
  table(d.by_mode, false);
  out += "\n";
  table(d.by_mode_criterion, true);
  out += fmt::format("\nProtocol: {}. A unit is one run, step and target criterion{}. Intervals: 95% percentile bootstrap over units "
                     "({} resamples). Lexical proxy: 1 + 9 x the share of the gradient's criterion words that are the target's "
                     "(undefined when it names none). {} evaluator calls, {} without a readable rating (left out). Paper columns: "
                     "arXiv 2605.26046 (Claude Sonnet 4.6 as the evaluator; 9.0 for per-criterion and 3.7 for joint gradients, "
                     "adherence 7.8-8.8), for comparison only.\n",
                     d.used == protocol::faithful ? "the reference's (the unit's gradients joined, one call per unit, first integer in 1..10)"
                                                  : "judgegrad's (each distinct gradient rated alone, the unit's mean)",
                     d.used == protocol::faithful ? "" : "; a joint gradient is rated once for each target", d.resamples, d.calls,
                     d.unreadable);
  return out;
}

/// The diagnostics as JSON (every rating included when `ratings` is given).
inline std::string to_json(const diagnostics& d, std::span<const rating> ratings = {}) {
  json_writer w;
  auto m = [&](std::string_view key, const mean_ci& v) {
    w.key(key).begin_object().key("mean").value(v.mean).key("ci95").begin_array().value(v.ci.lower).value(v.ci.upper).end_array()
        .key("n").value(static_cast<std::uint64_t>(v.n)).end_object();
  };
  auto rows = [&](std::string_view key, const std::vector<diagnostics_row>& list) {
    w.key(key).begin_array();
    for (const auto& r : list) {
      w.begin_object().key("mode").value(r.mode).key("gate").value(r.gate).key("criterion").value(r.criterion);
      m("specificity", r.specificity);
      m("lexical", r.lexical);
      m("adherence", r.adherence);
      auto paper = paper_specificity(r.mode);
      w.key("paper_specificity");
      if (paper) w.value(*paper);
      else w.null();
      w.end_object();
    }
    w.end_array();
  };
  w.begin_object().key("protocol").value(d.used == protocol::faithful ? "faithful" : "standard").key("simulated").value(d.simulated)
      .key("backend").value(d.backend).key("calls").value(static_cast<std::uint64_t>(d.calls))
      .key("unreadable").value(static_cast<std::uint64_t>(d.unreadable)).key("resamples").value(static_cast<std::uint64_t>(d.resamples));
  rows("by_mode", d.by_mode);
  rows("by_mode_criterion", d.by_mode_criterion);
  w.key("specificity_by_step").begin_object();
  for (const auto& [mode, curve] : d.specificity_by_step) {
    w.key(mode).begin_array();
    for (double v : curve) w.value(v);
    w.end_array();
  }
  w.end_object().key("ratings").begin_array();
  for (const auto& r : ratings) {
    w.begin_object().key("kind").value(r.kind).key("run").value(r.run).key("step").value(r.step).key("criterion").value(r.criterion)
        .key("rating");
    if (r.llm) w.value(*r.llm);
    else w.null();
    w.key("lexical").value(r.lexical).key("reply").value(r.reply).end_object();
  }
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

/// The diagnostics `to_json` wrote to `file` (the ratings are not read back).
inline diagnostics read_diagnostics(const std::filesystem::path& file) {
  std::string text = files::read_all(file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) bad_file(file, "not valid JSON");
  diagnostics d;
  std::string_view v;
  if (!doc["protocol"].get_string().get(v)) d.used = v == "faithful" ? protocol::faithful : protocol::standard;
  if (doc["simulated"].get_bool().get(d.simulated)) d.simulated = false;
  if (!doc["backend"].get_string().get(v)) d.backend = std::string(v);
  std::uint64_t n = 0;
  if (!doc["calls"].get_uint64().get(n)) d.calls = n;
  if (!doc["unreadable"].get_uint64().get(n)) d.unreadable = n;
  if (!doc["resamples"].get_uint64().get(n)) d.resamples = n;
  auto mean = [&](simdjson::dom::element e) {
    mean_ci m;
    auto number = [](simdjson::dom::element x) {
      double out;
      return x.get_double().get(out) ? std::numeric_limits<double>::quiet_NaN() : out;
    };
    m.mean = number(e["mean"]);
    simdjson::dom::array ci;
    if (!e["ci95"].get_array().get(ci) && ci.size() == 2) m.ci.lower = number(ci.at(0).value()), m.ci.upper = number(ci.at(1).value());
    std::uint64_t count = 0;
    if (!e["n"].get_uint64().get(count)) m.n = count;
    return m;
  };
  for (auto [key, list] : {std::pair{"by_mode", &d.by_mode}, {"by_mode_criterion", &d.by_mode_criterion}}) {
    simdjson::dom::array rows;
    if (doc[key].get_array().get(rows)) bad_file(file, fmt::format("\"{}\" is missing", key));
    for (auto r : rows) {
      diagnostics_row row{detail::string_at(r, "mode", file), detail::string_at(r, "gate", file), detail::string_at(r, "criterion", file),
                          mean(r["specificity"]), mean(r["lexical"]), mean(r["adherence"])};
      list->push_back(std::move(row));
    }
  }
  simdjson::dom::object curves;
  if (!doc["specificity_by_step"].get_object().get(curves))
    for (auto field : curves) {
      auto& curve = d.specificity_by_step[std::string(field.key)];
      simdjson::dom::array values;
      if (field.value.get_array().get(values)) continue;
      for (auto x : values) {
        double y;
        curve.push_back(x.get_double().get(y) ? std::numeric_limits<double>::quiet_NaN() : y);
      }
    }
  return d;
}

}  // namespace experiment::diagnostics
JUDGEGRAD_END_NAMESPACE
