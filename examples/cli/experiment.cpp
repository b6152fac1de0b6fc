// `judgegrad run`, `resume` and `report`: an experiment (a preset, a JSON file, flags) run into a
// run directory that survives being killed, continued from its last finished step, and Table 1
// re-made from the directory without a model call. Without --config (or JUDGEGRAD_LLM_CONFIG) the
// in-process simulator answers, and every output says so.
#include <judgegrad/data.hpp>
#include <judgegrad/experiment.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/report.hpp>
#include <judgegrad/sim.hpp>

#include "catalog.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "experiment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace judgegrad_cli {

namespace {

void add_experiment_flags(CLI::App* cmd, run_options& o) {
  cmd->add_option("--config", o.config_file, "LLM configuration (docs/backends.md; default: $JUDGEGRAD_LLM_CONFIG); without one the simulator answers");
  cmd->add_option("--data", o.data_dir, "Data directory holding summeval/ and brighter/ (default: $JUDGEGRAD_DATA, else the data judgegrad ships)");
  cmd->add_flag("--quiet", o.quiet, "No progress line");
  cmd->add_option("--resamples", o.resamples, "Bootstrap resamples for Table 1's intervals (0: none)")->check(at_least(0))->capture_default_str();
}

struct report_options {
  std::vector<std::string> dirs;
  long long resamples = 1000;
  std::string json_file, html_file;
};


/// The rows definition `d` runs on (experiment::load_experiment_data), a data error in the tool's words.
template <jg::criteria_set Set>
ex::experiment_data<Set> experiment_data(const ex::definition& d, const std::filesystem::path& dir) {
  return load_data(dir, [&] { return ex::load_experiment_data<Set>(d, dir); });
}

std::string money(std::uint64_t microdollars) { return fmt::format("${:.4f}", static_cast<double>(microdollars) / 1e6); }
std::string tokens(std::uint64_t n) {
  return n >= 1'000'000 ? fmt::format("{:.1f}M", static_cast<double>(n) / 1e6) : n >= 1000 ? fmt::format("{:.1f}k", static_cast<double>(n) / 1e3) : fmt::format("{}", n);
}

/// Writes results/table1.{md,json} of `dir` (report::write_table1) and returns the Markdown.
std::string write_table(const std::filesystem::path& dir, long long resamples) {
  return jg::report::to_markdown(jg::report::write_table1(dir, {.resamples = static_cast<std::size_t>(resamples)}));
}

/// Every variant `d` names is one the tool compiled: before anything is created, exit 4 naming the
/// key (variants[i], or the grid of modes, gates, merges and layouts) and the nearest compiled names.
template <jg::criteria_set Set>
std::vector<ex::job> compiled_jobs(const ex::definition& d) {
  const auto& names = compiled_variants<Set>();
  std::set<std::string_view> known(names.begin(), names.end());
  auto refuse = [&](const std::string& key, const std::string& spelled, std::string_view canonical) {
    throw failure(exit_configuration,
                  fmt::format("{}: {}: \"{}\" is not a variant judgegrad compiled{}; nearest: {} (`judgegrad variants --all` lists all {} of {})",
                              d.source, key, spelled, canonical.empty() || canonical == spelled ? "" : fmt::format(" (read as \"{}\")", canonical),
                              fmt::join(nearest_names(spelled, names), ", "), names.size(), d.dataset));
  };
  for (std::size_t i = 0; i < d.variants.size(); ++i) {
    auto spec = ex::variant_spec::parse(d.variants[i]);
    std::string canonical = spec ? spec->name() : std::string();
    if (!spec || !known.count(canonical)) refuse(fmt::format("variants[{}]", i), d.variants[i], canonical);
  }
  auto jobs = ex::jobs_of<Set>(d);
  for (const auto& j : jobs)
    if (!known.count(j.variant)) refuse("modes, gates, merges and layouts", j.variant, {});
  return jobs;
}

/// Writes the configuration in force to DIR/llm.json, which a resume reads. The directory's own
/// response cache is left out of it (every command finds that one by the directory), so that the
/// file stays right when the directory is moved or named by another path.
void keep_configuration(const std::filesystem::path& dir, const ex::manifest& m, jg::llm::llm_config config) {
  if (config.cache && m.cache_file.empty() && std::filesystem::weakly_canonical(config.cache->path) == std::filesystem::weakly_canonical(m.cache_in(dir)))
    config.cache.reset();
  ex::files::write_atomic(dir / "llm.json", jg::llm::to_json(config) + "\n");
}

/// A resume goes on through the backend the run began with. Through one that answers otherwise
/// (another model, endpoint, temperature, max_tokens or seed for a role; endpoints for a simulated
/// run): exit 4 naming the differences, unless `allow`, which records the change in the manifest
/// (with the runs it touches, marked in every report) and in events.jsonl.
void check_same_backend(const std::filesystem::path& dir, ex::manifest& m, const backend& b, const std::string& config_file, bool allow,
                               bool budget_raised) {
  std::vector<std::string> differences;
  auto kept = dir / "llm.json";
  if (m.backend_kind == "simulator" && b.config()) {
    differences.push_back(fmt::format("backend: judgegrad's simulator (preset {}) -> the endpoints of {}", m.simulator_preset, config_file));
  } else if (std::error_code ec; b.config() && std::filesystem::exists(kept, ec) && !std::filesystem::equivalent(kept, config_file, ec)) {
    jg::llm::llm_config before;
    try {
      before = jg::llm::load_llm_config(kept.string());
    } catch (const jg::llm::config_error& e) {
      throw failure(exit_configuration, fmt::format("the run's own configuration cannot be read to compare with {}: {}", config_file, e.what()));
    }
    differences = jg::llm::answering_differences(before, *b.config(), ex::run_roles);
    const auto &was = before.meter.budget, &now = b.config()->meter.budget;
    if (!budget_raised && (was.max_usd != now.max_usd || was.max_calls != now.max_calls || was.max_tokens != now.max_tokens))
      throw failure(exit_configuration, fmt::format("{} sets another budget than the run's ({}): the budget is the run's; keep it, or change "
                                                    "it explicitly with --budget-usd, --budget-calls or --budget-tokens",
                                                    config_file, kept.string()));
  }
  if (differences.empty()) return;
  std::string listed;
  for (const auto& d : differences) listed += "\n  " + d;
  if (!allow)
    throw failure(exit_configuration, fmt::format("{} would answer the rest of {} otherwise than it began:{}\nResume without --config to go on "
                                                  "as it began, or pass --allow-change to go on anyway (recorded in experiment.json and "
                                                  "events.jsonl; the runs it touches are marked in every report)",
                                                  config_file, dir.string(), listed));
  ex::backend_change change{ex::now_utc(), differences, {}};
  for (const auto& run : m.runs)
    if (!ex::has_ended(ex::run_standing(dir, run))) change.runs.push_back(run);
  m.changes.push_back(change);
  ex::record_backend(m, &*b.config(), "", b.description());
  ex::files::write_atomic(dir / "experiment.json", ex::to_json(m));
  keep_configuration(dir, m, *b.config());
  ex::log_event(dir, "backend_change", fmt::format("--allow-change: {}; {} not finished go on through it", fmt::join(differences, "; "),
                                                   counted(change.runs.size(), "run")));
  fmt::print("the backend changed (--allow-change):{}\n{} not finished will mix the two; every report marks them\n", listed,
             counted(change.runs.size(), "run"));
}

/// Runs the jobs of `m`'s experiment over criteria set Set in `dir` (created or continued),
/// prints Table 1 and says where everything is. Returns the exit code.
template <jg::criteria_set Set>
int run_in_directory(const std::filesystem::path& dir, ex::manifest m, const std::filesystem::path& data_dir, const std::string& config_file,
                     bool fresh, const run_options& o) {
  ex::definition& d = m.experiment;
  auto inputs = experiment_data<Set>(d, data_dir);
  const auto& data = inputs.splits;
  if (!fresh) ex::check_same_data(m, inputs, data_dir);
  std::optional<jg::sim::world> world;
  auto cache = m.cache_in(dir);
  if (config_file.empty()) {
    world.emplace(simulated_world(d.dataset, data_dir, simulator_knobs_of(m), d.split));
  }
  // Whatever can be refused is refused before anything is created: the data (above), the
  // configuration, the variants.
  std::optional<jg::llm::llm_config> loaded;
  if (!config_file.empty())
    loaded = backend::load_config(config_file, ex::run_roles, "judgegrad run", o.raised_budget);
  auto all_jobs = compiled_jobs<Set>(d);
  auto jobs = ex::in_shard<ex::job>(all_jobs, m.shard);
  // Then the directory is claimed (a new one) or locked (one to continue): a second process is
  // refused here, before either writes anything.
  std::optional<ex::claimed_directory> claim;
  std::optional<ex::files::directory_lock> lock;
  try {
    if (fresh) claim.emplace(dir);
    else lock.emplace(dir);
  } catch (const ex::occupied_error& e) {
    if (ex::is_run_directory(dir))  // another process made it one while this one started
      throw failure(exit_storage, fmt::format("{} became the run directory of another judgegrad process while this one started (its "
                                              "events.jsonl says which); `judgegrad resume {}` continues it",
                                              dir.string(), dir.string()));
    throw failure(exit_usage, e.what());
  }
  backend b = world ? backend::from_world(*world, simulator_name(m), cache) : backend::from_config(std::move(*loaded), config_file, cache, dir);
  if (!fresh)
    check_same_backend(dir, m, b, config_file, o.allow_change,
                       o.raised_budget.max_usd || o.raised_budget.max_calls || o.raised_budget.max_tokens);
  if (fresh) {
    m.created_at = ex::now_utc();
    ex::record_data(m, inputs, data_dir);
    m.simulated = config_file.empty();
    ex::record_backend(m, b.config() ? &*b.config() : nullptr, world ? world->parameters().model : std::string_view(), b.description());
    for (const auto& j : jobs) m.runs.push_back(j.id);
    ex::create_run_directory(dir, m);
    claim->keep();
  }
  bool raised = o.raised_budget.max_usd || o.raised_budget.max_calls || o.raised_budget.max_tokens;
  if (raised && !b.config()) throw failure(exit_usage, "--budget-usd, --budget-calls and --budget-tokens apply to runs answered by endpoints, not the simulator");
  if ((fresh || raised) && b.config()) keep_configuration(dir, m, *b.config());
  if (raised && !fresh) ex::log_event(dir, "budget", fmt::format("raised on the command line; the run's budget now stands at: {}",
                                                       budget_standing(b.config()->meter.budget, b.spent_before().total)));
  std::string shard = m.shard.whole() ? std::string() : fmt::format(" of shard {} ({} in all)", m.shard.name(), counted(all_jobs.size(), "run"));
  ex::log_event(dir, fresh ? "start" : "resume", fmt::format("{}{}, {}", counted(jobs.size(), "run"), shard, b.description()));

  if (b.simulated()) fmt::print("{}\n", b.description());
  fmt::print("judgegrad {}: {} — {}{} on {} ({} split), {} each{}\n", fresh ? "run" : "resume", d.name, counted(jobs.size(), "run"), shard,
             d.dataset, d.split, counted(d.steps, "step"),
             d.faithful ? ", faithful to the reference" : "");
  if (!b.simulated()) fmt::print("backend: {}\n", b.description());
  if (b.config()) {
    if (auto standing = budget_standing(b.config()->meter.budget, b.spent_before().total); !standing.empty())
      fmt::print("budget of the whole run: {}{}\n", standing, fresh ? "" : " by earlier processes");
  }
  fmt::print("run directory: {}\n", dir.string());
  std::fflush(stdout);

  auto seed = ex::seed_prompt<Set>(d);
  first_call(b, seed, std::span<const jg::example<Set>>(data.test.examples), ex::settings_of(d).judge);
  ex::experiment_input<Set> in{d, data, seed, dir};
  ex::grid_progress counts;
  interrupts::guard on_interrupt([&] { b.abandon(); });
  auto run_job = [&](const ex::job& j) {
    if (interrupts::requested()) {  // not started: Ctrl-C came first
      ex::run_outcome not_started;
      not_started.id = j.id;
      return not_started;
    }
    return judgegrad_cli::run_job(b, in, j, &counts);
  };
  std::vector<ex::run_outcome> outcomes;
  {
    jg::experiment::progress bar(b.activity(), jg::experiment::progress_mode_for(stderr, o.quiet), fmt::format("run {}", d.name), 0);
    bar.describe(
        [&] {
          return fmt::format("runs {}/{}, steps {}/{}, {} tokens, {}", counts.runs_done.load(), counts.runs_total.load(), counts.steps_done.load(),
                             counts.steps_total.load(), tokens(counts.tokens.load()),
                             money(counts.microdollars.load()));
        },
        [&] {
          auto total = counts.steps_total.load();
          return total ? static_cast<double>(counts.steps_done.load()) / static_cast<double>(total) : 0.0;
        });
    std::size_t parallel = o.parallel.value_or(d.parallel_runs);
    outcomes = ex::run_jobs(jobs, parallel, run_job, d.steps, &counts);
  }
  if (b.simulated() && !m.simulated) {  // a simulated model answered through an endpoint (judgegrad serve)
    m.simulated = true;
    ex::files::write_atomic(dir / "experiment.json", ex::to_json(m));
  }

  for (const auto& r : outcomes)
    for (const auto& repair : r.repairs) {
      fmt::print(stderr, "repaired: {}\n", repair);
      ex::log_event(dir, "repair", repair);
    }
  auto counted_outcomes = ex::outcome_tally::of(outcomes);
  const auto& [finished, aborted, stopped, not_started, failed, first_problem, budget] = counted_outcomes;
  const auto& calls = b.activity();
  std::string spent = fmt::format("{} replies ({} from the cache){}, {} tokens in finished steps, {}", calls.answered.load() - calls.failed.load(),
                                  calls.cache_hits.load(), calls.failed.load() ? fmt::format(", {} calls failed or refused", calls.failed.load()) : "",
                                  tokens(counts.tokens.load()), money(counts.microdollars.load()));
  std::string tally = fmt::format("{}; {}", counted_outcomes.text(), spent);
  if (interrupts::requested()) {
    ex::log_event(dir, "interrupted", fmt::format("{}; {}", interrupts::code() == 130 ? "SIGINT" : "SIGTERM", tally));
    fmt::print(stderr, "interrupted: every finished step is kept ({}); `judgegrad resume {}` continues\n", tally, dir.string());
    return interrupts::code();
  }
  ex::log_event(dir, first_problem ? "stopped" : "finished", tally);

  if (finished > 0) {  // Table 1 has rows only for finished runs
    std::string table = write_table(dir, o.resamples);
    fmt::print("\n{}\n", table);
    fmt::print("Table 1: {}\n", (dir / "results" / "table1.md").string());
  }
  fmt::print("run directory: {}\n", dir.string());
  if (aborted)
    fmt::print("{} of {} runs were aborted by the judge's failure policy, as the reference aborted a run when 5% of a batch's replies "
               "had no valid score (faithful mode; docs/experiments.md); they are final and left out of Table 1\n",
               aborted, outcomes.size());
  if (!first_problem) {
    fmt::print("{} finished{}; this process made {}\n", counted(finished, "run"), aborted ? fmt::format(", {} aborted", aborted) : std::string(), spent);
    return exit_ok;
  }
  std::string what = fmt::format("{} of {} runs finished, {} stopped, {} failed, {} not started; first: run {}: {}", finished, outcomes.size(), stopped,
                                 failed, not_started, first_problem->id, first_problem->error);
  if (budget) {
    auto run_spent = b.meter().value_or(jg::llm::meter_report{}).total;
    throw failure(exit_budget, fmt::format("the budget ran out: the run has {} ({} calls, {} tokens in all); this process made {}.\n{}\n"
                                           "Every finished step is kept. The budget is the run's, kept in {}: `judgegrad resume {} "
                                           "--budget-usd X` (or --budget-calls, --budget-tokens) raises it and continues",
                                           budget_standing(b.config()->meter.budget, run_spent), run_spent.calls, run_spent.used.total(), spent,
                                           what, (dir / ex::spend_file).string(), dir.string()));
  }
  if (failed) {
    bool storage = first_problem->state == ex::run_outcome::status::failed;
    throw failure(storage ? exit_storage : exit_internal,
                  fmt::format("{}\nEvery finished step is kept; when the cause is fixed, `judgegrad resume {}` continues", what, dir.string()));
  }
  throw failure(exit_backend, fmt::format("model calls failed: {}\nEvery finished step is kept; `judgegrad resume {}` continues when the "
                                          "endpoint answers again",
                                          what, dir.string()));
}

/// Continues the experiment run directory `dir` holds (manifest `m`) through `config`, else the
/// configuration the directory keeps when its runs went to endpoints.
int continue_in(const std::filesystem::path& dir, ex::manifest m, const std::filesystem::path& data_dir, std::string config,
                       const run_options& o) {
  if (config.empty() && m.backend_kind == "endpoints") config = (dir / "llm.json").string();
  std::string dataset = m.experiment.dataset;
  return ex::with_criteria_of(dataset, [&](auto set) { return run_in_directory<typename decltype(set)::type>(dir, m, data_dir, config, false, o); });
}

int run_run(const run_options& o) {
  return guarded([&] {
    auto file = definition_from(o);
    const auto& d = file.experiment;
    std::string config = config_file_of(o.config_file);
    if (config.empty() && file.llm) config = file.llm->string();
    ex::shard shard;
    try {
      if (!o.shard.empty()) shard = ex::parse_shard(o.shard);
    } catch (const ex::definition_error& e) {
      throw failure(exit_usage, e.what());
    }
    std::string name = d.faithful ? d.name + "-faithful" : d.name;
    std::filesystem::path dir = !o.out_dir.empty() ? std::filesystem::path(o.out_dir)
                                : file.output_dir ? *file.output_dir
                                : shard.whole()   ? std::filesystem::path("judgegrad-runs") / name
                                                  : sweep_shard_directory(std::filesystem::path("judgegrad-runs") / (name + "-sweep"), shard);
    auto data_dir = judgegrad_cli::data_dir(o.data_dir);
    if (ex::is_run_directory(dir)) {
      auto m = ex::read_manifest(dir);
      if (!ex::same_experiment(m.experiment, d))
        throw failure(exit_usage, fmt::format("{} holds another experiment ({}); `judgegrad resume {}` continues that one, or give --out to "
                                              "start this one elsewhere",
                                              dir.string(), m.experiment.source, dir.string()));
      if (m.shard != shard)
        throw failure(exit_usage, fmt::format("{} holds shard {} of this experiment, not shard {}; give --out to run that one elsewhere", dir.string(),
                                              m.shard.name(), shard.name()));
      fmt::print("{} exists: continuing it\n", dir.string());
      return continue_in(dir, std::move(m), data_dir, config, o);
    }
    ex::manifest m;
    m.experiment = d;
    m.simulator_preset = o.sim_preset;
    if (!o.sim_config.empty()) {
      auto knobs = simulator_knobs(o.sim_preset, o.sim_config);
      if (!config.empty())
        throw failure(exit_usage, fmt::format("--sim-config {} sets the simulator's knobs, but {} sends the calls to endpoints", o.sim_config, config));
      m.simulator_knobs = jg::sim::to_json(knobs);
    }
    m.shard = shard;
    if (!o.cache_file.empty()) m.cache_file = std::filesystem::absolute(o.cache_file);
    return ex::with_criteria_of(d.dataset, [&](auto set) {
      return run_in_directory<typename decltype(set)::type>(dir, m, data_dir, config, true, o);
    });
  });
}

int run_resume(const run_options& o) {
  return guarded([&] {
    std::filesystem::path dir = o.out_dir;
    auto m = manifest_of(dir);
    auto data_dir = o.data_dir.empty() && std::filesystem::is_directory(m.data_directory) && !std::getenv("JUDGEGRAD_DATA") ? m.data_directory
                                                                                                                           : judgegrad_cli::data_dir(o.data_dir);
    return continue_in(dir, std::move(m), data_dir, config_file_of(o.config_file), o);
  });
}

/// `judgegrad check DIR`: the run directory against its commit points, run by run; exit 7 when
/// anything is damaged (and what resume does about it), 0 when whole.
int run_check(const std::vector<std::string>& dirs) {
  return guarded([&] {
    std::size_t damaged = 0, runs = 0;
    for (const auto& d : dirs) {
      std::filesystem::path dir = d;
      (void)manifest_of(dir);
      auto checks = ex::check_runs(dir);
      runs += checks.size();
      for (const auto& c : checks) {
        if (c.ok()) continue;
        ++damaged;
        fmt::print("{}: run {}: {} -> resume {}\n", dir.string(), c.run, fmt::join(c.problems, "; "),
                   c.redo ? "does the run again from its seed (its calls come from the response cache)" : "rebuilds summary.json from state.json");
      }
      try {
        (void)ex::read_spend(dir);
      } catch (const ex::storage_error& e) {
        ++damaged;
        fmt::print("{}\n", e.what());
      }
    }
    if (damaged) {
      fmt::print("{} of {} run{} damaged; `judgegrad resume DIR` mends them\n", damaged, runs, runs == 1 ? "" : "s");
      return int(exit_storage);
    }
    fmt::print("{} run{} checked: every committed step is whole\n", runs, runs == 1 ? "" : "s");
    return int(exit_ok);
  });
}

int run_report(const report_options& o) {
  return guarded([&] {
    output_file html_out(o.html_file, "--html");  // checked before anything is computed
    output_file json_out(o.json_file, "--json");
    std::vector<jg::report::directory_report> reports;
    for (const auto& d : o.dirs) {
      std::filesystem::path dir = d;
      (void)manifest_of(dir);
      fmt::print("{}\n", write_table(dir, o.resamples));
      if (reports.empty()) json_out.write(ex::files::read_all(dir / "results" / "table1.json"));
      reports.push_back(jg::report::read_directory_report(dir, {.resamples = static_cast<std::size_t>(o.resamples)}));
      ex::files::write_atomic(dir / "results" / "report.md", jg::report::to_markdown(reports.back()));
      fmt::print("Table 1: {}\nall tables: {}\n", (dir / "results" / "table1.md").string(), (dir / "results" / "report.md").string());
    }
    auto html = jg::report::to_html(reports);
    if (html_out) {
      html_out.write(html);
      fmt::print("report: {}\n", o.html_file);
    } else {
      auto file = std::filesystem::path(o.dirs.front()) / "results" / "report.html";
      ex::files::write_atomic(file, html);
      fmt::print("report: {}\n", file.string());
    }
    std::vector<std::string> damaged;
    for (std::size_t k = 0; k < reports.size(); ++k)
      for (const auto& d : reports[k].table.damaged) damaged.push_back(fmt::format("{}/runs/{}", o.dirs[k], d));
    if (!damaged.empty())
      throw failure(exit_storage, fmt::format("{} damaged run{} left out of the tables: {}\n`judgegrad resume DIR` mends them (`judgegrad check DIR` "
                                              "says what is wrong)",
                                              damaged.size(), damaged.size() == 1 ? " is" : "s are", fmt::join(damaged, "; ")));
    return int(exit_ok);
  });
}

}  // namespace

