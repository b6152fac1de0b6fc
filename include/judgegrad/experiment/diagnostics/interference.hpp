/// @file
/// Instruction interference, controlled: each criterion's best single-task instruction judged
/// alone (the per-criterion layout: one call shows one instruction) and all together (the joint
/// layout) on the same test items, several fresh repeats of each, beside the seed prompt judged
/// the same two ways as the control. The effect is joint minus alone per criterion, with a paired
/// bootstrap interval over items (each item's score averaged over the repeats).
///
/// Selection: judgegrad picks each criterion's instruction among the single-task runs' steps by
/// its Spearman on the validation items, judged fresh; the reference (faithful) picked the maximum
/// of the test Spearmans its runs recorded (39 noisy evaluations: 3 runs x 13 steps) and compared
/// it with one fresh joint evaluation. That maximum is biased upwards; the bias is estimated by
/// the same protocol applied to the seed prompt: the maximum over as many fresh evaluations of it
/// minus their mean. "Alone" and "together" are the Spearman of each item's score averaged over
/// the repeats (so that together minus alone is the paired difference, up to items one layout
/// left unscored).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/judge/run.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/stats/correlation.hpp>
#include <judgegrad/stats/paired.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment::diagnostics {

/// The seed of the interference measurements' bootstrap (judge_settings::bootstrap.seed; criterion
/// c resamples with seed + c), so that the same replies give the same intervals.
inline constexpr std::uint64_t interference_seed = 20262;

/// One step of a single-task run: the instruction it judged with and the test Spearman recorded.
struct candidate {
  std::string run;
  std::int64_t step = 0;
  std::string instruction;
  double test_spearman = std::numeric_limits<double>::quiet_NaN();
};

/// Per criterion, every step of the finished single-task runs under `gate` in the run directory
/// `dir`, in run then step order.
inline std::map<std::string, std::vector<candidate>> single_task_candidates(const std::filesystem::path& dir, std::string_view gate) {
  std::map<std::string, std::vector<candidate>> out;
  for (const auto& summary : read_runs(dir).whole()) {
    if (summary.mode != "single-task" || summary.gate != gate || !summary.finished) continue;
    const auto at = std::find(summary.criteria.begin(), summary.criteria.end(), summary.criterion);
    if (at == summary.criteria.end())
      bad_file(summary.dir / run_files::summary, fmt::format("the criterion \"{}\" is not among its criteria", summary.criterion));
    const auto c = static_cast<std::size_t>(at - summary.criteria.begin());
    for (const auto& s : summary.steps) {
      auto instruction = s.instructions.find(summary.criterion);
      if (instruction == s.instructions.end()) bad_file(summary.dir / run_files::summary, fmt::format("step {} lacks its instruction", s.step));
      candidate x;
      x.run = summary.id;
      x.step = s.step;
      x.instruction = instruction->second;
      if (s.test) x.test_spearman = s.test->metrics[c].spearman;
      out[summary.criterion].push_back(std::move(x));
    }
  }
  return out;
}

/// One criterion judged alone and together over the same items.
struct layout_effect {
  double alone = std::numeric_limits<double>::quiet_NaN();     ///< Spearman of the repeat-averaged scores, per-criterion layout
  double together = std::numeric_limits<double>::quiet_NaN();  ///< the same, joint layout
  stats::paired_comparison joint_minus_alone;                   ///< on the repeat-averaged scores, paired over items
};

