/// @file
/// What an optimization run tells as it goes: one `step_record` per step — every model call with
/// its role, stage, criterion, example, prompt hash, reply, outcome, tokens, latency and cache hit;
/// the critiques and gradients as each criterion received them; the incumbent, the candidate and
/// the prompt after the gate; the gate's numbers and verdict; the evaluations made — handed to a
/// sink. Sinks here: in memory and JSON Lines; the experiment layer writes run directories.
/// Timing fields end in `_seconds`; they and each call's `served` object (cache hit, attempts,
/// latency) are the only fields that differ between two executions of one run.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/llm/types.hpp>

#include <fmt/format.h>

#include <concepts>
#include <stdexcept>
#include <string_view>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// One model call.
struct call_record {
  llm::call_tag tag;
  llm::role role = llm::role::other;
  std::uint32_t repeat = 0;
  std::string model;        ///< the model asked for (the configuration's name), which the call is priced by
  std::string answered_by;  ///< the model the endpoint says answered, when it names another (a dated snapshot: "gpt-4o-mini-2024-07-18")
  std::string prompt_hash;  ///< a 64-bit hash of the messages (prompt_hash()), 16 hex digits
  std::string reply;
  std::string error;        ///< "<kind>: <message>" when the call failed
  std::string outcome;      ///< how the reply was used: "ok", a parse problem, "repaired", ...
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  bool usage_estimated = false;
  double usd = 0;           ///< the tokens at the configured price of `model` (what the call costs when not a cache hit), priced once by the meter
  // How this execution got the reply (JSON: the object "served"): the only call fields that may
  // differ between two executions of one experiment.
  bool cache_hit = false;
  int attempts = 0;
  double latency_seconds = 0;
  bool ok() const { return error.empty(); }
};

/// A critique or gradient as a criterion received it.
struct text_record {
  std::vector<std::size_t> criteria;  ///< the criteria it concerns, ascending indices into the run's set (step_record::criteria)
  std::string example;    ///< the example it concerns ("" for several)
  std::string text;
  std::string source;     ///< "own" (a call for this criterion), "joint" (broadcast), "part" (its part of a keyed reply), "whole" (a keyed reply lacking it)
};

/// A routed gradient stage's decision for one criterion on one example: its share of the joint
/// gradient rated for specificity, and whether it got a gradient call of its own.
struct routing_record {
  std::string criterion;
  std::string example;
  std::string scorer;  ///< "lexical" or "evaluator"
  double specificity = std::numeric_limits<double>::quiet_NaN();  ///< 1-10; NaN when there is no rating
  double threshold = 0;
  bool routed = false;  ///< it received a separate gradient instead of its share
  std::string reason;   ///< "4.6 < 6", "7.2 >= 6", "no rating: ...", "no share of the joint gradient"
};

/// Pareto search's frontier after a step: each member's step, values and scalarized value, the
/// member in force, the hypervolume, and what the step proposed.
struct frontier_record {
  struct entry {
    std::int64_t step = 0;         ///< the step that proposed it (0: the seed prompt)
    std::vector<double> values;    ///< per criterion, direction-normalised (higher is better)
    double scalar = 0;             ///< the variant's scalarizer over `values`
    bool chosen = false;           ///< the prompt in force
  };
  std::vector<entry> frontier;
  double hypervolume = 0;          ///< of the frontier's values against the metric's worst point
  std::int64_t parent = -1;        ///< the step of the parent the child came from (-1: a merge)
  bool merge = false;              ///< the step merged the specialists instead of proposing a child
};