std::string config_file_of(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("JUDGEGRAD_LLM_CONFIG");
  return env && *env ? std::string(env) : std::string();
}

ex::manifest manifest_of(const std::filesystem::path& dir) {
  if (!ex::is_run_directory(dir))
    throw failure(exit_usage, fmt::format("{} is not a judgegrad run directory (it has no experiment.json)", dir.string()));
  return ex::read_manifest(dir);  // checks the format version
}

std::filesystem::path sweep_shard_directory(const std::filesystem::path& root, ex::shard s) {
  return root / "shards" / fmt::format("{}-of-{}", s.index, s.count);
}

ex::definition_file definition_from(const run_options& o) {
  ex::definition_file f;
  try {
    if (!o.experiment_file.empty()) f = ex::load_definition(o.experiment_file);
    else if (auto p = ex::preset(o.preset, o.faithful)) f.experiment = *p;
    else throw ex::definition_error(fmt::format("--preset {} --faithful: the remedies presets have no faithful form (the reference has no remedies)", o.preset));
    auto& d = f.experiment;
    if (o.faithful && !d.faithful) {
      d.faithful = true;
      if (d.merges == std::vector<std::string>{"labeled_sections"}) d.merges = {"concatenate"};
    }
    if (!o.modes.empty()) d.modes = o.modes;
    if (!o.gates.empty()) d.gates = o.gates;
    if (!o.merges.empty()) d.merges = o.merges;
    if (!o.layouts.empty()) d.layouts = o.layouts;
    if (!o.seeds.empty()) d.seeds = o.seeds;
    if (o.steps) d.steps = *o.steps;
    if (o.batch) d.batch = *o.batch;
    if (o.test_every) d.test_every = *o.test_every;
    if (o.parallel) d.parallel_runs = *o.parallel;
    bool flags = !o.modes.empty() || !o.gates.empty() || !o.merges.empty() || !o.layouts.empty() || !o.seeds.empty() || o.steps || o.batch ||
                 o.test_every;
    if (flags) d.source = o.experiment_file.empty() ? fmt::format("preset {} with flags", d.name) : d.source + " with flags";
    // A flag that changes no run is a mistake to say so, not a setting to record and ignore.
    auto applies = [&](const char* flag, bool given, bool (ex::variant_spec::*uses)() const) {
      if (!given) return;
      for (const auto& mode : d.modes)
        if ((ex::variant_spec{mode}.*uses)()) return;
      throw failure(exit_usage, fmt::format("{} does not apply to the modes {}: none of them has that slot (single-task judges one criterion "
                                            "with the default merge and layout; OPRO has no merge step)",
                                            flag, fmt::join(d.modes, " ")));
    };
    applies("--merges", !o.merges.empty(), &ex::variant_spec::has_merge);
    applies("--layouts", !o.layouts.empty(), &ex::variant_spec::has_layout);
    applies("--gates", !o.gates.empty(), &ex::variant_spec::has_gate);
    ex::check(d);
  } catch (const ex::definition_error& e) {
    throw failure(exit_configuration, e.what());
  }
  return f;
}

