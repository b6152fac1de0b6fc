// `judgegrad merge` and `judgegrad slurm`: a grid run as N shards (`judgegrad run --shard I/N`),
// on N machines or as the tasks of a Slurm job array, and the shards joined into one run
// directory that `report` and `resume` treat as if one machine had run it (docs/scaling.md).
#include <judgegrad/experiment.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "experiment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace judgegrad_cli {

namespace {

struct merge_options {
  std::vector<std::string> shards;
  std::string out;
};

int run_merge(const merge_options& o) {
  return guarded([&] {
    std::vector<std::filesystem::path> dirs(o.shards.begin(), o.shards.end());
    ex::merge_result r;
    try {
      r = ex::merge_shards(dirs, o.out);
    } catch (const ex::merge_error& e) {
      throw failure(exit_usage, e.what());
    }
    fmt::print("judgegrad merge: {} shards, {} runs, {} cached replies into {}\n`judgegrad report {}` makes Table 1; `judgegrad resume {}` "
               "continues it like any run directory\n",
               r.shards, r.runs, r.cache_entries, o.out, o.out, o.out);
    return int(exit_ok);
  });
}

struct slurm_options {
  std::string experiment_file;
  std::size_t shards = 0;
  std::string root;
  std::string data_dir;
  std::string partition, time, account, qos, mem;
  std::optional<std::size_t> cpus_per_task, parallel, max_running;
  std::vector<std::string> sbatch_lines;
  std::string sim_preset = "paper";
  bool shared_cache = false;
  bool submit = false;
};


/// `s` quoted for a POSIX shell.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs `command` through the shell and returns its standard output; a failure (the exit code
/// and what it printed) is a backend error naming the command.
std::string output_of(const std::string& command) {
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw failure(exit_backend, fmt::format("cannot run {}", command));
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int status = ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (status != 0)
    throw failure(exit_backend, fmt::format("`{}` failed (exit {}): {}", command, WIFEXITED(status) ? WEXITSTATUS(status) : -1, out));
  return out;
}

/// The job id `sbatch --parsable` printed ("123" or "123;cluster").
std::string job_id(const std::string& printed) {
  auto line = printed.substr(printed.rfind('\n') == std::string::npos ? 0 : printed.rfind('\n') + 1);
  return line.substr(0, line.find(';'));
}

/// Whether shard directory `dir` has every run of its own ended (finished or aborted).
bool shard_done(const std::filesystem::path& dir) {
  if (!ex::is_run_directory(dir)) return false;
  auto m = ex::read_manifest(dir);
  return std::all_of(m.runs.begin(), m.runs.end(), [&](const std::string& r) { return ex::has_ended(ex::run_standing(dir, r)); });
}

std::string directives(const slurm_options& o, const std::string& job_name, const std::filesystem::path& log) {
  std::string out = fmt::format("#SBATCH --job-name={}\n#SBATCH --output={}\n#SBATCH --export=ALL\n", job_name, log.string());
  if (!o.partition.empty()) out += fmt::format("#SBATCH --partition={}\n", o.partition);
  if (!o.account.empty()) out += fmt::format("#SBATCH --account={}\n", o.account);
  if (!o.qos.empty()) out += fmt::format("#SBATCH --qos={}\n", o.qos);
  if (!o.time.empty()) out += fmt::format("#SBATCH --time={}\n", o.time);
  for (const auto& l : o.sbatch_lines) out += fmt::format("#SBATCH {}\n", l);
  return out;
}

void write_script(const std::filesystem::path& file, const std::string& text) {
  ex::files::write_atomic(file, text);
  if (::chmod(file.c_str(), 0755) != 0) throw failure(exit_storage, fmt::format("cannot make {} executable", file.string()));
}


int run_slurm(const slurm_options& o) {
  namespace fs = std::filesystem;
  return guarded([&] {
    run_options ro;
    ro.experiment_file = o.experiment_file;
    if (o.submit && !on_path("sbatch"))
      throw failure(exit_usage, "--submit needs Slurm's sbatch, which is not on PATH here; nothing was written or submitted (without --submit "
                                "the scripts are written for you to submit where Slurm is)");
    auto file = definition_from(ro);  // checked here, before anything is written or submitted
    const auto& d = file.experiment;
    std::size_t runs = ex::with_criteria_of(d.dataset, [&](auto set) { return ex::jobs_of<typename decltype(set)::type>(d).size(); });
    if (o.shards > runs)
      throw failure(exit_usage, fmt::format("--shards {}: the experiment has {} runs, so at most {} shards", o.shards, runs, runs));
    fs::path bin = fs::read_symlink("/proc/self/exe");
    fs::path experiment = fs::absolute(o.experiment_file);
    fs::path data = fs::absolute(judgegrad_cli::data_dir(o.data_dir));
    fs::path root = fs::absolute(o.root.empty() ? fs::path("judgegrad-runs") / ((d.faithful ? d.name + "-faithful" : d.name) + "-sweep") : fs::path(o.root));
    fs::path scripts = root / "slurm";
    std::error_code ec;
    fs::create_directories(scripts / "logs", ec);
    if (ec) throw failure(exit_storage, fmt::format("cannot create {}: {}", (scripts / "logs").string(), ec.message()));
    fs::create_directories(root / "shards", ec);
    const std::size_t n = o.shards;
    std::string name = "jg-" + d.name;

    std::string run = fmt::format("{} run --experiment {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --out {}/\"$SLURM_ARRAY_TASK_ID-of-{}\" --data {} --quiet",
                                  quoted(bin.string()), quoted(experiment.string()), n, quoted((root / "shards").string()), n, quoted(data.string()));
    if (o.parallel) run += fmt::format(" --parallel {}", *o.parallel);
    if (o.sim_preset != "paper") run += fmt::format(" --sim-preset {}", quoted(o.sim_preset));
    if (o.shared_cache) run += fmt::format(" --cache {}", quoted((root / "cache.sqlite").string()));
    std::string array = "#!/bin/bash\n";
    array += fmt::format("# judgegrad sweep {}: shard $SLURM_ARRAY_TASK_ID of {} of {} ({} runs in all).\n", d.name, n, experiment.string(), runs);
    array += "# Written by `judgegrad slurm`; submitting again (judgegrad slurm ... --submit) resumes the unfinished shards.\n";
    array += "# The LLM configuration and API keys come from the environment the job is submitted from (JUDGEGRAD_LLM_CONFIG,\n"
             "# the variables it names); without one, judgegrad's simulator answers.\n";
    std::string throttle = o.max_running ? fmt::format("%{}", *o.max_running) : std::string();
    array += fmt::format("#SBATCH --array=1-{}{}\n", n, throttle);
    array += directives(o, name, scripts / "logs" / "shard-%a.out");
    if (o.cpus_per_task) array += fmt::format("#SBATCH --cpus-per-task={}\n", *o.cpus_per_task);
    if (!o.mem.empty()) array += fmt::format("#SBATCH --mem={}\n", o.mem);
    array += "set -euo pipefail\n";
    array += fmt::format("echo \"judgegrad shard $SLURM_ARRAY_TASK_ID/{}: job $SLURM_JOB_ID on $(hostname), $(date -u +%FT%TZ)\"\n", n);
    array += "exec " + run + "\n";

    std::string shard_dirs;
    for (std::size_t i = 1; i <= n; ++i) shard_dirs += " " + quoted(sweep_shard_directory(root, {i, n}).string());
    fs::path merged = root / "merged";
    std::string merge = "#!/bin/bash\n";
    merge += fmt::format("# judgegrad sweep {}: merges the {} shards into {} and makes its report, once the array has ended.\n", d.name, n,
                         merged.string());
    merge += directives(o, name + "-merge", scripts / "logs" / "merge.out");
    merge += "set -euo pipefail\n";
    merge += fmt::format("if [ ! -e {} ]; then\n  {} merge{} -o {}\nfi\n", quoted((merged / "experiment.json").string()), quoted(bin.string()),
                         shard_dirs, quoted(merged.string()));
    merge += fmt::format("exec {} report {}\n", quoted(bin.string()), quoted(merged.string()));
    write_script(scripts / "array.sbatch", array);
    write_script(scripts / "merge.sbatch", merge);

    std::string each = runs % n ? fmt::format("{} or {}", runs / n, runs / n + 1) : fmt::format("{}", runs / n);
    fmt::print("judgegrad slurm: {} — {} runs in {} shards ({} runs each)\n", d.name, runs, n, each);
    fmt::print("  {}\n  {}\n", (scripts / "array.sbatch").string(), (scripts / "merge.sbatch").string());
    if (!o.submit) {
      fmt::print("submit: sbatch {} and then, after it, sbatch --dependency=afterany:<its job id> {} (or add --submit)\n",
                 (scripts / "array.sbatch").string(), (scripts / "merge.sbatch").string());
      return int(exit_ok);
    }
    std::vector<std::size_t> todo;
    for (std::size_t i = 1; i <= n; ++i)
      if (!shard_done(sweep_shard_directory(root, {i, n}))) todo.push_back(i);
    if (todo.empty() && ex::is_run_directory(merged)) {
      fmt::print("every shard has finished and {} holds the merged runs: nothing to submit\n", merged.string());
      return int(exit_ok);
    }
    std::string dependency;
    if (!todo.empty()) {
      std::string indices;
      for (auto i : todo) indices += (indices.empty() ? "" : ",") + std::to_string(i);
      std::string id = job_id(
          output_of(fmt::format("sbatch --parsable --array={}{} {}", indices, throttle, quoted((scripts / "array.sbatch").string()))));
      fmt::print("submitted job array {} ({} of {} shards: {})\n", id, todo.size(), n, indices);
      dependency = fmt::format(" --dependency=afterany:{}", id);
    }
    std::string merge_id = job_id(
        output_of(fmt::format("sbatch --parsable{} {}", dependency, quoted((scripts / "merge.sbatch").string()))));
    fmt::print("submitted merge job {}{}: it writes {}\nlogs: {}\n", merge_id, dependency.empty() ? "" : " (after the array)", merged.string(),
               (scripts / "logs").string());
    return int(exit_ok);
  });
}

}  // namespace

