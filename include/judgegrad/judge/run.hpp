/// @file
/// Running a judge over examples: all first calls of an evaluation go to the backend as one
/// batch, bad replies are repaired in bounded extra rounds, and the result holds every raw reply,
/// every parsed score and, per criterion, coverage and metrics with bootstrap intervals.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/judge/metrics.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/judge/schema.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/metric.hpp>

#include <fmt/format.h>

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

/// What to do when replies stay unusable after repair.
struct failure_policy {
  enum class kind {
    tolerate,        ///< never abort; failures lower the coverage (the default)
    abort_on_any,    ///< abort when any item lacks a valid score for some criterion
    abort_at_share,  ///< abort when failed items >= share * items (the reference: 0.05)
  };
  kind type = kind::tolerate;
  double share = 0.05;
};

/// How the judge calls the model.
struct judge_settings {
  std::string model;                          ///< passed through to the backend
  std::optional<double> temperature = 0.1;    ///< the reference's judge temperature
  std::optional<int> max_tokens = 256;        ///< the reference's judge budget
  std::optional<std::uint64_t> seed;
  bool schema = false;                        ///< attach the score JSON schema as response_format
  std::string suffix;                         ///< appended to every prompt (the reference adds "\n/no_think" for Qwen models)
  int repair_rounds = 1;                      ///< extra rounds re-asking with the parse error (0 = off)
  judge::failure_policy failures{};
  bootstrap_settings bootstrap{};

  /// The reference's behaviour: no repair, abort when 5% or more of the items fail.
  static judge_settings faithful() {
    judge_settings s;
    s.repair_rounds = 0;
    s.failures = {failure_policy::kind::abort_at_share, 0.05};
    return s;
  }
};

/// One model call made for an item: which criteria it asked for, the reply (or the error), and
/// the round (0 = first call, 1.. = repairs).
struct judge_call {
  std::vector<std::size_t> criteria;
  int round = 0;
  std::string reply;
  std::string error;     ///< the call's error message when it failed
  reply_status status = reply_status::ok;
  std::string problems;  ///< parse problems of this reply ("" when complete)
};

/// The judge's verdict on one example.
template <criteria_set Set>
struct prediction {
  std::string id;          ///< the example's id
  std::size_t index = 0;   ///< position in the evaluated sequence
  per_criterion<Set, score_outcome> scores;
  std::vector<judge_call> calls;
  /// The valid scores (nothing where the outcome is not ok).
  per_criterion<Set, std::optional<double>> values() const {
    per_criterion<Set, std::optional<double>> out;
    for (std::size_t i = 0; i < Set::size; ++i) out[i] = scores[i].score();
    return out;
  }
  /// True when every criterion has a valid score.
  bool complete() const {
    for (const auto& s : scores)
      if (!s.ok()) return false;
    return true;
  }
  /// The first-round reply (joint layout) or replies joined by blank lines (per criterion).
  std::string raw_reply() const {
    std::string out;
    for (const auto& c : calls)
      if (c.round == 0) out += (out.empty() ? "" : "\n\n") + c.reply;
    return out;
  }
};

/// Predictions for a sequence of examples, in that sequence's order, and the call counts.
template <criteria_set Set>
struct predictions {
  std::vector<prediction<Set>> items;
  std::size_t calls = 0;          ///< model calls made, repairs included
  std::size_t repair_calls = 0;
  std::size_t failed_items = 0;   ///< items lacking a valid score for some criterion
};

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

namespace detail {

template <criteria_set Set>
std::vector<criterion_spec> specs_at(const std::vector<std::size_t>& shown) {
  static constexpr auto all = specs<Set>();
  std::vector<criterion_spec> out;
  for (std::size_t i : shown) out.push_back(all[i]);
  return out;
}

/// The repair message: what was wrong and the exact shape wanted.
template <criteria_set Set>
std::string repair_message(const std::string& problems, const std::vector<std::size_t>& shown) {
  static constexpr auto sc = scales<Set>();
  std::string shape = "{";
  for (std::size_t k = 0; k < shown.size(); ++k)
    shape += fmt::format("{}\"{}\": {}", k ? ", " : "", Set::names[shown[k]], allowed_values(sc[shown[k]]));
  shape += "}";
  return fmt::format(
      "Your answer could not be used: {}.\nReply again with exactly one JSON object of this shape and nothing else:\n{}",
      problems, shape);
}

}  // namespace detail

