// `judgegrad variants`: the paper's variants and the LLM calls each makes per step (experiment::plan),
// with --shards the calls of each shard of the paper preset, with --all every compiled variant.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/plan.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/runner.hpp>
#include <judgegrad/experiment/shards.hpp>
#include <judgegrad/config.hpp>

#include "catalog.hpp"
#include "commands.hpp"
#include "common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace judgegrad_cli {

namespace hana = boost::hana;

namespace {

struct variants_options {
  std::string dataset = "summeval";
  std::size_t batch = 3, validation = 100, steps = 12;
  std::optional<std::size_t> test;  ///< default: the paper split's test size (480 SummEval, 2767 BRIGHTER)
  std::size_t shards = 0;           ///< with N: the paper preset's runs dealt into N shards, and the calls of each
  bool all = false;                 ///< list every compiled variant's name instead
};

/// The LLM calls per step of the paper's variants, as the reference's own table counts them (its
/// notes, section 1.8): the judge on the batch, the three stages, the gate on the validation items
/// (the incumbent too, at the first gate), the test evaluation. With --shards, the paper preset's
/// runs as `judgegrad run --shard I/N` deals them, and the calls of each shard.
template <jg::criteria_set Set>
int list_variants(const variants_options& o) {
  constexpr std::size_t k = Set::size;
  const std::size_t test = o.test.value_or(jg::experiment::paper_test_size(o.dataset));
  constexpr auto paper_grid = jg::grid<Set>(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>,
                                            hana::tuple_t<jg::gate::always, jg::gate::non_regression<jg::metric::mae>>);
  fmt::print("judgegrad {}: LLM calls per step of the paper's variants on {} ({} criteria), batch {}, {} validation and {} test items\n\n",
             jg::version_string, o.dataset == "summeval" ? "SummEval" : "BRIGHTER", k, o.batch, o.validation, test);
  fmt::print("{:<30} {:>6} {:>5} {:>9} {:>7} {:>12} {:>6} {:>7}\n", "variant", "judge", "loss", "gradient", "update", "gate", "test", "total");
  auto row = [&](std::string_view label, const jg::experiment::variant_spec& spec, std::size_t runs) {
    const auto c = jg::experiment::planned_step_calls<Set>(spec, o.batch, o.validation, test).value();
    std::string gate_text = c.gate ? fmt::format("{} (+{})", c.gate * runs, c.gate * runs) : std::string("0");
    fmt::print("{:<30} {:>6} {:>5} {:>9} {:>7} {:>12} {:>6} {:>7}\n", label, c.judge * runs, c.stages.loss * runs, c.stages.gradient * runs,
               c.stages.update * runs, gate_text, c.test * runs, c.total() * runs);
  };
  for (bool gated : {false, true}) {
    // The single-task baseline: one CCC run per criterion, each over its criterion alone.
    jg::experiment::variant_spec single;
    single.mode = "single-task";
    single.gate = gated ? "mae" : "none";
    row(fmt::format("single-task{} (x{} runs)", gated ? "/gate=mae" : "", k), single, k);
    jg::for_each_variant(paper_grid, [&](auto v) {
      using V = typename decltype(v)::type;
      if (V::gate::needs_validation == gated) row(V::name(), jg::experiment::variant_spec::parse(V::name()).value(), 1);
    });
  }
  fmt::print("\n(+N): the first gate also judges the incumbent once. The reference judged the test split at every step; judgegrad's own\n"
             "mode judges it only when the prompt changed (the faithful mode as the reference). The judge calls are those of the\n"
             "joint layout; the per-criterion layout multiplies judge, gate and test calls by {}.\n",
             k);
  if (o.shards == 0) return 0;

  // A run's calls by the same accounting: the test split at step 0, then every step, and the
  // first gate's incumbent.
  auto d = o.dataset == "summeval" ? jg::experiment::paper_preset() : jg::experiment::brighter_preset();
  d.steps = o.steps;
  d.batch = o.batch;
  d.validation = o.validation;
  auto jobs = jg::experiment::jobs_of<Set>(d);
  auto calls_of = [&](const jg::experiment::job& j) { return *jg::experiment::planned_run_calls<Set>(d, j, test); };
  std::size_t total = 0;
  for (const auto& j : jobs) total += calls_of(j);
  fmt::print("\nThe paper preset on {} ({} runs, {} steps) as {} shards (judgegrad run --shard I/{}), calls by the accounting above:\n\n",
             o.dataset, jobs.size(), o.steps, o.shards, o.shards);
  fmt::print("{:>7} {:>5} {:>9}\n", "shard", "runs", "calls");
  for (std::size_t i = 1; i <= o.shards; ++i) {
    std::size_t runs = 0, calls = 0;
    for (std::size_t n = 0; n < jobs.size(); ++n)
      if (jg::experiment::shard{i, o.shards}.holds(n)) ++runs, calls += calls_of(jobs[n]);
    fmt::print("{:>7} {:>5} {:>9}\n", fmt::format("{}/{}", i, o.shards), runs, calls);
  }
  fmt::print("{:>7} {:>5} {:>9}\n", "all", jobs.size(), total);
  return 0;
}

/// The names of every compiled variant of the data set's criteria, one a line.
int list_compiled(const variants_options& o) {
  auto names = o.dataset == "summeval" ? compiled_variants<jg::summeval::all>() : compiled_variants<jg::brighter::all>();
  for (auto name : names) fmt::print("{}\n", name);
  return exit_ok;
}

}  // namespace

command add_variants(CLI::App& app) {
  auto options = std::make_shared<variants_options>();
  auto& vo = *options;
  auto* variants = app.add_subcommand("variants", "List the paper's variants and the LLM calls each makes per step (with --shards, per shard of the paper preset)");
  variants->add_option("--dataset", vo.dataset, "Criteria set and test size: summeval or brighter")->check(CLI::IsMember({"summeval", "brighter"}))->capture_default_str();
  variants->add_option("--batch", vo.batch, "Examples per optimization step")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--validation", vo.validation, "Validation items a gate judges")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--test", vo.test, "Test items (default: the paper split's, 480 SummEval, 2767 BRIGHTER)")->check(judgegrad_cli::at_least(1));
  variants->add_option("--steps", vo.steps, "Steps per run (for --shards)")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--shards", vo.shards, "Also deal the paper preset's runs into N shards and count each one's calls")->check(judgegrad_cli::at_least(1));
  variants->add_flag("--all", vo.all, "List the name of every variant the tool compiled (what an experiment's \"variants\" may name), one a line");
  return {variants, [options] {
            if (options->all) return list_compiled(*options);
            return options->dataset == "summeval" ? list_variants<jg::summeval::all>(*options) : list_variants<jg::brighter::all>(*options);
          }};
}

}  // namespace judgegrad_cli
