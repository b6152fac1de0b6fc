/// @file
/// Observations of a run directory, made with any backend: Table 1's trajectories and summary
/// values per configuration, the instructions' lengths, and the diagnostics and interference
/// results when `judgegrad diagnose` and `judgegrad interference` wrote them. Each value's
/// standard error follows one declared rule (docs/calibration.md, "Observations of a run directory").
#pragma once

#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/config.hpp>
#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/diagnostics/interference.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/report/table1.hpp>
#include <judgegrad/stats/bootstrap.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace calibration {

/// The item-level standard error of a Spearman correlation `rho` on `items` items:
/// (1 - rho^2) / sqrt(items - 3), the delta method over Fisher's z (NaN below 4 items).
inline double spearman_standard_error(double rho, std::size_t items) {
  if (items < 4 || std::isnan(rho)) return std::numeric_limits<double>::quiet_NaN();
  return (1 - rho * rho) / std::sqrt(static_cast<double>(items) - 3);
}

/// Rule O1: the standard error of a value averaged over `n` seeds whose spread is `sd`, and whose
/// evaluations on the test items have item-level error `item_se`: the larger of sd / sqrt(n) and
/// item_se (an evaluation the response cache repeated shows no spread, yet is not exact).
inline double seeds_or_items(double sd, std::size_t n, double item_se) {
  const double seeds = n >= 2 && !std::isnan(sd) ? sd / std::sqrt(static_cast<double>(n)) : std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(seeds)) return item_se;
  if (std::isnan(item_se)) return seeds;
  return std::max(seeds, item_se);
}

/// The best step's declared standard error (rule R2 of data/observations/README.md).
inline constexpr double best_step_standard_error = 3;

namespace detail {

inline constexpr std::string_view rule_o1 = "rule O1: the larger of the spread over seeds (SD / sqrt(n)) and the item-level error of Spearman";
inline constexpr std::string_view rule_o2 = "rule O2: the HVI's sensitivity to each criterion's final mean times that mean's rule-O1 error, over the criteria";
inline constexpr std::string_view rule_o3 = "rule O3: the bootstrap interval the command reported";
inline constexpr std::string_view rule_o4 = "rule O4: the item-level error of Spearman on the test items (one evaluation per layout, averaged over repeats)";
inline constexpr std::string_view rule_o5 = "rule O5: the spread over runs (SD / sqrt(n)); one run: a quarter of the value, at least one token";

inline double root_sum_squares_over(std::span<const double> x) {
  double ss = 0;
  for (double v : x) ss += v * v;
  return std::sqrt(ss) / static_cast<double>(x.size());
}

}  // namespace detail