/// Scores `examples` with `prompt` through `backend`. Layout joint: one call per example; layout
/// per_criterion: one call per example and criterion. Every first call goes out in one
/// `backend.complete` batch, in example order (then criterion order); each repair round is one
/// more batch holding only the calls whose reply lacked a valid score. Requests carry
/// llm::role::judge and a single user message. A failed call is recorded, not retried (retrying
/// transport errors is the backend's job). Throws judge_failure only when `settings.failures` says so.
template <layout_policy Layout = layout::joint, criteria_set Set, llm::chat_backend Backend>
predictions<Set> predict(Backend& backend, const judge_prompt<Set>& prompt, std::span<const example<Set>> examples,
                         const judge_settings& settings = {}) {
  struct pending {
    std::size_t item;
    std::vector<std::size_t> shown;
    std::vector<llm::message> messages;
  };
  predictions<Set> out;
  out.items.resize(examples.size());
  std::vector<pending> work;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    auto& p = out.items[i];
    p.id = examples[i].id;
    p.index = i;
    p.scores = per_criterion<Set, score_outcome>::filled(score_outcome{score_status::missing, std::nullopt, "not asked"});
    if constexpr (std::is_same_v<Layout, layout::joint>) {
      std::vector<std::size_t> shown;
      for (std::size_t c = 0; c < Set::size; ++c) shown.push_back(c);
      work.push_back({i, shown, {llm::message{"user", render(prompt, examples[i], std::span<const std::size_t>(shown)) + settings.suffix}}});
    } else {
      for (std::size_t c = 0; c < Set::size; ++c)
        work.push_back({i, {c}, {llm::message{"user", render_one(prompt, examples[i], c) + settings.suffix}}});
    }
  }
  for (int round = 0; !work.empty(); ++round) {
    std::vector<llm::request> batch;
    batch.reserve(work.size());
    for (const auto& w : work) {
      llm::request r;
      r.model = settings.model;
      r.messages = w.messages;
      r.temperature = settings.temperature;
      r.max_tokens = settings.max_tokens;
      r.seed = settings.seed;
      if (settings.schema) r.format = score_format<Set>(std::span<const std::size_t>(w.shown));
      r.role = llm::role::judge;
      batch.push_back(std::move(r));
    }
    std::vector<llm::result> results = backend.complete(std::span<const llm::request>(batch));
    if (results.size() != batch.size())
      throw std::runtime_error(fmt::format("judgegrad: the backend answered {} of {} judge requests", results.size(), batch.size()));
    out.calls += batch.size();
    if (round > 0) out.repair_calls += batch.size();
    std::vector<pending> again;
    for (std::size_t k = 0; k < work.size(); ++k) {
      auto& w = work[k];
      auto& p = out.items[w.item];
      judge_call call;
      call.criteria = w.shown;
      call.round = round;
      if (!results[k].ok()) {
        call.status = reply_status::call_failed;
        call.error = fmt::format("{}: {}", llm::to_string(results[k].error().kind), results[k].error().message);
        for (std::size_t c : w.shown)
          if (!p.scores[c].ok()) p.scores[c] = score_outcome{score_status::call_failed, std::nullopt, call.error};
        p.calls.push_back(std::move(call));
        continue;
      }
      call.reply = results[k].value().content;
      auto specs = detail::specs_at<Set>(w.shown);
      parsed_reply parsed = parse_scores(call.reply, std::span<const criterion_spec>(specs));
      call.status = parsed.status;
      call.problems = parsed.problems(std::span<const criterion_spec>(specs));
      // A repair answers for what was wrong: scores already valid are kept.
      for (std::size_t j = 0; j < w.shown.size(); ++j)
        if (!p.scores[w.shown[j]].ok()) p.scores[w.shown[j]] = parsed.scores[j];
      std::vector<std::size_t> still;
      for (std::size_t c : w.shown)
        if (!p.scores[c].ok()) still.push_back(c);
      if (!still.empty() && round < settings.repair_rounds) {
        pending next{w.item, w.shown, w.messages};
        next.messages.push_back(llm::message{"assistant", call.reply});
        next.messages.push_back(llm::message{"user", detail::repair_message<Set>(call.problems, w.shown)});
        again.push_back(std::move(next));
      }
      p.calls.push_back(std::move(call));
    }
    work = std::move(again);
  }
  for (const auto& p : out.items) out.failed_items += !p.complete();
  return out;
}

/// Coverage and metrics per criterion for predictions against the examples' human scores.
template <criteria_set Set>
per_criterion<Set, criterion_report> report(std::span<const example<Set>> examples, const predictions<Set>& preds,
                                            const bootstrap_settings& bootstrap = {}) {
  static constexpr auto scales = detail::scales<Set>();
  per_criterion<Set, criterion_report> out;
  for (std::size_t c = 0; c < Set::size; ++c) {
    std::vector<double> gold, pred;
    auto& r = out[c];
    for (std::size_t i = 0; i < examples.size() && i < preds.items.size(); ++i) {
      const auto& g = examples[i].gold[c];
      if (!g) continue;
      ++r.items;
      if (auto s = preds.items[i].scores[c].score()) {
        gold.push_back(*g);
        pred.push_back(*s);
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
  std::vector<double> out;
  for (const auto& item : p.items) out.push_back(item.scores[c].score().value_or(std::numeric_limits<double>::quiet_NaN()));
  return out;
}

/// Criterion `c`'s human scores, one per example, NaN where there is none.
template <criteria_set Set>
std::vector<double> gold_column(std::span<const example<Set>> examples, std::size_t c) {
  std::vector<double> out;
  for (const auto& e : examples) out.push_back(e.gold[c].value_or(std::numeric_limits<double>::quiet_NaN()));
  return out;
}

/// Prompt A against prompt B on criterion `c` with metric `M`, by a paired bootstrap over the items
/// both scored (stats::paired_bootstrap): positive `difference` means A agrees better with humans.
/// A and B must be predictions for `examples`, item for item; otherwise std::invalid_argument.
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
  return stats::paired_bootstrap<M>(gold, pa, pb, {.resamples = s.resamples, .confidence = s.confidence, .seed = s.seed});
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
