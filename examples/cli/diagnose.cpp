// `judgegrad diagnose` and `judgegrad interference`: the paper's evidence for its two failure
// modes, measured on run directories. diagnose rates every gradient of every run for specificity
// and every update for adherence with the evaluator role (the simulator by default, any
// configured model with --config) beside a lexical proxy; interference judges each criterion's
// best single-task instruction alone and together against the seed prompt as control. Both write
// results/*.md and results/*.json in the (first) run directory; `judgegrad report` draws them.
#include <judgegrad/experiment.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "experiment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace judgegrad_cli {

namespace dx = jg::experiment::diagnostics;

namespace {

/// What `diagnose` and `interference` read from the command line.
struct diagnose_options {
  std::vector<std::string> dirs;
  std::string config_file, data_dir, gate;
  bool faithful = false, quiet = false;
  long long resamples = 1000, repeats = 0;  ///< 0: 3, or 1 with --faithful (the reference's one fresh evaluation)
};

void add_diagnostic_flags(CLI::App* cmd, diagnose_options& o) {
  cmd->add_option("--config", o.config_file, "LLM configuration (docs/backends.md; default: $JUDGEGRAD_LLM_CONFIG); without one the simulator answers");
  cmd->add_option("--data", o.data_dir, "Data directory holding summeval/ and brighter/ (default: the one the experiment used)");
  cmd->add_flag("--faithful", o.faithful, "The reference's protocol (docs/reports.md)");
  cmd->add_option("--resamples", o.resamples, "Bootstrap resamples for the intervals (0: none)")->check(at_least(0))->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "No progress line");
}

/// The directories' manifests; all must hold the same data set.
std::vector<ex::manifest> manifests_of(const diagnose_options& o) {
  std::vector<ex::manifest> out;
  for (const auto& d : o.dirs) {
    out.push_back(manifest_of(d));
    if (out.back().experiment.dataset != out.front().experiment.dataset)
      throw failure(exit_usage, fmt::format("{} holds {} and {} holds {}: give run directories of one data set", o.dirs.front(),
                                            out.front().experiment.dataset, d, out.back().experiment.dataset));
  }
  return out;
}

std::filesystem::path data_of(const ex::manifest& m, const std::string& given) {
  return given.empty() && std::filesystem::is_directory(m.data_directory) && !std::getenv("JUDGEGRAD_DATA") ? m.data_directory : data_dir(given);
}

/// The backend for a diagnostic command: the configuration's endpoints, else the simulator of the
/// experiment's data set; replies go to the first directory's response cache either way, so a
/// command run again (or after a kill) asks only what it has no answer for.
struct diagnostic_backend {
  std::optional<jg::sim::world> world;
  std::optional<backend> b;
};

std::unique_ptr<diagnostic_backend> backend_for(const std::filesystem::path& dir, const ex::manifest& m, const diagnose_options& o,
                                                       jg::llm::role role, std::string_view command) {
  auto out = std::make_unique<diagnostic_backend>();
  auto config = config_file_of(o.config_file);
  auto cache = m.cache_in(dir);
  if (config.empty() && m.backend_kind == "endpoints") config = (dir / "llm.json").string();
  if (!config.empty()) {
    out->b.emplace(backend::from_config(config, {role}, command, cache));
    return out;
  }
  out->world.emplace(simulated_world(m.experiment.dataset, data_of(m, o.data_dir), simulator_knobs_of(m), m.experiment.split));
  out->b.emplace(backend::from_world(*out->world, simulator_name(m), cache));
  return out;
}

/// After Ctrl-C or SIGTERM: nothing written over earlier results; the replies that came back are in
/// the cache, so the same command asks only for the rest.
int interrupted(std::string_view command, const std::filesystem::path& dir) {
  fmt::print(stderr, "interrupted: no result was written (earlier results/ are kept); the replies that came back are in the cache of {}, "
                     "so `judgegrad {} ...` run again asks only for the rest\n",
             dir.string(), command);
  return interrupts::code();
}

void write_results(const std::filesystem::path& dir, std::string_view name, const std::string& md, const std::string& json) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "results", ec);
  ex::files::write_atomic(dir / "results" / fmt::format("{}.md", name), md);
  ex::files::write_atomic(dir / "results" / fmt::format("{}.json", name), json);
}

