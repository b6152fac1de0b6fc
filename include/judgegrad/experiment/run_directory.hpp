/// @file
/// A run directory: everything an experiment produced, in files pandas and jq read without
/// judgegrad (the format: docs/experiments.md).
///
///     DIR/experiment.json          the definition, data, backend and model identities, judgegrad's version
///     DIR/llm.json                 the resolved LLM configuration (keys as the variables that hold them)
///     DIR/cache.sqlite             the response cache: a resumed run is answered from it
///     DIR/events.jsonl             starts, resumes and stops, with timestamps
///     DIR/runs/<id>/steps.jsonl    one line per finished step: calls, critiques, gradients, gate, metrics
///     DIR/runs/<id>/predictions.jsonl   one line per judged item of every evaluation made, gold beside
///                                   (an evaluation reused from an earlier step adds none)
///     DIR/runs/<id>/summary.json   per step: test metrics and the prompt in force; best and final
///     DIR/runs/<id>/state.json     where the run stands: what `resume` continues from
///     DIR/runs/<id>/prompts/       accepted.txt and best.txt, the judge prompts as sent
///     DIR/results/                 table1.md and table1.json
///
/// A step counts as finished when state.json says so. It is written last, after the step's lines
/// have reached the disk, so a process killed at any moment leaves a directory whose logs, cut back
/// to the lines state.json counts, hold exactly the finished steps.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/experiment/state.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/optim/optimize.hpp>
#include <judgegrad/optim/record.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// The mean over criteria of `metric` on an evaluation, undefined criteria counted as 0 (the
/// reference's convention: a constant prediction has Spearman 0).
inline double mean_over_criteria(const evaluation_record& e, double criterion_metrics::*metric) {
  if (e.metrics.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (const auto& m : e.metrics) sum += std::isnan(m.*metric) ? 0.0 : m.*metric;
  return sum / static_cast<double>(e.metrics.size());
}

/// The sink of one run of a run directory: steps, predictions, summary, prompts, then state,
/// each step durably before the next begins. Also reads a run back to resume it.
template <criteria_set Set>
class run_writer {
 public:
  /// Writes under `dir` (DIR/runs/<id>) for run `j` of a run with `total_steps` steps; `seed`
  /// renders prompts, `data` gives the gold scores beside the predictions.
  run_writer(std::filesystem::path dir, job j, std::size_t total_steps, const judge_prompt<Set>& seed, const data::splits<Set>& data)
      : dir_(std::move(dir)), job_(std::move(j)), total_(total_steps), seed_(seed) {
    for (const auto* part : {&data.train, &data.validation, &data.test})
      for (const auto& e : part->examples) gold_.emplace(e.id, &e.gold);
  }

  /// The state to continue from (the logs are cut back to it), or nothing for a fresh run (any
  /// partial first step's lines are removed). A damaged run is mended first (check_run): one whose
  /// committed logs lost lines, or whose state.json is unreadable, starts again from its seed (what
  /// was answered before comes back from the response cache), and a damaged summary.json is
  /// rebuilt; repairs() says what was done. Throws storage_error.
  std::optional<run_state<Set>> restore() {
    std::error_code ec;
    auto damage = check_run(dir_);
    if (damage.redo) {
      for (auto f : {run_files::state, run_files::steps, run_files::predictions, run_files::summary}) std::filesystem::remove(dir_ / f, ec);
      std::filesystem::remove_all(dir_ / "prompts", ec);
      repairs_.push_back(fmt::format("run {}: {}; its logs and state are dropped and the run is done again from its seed (what was answered "
                                     "before comes from the response cache)",
                                     job_.id, fmt::join(damage.problems, "; ")));
    }
    std::filesystem::create_directories(dir_ / "prompts", ec);
    if (ec) throw storage_error(fmt::format("cannot create {}: {}", (dir_ / "prompts").string(), ec.message()));
    auto state_file = dir_ / run_files::state;
    if (!std::filesystem::exists(state_file, ec)) {
      files::keep_lines(dir_ / run_files::steps, 0);
      files::keep_lines(dir_ / run_files::predictions, 0);
      for (auto f : {run_files::steps, run_files::predictions, run_files::summary}) std::filesystem::remove(dir_ / f, ec);
      return std::nullopt;
    }
    std::string text = files::read_all(state_file);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc)) throw storage_error(fmt::format("{}: not valid JSON", state_file.string()));
    detail::field_reader in(state_file.string());
    const auto commit = read_commit(doc, in);
    steps_lines_ = commit.steps_lines;
    predictions_lines_ = commit.predictions_lines;
    finished_ = commit.finished;
    aborted_ = commit.aborted;
    usd_ = commit.usd;
    files::keep_lines(dir_ / run_files::steps, steps_lines_);
    files::keep_lines(dir_ / run_files::predictions, predictions_lines_);
    auto state = state_from<Set>(in.at(doc, "state"), state_file.string());
    const std::vector<std::string> names(Set::names.begin(), Set::names.end());
    for (auto& row : read_summary_steps(in.at(doc, "summary"), names, in)) {
      summary_row r;
      r.step = row.step;
      r.changed = row.changed;
      for (std::size_t c = 0; c < Set::size; ++c) {
        auto it = row.instructions.find(Set::names[c]);
        if (it == row.instructions.end()) in.fail(fmt::format("summary step {} lacks the instruction for {}", row.step, Set::names[c]));
        r.instructions[c] = std::move(it->second);
      }
      r.output_format = row.output_format;
      r.test = std::move(row.test);
      rows_.push_back(std::move(r));
    }
    last_state_ = state;
    if (damage.summary) {
      files::write_atomic(dir_ / run_files::summary, summary_json());
      if (!rows_.empty()) write_prompts();
      repairs_.push_back(fmt::format("run {}: {}; rebuilt from state.json", job_.id, fmt::join(damage.problems, "; ")));
    }
    return state;
  }

  /// What restore() mended, one sentence per run file it dropped or rebuilt.
  const std::vector<std::string>& repairs() const { return repairs_; }

  /// Whether the run had ended when it was read back: all its steps done, or aborted.
  bool finished() const { return finished_ || !aborted_.empty(); }
  /// Why the judge's failure policy ended the run; empty when it did not.
  const std::string& aborted() const { return aborted_; }

  /// Marks the run as ended by the judge's failure policy: summary.json and state.json say why, and
  /// a resume leaves it as it is (the same replies would end it again).
  void abort(std::string reason) {
    aborted_ = std::move(reason);
    files::write_atomic(dir_ / run_files::summary, summary_json());
    if (last_state_) commit(*last_state_);
  }
  /// What the run's finished steps spent on calls not answered by the cache: USD at the configured
  /// prices (summary.json's "usd", the cost table's figure), and tokens since this writer began.
  double usd() const { return usd_; }
  std::uint64_t tokens() const { return tokens_; }
  /// Why the run stopped, when it did (the step record's error).
  const std::string& error() const { return error_; }

  void on_step(const step_record& r) {
    if (!r.error.empty()) {  // the unfinished step: nothing of it is kept but the reason
      error_ = r.error;
      return;
    }
    files::append_durable(dir_ / run_files::steps, to_jsonl(r, false));
    ++steps_lines_;
    for (const auto& c : r.calls)
      if (!c.cache_hit) usd_ += c.usd, tokens_ += c.prompt_tokens + c.completion_tokens;
    std::string lines;
    std::size_t count = 0;
    for (const auto& e : r.evaluations) {
      if (e.reused) continue;  // the same prompt's earlier lines hold these predictions
      for (const auto& item : e.items) {
        json_writer w;
        w.begin_object().key("run").value(job_.id).key("step").value(r.step).key("split").value(e.split).key("role").value(e.role)
            .key("prompt").value(e.prompt).key("reused").value(e.reused).key("repeat").value(e.repeat).key("id").value(item.id)
            .key("example").value(item.example).key("scores").begin_object();
        for (std::size_t c = 0; c < Set::size && c < item.scores.size(); ++c) w.key(Set::names[c]).value(item.scores[c]);
        w.end_object();
        // Why a score is missing, for the criteria that have none.
        bool problems = false;
        for (std::size_t c = 0; c < Set::size && c < item.status.size(); ++c) {
          if (item.status[c] == "ok") continue;
          if (!problems) w.key("problems").begin_object();
          problems = true;
          w.key(Set::names[c]).value(item.status[c]);
        }
        if (problems) w.end_object();
        w.key("gold").begin_object();
        auto g = gold_.find(item.example);
        for (std::size_t c = 0; c < Set::size; ++c) {
          w.key(Set::names[c]);
          if (g != gold_.end() && (*g->second)[c]) w.value(*(*g->second)[c]);
          else w.null();
        }
        w.end_object().end_object();
        lines += std::move(w).str();
        lines.push_back('\n');
        ++count;
      }
    }
    if (!lines.empty()) files::append_durable(dir_ / run_files::predictions, lines);
    predictions_lines_ += count;
    summary_row row;
    row.step = r.step;
    row.changed = r.gate.accepted;
    for (const auto& e : r.evaluations)
      if (e.split == "test") row.test = e;
    pending_ = std::move(row);
  }

  void on_state(const run_state<Set>& s) {
    if (pending_) {
      pending_->instructions = s.instructions;
      pending_->output_format = s.output_format;
      rows_.push_back(std::move(*pending_));
      pending_.reset();
    }
    finished_ = static_cast<std::size_t>(s.step) >= total_;
    write_prompts();
    files::write_atomic(dir_ / run_files::summary, summary_json());
    commit(s);
    last_state_ = s;
  }

 private:
  /// Writes state.json, the commit point: the state, and how many log lines belong to it.
  void commit(const run_state<Set>& s) {
    json_writer w;
    w.begin_object().key("format").value(directory_format).key("format_version").value(directory_format_version).key("run").value(job_.id)
        .key("step").value(s.step).key("finished").value(finished_).key("aborted").value(aborted_).key("usd").value(usd_).key("lines").begin_object().key("steps").value(std::uint64_t(steps_lines_))
        .key("predictions").value(std::uint64_t(predictions_lines_)).end_object().key("summary").raw(rows_json()).key("state").raw(to_json(s))
        .end_object();
    files::write_atomic(dir_ / run_files::state, std::move(w).str() + "\n");
  }

  struct summary_row {
    std::int64_t step = 0;
    bool changed = false;
    per_criterion<Set, std::string> instructions;
    bool output_format = true;
    std::optional<evaluation_record> test;
  };

  judge_prompt<Set> prompt_of(const summary_row& r) const { return prompt_with(seed_, r.instructions, r.output_format); }

  /// The row whose test mean Spearman is highest (the earliest of ties), if any was tested.
  const summary_row* best() const {
    const summary_row* out = nullptr;
    double top = -std::numeric_limits<double>::infinity();
    for (const auto& r : rows_)
      if (r.test) {
        double v = mean_over_criteria(*r.test, &criterion_metrics::spearman);
        if (v > top) top = v, out = &r;
      }
    return out;
  }

  void write_prompts() const {
    static constexpr auto all = judge::all_criteria<Set>();
    const auto shown = std::span<const std::size_t>(all.data(), all.size());
    files::write_atomic(dir_ / "prompts" / "accepted.txt", judge::render_head(prompt_of(rows_.back()), shown));
    if (const auto* b = best()) files::write_atomic(dir_ / "prompts" / "best.txt", judge::render_head(prompt_of(*b), shown));
  }

  void write_row(json_writer& w, const summary_row& r) const {
    w.begin_object().key("step").value(r.step).key("changed").value(r.changed).key("instructions");
    detail::write_instructions<Set>(w, r.instructions);
    w.key("output_format").value(r.output_format).key("test");
    if (!r.test) {
      w.null();
    } else {
      w.begin_object().key("prompt").value(r.test->prompt).key("reused").value(r.test->reused)
          .key("mean_spearman").value(mean_over_criteria(*r.test, &criterion_metrics::spearman)).key("metrics");
      write_metrics(w, r.test->metrics);
      w.end_object();
    }
    w.end_object();
  }

  std::string rows_json() const {
    json_writer w;
    w.begin_array();
    for (const auto& r : rows_) write_row(w, r);
    w.end_array();
    return std::move(w).str();
  }

  std::string summary_json() const {
    json_writer w;
    w.begin_object().key("run").value(job_.id).key("variant").value(job_.variant).key("mode").value(job_.spec.mode)
        .key("gate").value(job_.spec.gate).key("merge").value(job_.spec.merge).key("layout").value(job_.spec.layout)
        .key("length").value(job_.spec.length).key("seed").value(std::uint64_t(job_.seed)).key("criterion").value(job_.criterion).key("criteria").begin_array();
    for (auto n : Set::names) w.value(n);
    w.end_array().key("steps_total").value(std::uint64_t(total_)).key("usd").value(usd_).key("finished").value(finished_).key("aborted");
    if (aborted_.empty()) w.null();
    else w.value(aborted_);
    w.key("best_step");
    if (const auto* b = best()) w.value(b->step);
    else w.null();
    w.key("steps").raw(rows_json()).end_object();
    return std::move(w).str() + "\n";
  }

  std::filesystem::path dir_;
  job job_;
  std::size_t total_;
  judge_prompt<Set> seed_;
  std::map<std::string, const per_criterion<Set, std::optional<double>>*> gold_;
  std::size_t steps_lines_ = 0, predictions_lines_ = 0;
  double usd_ = 0;  ///< the finished steps' calls not answered by the cache, at the configured prices (the cost table's figure)
  std::uint64_t tokens_ = 0;  ///< their tokens, prompt and completion, since this writer began
  bool finished_ = false;
  std::string aborted_;
  std::optional<run_state<Set>> last_state_;
  std::string error_;
  std::vector<summary_row> rows_;
  std::optional<summary_row> pending_;
  std::vector<std::string> repairs_;
};

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
