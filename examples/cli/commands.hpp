// The commands of the judgegrad tool, one translation unit each (their .cpp files build in
// parallel). Each adds its subcommand to the application and hands back what runs it once the
// command line is parsed: the options it binds live with the command, not in main.cpp.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace judgegrad_cli {

/// A subcommand of the tool and what runs it (its exit code; errors are thrown, main.cpp reports them).
struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

command add_variants(CLI::App& app);      // variants.cpp
command add_run(CLI::App& app);           // experiment.cpp
command add_resume(CLI::App& app);        // experiment.cpp
command add_report(CLI::App& app);        // experiment.cpp
command add_check(CLI::App& app);         // experiment.cpp
command add_merge(CLI::App& app);         // sweep.cpp
command add_slurm(CLI::App& app);         // sweep.cpp
command add_cache(CLI::App& app);         // cache.cpp
command add_diagnose(CLI::App& app);      // diagnose.cpp
command add_interference(CLI::App& app);  // diagnose.cpp
command add_evaluate(CLI::App& app);      // evaluate.cpp
command add_serve(CLI::App& app);         // serve.cpp
command add_observe(CLI::App& app);       // observe.cpp
command add_calibrate(CLI::App& app);     // calibrate.cpp

}  // namespace judgegrad_cli
