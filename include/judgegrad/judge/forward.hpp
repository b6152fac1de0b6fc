/// @file
/// The judge's forward pass as data: `forward_pass` plans the calls of one evaluation (a prompt over
/// examples, in a layout) and absorbs their replies, round by round (first calls, then repairs of
/// unusable replies). Several passes can share each round's batch — the gate scores the incumbent
/// and the candidate together — and `predict` (judge/run.hpp) is a pass run to its end.
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

#include <fmt/format.h>

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
  // Unset parameters are settled by the backend stack (llm::role_defaults): the configuration's
  // judge settings, else the reference's (temperature 0.1, 256 tokens). A value set here wins.
  std::string model = {};                     ///< empty: the judge role's configured model
  std::optional<double> temperature = {};
  std::optional<int> max_tokens = {};
  std::optional<std::uint64_t> seed = {};
  bool schema = false;                        ///< attach the score JSON schema as response_format
  std::string suffix = {};                    ///< appended to every prompt (the reference adds "\n/no_think" for Qwen models)
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
  llm::error_kind error_kind = llm::error_kind::transport;  ///< when it failed
  reply_status status = reply_status::ok;
  std::string problems;  ///< parse problems of this reply ("" when complete)
  std::string model;     ///< the model that answered, as the endpoint named it
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
  std::string layout;             ///< "joint" or "per_criterion"
  std::string prompt;             ///< the judge prompt's fingerprint (judge_prompt::fingerprint)
  std::vector<prediction<Set>> items;
  std::size_t calls = 0;          ///< model calls made, repairs included
  std::size_t repair_calls = 0;
  std::size_t failed_items = 0;   ///< items lacking a valid score for some criterion
};

namespace detail {

template <criteria_set Set>
std::vector<criterion_spec> specs_at(std::span<const std::size_t> shown) {
  static constexpr auto all = specs<Set>();
  std::vector<criterion_spec> out;
  for (std::size_t i : shown) out.push_back(all[i]);
  return out;
}

/// The repair message: what was wrong and the exact shape wanted.
template <criteria_set Set>
std::string repair_message(const std::string& problems, std::span<const std::size_t> shown) {
  static constexpr const auto& sc = Set::scales;
  std::string shape = "{";
  for (std::size_t k = 0; k < shown.size(); ++k)
    shape += fmt::format("{}\"{}\": {}", k ? ", " : "", Set::names[shown[k]], allowed_values(sc[shown[k]]));
  shape += "}";
  return fmt::format(
      "Your answer could not be used: {}.\nReply again with exactly one JSON object of this shape and nothing else:\n{}",
      problems, shape);
}

}  // namespace detail

/// One evaluation's calls: `prompt` over `examples`, the calls `layout` plans for each example (one
/// per example for layout::joint, one per example and criterion for per_criterion and
/// prefix_shared; judge/layout.hpp). `pending()` is the current round's requests — first every
/// first call, in example order and then the layout's; then, round by round, only the calls whose
/// reply lacked a valid score, re-asked with the parse error, up to `settings.repair_rounds`.
/// `absorb` takes that round's results in the same order. Requests carry llm::role::judge, a
/// single user message (plus the exchange so far in repairs), `tag` with the example's id and,
/// for a layout of one call per criterion, the criterion's name, and `repeat` (a deliberate fresh sample of a prompt already
/// judged). A failed call is recorded, not retried: retrying transport errors is the backend's job.
template <criteria_set Set>
class forward_pass {
 public:
  forward_pass(const judge_prompt<Set>& prompt, std::span<const example<Set>> examples, const layout::planner<Set>& layout,
               const judge_settings& settings = {}, llm::call_tag tag = {}, std::uint32_t repeat = 0)
      : settings_(settings) {
    out_.layout = std::string(layout.name);
    out_.prompt = prompt.fingerprint();
    out_.items.resize(examples.size());
    const auto calls_of = layout.plan(prompt);
    for (std::size_t i = 0; i < examples.size(); ++i) {
      auto& p = out_.items[i];
      p.id = examples[i].id;
      p.index = i;
      p.scores = per_criterion<Set, score_outcome>::filled(score_outcome{score_status::missing, std::nullopt, "not asked"});
      tag.example = examples[i].id;
      for (auto& c : calls_of(examples[i])) {
        tag.criterion = layout.one_call_per_criterion && c.shown.size() == 1 ? std::string(Set::names[c.shown[0]]) : std::string();
        add(i, std::move(c.shown), std::move(c.prompt), tag, repeat);
      }
    }
  }

  /// The requests of the current round (empty when done).
  const std::vector<llm::request>& pending() const { return requests_; }
  /// Whether every call has its final reply.
  bool done() const { return requests_.empty(); }
  /// The round `pending()` belongs to: 0 for first calls, 1.. for repairs.
  int round() const { return round_; }