template <jg::criteria_set Set>
int diagnose_with(const diagnose_options& o, const std::vector<ex::manifest>& ms) {
  std::filesystem::path first = o.dirs.front();
  auto protocol = o.faithful ? dx::protocol::faithful : dx::protocol::standard;
  std::vector<std::filesystem::path> dirs(o.dirs.begin(), o.dirs.end());
  auto names = std::span<const std::string_view>(Set::names);
  auto ratings = dx::collect(dirs, protocol, dx::lexicon::of<Set>(), names);
  if (ratings.empty()) throw failure(exit_usage, fmt::format("{}: no run has a gradient to rate (no finished step of a TextGrad or single-task run)", first.string()));
  auto requests = dx::requests(ratings, protocol, names);
  auto be = backend_for(first, ms.front(), o, jg::llm::role::evaluator, "judgegrad diagnose");
  auto& b = *be->b;
  std::vector<jg::llm::result> results;
  probe(b, requests.front(), "so nothing else was sent and no result was written");
  {
    interrupts::guard on_interrupt([&] { b.abandon(); });
    jg::experiment::progress bar(b.activity(), jg::experiment::progress_mode_for(stderr, o.quiet), "diagnose", requests.size());
    results = b.complete(requests);  // (the first again: from the cache)
  }
  if (interrupts::requested()) return interrupted("diagnose", first);
  failure_summary failures;
  for (const auto& r : results) failures.add(r.ok(), r.ok() ? "" : std::string(jg::llm::to_string(r.error().kind)), r.ok() ? "" : r.error().message);
  if (failures.failed == results.size())
    throw failure(failures.budget ? exit_budget : exit_backend,
                  fmt::format("{}\nNo result was written (an earlier results/diagnostics.* is kept)", failures.text("evaluator")));
  auto unreadable = dx::absorb(ratings, results, protocol);
  auto d = dx::summarize(ratings, protocol, static_cast<std::size_t>(o.resamples));
  d.simulated = b.simulated();
  d.backend = b.description();
  d.calls = requests.size();
  d.unreadable = unreadable;
  auto md = dx::to_markdown(d);
  write_results(first, "diagnostics", md, dx::to_json(d, ratings));
  fmt::print("{}\n{}\ndiagnostics: {}\n", b.description(), md, (first / "results" / "diagnostics.md").string());
  if (failures.failed) {
    fmt::print(stderr, "judgegrad diagnose: {}\nThe ratings that came back are kept (in the tables and the cache); run the command again to ask "
                       "only for the others\n",
               failures.text("evaluator"));
    return failures.budget ? exit_budget : exit_backend;
  }
  return exit_ok;
}