command add_merge(CLI::App& app) {
  auto options = std::make_shared<merge_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("merge", "Join the run directories of an experiment's shards (judgegrad run --shard I/N) into one run directory");
  cmd->add_option("shards", o.shards, "The shards' run directories, all N of them, in any order")->required();
  cmd->add_option("-o,--out", o.out, "The merged run directory (new, or empty)")->required();
  return {cmd, [options] { return run_merge(*options); }};
}

command add_slurm(CLI::App& app) {
  auto options = std::make_shared<slurm_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("slurm", "Write (and with --submit, submit) a Slurm job array that runs an experiment as N shards, and a job "
                                          "that merges and reports them when the array has ended; again, it resubmits the unfinished shards");
  cmd->add_option("experiment", o.experiment_file, "The experiment file (docs/experiments.md)")->required();
  cmd->add_option("--shards", o.shards, "Shards: array tasks, each running every N-th run of the grid")->required()->check(at_least(1));
  cmd->add_option("--out", o.root, "The sweep's directory: slurm/ (scripts, logs), shards/I-of-N/, merged/ (default: judgegrad-runs/<name>-sweep)");
  cmd->add_option("--data", o.data_dir, "Data directory the tasks read (default: $JUDGEGRAD_DATA, else the data judgegrad ships)");
  cmd->add_option("--partition", o.partition, "Slurm partition (sbatch --partition)");
  cmd->add_option("--time", o.time, "Time limit of each task (sbatch --time), e.g. 04:00:00");
  cmd->add_option("--account", o.account, "Slurm account (sbatch --account)");
  cmd->add_option("--qos", o.qos, "Quality of service (sbatch --qos)");
  cmd->add_option("--mem", o.mem, "Memory per task (sbatch --mem), e.g. 4G");
  cmd->add_option("--cpus-per-task", o.cpus_per_task, "CPUs per task (sbatch --cpus-per-task)")->check(at_least(1));
  cmd->add_option("--max-running", o.max_running, "Tasks running at once (sbatch --array=...%K); each task keeps the LLM configuration's "
                                                 "rate limits for itself, so K tasks reach an endpoint at up to K times them")
      ->check(at_least(1));
  cmd->add_option("--parallel", o.parallel, "Runs in flight within a task (default: the experiment's parallel_runs)")->check(at_least(1));
  cmd->add_option("--sbatch", o.sbatch_lines, "Another sbatch option for every job, as written after #SBATCH (repeatable), e.g. --gres=gpu:0");
  cmd->add_option("--sim-preset", o.sim_preset, "Simulator preset when no endpoint is configured")->capture_default_str();
  cmd->add_flag("--shared-cache", o.shared_cache, "One response cache, SWEEP/cache.sqlite, for every shard: only where every task sees one local "
                                                  "file system (one node); the default is a cache per shard");
  cmd->add_flag("--submit", o.submit, "Submit with sbatch: the unfinished shards' tasks, then the merge job after them");
  return {cmd, [options] { return run_slurm(*options); }};
}

}  // namespace judgegrad_cli
