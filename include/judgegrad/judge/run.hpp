/// @file
/// Running a judge over examples: all first calls of an evaluation go to the backend as one
/// batch, bad replies are repaired in bounded extra rounds, and the result holds every raw reply,
/// every parsed score and, per criterion, coverage and metrics with bootstrap intervals.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/judge/metrics.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/judge/schema.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/paired.hpp>
#include <judgegrad/stats/metric.hpp>

#include <fmt/format.h>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>
#include <range/v3/view/zip.hpp>

#include <cmath>
#include <limits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// predictions plus, per criterion, coverage and metrics against the human scores.
template <criteria_set Set>
struct evaluation : predictions<Set> {
  per_criterion<Set, criterion_report> criteria;
};

/// Thrown when the failure policy says to abort; carries everything done so far.
template <criteria_set Set>
class judge_failure : public std::runtime_error {
 public:
  judge_failure(std::string what, evaluation<Set> done) : std::runtime_error(std::move(what)), done_(std::move(done)) {}
  const evaluation<Set>& evaluation_so_far() const { return done_; }

 private:
  evaluation<Set> done_;
};

/// Scores `examples` with `prompt` through `backend`: a forward pass (judge/forward.hpp) run to its
/// end. Layout joint: one call per example; per_criterion: one call per example and criterion.
/// Every first call goes out in one `backend.complete` batch, in example (then criterion) order;
/// each repair round is one more batch holding only the calls whose reply lacked a valid score.
/// Throws nothing for bad replies or failed calls: they are outcomes.
template <layout_policy Layout = layout::joint, criteria_set Set, llm::chat_backend Backend>
predictions<Set> predict(Backend& backend, const judge_prompt<Set>& prompt, std::span<const example<Set>> examples,
                         const judge_settings& settings = {}) {
  auto pass = plan<Layout>(prompt, examples, settings);
  run(backend, pass);
  return std::move(pass).result();
}

/// Coverage and metrics per criterion for predictions against the examples' human scores.
template <criteria_set Set>
per_criterion<Set, criterion_report> report(std::span<const example<Set>> examples, const predictions<Set>& preds,
                                            const bootstrap_settings& bootstrap = {}) {
  static constexpr const auto& scales = Set::scales;
  per_criterion<Set, criterion_report> out;
  for (std::size_t c = 0; c < Set::size; ++c) {
    // (human score, judge score) of every item with a human score; the judge's may be missing.
    auto judged = ranges::views::zip(examples, preds.items) | ranges::views::transform([c](const auto& item) {
                    return std::pair{item.first.gold[c], item.second.scores[c].score()};
                  }) |
                  ranges::views::filter([](const auto& scores) { return scores.first.has_value(); });
    std::vector<double> gold, pred;
    auto& r = out[c];
    for (const auto& [human, judge] : judged) {
      ++r.items;
      if (judge) {
        gold.push_back(*human);
        pred.push_back(*judge);
      }
    }
    r.scored = gold.size();
    r.coverage = r.items ? static_cast<double>(r.scored) / static_cast<double>(r.items) : 0.0;
    r.metrics = compute_metrics(gold, pred, scales[c], bootstrap);
  }
  return out;
}

/// predict + report, then applies the failure policy (judge_failure carries the full evaluation).
template <layout_policy Layout = layout::joint, criteria_set Set, llm::chat_backend Backend>
evaluation<Set> evaluate(Backend& backend, const judge_prompt<Set>& prompt, std::span<const example<Set>> examples,
                         const judge_settings& settings = {}) {
  evaluation<Set> ev;
  static_cast<predictions<Set>&>(ev) = predict<Layout>(backend, prompt, examples, settings);
  ev.criteria = report(examples, static_cast<const predictions<Set>&>(ev), settings.bootstrap);
  const auto& f = settings.failures;
  bool abort = (f.type == failure_policy::kind::abort_on_any && ev.failed_items > 0) ||
               (f.type == failure_policy::kind::abort_at_share && ev.failed_items > 0 &&
                static_cast<double>(ev.failed_items) >= f.share * static_cast<double>(examples.size()));
  if (abort)
    throw judge_failure<Set>(fmt::format("judgegrad: {} of {} judged items have no valid score for some criterion "
                                         "(failure policy: abort{})",
                                         ev.failed_items, examples.size(),
                                         f.type == failure_policy::kind::abort_at_share ? fmt::format(" at {:g}%", f.share * 100) : ""),
                             std::move(ev));
  return ev;
}