namespace detail {

template <criteria_set Set>
std::vector<double> averaged(const std::vector<judge::predictions<Set>>& runs, std::size_t c) {
  std::vector<double> out(runs.front().items.size(), 0.0), n(out.size(), 0.0);
  for (const auto& p : runs) {
    auto col = judge::score_column(p, c);
    for (std::size_t i = 0; i < col.size(); ++i)
      if (!std::isnan(col[i])) out[i] += col[i], n[i] += 1;
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = n[i] > 0 ? out[i] / n[i] : std::numeric_limits<double>::quiet_NaN();
  return out;
}

template <criteria_set Set>
double spearman_of(std::span<const example<Set>> items, const judge::predictions<Set>& p, std::size_t c) {
  auto gold = judge::gold_column(items, c);
  auto pred = judge::score_column(p, c);
  return stats::spearman(gold, pred).value;
}

/// `repeats` fresh evaluations of `prompt` over `items` in `Layout`, repeat numbers from `first`.
template <layout_policy Layout, criteria_set Set, llm::chat_backend Backend>
std::vector<judge::predictions<Set>> repeated(Backend& backend, const judge_prompt<Set>& prompt, std::span<const example<Set>> items,
                                              std::size_t repeats, const judge::judge_settings& settings, std::string_view stage,
                                              std::uint32_t first = 0) {
  std::vector<judge::predictions<Set>> out;
  for (std::size_t r = 0; r < repeats; ++r) {
    auto pass = judge::plan<Layout>(prompt, items, settings, llm::call_tag{-1, std::string(stage), "", ""}, first + static_cast<std::uint32_t>(r));
    judge::run(backend, pass);
    out.push_back(std::move(pass).result());
  }
  return out;
}

}  // namespace detail

/// `prompt` judged `repeats` times in each layout over `items`: per criterion alone, together and
/// joint minus alone (paired bootstrap over items with `bootstrap`).
template <criteria_set Set, llm::chat_backend Backend>
std::vector<layout_effect> compare_layouts(Backend& backend, const judge_prompt<Set>& prompt, std::span<const example<Set>> items,
                                           std::size_t repeats, const judge::judge_settings& settings, std::string_view stage) {
  auto alone = detail::repeated<layout::per_criterion>(backend, prompt, items, repeats, settings, stage);
  auto together = detail::repeated<layout::joint>(backend, prompt, items, repeats, settings, stage);
  std::vector<layout_effect> out(Set::size);
  for (std::size_t c = 0; c < Set::size; ++c) {
    auto& e = out[c];
    auto gold = judge::gold_column(items, c);
    auto ja = detail::averaged(together, c), aa = detail::averaged(alone, c);
    e.alone = stats::spearman(gold, aa).value;
    e.together = stats::spearman(gold, ja).value;
    if (settings.bootstrap.resamples == 0) {  // no intervals asked for (--resamples 0): the difference alone
      e.joint_minus_alone.difference = e.together - e.alone;
      e.joint_minus_alone.given = gold.size();
      continue;
    }
    e.joint_minus_alone = stats::paired_bootstrap<metric::spearman>(
        gold, ja, aa, {.resamples = settings.bootstrap.resamples, .confidence = settings.bootstrap.confidence, .seed = settings.bootstrap.seed + c});
  }
  return out;
}

/// What `judgegrad interference` reports, per criterion in the set's order.
struct interference {
  protocol used = protocol::standard;
  bool simulated = false;
  std::string backend, gate, selected_on;
  std::size_t repeats = 0, candidates = 0, test_items = 0, resamples = 0;
  std::vector<std::string> criteria;
  std::vector<std::string> chosen_run;           ///< per criterion: the run and step the instruction came from
  std::vector<std::int64_t> chosen_step;
  std::vector<double> selection_score;           ///< its Spearman where it was selected (validation, or the recorded test)
  std::vector<std::uint64_t> tokens, seed_tokens; ///< instruction lengths (estimated tokens)
  std::vector<layout_effect> stitched, control;  ///< the selected instructions; the seed prompt
  std::vector<double> recorded_best;             ///< faithful: the maximum recorded test Spearman
  std::vector<double> selection_bias;            ///< faithful: max minus mean over the seed prompt's fresh evaluations
  double initial = std::numeric_limits<double>::quiet_NaN();  ///< the seed prompt, joint, mean over criteria
};

/// The controlled experiment for `seed` and `candidates` (single_task_candidates): selection on
/// `validation` (standard) or by the recorded test Spearman (faithful), then compare_layouts of
/// the stitched prompt and of `seed` over `test`.
template <criteria_set Set, llm::chat_backend Backend>
interference measure_interference(Backend& backend, const judge_prompt<Set>& seed, const std::map<std::string, std::vector<candidate>>& candidates,
                                  std::span<const example<Set>> validation, std::span<const example<Set>> test, std::size_t repeats,
                                  protocol p, const judge::judge_settings& settings) {
  interference out;
  out.used = p;
  out.repeats = repeats;
  out.test_items = test.size();
  out.resamples = settings.bootstrap.resamples;
  out.selected_on = p == protocol::faithful ? "the recorded test Spearman (the reference's selection)" : fmt::format("{} validation items", validation.size());
  std::size_t K = Set::size;
  out.chosen_run.resize(K);
  out.chosen_step.assign(K, -1);
  out.selection_score.assign(K, std::numeric_limits<double>::quiet_NaN());
  out.recorded_best.assign(K, std::numeric_limits<double>::quiet_NaN());
  auto stitched = seed;
  std::vector<std::vector<candidate>> per(K);
  for (std::size_t c = 0; c < K; ++c) {
    out.criteria.emplace_back(Set::names[c]);
    if (auto it = candidates.find(std::string(Set::names[c])); it != candidates.end()) per[c] = it->second;
    out.candidates = std::max(out.candidates, per[c].size());
  }
  if (p == protocol::faithful) {
    for (std::size_t c = 0; c < K; ++c)
      for (const auto& cand : per[c])
        if (!std::isnan(cand.test_spearman) && !(cand.test_spearman <= out.selection_score[c])) {
          out.selection_score[c] = cand.test_spearman;
          out.chosen_run[c] = cand.run, out.chosen_step[c] = cand.step;
          stitched = stitched.with_instruction(Set::names[c], cand.instruction);
        }
    out.recorded_best = out.selection_score;
  } else {
    // The distinct instructions of each criterion; slot j holds every criterion's j-th one (the
    // seed's where a criterion has fewer). In the per-criterion layout a call shows one
    // instruction, so one pass over validation judges slot j's candidate of every criterion.
    std::vector<std::vector<const candidate*>> distinct(K);
    std::size_t slots = 0;
    for (std::size_t c = 0; c < K; ++c) {
      for (const auto& cand : per[c])
        if (std::none_of(distinct[c].begin(), distinct[c].end(), [&](const candidate* d) { return d->instruction == cand.instruction; }))
          distinct[c].push_back(&cand);
      slots = std::max(slots, distinct[c].size());
    }
    for (std::size_t j = 0; j < slots; ++j) {
      auto slot = seed;
      for (std::size_t c = 0; c < K; ++c)
        if (j < distinct[c].size()) slot = slot.with_instruction(Set::names[c], distinct[c][j]->instruction);
      auto pass = judge::plan<layout::per_criterion>(slot, validation, settings, llm::call_tag{-1, "interference-selection", "", ""});
      judge::run(backend, pass);
      auto preds = std::move(pass).result();
      for (std::size_t c = 0; c < K; ++c) {
        if (j >= distinct[c].size()) continue;
        double rho = detail::spearman_of(validation, preds, c);
        if (!std::isnan(rho) && !(rho <= out.selection_score[c])) {
          out.selection_score[c] = rho;
          out.chosen_run[c] = distinct[c][j]->run, out.chosen_step[c] = distinct[c][j]->step;
          stitched = stitched.with_instruction(Set::names[c], distinct[c][j]->instruction);
        }
      }
    }
  }
  for (std::size_t c = 0; c < K; ++c) {
    out.tokens.push_back(llm::estimate_tokens(stitched.instructions()[c]));
    out.seed_tokens.push_back(llm::estimate_tokens(seed.instructions()[c]));
  }
  out.stitched = compare_layouts(backend, stitched, test, repeats, settings, "interference-stitched");
  out.control = compare_layouts(backend, seed, test, repeats, settings, "interference-control");
  double sum = 0;
  for (const auto& e : out.control) sum += e.together;
  out.initial = sum / static_cast<double>(K);
  if (p == protocol::faithful && out.candidates > 0) {
    // The reference's maximum over N recorded evaluations, applied to N fresh ones of the seed.
    auto fresh = detail::repeated<layout::per_criterion>(backend, seed, test, out.candidates, settings, "interference-bias", 1000);
    for (std::size_t c = 0; c < K; ++c) {
      double best = -std::numeric_limits<double>::infinity(), mean = 0;
      for (const auto& f : fresh) {
        double rho = detail::spearman_of(test, f, c);
        best = std::max(best, rho), mean += rho;
      }
      out.selection_bias.push_back(best - mean / static_cast<double>(fresh.size()));
    }
  }
  return out;
}

namespace detail {
/// v[i], or NaN where `v` is shorter (a result made by hand, or read from an older file).
inline double at_or_nan(const std::vector<double>& v, std::size_t i) { return i < v.size() ? v[i] : std::numeric_limits<double>::quiet_NaN(); }
inline std::string signed3(double v) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:+.3f}", std::abs(v) < 5e-4 ? 0.0 : v);  // no "-0.000"
}
inline std::string plain3(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", v); }
inline std::string diff_cell(const stats::paired_comparison& d) {
  if (std::isnan(d.difference)) return "-";
  if (std::isnan(d.ci.lower)) return signed3(d.difference);
  return fmt::format("{} [{}, {}]", signed3(d.difference), signed3(d.ci.lower), signed3(d.ci.upper));
}
inline double mean_over(const std::vector<layout_effect>& v, double layout_effect::*field) {
  double s = 0;
  for (const auto& e : v) s += e.*field;
  return v.empty() ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(v.size());
}
}  // namespace detail