template <jg::criteria_set Set>
int interference_with(const diagnose_options& o, const std::vector<ex::manifest>& ms) {
  std::filesystem::path first = o.dirs.front();
  const auto& d = ms.front().experiment;
  std::string gate = o.gate;
  std::map<std::string, std::vector<dx::candidate>> candidates;
  auto gather = [&](const std::string& g) {
    std::map<std::string, std::vector<dx::candidate>> all;
    for (const auto& dir : o.dirs)
      for (auto& [c, list] : dx::single_task_candidates(dir, g)) all[c].insert(all[c].end(), list.begin(), list.end());
    return all;
  };
  if (!gate.empty()) candidates = gather(gate);
  else
    for (const auto& g : [&] {
           std::vector<std::string> gates{"mae"};
           for (const auto& m : ms) gates.insert(gates.end(), m.experiment.gates.begin(), m.experiment.gates.end());
           return gates;
         }()) {
      candidates = gather(g);
      if (!candidates.empty()) {
        gate = g;
        break;
      }
    }
  if (candidates.empty())
    throw failure(exit_usage, fmt::format("{}: no finished single-task run{} to take instructions from (run the experiment with --modes single-task)",
                                          first.string(), o.gate.empty() ? "" : " with gate " + o.gate));
  auto data_dir = data_of(ms.front(), o.data_dir);
  auto data = load_data(data_dir, [&] { return ex::load_experiment_data<Set>(d, data_dir); }).splits;
  if (!o.faithful && data.validation.examples.empty())
    throw failure(exit_usage, fmt::format("{} has no validation items to select on (a faithful experiment draws them from train as it goes); "
                                          "pass --faithful for the reference's selection on the test set",
                                          first.string()));
  auto settings = ex::settings_of(d).judge;
  settings.bootstrap.resamples = static_cast<std::size_t>(o.resamples);
  settings.bootstrap.seed = dx::interference_seed;
  auto be = backend_for(first, ms.front(), o, jg::llm::role::judge, "judgegrad interference");
  auto& b = *be->b;
  auto seed = ex::seed_prompt<Set>(d);
  std::span<const jg::example<Set>> test(data.test.examples), validation(data.validation.examples);
  first_call(b, seed, test, settings);
  std::size_t slots = 0;
  for (const auto& [c, list] : candidates) slots = std::max(slots, list.size());
  auto repeats = static_cast<std::size_t>(o.repeats > 0 ? o.repeats : o.faithful ? 1 : 3);
  std::uint64_t expected = (o.faithful ? 0 : slots * validation.size() * Set::size) + 2 * repeats * test.size() * (Set::size + 1) +
                           (o.faithful ? slots * test.size() * Set::size : 0);
  dx::interference r;
  {
    interrupts::guard on_interrupt([&] { b.abandon(); });
    jg::experiment::progress bar(b.activity(), jg::experiment::progress_mode_for(stderr, o.quiet), "interference", expected);
    r = dx::measure_interference(b, seed, candidates, validation, test, repeats, o.faithful ? dx::protocol::faithful : dx::protocol::standard, settings);
  }
  if (interrupts::requested()) return interrupted("interference", first);
  r.simulated = b.simulated();
  r.backend = b.description();
  r.gate = gate;
  auto md = dx::to_markdown(r);
  write_results(first, "interference", md, dx::to_json(r));
  fmt::print("{}\n{}\ninterference: {}\n", b.description(), md, (first / "results" / "interference.md").string());
  auto failed = b.activity().failed.load();
  if (failed) {
    fmt::print(stderr, "judgegrad interference: {} judge calls failed; their items count as unscored. Run the command again to ask only for "
                       "those (the others come from the cache)\n",
               failed);
    return exit_backend;
  }
  return exit_ok;
}


int run_diagnose(const diagnose_options& o) {
  return guarded([&] {
    auto ms = manifests_of(o);
    return ex::with_criteria_of(ms.front().experiment.dataset, [&](auto set) { return diagnose_with<typename decltype(set)::type>(o, ms); });
  });
}

int run_interference(const diagnose_options& o) {
  return guarded([&] {
    auto ms = manifests_of(o);
    return ex::with_criteria_of(ms.front().experiment.dataset, [&](auto set) { return interference_with<typename decltype(set)::type>(o, ms); });
  });
}

}  // namespace

command add_diagnose(CLI::App& app) {
  auto options = std::make_shared<diagnose_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("diagnose", "Rate every gradient's specificity and every update's adherence (the evaluator role)");
  cmd->add_option("dirs", o.dirs, "Run directories (results go to the first)")->required();
  add_diagnostic_flags(cmd, o);
  return {cmd, [options] { return run_diagnose(*options); }};
}

command add_interference(CLI::App& app) {
  auto options = std::make_shared<diagnose_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("interference", "Judge each criterion's best single-task instruction alone and together (controlled)");
  cmd->add_option("dirs", o.dirs, "Run directories holding single-task runs (results go to the first)")->required();
  cmd->add_option("--gate", o.gate, "The single-task runs' gate (default: mae when there are such runs, else the first gate)")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(jg::experiment::known_gates), std::end(jg::experiment::known_gates))));
  cmd->add_option("--repeats", o.repeats, "Fresh evaluations per layout and prompt (default: 3; with --faithful 1, as the reference)")->check(at_least(1));
  add_diagnostic_flags(cmd, o);
  return {cmd, [options] { return run_interference(*options); }};
}

}  // namespace judgegrad_cli