command add_run(CLI::App& app) {
  auto options = std::make_shared<run_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("run", "Run an experiment (a preset, an experiment file, or flags) into a run directory; "
                                        "on an existing run directory, continue it");
  cmd->add_option("--preset", o.preset, "paper (SummEval, the paper's study), brighter, remedies (the paper's study beside its section 5's "
                                        "remedies, docs/remedies.md) or remedies-brighter")
      ->check(CLI::IsMember({"paper", "brighter", "remedies", "remedies-brighter"}))
      ->capture_default_str();
  cmd->add_option("--experiment", o.experiment_file, "An experiment file: judgegrad's format or the reference's (docs/experiments.md)");
  cmd->add_option("--out", o.out_dir, "The run directory (default: judgegrad-runs/<name>, or the reference file's output_dir)");
  cmd->add_flag("--faithful", o.faithful, "The reference implementation's behaviour throughout (docs/optimizing.md)");
  cmd->add_option("--modes", o.modes, "Decomposition modes and baselines: single-task SSS SSC SCC CCC CSS CSC CCS SCS opro opro(mae)");
  cmd->add_option("--gates", o.gates, "Gates: none mae spearman off_by_one paired-mae bootstrap-mae pareto-mae");
  cmd->add_option("--merges", o.merges, "Merge policies: labeled_sections concatenate structured");
  cmd->add_option("--layouts", o.layouts, "Judge layouts: joint per_criterion");
  cmd->add_option("--seeds", o.seeds, "Seeds, one run of every variant each");
  cmd->add_option("--steps", o.steps, "Optimization steps per run")->check(at_least(1));
  cmd->add_option("--batch", o.batch, "Training examples per step")->check(at_least(1));
  cmd->add_option("--test-every", o.test_every, "Judge the test split every N steps (0: at step 0 and the last only)")->check(at_least(0));
  cmd->add_option("--parallel", o.parallel, "Runs at once, sharing the backend's limits")->check(at_least(1));
  cmd->add_option("--sim-preset", o.sim_preset, "Simulator preset when no endpoint is configured (docs/simulator.md)")->capture_default_str();
  cmd->add_option("--sim-config", o.sim_config, "JSON file of simulator knobs over the preset, such as the world `judgegrad calibrate` fits "
                                                "(docs/simulator.md); the run directory keeps them");
  cmd->add_option("--shard", o.shard, "Run only shard I of N (I/N): every N-th run of the grid, from the I-th; `judgegrad merge` joins the shards "
                                      "(docs/scaling.md)");
  cmd->add_option("--cache", o.cache_file, "Response cache file in place of DIR/cache.sqlite, e.g. one that the shards on one machine share "
                                           "(a local disk: SQLite's WAL needs it; docs/scaling.md)");
  add_experiment_flags(cmd, o);
  return {cmd, [options] { return run_run(*options); }};
}