/// Table 2 and the per-criterion detail, as Markdown.
inline std::string to_markdown(const interference& r) {
  std::string out = fmt::format("Table 2 — instruction interference (test Spearman){}\n\n",
                                r.simulated ? " (SIMULATED: judgegrad's simulator, not a language model)" : "");
  double best = 0;
  for (std::size_t c = 0; c < r.criteria.size(); ++c) best += r.used == protocol::faithful ? detail::at_or_nan(r.recorded_best, c) : r.stitched[c].alone;
  best /= static_cast<double>(std::max<std::size_t>(1, r.criteria.size()));
  double stitched = detail::mean_over(r.stitched, &layout_effect::together), alone = detail::mean_over(r.stitched, &layout_effect::alone);
  double seed_alone = detail::mean_over(r.control, &layout_effect::alone);
  out += "| initial (seed, joint) | single-task best | stitched (joint) | controlled: joint − alone, selected | controlled: joint − alone, seed | paper: single-task best | paper: stitched |\n"
         "|---|---|---|---|---|---|---|\n";
  out += fmt::format("| {} | {} | {} | {} | {} | 0.305 | 0.220 |\n\n", detail::plain3(r.initial), detail::plain3(best), detail::plain3(stitched),
                     detail::signed3(stitched - alone), detail::signed3(r.initial - seed_alone));
  out += "| criterion | selected from | tokens (seed) | alone | together | joint − alone [95% CI] | seed: alone | seed: together | seed: joint − alone [95% CI] |";
  if (r.used == protocol::faithful) out += " recorded best | selection bias |";
  out += "\n|---|---|---|---|---|---|---|---|---|";
  if (r.used == protocol::faithful) out += "---|---|";
  out += "\n";
  for (std::size_t c = 0; c < r.criteria.size(); ++c) {
    const auto &s = r.stitched[c], &k = r.control[c];
    out += fmt::format("| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |", r.criteria[c],
                       r.chosen_step[c] < 0 ? std::string("the seed") : fmt::format("{} step {}", r.chosen_run[c], r.chosen_step[c]),
                       r.tokens[c], r.seed_tokens[c], detail::plain3(s.alone), detail::plain3(s.together), detail::diff_cell(s.joint_minus_alone),
                       detail::plain3(k.alone), detail::plain3(k.together), detail::diff_cell(k.joint_minus_alone));
    if (r.used == protocol::faithful)
      out += fmt::format(" {} | {} |", detail::plain3(detail::at_or_nan(r.recorded_best, c)), detail::signed3(detail::at_or_nan(r.selection_bias, c)));
    out += "\n";
  }
  out += fmt::format("\nSelected on {}; {} candidate steps per criterion at most; {} test items, {} fresh repeats per layout. "
                     "Alone: the per-criterion layout (one call shows one instruction); together: the joint layout; each the Spearman of "
                     "the items' scores averaged over the repeats. Intervals: paired bootstrap over items ({} resamples). Tokens: estimated (4 bytes each). "
                     "Single-task best: {}. Paper: arXiv 2605.26046 (Qwen3), the reference's selection on the test set, for comparison only.\n",
                     r.selected_on, r.candidates, r.test_items, r.repeats, r.resamples,
                     r.used == protocol::faithful ? "the maximum recorded test Spearman per criterion (selected on the test set)"
                                                  : "the selected instructions judged alone, fresh");
  if (r.used == protocol::faithful && !r.selection_bias.empty()) {
    double bias = 0;
    for (double b : r.selection_bias) bias += b;
    out += fmt::format("Selection bias of the reference's protocol: the maximum over {} fresh evaluations of the seed prompt exceeds their mean "
                       "by {:+.3f} on average over criteria — that much of \"single-task best\" is selection, not instruction.\n",
                       r.candidates, bias / static_cast<double>(r.selection_bias.size()));
  }
  return out;
}