/// The observations run directory `dir` holds, each citing the directory as its source; `prefix`
/// starts every id (to keep the ids of several directories apart).
inline observation_set observations_of(const std::filesystem::path& dir, std::string prefix = {}) {
  const auto manifest = experiment::read_manifest(dir);
  const auto table = report::compute_table1(dir, {.resamples = 0});
  observation_set out;
  out.name = manifest.experiment.name;
  out.dataset = manifest.experiment.dataset;
  out.simulated = manifest.simulated;
  out.model = manifest.backend;
  for (const auto& [role, model] : manifest.models) out.model += fmt::format("; {}: {}", role, model.empty() ? "-" : model);
  out.description = fmt::format("observed in the run directory {} ({} test items)", dir.string(), manifest.test);
  const std::string source = fmt::format("run directory {}", dir.string());
  const std::size_t items = manifest.test;
  auto add = [&](std::string id, quantity q, std::string mode, std::string gate, std::string criterion, std::optional<std::int64_t> step, double value,
                 uncertainty u) {
    if (std::isnan(value)) return;
    observation o;
    o.id = prefix + id;
    o.what = q;
    o.mode = std::move(mode), o.gate = std::move(gate), o.criterion = std::move(criterion), o.step = step;
    o.value = value;
    o.uncertainty = std::move(u);
    o.source = source;
    out.observations.push_back(std::move(o));
  };
  auto se = [](double v, std::size_t n, std::string_view basis) {
    uncertainty u;
    if (!std::isnan(v)) u.standard_error = v;
    u.n = n, u.basis = std::string(basis);
    return u;
  };

  for (const auto& row : table.rows) {
    const std::string config = experiment::configuration_label(row.mode, row.merge, row.layout, row.length);
    const std::string key = fmt::format("{}/{}", config, row.gate);
    const std::size_t n = row.seeds, k = row.criteria.size();
    // Per step: each criterion's mean over seeds, and the mean over criteria.
    std::vector<double> mean_se(row.curve.size());
    for (std::size_t s = 0; s < row.curve.size(); ++s) {
      std::vector<double> item_errors;
      for (std::size_t c = 0; c < k; ++c) {
        const double value = row.criterion_mean[c][s];
        const double item_se = spearman_standard_error(value, items);
        item_errors.push_back(item_se);
        add(fmt::format("{}/step{}/{}", key, s, row.criteria[c]), quantity::test_spearman, config, row.gate, row.criteria[c], std::int64_t(s), value,
            se(seeds_or_items(row.criterion_sd[c][s], n, item_se), n, detail::rule_o1));
      }
      std::vector<double> seeds;
      for (const auto& curve : row.seed_curve) seeds.push_back(curve[s]);
      mean_se[s] = seeds_or_items(stats::sample_sd(seeds), n, detail::root_sum_squares_over(item_errors));
      add(fmt::format("{}/step{}", key, s), quantity::test_spearman, config, row.gate, "", std::int64_t(s), row.curve[s], se(mean_se[s], n, detail::rule_o1));
    }
    const auto best = static_cast<std::size_t>(row.best_step), last = static_cast<std::size_t>(row.last_step);
    add(key + "/best", quantity::best_test_spearman, config, row.gate, "", std::nullopt, row.best.mean, se(mean_se[best], n, detail::rule_o1));
    add(key + "/best_step", quantity::best_step, config, row.gate, "", std::nullopt, static_cast<double>(row.best_step),
        se(best_step_standard_error, n, "rule R2 (data/observations/README.md): declared 3 steps"));
    add(key + "/final", quantity::final_test_spearman, config, row.gate, "", std::int64_t(row.last_step), row.final.mean, se(mean_se[last], n, detail::rule_o1));
    if (row.hvi) {
      double variance = 0;
      for (std::size_t c = 0; c < k; ++c) {
        const double x = row.criterion_mean[c][last];
        const double e = seeds_or_items(row.criterion_sd[c][last], n, spearman_standard_error(x, items));
        variance += std::pow(*row.hvi / (1 + x) * e, 2);
      }
      add(key + "/hvi", quantity::hvi, config, row.gate, "", std::int64_t(row.last_step), *row.hvi, se(std::sqrt(variance), n, detail::rule_o2));
    }
  }

  // The instructions' lengths at the last step, per configuration and criterion, over finished runs.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<double>> lengths;
  for (const auto& run : experiment::read_runs(dir).runs) {
    if (!run.finished || run.steps.empty()) continue;
    for (const auto& [criterion, text] : run.steps.back().instructions)
      if (run.criterion.empty() || criterion == run.criterion)
        lengths[{run.configuration(), run.gate, criterion}].push_back(static_cast<double>(llm::estimate_tokens(text)));
  }
  for (const auto& [k, values] : lengths) {
    const auto& [config, gate, criterion] = k;
    double mean = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    const double sd = stats::sample_sd(values);
    const double error = values.size() >= 2 ? sd / std::sqrt(static_cast<double>(values.size())) : std::max(1.0, mean / 4);
    add(fmt::format("{}/{}/length/{}", config, gate, criterion), quantity::instruction_tokens, config, gate, criterion, std::nullopt, mean,
        se(std::max(error, 1.0), values.size(), detail::rule_o5));
  }

  // What `judgegrad diagnose` and `judgegrad interference` found, when they ran here.
  std::error_code ec;
  const auto results = dir / "results";
  if (std::filesystem::exists(results / "diagnostics.json", ec)) {
    const auto d = experiment::diagnostics::read_diagnostics(results / "diagnostics.json");
    auto rated = [&](const experiment::diagnostics::diagnostics_row& r) {
      auto interval = [&](const experiment::diagnostics::mean_ci& m) {
        uncertainty u;
        u.n = m.n;
        u.basis = std::string(detail::rule_o3);
        if (!std::isnan(m.ci.lower) && !std::isnan(m.ci.upper)) u.lower = m.ci.lower, u.upper = m.ci.upper;
        return u;
      };
      const std::string at = r.criterion.empty() ? "" : "/" + r.criterion;
      add(fmt::format("specificity/{}/{}{}", r.mode, r.gate, at), quantity::specificity, r.mode, r.gate, r.criterion, std::nullopt, r.specificity.mean,
          interval(r.specificity));
      add(fmt::format("adherence/{}/{}{}", r.mode, r.gate, at), quantity::adherence, r.mode, r.gate, r.criterion, std::nullopt, r.adherence.mean,
          interval(r.adherence));
    };
    for (const auto& r : d.by_mode) rated(r);
    for (const auto& r : d.by_mode_criterion) rated(r);
  }
  if (std::filesystem::exists(results / "interference.json", ec)) {
    const auto x = experiment::diagnostics::read_interference(results / "interference.json");
    const std::size_t k = x.criteria.size(), tested = x.test_items ? x.test_items : items;
    auto mean_of = [&](auto value) {
      std::vector<double> errors;
      double mean = 0;
      for (std::size_t c = 0; c < k; ++c) {
        mean += value(c) / static_cast<double>(k);
        errors.push_back(spearman_standard_error(value(c), tested));
      }
      return std::pair{mean, detail::root_sum_squares_over(errors)};
    };
    auto layout = [&](std::string id, quantity q, auto value) {
      auto [mean, error] = mean_of(value);
      add("table2/" + id, q, "", x.gate, "", std::nullopt, mean, se(error, tested, detail::rule_o4));
      for (std::size_t c = 0; c < k; ++c)
        add(fmt::format("table2/{}/{}", id, x.criteria[c]), q, "", x.gate, x.criteria[c], std::nullopt, value(c),
            se(spearman_standard_error(value(c), tested), tested, detail::rule_o4));
    };
    layout("seed", quantity::interference_seed, [&](std::size_t c) { return x.control[c].together; });
    layout("alone", quantity::interference_alone, [&](std::size_t c) { return x.stitched[c].alone; });
    layout("together", quantity::interference_together, [&](std::size_t c) { return x.stitched[c].together; });
  }
  return out;
}

}  // namespace calibration
JUDGEGRAD_END_NAMESPACE
