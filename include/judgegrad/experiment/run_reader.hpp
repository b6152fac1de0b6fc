/// @file
/// The read side of a run directory (run_directory.hpp writes it; the format: docs/experiments.md):
/// the runs it holds and, per run, typed rows — its summary with the test evaluation of every step,
/// its step records (calls, critiques, gradients, the instructions before and after), its
/// predictions with the gold scores beside, and the test items of every step with a reused
/// evaluation expanded. Every error is a storage_error naming the file, and the line of a log.
/// Table 1, the cost table, the gradient diagnostics and the interference report read runs
/// through it, and a resumed run reads its summary rows back with it.
///
///     simdjson::dom::parser parser;
///     for (const auto& dir : experiment::list_runs(root)) {
///       auto run = experiment::read_summary(dir, parser);         // run.id, run.mode, run.steps[s].test->metrics ...
///       experiment::for_each_step(run, parser, [&](const experiment::step_row& s) { ... s.calls, s.gradients ... });
///       auto tested = experiment::read_test_items(run, parser);   // per step: examples, gold and scores per criterion
///     }
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/fields.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/optim/record.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// One step as summary.json lists it: whether it changed the prompt, the instructions in force
/// after it, and its test evaluation (split "test": the prompt's fingerprint, whether it was
/// reused, the metrics per criterion; no items — those are in predictions.jsonl).
struct summary_step {
  std::int64_t step = 0;
  bool changed = false;
  std::map<std::string, std::string, std::less<>> instructions;  ///< criterion -> instruction
  bool output_format = true;
  std::optional<evaluation_record> test;
};

/// A run as its summary.json describes it.
struct run_summary {
  std::filesystem::path dir;
  std::string id, variant, mode, gate;
  std::string merge, layout;          ///< "" in directories older than these slots
  std::string length = "unbounded";   ///< likewise
  std::string criterion;              ///< the single-task baseline's criterion ("" for the others)
  std::uint32_t seed = 0;
  std::vector<std::string> criteria;  ///< the criteria it scores, in the set's order
  bool finished = false;
  std::string aborted;                ///< why it was aborted ("" when it was not)
  double usd = 0;                     ///< its calls not answered by the cache, at the configured prices
  std::vector<summary_step> steps;    ///< step 0 (the seed prompt) first

  /// The configuration Table 1 and the cost table give it a row for ("SSC/layout=prefix_shared").
  std::string configuration() const { return configuration_label(mode, merge, layout, length); }
};