  /// Decodes the current round's results (one per pending request, in order) and plans the next.
  void absorb(std::span<const llm::result> results) {
    if (results.size() != requests_.size())
      throw std::runtime_error(fmt::format("judgegrad: the backend answered {} of {} judge requests", results.size(), requests_.size()));
    out_.calls += requests_.size();
    if (round_ > 0) out_.repair_calls += requests_.size();
    std::vector<llm::request> next_requests;
    std::vector<work> next_work;
    for (std::size_t k = 0; k < requests_.size(); ++k) {
      auto& w = work_[k];
      auto& p = out_.items[w.item];
      judge_call call{w.shown, round_, {}, {}, llm::error_kind::transport, reply_status::ok, {}, {}};
      if (!results[k].ok()) {
        const auto& e = results[k].error();
        call.status = reply_status::call_failed;
        call.error_kind = e.kind;
        call.error = fmt::format("{}: {}", llm::to_string(e.kind), e.message);
        for (std::size_t c : w.shown)
          if (!p.scores[c].ok()) p.scores[c] = score_outcome{score_status::call_failed, std::nullopt, call.error};
        p.calls.push_back(std::move(call));
        continue;
      }
      call.reply = results[k].value().content;
      call.model = results[k].value().model;
      auto specs = detail::specs_at<Set>(w.shown);
      parsed_reply parsed = parse_scores(call.reply, std::span<const criterion_spec>(specs));
      call.status = parsed.status;
      call.problems = parsed.problems(std::span<const criterion_spec>(specs));
      // A repair answers for what was wrong: scores already valid are kept.
      bool complete = true;
      for (std::size_t j = 0; j < w.shown.size(); ++j) {
        auto& score = p.scores[w.shown[j]];
        if (!score.ok()) score = parsed.scores[j];
        complete = complete && score.ok();
      }
      if (!complete && round_ < settings_.repair_rounds) {
        llm::request again = requests_[k];
        again.messages.push_back(llm::message{"assistant", call.reply});
        again.messages.push_back(llm::message{"user", detail::repair_message<Set>(call.problems, w.shown)});
        next_requests.push_back(std::move(again));
        next_work.push_back(w);
      }
      p.calls.push_back(std::move(call));
    }
    requests_ = std::move(next_requests);
    work_ = std::move(next_work);
    ++round_;
    if (done())
      for (const auto& p : out_.items) out_.failed_items += !p.complete();
  }

  /// The predictions so far (final once done()).
  const predictions<Set>& result() const& { return out_; }
  predictions<Set> result() && { return std::move(out_); }

 private:
  struct work {
    std::size_t item;
    std::vector<std::size_t> shown;
  };

  void add(std::size_t item, std::vector<std::size_t> shown, std::string prompt, const llm::call_tag& tag, std::uint32_t repeat) {
    llm::request r;
    r.model = settings_.model;
    r.messages.push_back(llm::message{"user", std::move(prompt) + settings_.suffix});
    r.temperature = settings_.temperature;
    r.max_tokens = settings_.max_tokens;
    r.seed = settings_.seed;
    if (settings_.schema) r.format = score_format<Set>(std::span<const std::size_t>(shown));
    r.role = llm::role::judge;
    r.repeat = repeat;
    r.tag = tag;
    requests_.push_back(std::move(r));
    work_.push_back(work{item, std::move(shown)});
  }

  judge_settings settings_;
  predictions<Set> out_;
  std::vector<llm::request> requests_;
  std::vector<work> work_;
  int round_ = 0;
};

/// A forward pass in layout `Layout` (layout::joint, layout::per_criterion, layout::prefix_shared or one of your own).
template <layout_policy Layout, criteria_set Set>
forward_pass<Set> plan(const judge_prompt<Set>& prompt, std::span<const example<Set>> examples, const judge_settings& settings = {},
                       llm::call_tag tag = {}, std::uint32_t repeat = 0) {
  return forward_pass<Set>(prompt, examples, layout::planner_of<Layout, Set>(), settings, std::move(tag), repeat);
}

/// The judge's request for the first of `examples` under `prompt` in the joint layout (what a
/// program sends alone first: llm::probe); nothing when there are no examples.
template <criteria_set Set>
std::optional<llm::request> first_request(const judge_prompt<Set>& prompt, std::span<const example<Set>> examples, const judge_settings& settings = {}) {
  if (examples.empty()) return std::nullopt;
  auto pass = plan<layout::joint>(prompt, examples.first(1), settings);
  if (pass.pending().empty()) return std::nullopt;
  return pass.pending().front();
}

/// Does nothing with a batch (the default observer of `run`).
struct ignore_batch {
  void operator()(std::span<const llm::request>, std::span<const llm::result>) const {}
};

/// Runs `passes` to their end together: each round, every pass's pending requests go to `backend`
/// as one batch, and `observe(requests, results)` sees it. Passes of different prompts share the
/// rounds, so the gate's two evaluations cost one batch per round.
template <llm::chat_backend Backend, criteria_set Set, class Observer = ignore_batch>
void run(Backend& backend, std::span<forward_pass<Set>* const> passes, Observer&& observe = {}) {
  while (true) {
    std::vector<llm::request> batch;
    for (auto* p : passes) batch.insert(batch.end(), p->pending().begin(), p->pending().end());
    if (batch.empty()) return;
    std::vector<llm::result> results = backend.complete(std::span<const llm::request>(batch));
    if (results.size() != batch.size())
      throw std::runtime_error(fmt::format("judgegrad: the backend answered {} of {} judge requests", results.size(), batch.size()));
    observe(std::span<const llm::request>(batch), std::span<const llm::result>(results));
    std::size_t at = 0;
    for (auto* p : passes) {
      std::size_t n = p->pending().size();
      p->absorb(std::span<const llm::result>(results).subspan(at, n));
      at += n;
    }
  }
}

/// One pass run to its end.
template <llm::chat_backend Backend, criteria_set Set, class Observer = ignore_batch>
void run(Backend& backend, forward_pass<Set>& pass, Observer&& observe = {}) {
  forward_pass<Set>* one[1] = {&pass};
  run(backend, std::span<forward_pass<Set>* const>(one), static_cast<Observer&&>(observe));
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
