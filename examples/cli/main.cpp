// The judgegrad command-line tool.
#include <judgegrad/judgegrad.hpp>

#include "evaluate.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"judgegrad: optimize multi-criteria LLM judges with textual gradients"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(jg::version_string));

  std::size_t batch = 3;
  auto* variants = app.add_subcommand("variants", "List the paper's variants and the LLM calls each makes per step");
  variants->add_option("--batch", batch, "Examples per optimization step")->check(CLI::PositiveNumber);

  judgegrad_cli::evaluate_options evaluate;
  auto* evaluate_cmd = judgegrad_cli::add_evaluate(app, evaluate);

  judgegrad_cli::serve_options serve;
  auto* serve_cmd = judgegrad_cli::add_serve(app, serve);

  CLI11_PARSE(app, argc, argv);
  if (*variants) return list_variants(batch);
  try {
    if (*evaluate_cmd) return judgegrad_cli::run_evaluate(evaluate);
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "judgegrad: {}\n", e.what());
    return 1;
  }
  if (*serve_cmd) return judgegrad_cli::run_serve(serve);
  return 0;
}
