// The judgegrad command-line tool. Exit codes (the same for every command): 0 success, 1 internal
// error, 2 usage, 3 data, 4 configuration, 5 backend (model calls failed), 6 budget, 7 storage.
#include <judgegrad/judgegrad.hpp>

#include "common.hpp"
#include "cache.hpp"
#include "diagnose.hpp"
#include "evaluate.hpp"
#include "experiment.hpp"
#include "serve.hpp"
#include "sweep.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace jg = judgegrad;
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

/// The exit code of an exception escaping a command, and its message on stderr.
int report(std::string_view command, const std::exception& e) {
  int code = judgegrad_cli::exit_internal;
  if (const auto* f = dynamic_cast<const judgegrad_cli::failure*>(&e)) code = f->code;
  else if (dynamic_cast<const jg::experiment::storage_error*>(&e))
    code = judgegrad_cli::exit_storage;
  else if (dynamic_cast<const jg::experiment::definition_error*>(&e)) code = judgegrad_cli::exit_configuration;
  else if (dynamic_cast<const jg::data::load_error*>(&e)) code = judgegrad_cli::exit_data;
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

  variants_options vo;
  auto* variants = app.add_subcommand("variants", "List the paper's variants and the LLM calls each makes per step (with --shards, per shard of the paper preset)");
  variants->add_option("--dataset", vo.dataset, "Criteria set and test size: summeval or brighter")->check(CLI::IsMember({"summeval", "brighter"}))->capture_default_str();
  variants->add_option("--batch", vo.batch, "Examples per optimization step")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--validation", vo.validation, "Validation items a gate judges")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--test", vo.test, "Test items (default: the paper split's, 480 SummEval, 2767 BRIGHTER)")->check(judgegrad_cli::at_least(1));
  variants->add_option("--steps", vo.steps, "Steps per run (for --shards)")->check(judgegrad_cli::at_least(1))->capture_default_str();
  variants->add_option("--shards", vo.shards, "Also deal the paper preset's runs into N shards and count each one's calls")->check(judgegrad_cli::at_least(1));
  variants->add_flag("--all", vo.all, "List the name of every variant the tool compiled (what an experiment's \"variants\" may name), one a line");

  judgegrad_cli::run_options run, resume;
  auto* run_cmd = judgegrad_cli::add_run(app, run);
  auto* resume_cmd = judgegrad_cli::add_resume(app, resume);
  judgegrad_cli::report_options report_opts;
  auto* report_cmd = judgegrad_cli::add_report(app, report_opts);
  std::vector<std::string> check_dirs;
  auto* check_cmd = app.add_subcommand("check", "Check run directories against their commit points: which runs are damaged, and what resume does about it");
  check_cmd->add_option("dirs", check_dirs, "Run directories")->required();
  judgegrad_cli::merge_options merge_opts;
  auto* merge_cmd = judgegrad_cli::add_merge(app, merge_opts);
  judgegrad_cli::slurm_options slurm_opts;
  auto* slurm_cmd = judgegrad_cli::add_slurm(app, slurm_opts);
  judgegrad_cli::cache_options cache;
  CLI::App *cache_stats = nullptr, *cache_export = nullptr;
  judgegrad_cli::add_cache(app, cache, cache_stats, cache_export);

  judgegrad_cli::diagnose_options diagnose_opts, interference_opts;
  auto* diagnose_cmd = judgegrad_cli::add_diagnose(app, diagnose_opts);
  auto* interference_cmd = judgegrad_cli::add_interference(app, interference_opts);

  judgegrad_cli::evaluate_options evaluate;
  auto* evaluate_cmd = judgegrad_cli::add_evaluate(app, evaluate);

  judgegrad_cli::serve_options serve;
  auto* serve_cmd = judgegrad_cli::add_serve(app, serve);

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
    if (*variants && vo.all) {
      auto names = vo.dataset == "summeval" ? judgegrad_cli::compiled_variants<jg::summeval::all>() : judgegrad_cli::compiled_variants<jg::brighter::all>();
      for (auto name : names) fmt::print("{}\n", name);
      return judgegrad_cli::exit_ok;
    }
    if (*variants)
      return vo.dataset == "summeval" ? list_variants<jg::summeval::all>(vo) : list_variants<jg::brighter::all>(vo);
    if (*run_cmd) return judgegrad_cli::run_run(run);
    if (*resume_cmd) return judgegrad_cli::run_resume(resume);
    if (*report_cmd) return judgegrad_cli::run_report(report_opts);
    if (*check_cmd) return judgegrad_cli::run_check(check_dirs);
    if (*merge_cmd) return judgegrad_cli::run_merge(merge_opts);
    if (*slurm_cmd) return judgegrad_cli::run_slurm(slurm_opts);
    if (*cache_stats) return judgegrad_cli::run_cache_stats(cache);
    if (*cache_export) return judgegrad_cli::run_cache_export(cache);
    if (*evaluate_cmd) return judgegrad_cli::run_evaluate(evaluate);
    if (*diagnose_cmd) return judgegrad_cli::run_diagnose(diagnose_opts);
    if (*interference_cmd) return judgegrad_cli::run_interference(interference_opts);
    if (*serve_cmd) return judgegrad_cli::run_serve(serve);
  } catch (const std::exception& e) {
    return report(command, e);
  }
  return judgegrad_cli::exit_ok;
}
