/// @file
/// Judging a prompt on a split inside a run, and what the run keeps of it: the predictions, point
/// metrics per criterion, and an evaluation_record with every item's scores by stable id. A run
/// never judges an unchanged prompt twice on the same items unless told to (the reference's
/// re-evaluation, quirks.reevaluate_unchanged, or a gate that deliberately rescores).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/run.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/record.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

namespace optim_detail {

/// The point metrics of `preds` on `items`, per criterion, for the records.
template <criteria_set Set>
std::vector<criterion_metrics> metrics_of(std::span<const example<Set>> items, const judge::predictions<Set>& preds) {
  auto report = judge::report(items, preds, {.resamples = 0, .confidence = 0.95, .seed = 0});
  std::vector<criterion_metrics> out;
  for (std::size_t c = 0; c < Set::size; ++c) {
    const auto& r = report[c];
    criterion_metrics m;
    m.criterion = std::string(Set::names[c]);
    m.items = r.items;
    m.scored = r.scored;
    auto get = [&](std::string_view name) {
      const auto* v = r.find(name);
      return v ? v->value : std::numeric_limits<double>::quiet_NaN();
    };
    m.spearman = get("spearman");
    m.kendall = get("kendall");
    m.mae = get("mae");
    m.off_by_one = get("off_by_one");
    m.accuracy = get("accuracy");
    out.push_back(m);
  }
  return out;
}

/// The evaluation record of `preds`; `ids` name the items (stable or positional).
template <criteria_set Set>
evaluation_record record_evaluation(std::string split, std::string role, std::span<const example<Set>> items,
                                    const judge::predictions<Set>& preds, std::span<const std::string> ids, bool reused,
                                    std::uint32_t repeat) {
  evaluation_record e;
  e.split = std::move(split);
  e.role = std::move(role);
  e.prompt = preds.prompt;
  e.reused = reused;
  e.repeat = repeat;
  e.calls = reused ? 0 : preds.calls;
  e.failed_items = preds.failed_items;
  e.metrics = metrics_of(items, preds);
  for (std::size_t i = 0; i < preds.items.size(); ++i) {
    item_scores s;
    s.id = ids.empty() ? preds.items[i].id : ids[i];
    s.example = preds.items[i].id;
    for (std::size_t c = 0; c < Set::size; ++c) {
      s.scores.push_back(preds.items[i].scores[c].score().value_or(std::numeric_limits<double>::quiet_NaN()));
      s.status.emplace_back(judge::to_string(preds.items[i].scores[c].status));
    }
    e.items.push_back(std::move(s));
  }
  return e;
}

/// The mean over criteria of metric M (direction-normalised) on `preds`; undefined criteria count
/// as the metric's worst value. OPRO's training score.
template <metric_type M, criteria_set Set>
double mean_score(std::span<const example<Set>> items, const judge::predictions<Set>& preds) {
  static constexpr const auto& scales = Set::scales;
  double sum = 0;
  for (std::size_t c = 0; c < Set::size; ++c) {
    std::vector<double> gold, pred;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (auto g = items[i].gold[c])
        if (auto p = preds.items[i].scores[c].score()) gold.push_back(*g), pred.push_back(*p);
    double v = M::compute(gold, pred, scales[c]).value;
    sum += stats::normalized_score<M>(std::isnan(v) ? M::worst(scales[c]) : v);
  }
  return sum / static_cast<double>(Set::size);
}

}  // namespace optim_detail
JUDGEGRAD_END_NAMESPACE
