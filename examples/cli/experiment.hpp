// What `judgegrad run`, `resume` and `report` (experiment.cpp) share with the other commands: the
// options of a run, the experiment they ask for, the configuration they name, a run directory's
// manifest and where a sweep keeps its shards.
#pragma once

#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/shards.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/sim/params.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace judgegrad_cli {

namespace jg = judgegrad;
namespace ex = jg::experiment;

/// Everything `run` and `resume` read from the command line.
struct run_options {
  std::string preset = "paper";
  std::string experiment_file;
  std::string config_file;
  std::string out_dir;
  std::string data_dir;
  std::string sim_preset = "paper";
  std::string sim_config;  ///< a knob file over the preset
  std::string shard;       ///< "I/N": run the I-th of N slices of the grid
  std::string cache_file;  ///< a response cache in place of DIR/cache.sqlite
  bool faithful = false;
  bool quiet = false;
  std::vector<std::string> modes, gates, merges, layouts;
  std::vector<std::uint32_t> seeds;
  std::optional<std::size_t> steps, batch, test_every, parallel;
  long long resamples = 1000;
  jg::llm::budget raised_budget;  ///< resume: limits that replace the run's (--budget-usd, --budget-calls, --budget-tokens)
  bool allow_change = false;      ///< resume: go on through a backend that answers otherwise, recorded as such
};

/// The LLM configuration named by --config, else by $JUDGEGRAD_LLM_CONFIG; empty: the simulator.
std::string config_file_of(const std::string& given);

/// The definition the command line asks for: a file or a preset, then the flags over it.
ex::definition_file definition_from(const run_options& o);

/// The manifest of run directory `dir`; exit 2 when `dir` is not one.
ex::manifest manifest_of(const std::filesystem::path& dir);

/// The simulator's knobs a run directory's manifest records (experiment::simulator_params); a bad
/// entry exits 4.
jg::sim::params simulator_knobs_of(const ex::manifest& m);

/// The simulator's name in a backend's description: its preset, and whether a knob file changed it.
std::string simulator_name(const ex::manifest& m);

/// Where a sweep rooted at `root` keeps shard `s`'s run directory: ROOT/shards/I-of-N.
std::filesystem::path sweep_shard_directory(const std::filesystem::path& root, ex::shard s);

}  // namespace judgegrad_cli
