// The judgegrad command-line tool. Exit codes (the same for every command): 0 success, 1 internal
// error, 2 usage, 3 data, 4 configuration, 5 backend (model calls failed), 6 budget, 7 storage.
#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/data/error.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/llm/config_reader.hpp>
#include <judgegrad/sim/params.hpp>

#include "commands.hpp"
#include "common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace jg = judgegrad;

namespace {

/// The exit code of an exception escaping a command, and its message on stderr.
int report(std::string_view command, const std::exception& e) {
  int code = judgegrad_cli::exit_internal;
  if (const auto* f = dynamic_cast<const judgegrad_cli::failure*>(&e)) code = f->code;
  else if (dynamic_cast<const jg::experiment::storage_error*>(&e))
    code = judgegrad_cli::exit_storage;
  else if (dynamic_cast<const jg::experiment::definition_error*>(&e)) code = judgegrad_cli::exit_configuration;
  else if (dynamic_cast<const jg::data::load_error*>(&e) || dynamic_cast<const jg::calibration::observation_error*>(&e))
    code = judgegrad_cli::exit_data;
  else if (dynamic_cast<const jg::llm::config_error*>(&e) || dynamic_cast<const jg::sim::config_error*>(&e))
    code = judgegrad_cli::exit_configuration;
  std::string_view what = e.what();
  if (what.starts_with("judgegrad: ")) what.remove_prefix(11);  // the library's own prefix: the tool's is enough
  fmt::print(stderr, "judgegrad{}{}: {}{}\n", command.empty() ? "" : " ", command, what,
             code == judgegrad_cli::exit_internal ? "\n(an internal error: please report it with the command line that caused it)" : "");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"judgegrad: optimize multi-criteria LLM judges with textual gradients\n"
               "exit codes: 0 ok, 1 internal error, 2 usage, 3 data, 4 configuration, 5 backend (model calls failed), 6 budget, 7 storage"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(jg::version_string));

  std::vector<judgegrad_cli::command> commands;
  for (auto add : {judgegrad_cli::add_variants, judgegrad_cli::add_run, judgegrad_cli::add_resume, judgegrad_cli::add_report,
                   judgegrad_cli::add_check, judgegrad_cli::add_merge, judgegrad_cli::add_slurm, judgegrad_cli::add_cache,
                   judgegrad_cli::add_diagnose, judgegrad_cli::add_interference, judgegrad_cli::add_evaluate, judgegrad_cli::add_serve,
                   judgegrad_cli::add_observe, judgegrad_cli::add_calibrate})
    commands.push_back(add(app));

  // No command, or an unknown one: the commands there are (CLI11 would only say one is needed).
  if (argc == 1 || argv[1][0] != '-') {  // (the commands' own subcommands, as `cache stats`, are CLI11's to check)
    std::string_view given = argc > 1 ? argv[1] : "";
    auto subs = app.get_subcommands([](const CLI::App*) { return true; });
    bool known = std::any_of(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->get_name() == given; });
    if (!known) {
      std::string names;
      for (const auto* s : subs) names += fmt::format("  {:<13} {}\n", s->get_name(), s->get_description());
      fmt::print(stderr, "judgegrad: {}; the commands are:\n{}`judgegrad COMMAND --help` tells more; exit codes: {}\n",
                 given.empty() ? std::string("give a command") : fmt::format("unknown command '{}'", given), names,
                 "0 ok, 1 internal error, 2 usage, 3 data, 4 configuration, 5 backend, 6 budget, 7 storage");
      return judgegrad_cli::exit_usage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, the version, or the error in CLI11's words
    return code == 0 ? 0 : judgegrad_cli::exit_usage;
  }
  std::string command = app.get_subcommands().front()->get_name();
  try {
    for (const auto& c : commands)
      if (*c.app) return c.run();
  } catch (const std::exception& e) {
    return report(command, e);
  }
  return judgegrad_cli::exit_ok;
}
