/// @file
/// The read side of a run directory (run_directory.hpp writes it; the format: docs/experiments.md):
/// the runs it holds, each run's summary as a typed row, and the lines of its JSON Lines logs.
/// Every error is a storage_error naming the file, and the line of a log. Table 1, the cost table,
/// the gradient diagnostics and the interference report read runs through it.
///
///     simdjson::dom::parser parser;
///     for (const auto& dir : experiment::list_runs(root)) {
///       auto run = experiment::read_summary(dir, parser);            // run.id, run.mode, run.seed, ...
///       experiment::for_each_line(dir / experiment::run_files::steps, parser,
///                                 [&](simdjson::dom::element step, std::size_t line) { ... });
///     }
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

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

/// The summary.json of the run in `run_dir`, parsed with `parser`; `doc`, when given, receives the
/// whole document (its per-step rows under "steps"), valid until `parser` parses again.
inline run_summary read_summary(const std::filesystem::path& run_dir, simdjson::dom::parser& parser, simdjson::dom::element* doc = nullptr) {
  const auto file = run_dir / run_files::summary;
  const std::string text = files::read_all(file);
  simdjson::dom::element d;
  if (parser.parse(text).get(d)) bad_file(file, "not valid JSON");
  auto required = [&](std::string_view key) {
    std::string_view v;
    if (d[key].get_string().get(v)) bad_file(file, fmt::format("\"{}\" is missing or not a string", key));
    return std::string(v);
  };
  auto optional = [&](std::string_view key, std::string_view absent) {
    std::string_view v;
    return std::string(d[key].get_string().get(v) ? absent : v);
  };
  run_summary r;
  r.dir = run_dir;
  r.id = required("run");
  r.variant = optional("variant", "");
  r.mode = required("mode");
  r.gate = required("gate");
  r.merge = optional("merge", "");
  r.layout = optional("layout", "");
  r.length = optional("length", "unbounded");
  r.criterion = required("criterion");
  std::uint64_t seed = 0;
  if (d["seed"].get_uint64().get(seed)) bad_file(file, "\"seed\" is missing");
  r.seed = static_cast<std::uint32_t>(seed);
  if (d["finished"].get_bool().get(r.finished)) bad_file(file, "\"finished\" is missing");
  std::string_view why;
  if (!d["aborted"].get_string().get(why)) r.aborted = std::string(why);
  simdjson::dom::array criteria;
  if (d["criteria"].get_array().get(criteria)) bad_file(file, "\"criteria\" is missing");
  for (auto c : criteria) {
    std::string_view name;
    if (c.get_string().get(name)) bad_file(file, "\"criteria\" holds a non-string");
    r.criteria.emplace_back(name);
  }
  if (doc) *doc = d;
  return r;
}

/// Calls `f(record, line)` for each non-empty line of the JSON Lines file `file` (line numbers from
/// 1) that `keep(text)` accepts before it is parsed (a cheap filter); a line that is not JSON is an
/// error naming the file and the line.
template <class Keep, class F>
void for_each_line(const std::filesystem::path& file, simdjson::dom::parser& parser, const Keep& keep, F&& f) {
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

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