command add_resume(CLI::App& app) {
  auto options = std::make_shared<run_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("resume", "Continue a run directory from the last finished step of each run; finished runs are kept");
  cmd->add_option("dir", o.out_dir, "The run directory")->required();
  cmd->add_option("--parallel", o.parallel, "Runs at once")->check(at_least(1));
  cmd->add_option("--budget-usd", o.raised_budget.max_usd, "Raise (or set) the run's USD budget to this total; what was spent still counts")
      ->check(between(0, 1e12));
  cmd->add_option("--budget-calls", o.raised_budget.max_calls, "Raise (or set) the run's budget of calls to this total")->check(at_least(1));
  cmd->add_option("--budget-tokens", o.raised_budget.max_tokens, "Raise (or set) the run's budget of tokens to this total")->check(at_least(1));
  cmd->add_flag("--allow-change", o.allow_change,
                "Go on through a --config whose models, endpoints or sampling differ from the run's; the change is recorded and the runs "
                "it touches are marked in every report");
  add_experiment_flags(cmd, o);
  return {cmd, [options] { return run_resume(*options); }};
}

command add_report(CLI::App& app) {
  auto options = std::make_shared<report_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("report", "Write the report of run directories (tables as Markdown, one HTML page with charts), without a model call");
  cmd->add_option("dirs", o.dirs, "Run directories (several: one HTML page with a section each)")->required();
  cmd->add_option("--resamples", o.resamples, "Bootstrap resamples for the intervals (0: none)")->check(at_least(0))->capture_default_str();
  cmd->add_option("--json", o.json_file, "Also write Table 1 (of the first directory) as JSON here");
  cmd->add_option("--html", o.html_file, "Write the HTML page here (default: results/report.html of the first directory)");
  return {cmd, [options] { return run_report(*options); }};
}

command add_check(CLI::App& app) {
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("check", "Check run directories against their commit points: which runs are damaged, and what resume does about it");
  cmd->add_option("dirs", *dirs, "Run directories")->required();
  return {cmd, [dirs] { return run_check(*dirs); }};
}

}  // namespace judgegrad_cli