/// evaluate over a whole data set.
template <layout_policy Layout = layout::joint, criteria_set Set, llm::chat_backend Backend>
evaluation<Set> evaluate(Backend& backend, const judge_prompt<Set>& prompt, const dataset<Set>& data,
                         const judge_settings& settings = {}) {
  return evaluate<Layout>(backend, prompt, std::span<const example<Set>>(data.examples), settings);
}

/// predict over a whole data set.
template <layout_policy Layout = layout::joint, criteria_set Set, llm::chat_backend Backend>
predictions<Set> predict(Backend& backend, const judge_prompt<Set>& prompt, const dataset<Set>& data,
                         const judge_settings& settings = {}) {
  return predict<Layout>(backend, prompt, std::span<const example<Set>>(data.examples), settings);
}

/// Criterion `c`'s valid scores, one per item, NaN where there is none (the stats convention).
template <criteria_set Set>
std::vector<double> score_column(const predictions<Set>& p, std::size_t c) {
  return p.items | ranges::views::transform([c](const prediction<Set>& item) {
           return item.scores[c].score().value_or(std::numeric_limits<double>::quiet_NaN());
         }) |
         ranges::to<std::vector<double>>();
}

/// Criterion `c`'s human scores, one per example, NaN where there is none.
template <criteria_set Set>
std::vector<double> gold_column(std::span<const example<Set>> examples, std::size_t c) {
  return examples | ranges::views::transform([c](const example<Set>& e) {
           return e.gold[c].value_or(std::numeric_limits<double>::quiet_NaN());
         }) |
         ranges::to<std::vector<double>>();
}

/// Prompt A against prompt B on criterion `c` with metric `M`, by a paired bootstrap over the items
/// both scored (stats::paired_bootstrap): positive `difference` means A agrees better with humans.
/// With `s.resamples` 0, the difference alone (no interval, no p-value). A and B must be
/// predictions for `examples`, item for item; otherwise std::invalid_argument.
template <metric_type M, criteria_set Set>
stats::paired_comparison compare(std::span<const example<Set>> examples, const predictions<Set>& a,
                                 const predictions<Set>& b, std::size_t c, const bootstrap_settings& s = {}) {
  if (a.items.size() != examples.size() || b.items.size() != examples.size())
    throw std::invalid_argument("judgegrad::judge::compare: predictions and examples differ in length");
  for (std::size_t i = 0; i < examples.size(); ++i)
    if (a.items[i].id != examples[i].id || b.items[i].id != examples[i].id)
      throw std::invalid_argument(fmt::format("judgegrad::judge::compare: item {} is '{}' / '{}', expected '{}'", i,
                                              a.items[i].id, b.items[i].id, examples[i].id));
  auto gold = gold_column(examples, c);
  auto pa = score_column(a, c), pb = score_column(b, c);
  if (s.resamples > 0) return stats::paired_bootstrap<M>(gold, pa, pb, {.resamples = s.resamples, .confidence = s.confidence, .seed = s.seed});
  stats::paired_comparison r;
  std::vector<double> g, x, y;
  for (std::size_t i = 0; i < gold.size(); ++i)
    if (!std::isnan(gold[i]) && !std::isnan(pa[i]) && !std::isnan(pb[i])) g.push_back(gold[i]), x.push_back(pa[i]), y.push_back(pb[i]);
  r.given = gold.size();
  r.used = g.size();
  if (g.empty()) return r;
  const std::vector<std::uint32_t> once(g.size(), 1);
  const auto score = [&](const std::vector<double>& p) { return stats::normalized_score<M>(stats::counts_statistic<M>(g, p)(std::span<const std::uint32_t>(once))); };
  r.difference = score(x) - score(y);
  return r;
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