/// The runs under `root`/runs, sorted by id: the folders holding a summary.json, and with
/// `begun_too` also those holding only a state.json (a run that has begun). None when there is no
/// runs/ yet; a folder that cannot be read is an error.
inline std::vector<std::filesystem::path> list_runs(const std::filesystem::path& root, bool begun_too = false) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  const auto folder = root / run_files::runs;
  if (!std::filesystem::exists(folder, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    if (e.is_directory() && (std::filesystem::exists(e.path() / run_files::summary) ||
                             (begun_too && std::filesystem::exists(e.path() / run_files::state))))
      out.push_back(e.path());
  if (ec) throw storage_error(fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

/// An evaluation's metrics (write_metrics' object keyed by criterion), for the criteria `names`.
inline std::vector<criterion_metrics> read_metrics(simdjson::dom::element e, std::span<const std::string> names, const detail::field_reader& in) {
  std::vector<criterion_metrics> out;
  for (const auto& name : names) {
    auto m = in.at(e, name);
    criterion_metrics cm;
    cm.criterion = name;
    cm.items = static_cast<std::size_t>(in.integer(in.at(m, "items")));
    cm.scored = static_cast<std::size_t>(in.integer(in.at(m, "scored")));
    cm.spearman = in.number(in.at(m, "spearman"));
    cm.kendall = in.number(in.at(m, "kendall"));
    cm.mae = in.number(in.at(m, "mae"));
    cm.off_by_one = in.number(in.at(m, "off_by_one"));
    cm.accuracy = in.number(in.at(m, "accuracy"));
    out.push_back(std::move(cm));
  }
  return out;
}

/// The per-step rows of a summary (summary.json's "steps", and state.json's "summary", which
/// holds the same rows), for the criteria `names`.
inline std::vector<summary_step> read_summary_steps(simdjson::dom::element rows, std::span<const std::string> names, const detail::field_reader& in) {
  std::vector<summary_step> out;
  for (auto row : in.array(rows)) {
    summary_step r;
    r.step = in.integer(in.at(row, "step"));
    r.changed = in.boolean(in.at(row, "changed"));
    for (auto [criterion, text] : in.object(in.at(row, "instructions"))) r.instructions.emplace(std::string(criterion), in.text(text));
    r.output_format = in.boolean(in.at(row, "output_format"));
    if (auto t = in.at(row, "test"); !t.is_null()) {
      evaluation_record e;
      e.split = "test";
      e.prompt = in.text(in.at(t, "prompt"));
      e.reused = in.boolean(in.at(t, "reused"));
      e.metrics = read_metrics(in.at(t, "metrics"), names, in);
      r.test = std::move(e);
    }
    out.push_back(std::move(r));
  }
  return out;
}

/// The summary.json of the run in `run_dir`, parsed with `parser`.
inline run_summary read_summary(const std::filesystem::path& run_dir, simdjson::dom::parser& parser) {
  const auto file = run_dir / run_files::summary;
  const std::string text = files::read_all(file);
  simdjson::dom::element d;
  if (parser.parse(text).get(d)) bad_file(file, "not valid JSON");
  detail::field_reader in(file.string());
  run_summary r;
  r.dir = run_dir;
  r.id = in.text(in.at(d, "run"));
  r.variant = in.text_or(d, "variant", "");
  r.mode = in.text(in.at(d, "mode"));
  r.gate = in.text(in.at(d, "gate"));
  r.merge = in.text_or(d, "merge", "");
  r.layout = in.text_or(d, "layout", "");
  r.length = in.text_or(d, "length", "unbounded");
  r.criterion = in.text(in.at(d, "criterion"));
  r.seed = static_cast<std::uint32_t>(in.integer(in.at(d, "seed")));
  r.finished = in.boolean(in.at(d, "finished"));
  if (simdjson::dom::element why; !d["aborted"].get(why) && !why.is_null()) r.aborted = in.text(why);  // null, or absent in older summaries
  if (simdjson::dom::element usd; !d["usd"].get(usd)) r.usd = in.number(usd);  // absent before the cost was kept
  for (auto c : in.array(in.at(d, "criteria"))) r.criteria.push_back(in.text(c));
  r.steps = read_summary_steps(in.at(d, "steps"), r.criteria, in);
  return r;
}

/// A run's commit point as state.json holds it (besides the run state itself, state.hpp): where the
/// run stands and how many lines of its logs belong to its finished steps.
struct run_commit {
  std::int64_t step = 0;  ///< the last finished step
  bool finished = false;
  std::string aborted;    ///< why the judge's failure policy ended it ("" when it did not)
  double usd = 0;         ///< what its finished steps spent (0 in states written before it was kept)
  std::size_t steps_lines = 0, predictions_lines = 0;
  /// "finished", "aborted" or "unfinished" (begun, steps to go).
  std::string_view standing() const { return !aborted.empty() ? "aborted" : finished ? "finished" : "unfinished"; }
};

/// The commit point in the parsed state.json `doc`.
inline run_commit read_commit(simdjson::dom::element doc, const detail::field_reader& in) {
  run_commit c;
  c.step = in.integer(in.at(doc, "step"));
  c.finished = in.boolean(in.at(doc, "finished"));
  c.aborted = in.text(in.at(doc, "aborted"));
  if (simdjson::dom::element spent; !doc["usd"].get(spent)) c.usd = in.number(spent);
  auto lines = in.at(doc, "lines");
  c.steps_lines = static_cast<std::size_t>(in.integer(in.at(lines, "steps")));
  c.predictions_lines = static_cast<std::size_t>(in.integer(in.at(lines, "predictions")));
  return c;
}

/// The commit point of the run in `run_dir`, or nothing when it has none yet (not started).
inline std::optional<run_commit> read_commit(const std::filesystem::path& run_dir) {
  const auto file = run_dir / run_files::state;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  const std::string text = files::read_all(file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) bad_file(file, "not valid JSON (a damaged run directory?)");
  return read_commit(doc, detail::field_reader(file.string()));
}

/// Calls `f(record, line)` for each non-empty line of the JSON Lines file `file` (line numbers from
/// 1) that `keep(text)` accepts before it is parsed (a cheap filter); a line that is not JSON is an
/// error naming the file and the line. A missing file has no lines.
template <class Keep, class F>
void for_each_line(const std::filesystem::path& file, simdjson::dom::parser& parser, const Keep& keep, F&& f) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return;
  const std::string lines = files::read_all(file);
  std::size_t at = 0, line = 0;
  while (at < lines.size()) {
    auto nl = lines.find('\n', at);
    if (nl == std::string::npos) nl = lines.size();
    std::string_view one(lines.data() + at, nl - at);
    at = nl + 1;
    ++line;
    if (one.empty() || !keep(one)) continue;
    simdjson::dom::element record;
    if (parser.parse(one).get(record)) bad_file(file, fmt::format("line {} is not valid JSON", line));
    f(record, line);
  }
}

/// `for_each_line` over every line.
template <class F>
void for_each_line(const std::filesystem::path& file, simdjson::dom::parser& parser, F&& f) {
  for_each_line(file, parser, [](std::string_view) { return true; }, static_cast<F&&>(f));
}

/// One line of events.jsonl, as experiment::log_event writes it: what happened to the run
/// directory (start, resume, finished, stopped, interrupted, repair, budget, backend_change, merge),
/// when (UTC), by which process, and in words.
struct event_row {
  std::string event, detail, at;
  std::int64_t pid = 0;
};

/// The events of run directory `dir`, oldest first (none when it has no events.jsonl).
inline std::vector<event_row> read_events(const std::filesystem::path& dir, simdjson::dom::parser& parser) {
  std::vector<event_row> out;
  const auto file = dir / run_files::events;
  for_each_line(file, parser, [&](simdjson::dom::element e, std::size_t line) {
    detail::field_reader in(fmt::format("{}: line {}", file.string(), line));
    out.push_back({in.text(in.at(e, "event")), in.text_or(e, "detail", ""), in.text_or(e, "event_at", ""), 0});
    if (simdjson::dom::element pid; !e["pid"].get(pid)) out.back().pid = in.integer(pid);
  });
  return out;
}

/// One model call of a step, as steps.jsonl records it (the fields the reports use).
struct call_row {
  std::string role, stage, model, error, outcome;
  bool cache_hit = false;
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  double usd = 0;  ///< its price when not answered by the cache
};

/// A critique or gradient as a step recorded it.
struct advice_row {
  std::vector<std::string> criteria;  ///< the criteria it was written for; empty: all of them
  std::string example, source, text;
};

/// One line of steps.jsonl: a step's calls, critiques and gradients, and the instructions before
/// (incumbent) and after (candidate) its update, by criterion.
struct step_row {
  std::int64_t step = 0;
  std::string error;  ///< why the step stopped its run ("" for a finished step)
  bool accepted = false;  ///< the gate kept the candidate
  std::vector<advice_row> critiques, gradients;
  std::map<std::string, std::string, std::less<>> incumbent, candidate;
  std::vector<call_row> calls;
};

namespace detail {

/// The criteria a record's label names ("fluency, coherence"; the inverse of criteria_label).
inline std::vector<std::string> criteria_of_label(std::string_view label) {
  std::vector<std::string> out;
  while (!label.empty()) {
    auto comma = label.find(", ");
    out.emplace_back(label.substr(0, comma));
    label = comma == std::string_view::npos ? std::string_view() : label.substr(comma + 2);
  }
  return out;
}

inline step_row step_from(simdjson::dom::element s, const field_reader& in) {
  step_row r;
  r.step = in.integer(in.at(s, "step"));
  r.error = in.text_or(s, "error", "");
  if (simdjson::dom::element gate; !s["gate"].get(gate)) r.accepted = in.boolean(in.at(gate, "accepted"));
  auto advice = [&](std::string_view key, std::vector<advice_row>& out) {
    for (auto t : in.array(in.at(s, key))) {
      advice_row a;
      a.criteria = criteria_of_label(in.text(in.at(t, "criterion")));
      a.example = in.text_or(t, "example", "");
      a.source = in.text_or(t, "source", "");
      a.text = in.text(in.at(t, "text"));
      out.push_back(std::move(a));
    }
  };
  advice("critiques", r.critiques);
  advice("gradients", r.gradients);
  for (auto [key, into] : {std::pair{"incumbent", &r.incumbent}, std::pair{"candidate", &r.candidate}})
    if (simdjson::dom::element texts; !s[key].get(texts))
      for (auto [criterion, text] : in.object(texts)) into->emplace(std::string(criterion), in.text(text));
  for (auto c : in.array(in.at(s, "calls"))) {
    call_row x;
    x.role = in.text_or(c, "role", "");
    x.stage = in.text_or(c, "stage", "");
    x.model = in.text_or(c, "model", "");
    x.error = in.text_or(c, "error", "");
    x.outcome = in.text_or(c, "outcome", "");
    if (simdjson::dom::element hit; !c["served"]["cache_hit"].get(hit)) x.cache_hit = in.boolean(hit);
    for (auto [key, into] : {std::pair{"prompt_tokens", &x.prompt_tokens}, std::pair{"completion_tokens", &x.completion_tokens},
                             std::pair{"cached_tokens", &x.cached_tokens}})
      if (simdjson::dom::element n; !c[key].get(n)) *into = static_cast<std::uint64_t>(in.integer(n));
    if (simdjson::dom::element usd; !c["usd"].get(usd)) x.usd = in.number(usd);
    r.calls.push_back(std::move(x));
  }
  return r;
}

}  // namespace detail

/// Calls `f(row)` for each line of the run's steps.jsonl, in order.
template <class F>
void for_each_step(const run_summary& run, simdjson::dom::parser& parser, F&& f) {
  const auto file = run.dir / run_files::steps;
  for_each_line(file, parser, [&](simdjson::dom::element s, std::size_t line) {
    f(detail::step_from(s, detail::field_reader(fmt::format("{}: line {}", file.string(), line))));
  });
}

/// One judged item of one evaluation, as predictions.jsonl records it, with the gold scores beside.
struct prediction_row {
  std::int64_t step = 0;
  std::string split, role, prompt;  ///< "test", "validation", "train"; "incumbent", ...; the prompt's fingerprint
  std::uint32_t repeat = 0;
  std::string id, example;          ///< as the records name it; the example's own id
  std::vector<double> scores, gold; ///< per criterion of the run (run_summary::criteria); NaN: none
  std::vector<std::string> problems;  ///< per criterion: why the score is missing ("" when it is not)
};

/// Calls `f(row)` for each line of the run's predictions.jsonl of split `split` ("" for all).
template <class F>
void for_each_prediction(const run_summary& run, simdjson::dom::parser& parser, std::string_view split, F&& f) {
  const auto file = run.dir / run_files::predictions;
  const std::string wanted = fmt::format("\"split\":\"{}\"", split);
  const auto keep = [&](std::string_view line) { return split.empty() || line.find(wanted) != std::string_view::npos; };
  for_each_line(file, parser, keep, [&](simdjson::dom::element p, std::size_t line) {
    detail::field_reader in(fmt::format("{}: line {}", file.string(), line));
    prediction_row r;
    r.step = in.integer(in.at(p, "step"));
    r.split = in.text(in.at(p, "split"));
    r.role = in.text_or(p, "role", "");
    r.prompt = in.text_or(p, "prompt", "");
    if (simdjson::dom::element n; !p["repeat"].get(n)) r.repeat = static_cast<std::uint32_t>(in.integer(n));
    r.id = in.text_or(p, "id", "");
    r.example = in.text(in.at(p, "example"));
    auto scores = in.at(p, "scores"), gold = in.at(p, "gold");
    simdjson::dom::element problems;
    const bool any_problem = !p["problems"].get(problems);
    for (const auto& c : run.criteria) {
      simdjson::dom::element v;
      r.scores.push_back(scores[c].get(v) ? std::numeric_limits<double>::quiet_NaN() : in.number(v));
      r.gold.push_back(gold[c].get(v) ? std::numeric_limits<double>::quiet_NaN() : in.number(v));
      r.problems.push_back(any_problem && !problems[c].get(v) ? in.text(v) : std::string());
    }
    f(std::move(r));
  });
}

/// A step's test evaluation item by item: the examples judged, and per criterion (in the run's
/// order) the gold and the predicted score of each (NaN: none).
struct tested_items {
  std::vector<std::string> examples;
  std::vector<std::vector<double>> gold, scores;  ///< [criterion][item]
  bool empty() const { return examples.empty(); }
};

/// Per step of `run` (indexed by step), its test evaluation's items. A step whose evaluation
/// reused an earlier one (the same prompt judged before; the writer logs no lines for it) gets the
/// items of the latest earlier step that judged that prompt; a step with no test evaluation gets
/// none. Lines of a step the summary does not list yet (a step in progress, or one a kill cut
/// short, whose lines resume removes) are left out.
inline std::vector<tested_items> read_test_items(const run_summary& run, simdjson::dom::parser& parser) {
  std::vector<tested_items> out(run.steps.size());
  const std::size_t n = run.criteria.size();
  for_each_prediction(run, parser, "test", [&](prediction_row p) {
    if (p.step < 0) bad_file(run.dir / run_files::predictions, fmt::format("a test prediction of step {}", p.step));
    if (static_cast<std::size_t>(p.step) >= out.size()) return;  // not finished
    auto& t = out[static_cast<std::size_t>(p.step)];
    if (t.empty()) t.gold.resize(n), t.scores.resize(n);
    t.examples.push_back(std::move(p.example));
    for (std::size_t c = 0; c < n; ++c) t.gold[c].push_back(p.gold[c]), t.scores[c].push_back(p.scores[c]);
  });
  for (std::size_t s = 0; s < out.size(); ++s) {
    const auto& test = run.steps[s].test;
    if (!test || !out[s].empty()) continue;
    for (std::size_t e = s; e-- > 0;)
      if (run.steps[e].test && run.steps[e].test->prompt == test->prompt && !out[e].empty()) {
        out[s] = out[e];
        break;
      }
  }
  return out;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
