// The judgegrad command-line tool. Exit codes (the same for every command): 0 success, 1 internal
// error, 2 usage, 3 data, 4 configuration, 5 backend (model calls failed), 6 budget.
#include <judgegrad/judgegrad.hpp>

#include "common.hpp"
#include "evaluate.hpp"
#include "serve.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace jg = judgegrad;
namespace hana = boost::hana;

namespace {

// The paper's grid: its four decomposition modes, with and without the MAE validation gate.
constexpr auto paper_grid = jg::grid<jg::summeval::all>(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>,
                                                        hana::tuple_t<jg::gate::always, jg::gate::non_regression<jg::metric::mae>>);

int list_variants(std::size_t batch) {
  fmt::print("judgegrad {}: the paper's variants on SummEval ({} criteria), batch {}\n\n", jg::version_string,
             jg::summeval::all::size, batch);
  fmt::print("{:<16} {:>5} {:>9} {:>7} {:>6}\n", "variant", "loss", "gradient", "update", "calls");
  jg::for_each_variant(paper_grid, [&](auto v) {
    using V = typename decltype(v)::type;
    auto c = V::calls(batch);
    fmt::print("{:<16} {:>5} {:>9} {:>7} {:>6}\n", V::name(), c.loss, c.gradient, c.update, c.total());
  });
  return 0;
}

/// The exit code of an exception escaping a command, and its message on stderr.
int report(std::string_view command, const std::exception& e) {
  int code = judgegrad_cli::exit_internal;
  if (const auto* f = dynamic_cast<const judgegrad_cli::failure*>(&e)) code = f->code;
  else if (dynamic_cast<const jg::data::load_error*>(&e)) code = judgegrad_cli::exit_data;
  else if (dynamic_cast<const jg::llm::config_error*>(&e) || dynamic_cast<const jg::sim::config_error*>(&e))
    code = judgegrad_cli::exit_configuration;
  fmt::print(stderr, "judgegrad{}{}: {}{}\n", command.empty() ? "" : " ", command, e.what(),
             code == judgegrad_cli::exit_internal ? "\n(an internal error: please report it with the command line that caused it)" : "");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"judgegrad: optimize multi-criteria LLM judges with textual gradients\n"
               "exit codes: 0 ok, 1 internal error, 2 usage, 3 data, 4 configuration, 5 backend (model calls failed), 6 budget"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(jg::version_string));

  std::size_t batch = 3;
  auto* variants = app.add_subcommand("variants", "List the paper's variants and the LLM calls each makes per step");
  variants->add_option("--batch", batch, "Examples per optimization step")->check(judgegrad_cli::at_least(1))->capture_default_str();

  judgegrad_cli::evaluate_options evaluate;
  auto* evaluate_cmd = judgegrad_cli::add_evaluate(app, evaluate);

  judgegrad_cli::serve_options serve;
  auto* serve_cmd = judgegrad_cli::add_serve(app, serve);

  // An unknown command is named, with the commands there are (CLI11 would only say one is needed).
  if (argc > 1 && argv[1][0] != '-') {
    std::string_view given = argv[1];
    auto subs = app.get_subcommands([](const CLI::App*) { return true; });
    bool known = std::any_of(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->get_name() == given; });
    if (!known) {
      std::string names;
      for (const auto* s : subs) names += (names.empty() ? "" : ", ") + s->get_name();
      fmt::print(stderr, "judgegrad: unknown command '{}'; the commands are {} (judgegrad --help)\n", given, names);
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
    if (*variants) return list_variants(batch);
    if (*evaluate_cmd) return judgegrad_cli::run_evaluate(evaluate);
    if (*serve_cmd) return judgegrad_cli::run_serve(serve);
  } catch (const std::exception& e) {
    return report(command, e);
  }
  return judgegrad_cli::exit_ok;
}
