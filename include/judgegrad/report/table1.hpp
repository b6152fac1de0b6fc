/// @file
/// The paper's Table 1 from a run directory, without a model call: per mode and gate, the mean
/// test Spearman (over criteria, then over seeds) of the seed prompt (step 0), of the best step and
/// of the last step, each with a 95% percentile bootstrap interval over test items (the same
/// resampled items for every seed and criterion) and the range over seeds; and the hypervolume of
/// the cumulative archive of per-step points (one Spearman per criterion, mean over seeds) against
/// the reference point -1 (the paper's HVI; not for the single-task baseline). The paper's own
/// numbers (SummEval, Qwen3, MAE gate) stand beside, labelled as such.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/hypervolume.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace report {

/// A mean with its uncertainty: the bootstrap interval over items and the range over seeds.
struct cell {
  double mean = std::numeric_limits<double>::quiet_NaN();
  stats::interval ci;
  double min = std::numeric_limits<double>::quiet_NaN(), max = std::numeric_limits<double>::quiet_NaN();
};

/// The paper's published row (reference notes, Appendix C: SummEval, Qwen3, MAE gate, 3 runs).
struct paper_row {
  double initial, best;
  int best_step;
  std::optional<double> hvi;
};

inline std::optional<paper_row> paper_value(std::string_view mode, std::string_view gate) {
  if (gate != "mae") return std::nullopt;
  if (mode == "single-task") return paper_row{0.274, 0.305, 2, std::nullopt};
  if (mode == "SSS") return paper_row{0.284, 0.284, 0, 2.749};
  if (mode == "SSC") return paper_row{0.289, 0.289, 0, 2.832};
  if (mode == "SCC") return paper_row{0.282, 0.282, 0, 2.801};
  if (mode == "CCC") return paper_row{0.285, 0.296, 9, 2.900};
  return std::nullopt;
}

/// One row: a configuration (mode, gate, merge, layout) over its seeds.
struct table_row {
  std::string mode, gate, merge, layout, length = "unbounded";
  std::size_t seeds = 0;      ///< seeds with every run finished
  std::int64_t last_step = 0;
  cell initial, best, final;
  std::int64_t best_step = 0;
  std::optional<double> hvi;  ///< at the last step
  bool mixed_backends = false;  ///< some of its runs went on through another backend (resume --allow-change)
  std::vector<double> curve;  ///< mean test Spearman per step
  std::vector<std::vector<double>> seed_curve;  ///< per seed (in seed order), per step: the mean test Spearman over criteria
  std::vector<double> hvi_curve;  ///< the HVI after each step (not for single-task)
  /// Per criterion (in `criteria` order), per step: the test Spearman's mean, min and max over seeds.
  std::vector<std::string> criteria;
  std::vector<std::vector<double>> criterion_mean, criterion_min, criterion_max;
  std::vector<std::vector<double>> criterion_sd;  ///< the same's sample standard deviation over seeds (NaN with one seed)
  std::optional<paper_row> paper;
};

struct table1 {
  std::string name;            ///< the experiment's, as its definition names it
  std::string dataset;
  bool simulated = false;
  std::string backend;         ///< what answered, as experiment.json says
  std::size_t resamples = 0;
  std::vector<table_row> rows;
  std::vector<std::string> incomplete;  ///< runs left out: not finished
  std::vector<std::string> aborted;     ///< runs left out: ended by the judge's failure policy (faithful mode)
  std::vector<std::string> damaged;     ///< runs left out: damaged files ("<run>: <what>"; experiment::check_run), mended by resume
  std::vector<std::string> backend_changes;  ///< each resume through another backend: "when: what changed (runs)"
  std::set<std::string> mixed_runs;          ///< the runs those changes touched
};

/// The bootstrap of Table 1's intervals: resamples, and the seed every report of a directory uses,
/// so that the same runs give the same intervals.
struct table_options {
  std::size_t resamples = 1000;
  std::uint64_t seed = 20260;
};