/// One criterion's point metrics on one evaluation.
struct criterion_metrics {
  std::string criterion;
  std::size_t items = 0, scored = 0;
  double spearman = std::numeric_limits<double>::quiet_NaN();
  double kendall = std::numeric_limits<double>::quiet_NaN();
  double mae = std::numeric_limits<double>::quiet_NaN();
  double off_by_one = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// One item's scores in an evaluation: per criterion, the judge's score (NaN when none) and its status.
struct item_scores {
  std::string id;       ///< as the records name it (positional under quirks.positional_ids)
  std::string example;  ///< the example's own id
  std::vector<double> scores;
  std::vector<std::string> status;
};

/// A prompt judged on a split.
struct evaluation_record {
  std::string split;     ///< "test", "validation", "train"
  std::string role;      ///< "incumbent", "candidate", "accepted"
  std::string prompt;    ///< the judge prompt's fingerprint
  bool reused = false;   ///< the predictions of an earlier evaluation of the same prompt, no new call
  std::uint32_t repeat = 0;
  std::size_t calls = 0, failed_items = 0;
  std::vector<criterion_metrics> metrics;
  std::vector<item_scores> items;
};

/// The gate's decision.
struct gate_record {
  std::string gate;
  bool evaluated = false;   ///< the candidate was judged on validation (a gate that needs no validation, or an unchanged candidate: false)
  bool accepted = false;
  double incumbent = std::numeric_limits<double>::quiet_NaN();
  double candidate = std::numeric_limits<double>::quiet_NaN();
  double lower = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> incumbent_by_criterion, candidate_by_criterion;
  std::string reason;
};

/// One step of a run.
struct step_record {
  std::string run;
  std::span<const std::string_view> criteria;      ///< the run's criteria by index; a record names them only when written
  std::int64_t step = 0;
  std::vector<std::string> batch;                  ///< ids of the training examples
  std::vector<text_record> critiques, gradients;
  std::vector<routing_record> routing;             ///< a routed gradient stage's decisions (else empty)
  std::vector<text_record> resolved;               ///< the conflict-resolving merge's rewritten advice, per criterion
  std::vector<std::string> conflicts;              ///< the contradictions it named
  std::optional<frontier_record> pareto;           ///< Pareto search's frontier after the step
  std::vector<protocol::named_text> incumbent;     ///< instructions before the step
  std::vector<protocol::named_text> candidate;     ///< instructions the update proposed
  std::vector<protocol::named_text> accepted;      ///< instructions after the gate
  gate_record gate;
  std::vector<evaluation_record> evaluations;
  std::vector<std::string> notes;                  ///< repairs, fallbacks, routing, quirks applied
  std::vector<call_record> calls;
  std::string error;                               ///< set when the run ended in this step
  double duration_seconds = 0;
};

/// A sink takes each finished step (and a step that stopped the run, with `error` set). A sink
/// may also have `on_state(const run_state<Set>&)`: it is called after `on_step` of every finished
/// step with the state to resume from (optim/optimize.hpp).
template <class S>
concept record_sink = requires(S& s, const step_record& r) { s.on_step(r); };

/// Keeps nothing.
struct null_sink {
  void on_step(const step_record&) {}
};

/// Keeps every step in memory.
struct memory_sink {
  std::vector<step_record> steps;
  void on_step(const step_record& r) { steps.push_back(r); }
};

/// Thrown by a run that cannot go on: a budget ran out, the backend cancelled, every call of a batch
/// failed, or the judge's failure policy said abort. Carries what failed.
struct run_stopped : std::runtime_error {
  run_stopped(std::string what, llm::error_kind kind) : std::runtime_error(std::move(what)), kind(kind) {}
  llm::error_kind kind;
};

/// Thrown when the judge's failure policy ends the run (the reference's 5% abort): not a failure of
/// the backend, and final — the same replies would end it again.
struct run_aborted : run_stopped {
  using run_stopped::run_stopped;
};

/// Stops the run when a batch cannot be used: a call refused by a budget or cancelled, or every
/// call failed (a dead endpoint). `what` names the batch.
inline void check_batch(std::span<const llm::request> requests, std::span<const llm::result> results, std::string_view what) {
  std::size_t failed = 0;
  const llm::error* first = nullptr;
  for (const auto& r : results) {
    if (r.ok()) continue;
    ++failed;
    if (!first) first = &r.error();
    auto k = r.error().kind;
    if (k == llm::error_kind::budget_exhausted || k == llm::error_kind::cancelled)
      throw run_stopped(fmt::format("{}: {}: {}", what, llm::to_string(k), r.error().message), k);
  }
  if (!requests.empty() && failed == requests.size())
    throw run_stopped(fmt::format("{}: all {} calls failed; the first: {}: {}", what, failed, llm::to_string(first->kind), first->message),
                      first->kind);
}

/// A 64-bit hash of a request's messages (text::word_hash64 over each role and content), as 16 hex
/// digits: equal prompts, equal hashes.
inline std::string prompt_hash(const llm::request& r) {
  std::uint64_t h = text::fnv1a64_basis;
  for (const auto& m : r.messages) {
    h = text::word_hash64(m.role, h);
    h = text::word_hash64(m.content, h);
  }
  return text::hex64(h);
}

/// The record of `request` answered by `result`.
inline call_record record_of(const llm::request& request, const llm::result& result) {
  call_record c;
  c.tag = request.tag;
  c.role = request.role;
  c.repeat = request.repeat;
  c.prompt_hash = prompt_hash(request);
  if (result.ok()) {
    const auto& r = result.value();
    c.model = !r.asked_model.empty() ? r.asked_model : !request.model.empty() ? request.model : r.model;
    if (r.model != c.model) c.answered_by = r.model;
    c.usd = r.usd;
    c.reply = r.content;
    c.prompt_tokens = r.usage.prompt_tokens;
    c.completion_tokens = r.usage.completion_tokens;
    c.cached_tokens = r.usage.cached_tokens;
    c.cache_hit = r.from_cache;
    c.usage_estimated = r.usage_estimated;
    c.attempts = r.attempts;
    c.latency_seconds = r.latency_seconds;
    c.outcome = "ok";
  } else {
    const auto& e = result.error();
    c.model = request.model;
    c.error = std::string(llm::to_string(e.kind)) + ": " + e.message;
    c.attempts = e.attempts;
    c.outcome = "call_failed";
  }
  return c;
}

namespace detail {
inline void write_texts(json_writer& w, std::span<const protocol::named_text> t) {
  w.begin_object();
  for (const auto& i : t) w.key(i.name).value(i.text);
  w.end_object();
}
inline void write_numbers(json_writer& w, std::span<const double> v) {
  w.begin_array();
  for (double x : v) w.value(x);
  w.end_array();
}
}  // namespace detail

/// An evaluation's per-criterion metrics as one JSON object keyed by criterion: items, scored,
/// spearman, kendall, mae, off_by_one, accuracy (NaN as null). The one writer of this shape, for
/// the step records and a run directory's summary.
inline void write_metrics(json_writer& w, std::span<const criterion_metrics> metrics) {
  w.begin_object();
  for (const auto& m : metrics)
    w.key(m.criterion).begin_object().key("items").value(static_cast<std::uint64_t>(m.items))
        .key("scored").value(static_cast<std::uint64_t>(m.scored)).key("spearman").value(m.spearman).key("kendall").value(m.kendall)
        .key("mae").value(m.mae).key("off_by_one").value(m.off_by_one).key("accuracy").value(m.accuracy).end_object();
  w.end_object();
}

/// `r` as JSON; `with_items` false leaves each evaluation's per-item scores out (a run directory
/// keeps them in its predictions file).
inline void write_json(json_writer& w, const step_record& r, bool with_items = true) {
  w.begin_object().key("run").value(r.run).key("step").value(r.step).key("batch").begin_array();
  for (const auto& id : r.batch) w.value(id);
  w.end_array();
  auto texts = [&](const char* key, const std::vector<text_record>& list) {
    w.key(key).begin_array();
    for (const auto& t : list)
      w.begin_object().key("criterion").value(criteria_label(r.criteria, t.criteria)).key("example").value(t.example).key("source").value(t.source)
          .key("text").value(t.text).end_object();
    w.end_array();
  };
  texts("critiques", r.critiques);
  texts("gradients", r.gradients);
  if (!r.resolved.empty() || !r.conflicts.empty()) {
    texts("resolved", r.resolved);
    w.key("conflicts").begin_array();
    for (const auto& c : r.conflicts) w.value(c);
    w.end_array();
  }
  if (r.pareto) {
    w.key("pareto").begin_object().key("hypervolume").value(r.pareto->hypervolume).key("parent").value(r.pareto->parent)
        .key("merge").value(r.pareto->merge).key("frontier").begin_array();
    for (const auto& e : r.pareto->frontier) {
      w.begin_object().key("step").value(e.step).key("values");
      detail::write_numbers(w, e.values);
      w.key("scalar").value(e.scalar).key("chosen").value(e.chosen).end_object();
    }
    w.end_array().end_object();
  }
  if (!r.routing.empty()) {
    w.key("routing").begin_array();
    for (const auto& x : r.routing)
      w.begin_object().key("criterion").value(x.criterion).key("example").value(x.example).key("scorer").value(x.scorer)
          .key("specificity").value(x.specificity).key("threshold").value(x.threshold).key("routed").value(x.routed)
          .key("reason").value(x.reason).end_object();
    w.end_array();
  }
  w.key("incumbent");
  detail::write_texts(w, r.incumbent);
  w.key("candidate");
  detail::write_texts(w, r.candidate);
  w.key("accepted");
  detail::write_texts(w, r.accepted);
  const auto& g = r.gate;
  w.key("gate").begin_object().key("gate").value(g.gate).key("evaluated").value(g.evaluated).key("accepted").value(g.accepted)
      .key("incumbent").value(g.incumbent).key("candidate").value(g.candidate).key("lower").value(g.lower);
  w.key("incumbent_by_criterion");
  detail::write_numbers(w, g.incumbent_by_criterion);
  w.key("candidate_by_criterion");
  detail::write_numbers(w, g.candidate_by_criterion);
  w.key("reason").value(g.reason).end_object();
  w.key("evaluations").begin_array();
  for (const auto& e : r.evaluations) {
    w.begin_object().key("split").value(e.split).key("role").value(e.role).key("prompt").value(e.prompt).key("reused").value(e.reused)
        .key("repeat").value(e.repeat).key("calls").value(static_cast<std::uint64_t>(e.calls))
        .key("failed_items").value(static_cast<std::uint64_t>(e.failed_items)).key("metrics");
    write_metrics(w, e.metrics);
    if (!with_items) {
      w.end_object();
      continue;
    }
    w.key("items").begin_array();
    for (const auto& it : e.items) {
      w.begin_object().key("id").value(it.id);
      if (it.example != it.id) w.key("example").value(it.example);
      w.key("scores");
      detail::write_numbers(w, it.scores);
      w.key("status").begin_array();
      for (const auto& s : it.status) w.value(s);
      w.end_array().end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().key("notes").begin_array();
  for (const auto& n : r.notes) w.value(n);
  w.end_array().key("calls").begin_array();
  for (const auto& c : r.calls) {
    w.begin_object().key("step").value(c.tag.step).key("stage").value(c.tag.stage).key("criterion").value(c.tag.criterion)
        .key("example").value(c.tag.example).key("role").value(llm::to_string(c.role)).key("repeat").value(c.repeat)
        .key("model").value(c.model);
    if (!c.answered_by.empty()) w.key("answered_by").value(c.answered_by);
    w.key("prompt_hash").value(c.prompt_hash).key("reply").value(c.reply).key("error").value(c.error)
        .key("outcome").value(c.outcome).key("prompt_tokens").value(c.prompt_tokens).key("completion_tokens").value(c.completion_tokens)
        .key("cached_tokens").value(c.cached_tokens).key("usage_estimated").value(c.usage_estimated).key("usd").value(c.usd)
        .key("served").begin_object().key("cache_hit").value(c.cache_hit).key("attempts").value(c.attempts)
        .key("latency_seconds").value(c.latency_seconds).end_object().end_object();
  }
  w.end_array().key("error").value(r.error).key("duration_seconds").value(r.duration_seconds).end_object();
}

/// `r` as one line of JSON Lines ('\n' included).
inline std::string to_jsonl(const step_record& r, bool with_items = true) {
  json_writer w;
  write_json(w, r, with_items);
  std::string out = std::move(w).str();
  out.push_back('\n');
  return out;
}

/// Writes each step as one JSON line to a stream, flushed at once.
struct jsonl_sink {
  std::ostream& out;
  void on_step(const step_record& r) {
    out << to_jsonl(r);
    out.flush();
  }
};

static_assert(record_sink<null_sink> && record_sink<memory_sink> && record_sink<jsonl_sink>);

JUDGEGRAD_END_NAMESPACE
