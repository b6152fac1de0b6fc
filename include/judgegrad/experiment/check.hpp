/// @file
/// Checking a run directory against its commit points. Each run commits a step by rewriting its
/// state.json, which counts the lines of steps.jsonl and predictions.jsonl that belong to it; a
/// crash on a file system that loses a tail, an interrupted copy or a hand edit can leave those
/// logs shorter than their state says, or a file that is no longer JSON. `check_run` says what is
/// damaged, file by file, and what `resume` does about it: a run whose committed logs lost lines
/// (or whose state.json is unreadable) is redone from its seed — its calls come back from the
/// response cache, so no model is asked again for what it answered — and a damaged summary.json is
/// rebuilt from state.json. `judgegrad check DIR` prints it; `report` leaves damaged runs out.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/run_reader.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// What is wrong with one run of a run directory, and what mends it.
struct run_check {
  std::string run;                    ///< the run's id (its folder under runs/)
  std::vector<std::string> problems;  ///< one per damaged file: "steps.jsonl: 7 complete lines of the 13 state.json commits (cut at byte 5120)"
  bool redo = false;                  ///< the committed state cannot be restored: resume redoes the run from its seed
  bool summary = false;               ///< only summary.json is damaged: resume rebuilds it from state.json
  bool ok() const { return problems.empty(); }
};

namespace check_detail {

/// The lines of `text` that end with '\n', checked as JSON up to `wanted` of them: how many are
/// complete, and the first that is not valid JSON (0: none).
struct log_lines {
  std::size_t complete = 0;
  std::size_t first_bad = 0;
};
inline log_lines read_log(std::string_view text, std::size_t wanted) {
  log_lines out;
  simdjson::dom::parser parser;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) break;  // a tail without its newline: not a line
    ++out.complete;
    if (out.complete <= wanted && out.first_bad == 0) {
      simdjson::padded_string line(text.substr(at, nl - at));
      simdjson::dom::element e;
      if (parser.parse(line).get(e)) out.first_bad = out.complete;
    }
    at = nl + 1;
  }
  return out;
}

/// The summary of the run in `run_dir`, or nothing, with why it cannot be read added to `problems`.
inline std::optional<run_summary> summary_or_problem(const std::filesystem::path& run_dir, simdjson::dom::parser& parser,
                                                     std::vector<std::string>& problems) {
  try {
    return read_summary(run_dir, parser);
  } catch (const storage_error& e) {
    problems.push_back(fmt::format("summary.json: not a whole summary ({})", e.what()));
    return std::nullopt;
  }
}

}  // namespace check_detail

/// Checks DIR/runs/<id> (`run_dir`) against its state.json. A run with no state.json has committed
/// nothing: there is nothing to check (resume starts it from its seed). `summary`, when given,
/// receives the run's summary when it could be read (the check reads it whole).
inline run_check check_run(const std::filesystem::path& run_dir, std::optional<run_summary>* summary = nullptr) {
  namespace fs = std::filesystem;
  run_check out;
  out.run = run_dir.filename().string();
  std::error_code ec;
  auto state_file = run_dir / run_files::state;
  if (!fs::exists(state_file, ec)) return out;
  std::string text = files::read_all(state_file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::int64_t steps = 0, predictions = 0;
  simdjson::dom::array rows;
  simdjson::dom::element state;
  if (parser.parse(text).get(doc) || doc["lines"]["steps"].get_int64().get(steps) || doc["lines"]["predictions"].get_int64().get(predictions) ||
      doc["summary"].get_array().get(rows) || doc["state"].get(state) || steps < 0 || predictions < 0) {
    out.problems.push_back(fmt::format("state.json: not a whole commit point ({} bytes{})", text.size(),
                                       parser.parse(text).error() ? ", not valid JSON: cut?" : ", fields missing"));
    out.redo = true;
    return out;
  }
  for (auto [name, committed] : {std::pair{run_files::steps, steps}, std::pair{run_files::predictions, predictions}}) {
    auto file = run_dir / name;
    std::string log = fs::exists(file, ec) ? files::read_all(file) : std::string();
    auto lines = check_detail::read_log(log, static_cast<std::size_t>(committed));
    if (lines.complete < static_cast<std::size_t>(committed)) {
      out.problems.push_back(fmt::format("{}: {} complete lines of the {} state.json commits ({} bytes: cut?)", name, lines.complete, committed,
                                         log.size()));
      out.redo = true;
    } else if (lines.first_bad) {
      out.problems.push_back(fmt::format("{}: line {} of the {} committed is not valid JSON", name, lines.first_bad, committed));
      out.redo = true;
    }
  }
  if (out.redo) return out;
  auto summary_file = run_dir / run_files::summary;
  if (!fs::exists(summary_file, ec) || fs::file_size(summary_file, ec) == 0) {
    out.problems.push_back("summary.json: missing or empty");
    out.summary = true;
    return out;
  }
  auto read = check_detail::summary_or_problem(run_dir, parser, out.problems);
  if (!read) out.summary = true;
  else if (summary) *summary = std::move(read);
  return out;
}

/// The runs of a run directory, read: those whose files are whole, and those left out as damaged.
struct run_listing {
  std::vector<run_summary> runs;     ///< sorted by id
  std::vector<run_check> damaged;    ///< what check_run found wrong with the others

  /// The runs, when none is damaged; else a storage_error naming the first damaged run, what is
  /// wrong with it, and what mends it (for readers that have no place to list damaged runs).
  std::vector<run_summary> whole() && {
    if (!damaged.empty())
      throw storage_error(fmt::format("run {} is damaged ({}); `judgegrad resume` mends it, `judgegrad check` tells more", damaged.front().run,
                                      fmt::join(damaged.front().problems, "; ")));
    return std::move(runs);
  }
};

/// The runs under `root`/runs (list_runs, `begun_too` as there), each checked against its commit
/// point and its summary read once.
inline run_listing read_runs(const std::filesystem::path& root, bool begun_too = false) {
  run_listing out;
  for (const auto& dir : list_runs(root, begun_too)) {
    std::optional<run_summary> summary;
    auto check = check_run(dir, &summary);
    if (!check.ok()) {
      out.damaged.push_back(std::move(check));
      continue;
    }
    if (!summary) {  // committed nothing yet, but has a summary: read it as it is
      simdjson::dom::parser parser;
      summary = check_detail::summary_or_problem(dir, parser, check.problems);
      if (!summary) {
        out.damaged.push_back(std::move(check));
        continue;
      }
    }
    out.runs.push_back(std::move(*summary));
  }
  return out;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