namespace detail {

struct item_pairs {
  std::vector<std::uint32_t> items;  ///< test item indices with both scores
  std::vector<double> gold, pred;
};

/// One run's data: its summary, and per step its test Spearman per criterion and its test items'
/// complete pairs.
struct run_data : experiment::run_summary {
  /// Per step: the test Spearman per criterion (NaN when the step has no test evaluation).
  std::vector<std::vector<double>> spearman;
  /// Per step, per criterion: the test items' complete pairs (none for a step without test items).
  std::map<std::int64_t, std::vector<item_pairs>> pairs;
};

/// `run` with its test items, the items numbered in `item_index` (shared by every run, so that a
/// bootstrap resamples the same items everywhere).
inline run_data read_run(experiment::run_summary run, std::map<std::string, std::uint32_t>& item_index) {
  simdjson::dom::parser parser;
  const auto tested = experiment::read_test_items(run, parser);
  run_data r;
  static_cast<experiment::run_summary&>(r) = std::move(run);
  for (const auto& s : r.steps) {
    std::vector<double> row(r.criteria.size(), std::numeric_limits<double>::quiet_NaN());
    if (s.test)
      for (std::size_t c = 0; c < r.criteria.size(); ++c) row[c] = s.test->metrics[c].spearman;
    r.spearman.push_back(std::move(row));
  }
  for (std::size_t s = 0; s < tested.size(); ++s) {
    const auto& t = tested[s];
    if (t.empty()) continue;
    auto& per = r.pairs[static_cast<std::int64_t>(s)];
    per.resize(r.criteria.size());
    for (std::size_t i = 0; i < t.examples.size(); ++i) {
      const auto index = item_index.emplace(t.examples[i], static_cast<std::uint32_t>(item_index.size())).first->second;
      for (std::size_t c = 0; c < r.criteria.size(); ++c) {
        if (std::isnan(t.gold[c][i]) || std::isnan(t.scores[c][i])) continue;
        per[c].items.push_back(index);
        per[c].gold.push_back(t.gold[c][i]);
        per[c].pred.push_back(t.scores[c][i]);
      }
    }
  }
  return r;
}

/// The mean over seeds of the mean over criteria of the test Spearman at `step`, with its
/// bootstrap over items: every (seed, criterion) pair list of `members` is resampled with the same
/// item counts. Undefined Spearman counts 0.
struct config_step {
  std::vector<const item_pairs*> members;  ///< per (seed, criterion)
  std::vector<std::size_t> seed_of;        ///< the seed index of each member
  std::size_t seeds = 0;
};

inline stats::bootstrap_result bootstrap_mean(const config_step& cs, std::size_t items, const table_options& o) {
  std::vector<stats::counts_statistic_t<metric::spearman>> kernels;
  kernels.reserve(cs.members.size());
  for (const auto* m : cs.members) kernels.emplace_back(m->gold, m->pred);
  std::vector<std::vector<std::uint32_t>> sub(cs.members.size());
  for (std::size_t k = 0; k < cs.members.size(); ++k) sub[k].resize(cs.members[k]->items.size());
  std::vector<double> per_seed_sum(cs.seeds), per_seed_n(cs.seeds);
  auto stat = [&](std::span<const std::uint32_t> counts) {
    std::fill(per_seed_sum.begin(), per_seed_sum.end(), 0.0);
    std::fill(per_seed_n.begin(), per_seed_n.end(), 0.0);
    for (std::size_t k = 0; k < cs.members.size(); ++k) {
      const auto& idx = cs.members[k]->items;
      for (std::size_t i = 0; i < idx.size(); ++i) sub[k][i] = counts[idx[i]];
      double rho = kernels[k](std::span<const std::uint32_t>(sub[k]));
      per_seed_sum[cs.seed_of[k]] += std::isnan(rho) ? 0.0 : rho;
      per_seed_n[cs.seed_of[k]] += 1;
    }
    double total = 0;
    for (std::size_t s = 0; s < cs.seeds; ++s) total += per_seed_sum[s] / per_seed_n[s];
    return total / static_cast<double>(cs.seeds);
  };
  stats::bootstrap_options bo{o.resamples, 0.95, o.seed};
  return stats::bootstrap_counts(stat, items, items, bo);
}

}  // namespace detail