/// The same as JSON.
inline std::string to_json(const interference& r) {
  json_writer w;
  auto effect = [&](const layout_effect& e) {
    w.begin_object().key("alone").value(e.alone).key("together").value(e.together).key("joint_minus_alone").begin_object()
        .key("difference").value(e.joint_minus_alone.difference).key("ci95").begin_array().value(e.joint_minus_alone.ci.lower)
        .value(e.joint_minus_alone.ci.upper).end_array().key("p_value").value(e.joint_minus_alone.p_value).end_object().end_object();
  };
  w.begin_object().key("protocol").value(r.used == protocol::faithful ? "faithful" : "standard").key("simulated").value(r.simulated)
      .key("backend").value(r.backend).key("gate").value(r.gate).key("selected_on").value(r.selected_on)
      .key("repeats").value(static_cast<std::uint64_t>(r.repeats)).key("test_items").value(static_cast<std::uint64_t>(r.test_items))
      .key("candidates").value(static_cast<std::uint64_t>(r.candidates)).key("resamples").value(static_cast<std::uint64_t>(r.resamples))
      .key("initial").value(r.initial).key("criteria").begin_array();
  for (std::size_t c = 0; c < r.criteria.size(); ++c) {
    w.begin_object().key("criterion").value(r.criteria[c]).key("run").value(r.chosen_run[c]).key("step").value(r.chosen_step[c])
        .key("selection_score").value(r.selection_score[c]).key("tokens").value(r.tokens[c]).key("seed_tokens").value(r.seed_tokens[c]);
    w.key("stitched");
    effect(r.stitched[c]);
    w.key("control");
    effect(r.control[c]);
    w.key("recorded_best").value(detail::at_or_nan(r.recorded_best, c)).key("selection_bias").value(detail::at_or_nan(r.selection_bias, c));
    w.end_object();
  }
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

/// The interference `to_json` wrote to `file`.
inline interference read_interference(const std::filesystem::path& file) {
  std::string text = files::read_all(file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) bad_file(file, "not valid JSON");
  auto number = [](simdjson::dom::element x) {
    double out;
    return x.get_double().get(out) ? std::numeric_limits<double>::quiet_NaN() : out;
  };
  auto count = [](simdjson::dom::element x) {
    std::uint64_t out;
    return x.get_uint64().get(out) ? std::uint64_t(0) : out;
  };
  interference r;
  r.used = detail::string_at(doc, "protocol", file) == "faithful" ? protocol::faithful : protocol::standard;
  if (doc["simulated"].get_bool().get(r.simulated)) r.simulated = false;
  r.backend = detail::string_at(doc, "backend", file);
  r.gate = detail::string_at(doc, "gate", file);
  r.selected_on = detail::string_at(doc, "selected_on", file);
  r.repeats = count(doc["repeats"]);
  r.test_items = count(doc["test_items"]);
  r.candidates = count(doc["candidates"]);
  r.resamples = count(doc["resamples"]);
  r.initial = number(doc["initial"]);
  simdjson::dom::array criteria;
  if (doc["criteria"].get_array().get(criteria)) bad_file(file, "\"criteria\" is missing");
  auto effect = [&](simdjson::dom::element e) {
    layout_effect out;
    out.alone = number(e["alone"]);
    out.together = number(e["together"]);
    out.joint_minus_alone.difference = number(e["joint_minus_alone"]["difference"]);
    simdjson::dom::array ci;
    if (!e["joint_minus_alone"]["ci95"].get_array().get(ci) && ci.size() == 2)
      out.joint_minus_alone.ci = {number(ci.at(0).value()), number(ci.at(1).value())};
    out.joint_minus_alone.p_value = number(e["joint_minus_alone"]["p_value"]);
    return out;
  };
  for (auto c : criteria) {
    r.criteria.push_back(detail::string_at(c, "criterion", file));
    r.chosen_run.push_back(detail::string_at(c, "run", file));
    std::int64_t step;
    if (c["step"].get_int64().get(step)) step = -1;
    r.chosen_step.push_back(step);
    r.selection_score.push_back(number(c["selection_score"]));
    r.tokens.push_back(count(c["tokens"]));
    r.seed_tokens.push_back(count(c["seed_tokens"]));
    r.stitched.push_back(effect(c["stitched"]));
    r.control.push_back(effect(c["control"]));
    r.recorded_best.push_back(number(c["recorded_best"]));
    double bias = number(c["selection_bias"]);
    if (!std::isnan(bias)) r.selection_bias.push_back(bias);
  }
  return r;
}

}  // namespace experiment::diagnostics
JUDGEGRAD_END_NAMESPACE
