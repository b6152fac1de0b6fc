// `judgegrad observe`: the observations run directories hold (calibration::observations_of), as
// an observations file that `judgegrad calibrate` fits the simulated world to: Table 1's
// trajectories and values per configuration, the instructions' lengths, and what `diagnose` and
// `interference` found, each with its standard error and the rule that gave it.
#include <judgegrad/calibration/observe.hpp>
#include <judgegrad/experiment/files.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "experiment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace judgegrad_cli {

namespace {

struct observe_options {
  std::vector<std::string> dirs;
  std::string out;
};

int run_observe(const observe_options& o) {
  return guarded([&] {
    namespace cal = jg::calibration;
    cal::observation_set all;
    std::set<std::string> configurations;
    for (const auto& d : o.dirs) {
      std::filesystem::path dir = d;
      (void)manifest_of(dir);  // exit 2 when it is not a run directory
      // Several directories: each id starts with its directory's name, so that they stay apart.
      auto set = cal::observations_of(dir, o.dirs.size() > 1 ? dir.filename().string() + ":" : std::string());
      if (all.observations.empty()) {
        all = std::move(set);
        if (o.dirs.size() > 1) all.description = fmt::format("observed in the run directories {}", fmt::join(o.dirs, ", "));
      } else {
        if (set.dataset != all.dataset)
          throw failure(exit_usage, fmt::format("{} holds {} and {} holds {}: give run directories of one data set", o.dirs.front(), all.dataset, d, set.dataset));
        all.simulated = all.simulated || set.simulated;
        for (auto& x : set.observations) all.observations.push_back(std::move(x));
      }
    }
    for (const auto& x : all.observations)
      if (!x.mode.empty()) configurations.insert(x.mode + "/" + x.gate);
    std::filesystem::path file = o.out.empty() ? std::filesystem::path(o.dirs.front()) / "results" / "observations.json" : std::filesystem::path(o.out);
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    jg::experiment::files::write_atomic(file, cal::to_json(all));
    fmt::print("judgegrad observe: {} observations of {}{} to {}\n", all.observations.size(), counted(configurations.size(), "configuration"),
               all.simulated ? " (SIMULATED: a simulated model answered these runs)" : "", file.string());
    return int(exit_ok);
  });
}

}  // namespace

command add_observe(CLI::App& app) {
  auto options = std::make_shared<observe_options>();
  auto* cmd = app.add_subcommand("observe", "Turn run directories into observations (values with standard errors) to calibrate the simulator on");
  cmd->add_option("dirs", options->dirs, "Run directories (of one data set)")->required();
  cmd->add_option("-o,--out", options->out, "The observations file to write (default: results/observations.json of the first directory)");
  return {cmd, [options] { return run_observe(*options); }};
}

}  // namespace judgegrad_cli