/// Table 1 of the run directory `dir`. Runs that have not finished are left out and listed.
inline table1 compute_table1(const std::filesystem::path& dir, const table_options& options = {}) {
  table1 t;
  t.resamples = options.resamples;
  const auto manifest = experiment::read_manifest(dir);
  t.name = manifest.experiment.name;
  t.dataset = manifest.experiment.dataset;
  t.simulated = manifest.simulated;
  t.backend = manifest.backend;
  for (const auto& c : manifest.changes) {
    t.backend_changes.push_back(fmt::format("{}: {} (runs {})", c.at, fmt::join(c.differences, "; "), fmt::join(c.runs, ", ")));
    t.mixed_runs.insert(c.runs.begin(), c.runs.end());
  }
  const std::vector<std::string>& criteria_order = manifest.criteria;  // the experiment's criteria, in the set's order
  std::map<std::string, std::uint32_t> item_index;
  std::vector<detail::run_data> runs;
  auto listing = experiment::read_runs(dir, true);
  for (auto& summary : listing.runs) {
    const std::string id = summary.id;
    try {
      runs.push_back(detail::read_run(std::move(summary), item_index));
    } catch (const experiment::storage_error& e) {
      t.damaged.push_back(fmt::format("{} ({})", id, e.what()));
    }
  }
  for (const auto& check : listing.damaged) t.damaged.push_back(fmt::format("{} ({})", check.run, fmt::join(check.problems, "; ")));
  std::sort(t.damaged.begin(), t.damaged.end());

  // Configurations in a stable order: the modes as the paper lists them, then gates.
  auto order = [](const std::string& mode) {
    static constexpr std::string_view modes[] = {"single-task", "SSS", "SSC", "SCC", "CCC", "CSS", "CSC", "CCS", "SCS", "opro", "opro(mae)"};
    return std::size_t(std::find(std::begin(modes), std::end(modes), mode) - std::begin(modes));
  };
  using key = std::tuple<std::size_t, std::string, std::string, std::string, std::string, std::string>;
  std::map<key, std::vector<const detail::run_data*>> configs;
  for (const auto& r : runs) {
    if (!r.aborted.empty()) {
      t.aborted.push_back(r.id);
      continue;
    }
    if (!r.finished) {
      t.incomplete.push_back(r.id);
      continue;
    }
    configs[{order(r.mode), r.mode, r.gate, r.merge, r.layout, r.length}].push_back(&r);
  }
  for (const auto& [k, members] : configs) {
    table_row row;
    row.mode = std::get<1>(k);
    row.gate = std::get<2>(k);
    row.merge = std::get<3>(k);
    row.layout = std::get<4>(k);
    row.length = std::get<5>(k);
    for (const auto* r : members) row.mixed_backends = row.mixed_backends || t.mixed_runs.count(r->id) > 0;
    // The paper's values stand beside its own configurations only: not beside a remedy.
    if (experiment::configuration_label(row.mode, row.merge, row.layout, row.length) == row.mode) row.paper = paper_value(row.mode, row.gate);
    // Seeds, each with the runs that make it up (one, or one per criterion for single-task).
    std::map<std::uint32_t, std::vector<const detail::run_data*>> by_seed;
    for (const auto* r : members) by_seed[r->seed].push_back(r);
    row.seeds = by_seed.size();
    std::size_t steps = std::numeric_limits<std::size_t>::max();
    for (const auto* r : members) steps = std::min(steps, r->spearman.size());
    if (steps == 0 || steps == std::numeric_limits<std::size_t>::max()) continue;
    row.last_step = static_cast<std::int64_t>(steps) - 1;
    // Per seed and step: the mean over criteria; per step and criterion: the mean over seeds.
    std::vector<std::vector<double>> seed_curve;  // [seed][step]
    for (const auto& [seed, rs] : by_seed) {
      std::vector<double> curve(steps, 0.0);
      std::size_t count = 0;
      for (const auto* r : rs)
        for (std::size_t c = 0; c < r->criteria.size(); ++c) {
          if (!r->criterion.empty() && r->criteria[c] != r->criterion) continue;
          ++count;
          for (std::size_t s = 0; s < steps; ++s) curve[s] += std::isnan(r->spearman[s][c]) ? 0.0 : r->spearman[s][c];
        }
      for (double& v : curve) v /= static_cast<double>(std::max<std::size_t>(1, count));
      seed_curve.push_back(std::move(curve));
    }
    row.curve.assign(steps, 0.0);
    for (const auto& c : seed_curve)
      for (std::size_t s = 0; s < steps; ++s) row.curve[s] += c[s] / static_cast<double>(seed_curve.size());
    row.best_step = static_cast<std::int64_t>(std::max_element(row.curve.begin(), row.curve.end()) - row.curve.begin());
    // Per criterion and step over seeds (single-task: each criterion from its own run).
    std::vector<std::vector<std::vector<double>>> by_criterion;  // [criterion][step]: one value per seed
    for (const auto* r : members)
      for (std::size_t c = 0; c < r->criteria.size(); ++c) {
        if (!r->criterion.empty() && r->criteria[c] != r->criterion) continue;
        auto at = std::find(row.criteria.begin(), row.criteria.end(), r->criteria[c]) - row.criteria.begin();
        if (at == static_cast<std::ptrdiff_t>(row.criteria.size())) {
          row.criteria.push_back(r->criteria[c]);
          row.criterion_mean.emplace_back(steps, 0.0);
          row.criterion_min.emplace_back(steps, std::numeric_limits<double>::infinity());
          row.criterion_max.emplace_back(steps, -std::numeric_limits<double>::infinity());
          by_criterion.emplace_back(steps);
        }
        auto k = static_cast<std::size_t>(at);
        for (std::size_t s = 0; s < steps; ++s) {
          double v = std::isnan(r->spearman[s][c]) ? 0.0 : r->spearman[s][c];
          row.criterion_mean[k][s] += v / static_cast<double>(by_seed.size());
          row.criterion_min[k][s] = std::min(row.criterion_min[k][s], v);
          row.criterion_max[k][s] = std::max(row.criterion_max[k][s], v);
          by_criterion[k][s].push_back(v);
        }
      }
    for (const auto& steps_of : by_criterion) {
      row.criterion_sd.emplace_back();
      for (const auto& values : steps_of) row.criterion_sd.back().push_back(stats::sample_sd(values));
    }
    // The set's order (a single-task row gathers its criteria run by run).
    auto rank = [&](const std::string& c) { return std::find(criteria_order.begin(), criteria_order.end(), c) - criteria_order.begin(); };
    std::vector<std::size_t> perm(row.criteria.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    std::stable_sort(perm.begin(), perm.end(), [&](std::size_t a, std::size_t b) { return rank(row.criteria[a]) < rank(row.criteria[b]); });
    auto permute = [&](auto& v) {
      std::remove_reference_t<decltype(v)> out;
      for (auto i : perm) out.push_back(std::move(v[i]));
      v = std::move(out);
    };
    permute(row.criteria), permute(row.criterion_mean), permute(row.criterion_min), permute(row.criterion_max), permute(row.criterion_sd);
    auto cell_at = [&](std::int64_t step) {
      cell out;
      out.mean = row.curve[static_cast<std::size_t>(step)];
      out.min = std::numeric_limits<double>::infinity();
      out.max = -std::numeric_limits<double>::infinity();
      for (const auto& c : seed_curve) {
        out.min = std::min(out.min, c[static_cast<std::size_t>(step)]);
        out.max = std::max(out.max, c[static_cast<std::size_t>(step)]);
      }
      detail::config_step cs;
      cs.seeds = by_seed.size();
      std::size_t si = 0;
      bool complete = true;
      for (const auto& [seed, rs] : by_seed) {
        for (const auto* r : rs) {
          auto it = r->pairs.find(step);
          if (it == r->pairs.end()) {
            complete = false;
            continue;
          }
          for (std::size_t c = 0; c < r->criteria.size(); ++c) {
            if (!r->criterion.empty() && r->criteria[c] != r->criterion) continue;
            cs.members.push_back(&it->second[c]);
            cs.seed_of.push_back(si);
          }
        }
        ++si;
      }
      if (complete && !cs.members.empty() && options.resamples > 0) out.ci = detail::bootstrap_mean(cs, item_index.size(), options).percentile;
      return out;
    };
    row.seed_curve = seed_curve;
    row.initial = cell_at(0);
    row.best = cell_at(row.best_step);
    row.final = cell_at(row.last_step);
    if (row.mode != "single-task") {
      const auto* first = members.front();
      std::vector<std::vector<double>> points(steps, std::vector<double>(first->criteria.size(), 0.0));
      for (std::size_t s = 0; s < steps; ++s)
        for (std::size_t c = 0; c < first->criteria.size(); ++c) {
          double sum = 0;
          for (const auto* r : members) sum += std::isnan(r->spearman[s][c]) ? 0.0 : r->spearman[s][c];
          points[s][c] = sum / static_cast<double>(members.size());
        }
      std::vector<double> reference(first->criteria.size(), -1.0);
      row.hvi_curve = stats::hypervolume_trajectory(points, reference);
      row.hvi = row.hvi_curve.back();
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace detail {
inline std::string num(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", v); }
inline std::string with_ci(const cell& c) {
  if (std::isnan(c.ci.lower)) return num(c.mean);
  return fmt::format("{} [{}, {}]", num(c.mean), num(c.ci.lower), num(c.ci.upper));
}
inline std::string range(const cell& c) { return fmt::format("{}–{}", num(c.min), num(c.max)); }
inline std::string config_name(const table_row& r, bool merges, bool layouts) {
  std::string s = r.mode;
  if (merges) s += "/" + r.merge;
  if (layouts) s += "/" + r.layout;
  if (r.length != "unbounded") s += "/" + r.length;
  return s;
}
}  // namespace detail

/// Table 1 as Markdown (also what the terminal shows): one row per configuration, the paper's
/// values in their own columns.
inline std::string to_markdown(const table1& t) {
  std::set<std::string> merges, layouts;
  for (const auto& r : t.rows) merges.insert(r.merge), layouts.insert(r.layout);
  std::string out = fmt::format("Table 1 — {}: mean test Spearman over criteria and seeds{}\n\n", t.dataset,
                                t.simulated ? " (SIMULATED: judgegrad's simulator, not a language model)" : "");
  const std::string_view ci = t.resamples ? " [95% CI]" : "";  // no intervals without resamples
  out += fmt::format(
      "| mode | gate | seeds | initial{} | range | best{} (step) | range | final{} | delta | HVI (ref -1) | paper initial | paper best (step) | paper HVI |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
      ci, ci, ci);
  for (const auto& r : t.rows) {
    std::string paper_initial = "", paper_best = "", paper_hvi = "";
    if (r.paper) {
      paper_initial = detail::num(r.paper->initial);
      paper_best = fmt::format("{} ({})", detail::num(r.paper->best), r.paper->best_step);
      paper_hvi = r.paper->hvi ? detail::num(*r.paper->hvi) : "-";
    }
    out += fmt::format("| {}{} | {} | {} | {} | {} | {} ({}) | {} | {} | {:+.3f} | {} | {} | {} | {} |\n",
                       detail::config_name(r, merges.size() > 1, layouts.size() > 1), r.mixed_backends ? " ‡" : "",
                       r.gate, r.seeds, detail::with_ci(r.initial), detail::range(r.initial), detail::with_ci(r.best), r.best_step,
                       detail::range(r.best), detail::with_ci(r.final), r.best.mean - r.initial.mean, r.hvi ? detail::num(*r.hvi) : "-",
                       paper_initial, paper_best, paper_hvi);
  }
  out += fmt::format("\n{} Range: min–max over seeds. Delta: best − initial. Undefined Spearman counts 0. HVI: hypervolume of the cumulative "
                     "archive of per-step points (per-criterion Spearman, mean over seeds), reference −1.\n",
                     t.resamples ? fmt::format("Intervals: 95% percentile bootstrap over test items ({} resamples; the same items for every seed "
                                               "and criterion).",
                                               t.resamples)
                                 : std::string("No intervals (--resamples 0): the bracketed bounds are not computed."));
  out += "Paper columns: the published Table 1 (SummEval, Qwen3 backbone, 3 runs, MAE gate; arXiv 2605.26046, Appendix C), for "
         "comparison only.\n";
  if (!t.backend_changes.empty())
    out += fmt::format("\n‡ Mixed backends: runs of this configuration went on through another backend after a resume with --allow-change; "
                       "their steps are not all answered by the same model. {}\n",
                       fmt::join(t.backend_changes, " | "));
  if (!t.incomplete.empty()) out += fmt::format("\nNot finished, left out: {}\n", fmt::join(t.incomplete, ", "));
  if (!t.damaged.empty())
    out += fmt::format("\nDamaged, left out ({} runs; `judgegrad resume` mends them, `judgegrad check` tells more): {}\n", t.damaged.size(),
                       fmt::join(t.damaged, "; "));
  if (!t.aborted.empty())
    out += fmt::format("\nAborted by the judge's failure policy (the reference's 5% rule), left out ({} runs): {}\n", t.aborted.size(),
                       fmt::join(t.aborted, ", "));
  return out;
}

/// Table 1 as JSON: every number, the curves included.
inline std::string to_json(const table1& t) {
  json_writer w;
  auto write_cell = [&](std::string_view key, const cell& c) {
    w.key(key).begin_object().key("mean").value(c.mean).key("ci95").begin_array().value(c.ci.lower).value(c.ci.upper).end_array()
        .key("min").value(c.min).key("max").value(c.max).end_object();
  };
  w.begin_object().key("dataset").value(t.dataset).key("simulated").value(t.simulated).key("backend").value(t.backend)
      .key("resamples").value(std::uint64_t(t.resamples)).key("backend_changes").begin_array();
  for (const auto& c : t.backend_changes) w.value(c);
  w.end_array().key("damaged").begin_array();
  for (const auto& d : t.damaged) w.value(d);
  w.end_array().key("rows").begin_array();
  for (const auto& r : t.rows) {
    w.begin_object().key("mode").value(r.mode).key("mixed_backends").value(r.mixed_backends).key("gate").value(r.gate).key("merge").value(r.merge).key("layout").value(r.layout).key("length").value(r.length)
        .key("seeds").value(std::uint64_t(r.seeds)).key("last_step").value(r.last_step);
    write_cell("initial", r.initial);
    write_cell("best", r.best);
    w.key("best_step").value(r.best_step);
    write_cell("final", r.final);
    w.key("hvi");
    if (r.hvi) w.value(*r.hvi);
    else w.null();
    w.key("curve").begin_array();
    for (double v : r.curve) w.value(v);
    w.end_array().key("hvi_curve").begin_array();
    for (double v : r.hvi_curve) w.value(v);
    w.end_array().key("criteria").begin_object();
    for (std::size_t c = 0; c < r.criteria.size(); ++c) {
      w.key(r.criteria[c]).begin_object();
      for (auto [name, list] : {std::pair{"mean", &r.criterion_mean[c]}, {"min", &r.criterion_min[c]}, {"max", &r.criterion_max[c]}}) {
        w.key(name).begin_array();
        for (double v : *list) w.value(v);
        w.end_array();
      }
      w.end_object();
    }
    w.end_object().key("paper");
    if (r.paper) {
      w.begin_object().key("initial").value(r.paper->initial).key("best").value(r.paper->best).key("best_step").value(std::int64_t(r.paper->best_step))
          .key("hvi");
      if (r.paper->hvi) w.value(*r.paper->hvi);
      else w.null();
      w.end_object();
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array().key("incomplete").begin_array();
  for (const auto& id : t.incomplete) w.value(id);
  w.end_array().key("aborted").begin_array();
  for (const auto& id : t.aborted) w.value(id);
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

/// Computes Table 1 of run directory `dir` and writes it there as results/table1.md and
/// results/table1.json (each replaced atomically); returns it.
inline table1 write_table1(const std::filesystem::path& dir, const table_options& options = {}) {
  auto t = compute_table1(dir, options);
  std::error_code ec;
  std::filesystem::create_directories(dir / "results", ec);
  experiment::files::write_atomic(dir / "results" / "table1.md", to_markdown(t));
  experiment::files::write_atomic(dir / "results" / "table1.json", to_json(t));
  return t;
}

}  // namespace report
JUDGEGRAD_END_NAMESPACE
