// `judgegrad evaluate`: the forward pass of every experiment, as a command. Scores a data set's test
// split with the seed judge prompt in both layouts (one joint call per item, and one call per item
// and criterion), reports each criterion's agreement with the human scores with bootstrap
// intervals and coverage, and compares the layouts item for item (instruction interference).
// Without --config it asks the built-in simulator, and says so.
#pragma once

#include <judgegrad/data.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim.hpp>

#include "serve.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <span>
#include <string>

namespace judgegrad_cli {

namespace jg = judgegrad;

/// Everything `evaluate` reads from the command line.
struct evaluate_options {
  std::string data_dir;
  std::string dataset = "summeval";
  std::string split = "paper";
  std::string layout = "both";
  std::string config_file;
  std::string preset = "paper";
  std::size_t limit = 0;
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  bool faithful = false;
  std::string predictions_file;
};

inline CLI::App* add_evaluate(CLI::App& app, evaluate_options& o) {
  auto* cmd = app.add_subcommand("evaluate", "Score a test split with the seed judge prompt and report agreement with humans");
  cmd->add_option("--data", o.data_dir, "Data directory holding summeval/ and brighter/ (default: $JUDGEGRAD_DATA, else ../shared/data)");
  cmd->add_option("--dataset", o.dataset, "Data set")->check(CLI::IsMember({"summeval", "brighter"}))->capture_default_str();
  cmd->add_option("--split", o.split, "SummEval: paper or docsplit; BRIGHTER: paper or official")
      ->check(CLI::IsMember({"paper", "docsplit", "official"}))->capture_default_str();
  cmd->add_option("--layout", o.layout, "Judge layout")->check(CLI::IsMember({"joint", "per_criterion", "both"}))->capture_default_str();
  cmd->add_option("--config", o.config_file, "LLM configuration (docs/backends.md); without it the simulator answers");
  cmd->add_option("--preset", o.preset, "Simulator preset (docs/simulator.md)")->capture_default_str();
  cmd->add_option("--limit", o.limit, "Score only the first N test items (0: all)");
  cmd->add_option("--resamples", o.resamples, "Bootstrap resamples for the intervals")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_flag("--faithful", o.faithful, "The reference's prompt structure, no repair, abort at 5% failed replies");
  cmd->add_option("--predictions", o.predictions_file, "Write every item's replies and scores here as JSON Lines");
  return cmd;
}

namespace detail {

template <jg::criteria_set Set>
void print_report(std::string_view title, const jg::judge::evaluation<Set>& ev) {
  fmt::print("\n{} ({} calls, {} items without every score)\n", title, ev.calls, ev.failed_items);
  fmt::print("{:<12} {:>8}  {:>24}  {:>8}  {:>22}\n", "criterion", "coverage", "spearman [95% CI]", "kendall",
             "mae [95% CI]");
  double sum = 0;
  ev.criteria.for_each([&](auto c, const jg::judge::criterion_report& r) {
    const auto* rho = r.find("spearman");
    const auto* tau = r.find("kendall");
    const auto* mae = r.find("mae");
    sum += rho->value;
    fmt::print("{:<12} {:>8.3f}  {:+.3f} [{:+.3f}, {:+.3f}]  {:>+8.3f}  {:.3f} [{:.3f}, {:.3f}]\n",
               decltype(c)::type::name, r.coverage, rho->value, rho->low, rho->high, tau->value, mae->value, mae->low,
               mae->high);
  });
  fmt::print("{:<12} {:>8}  {:+.3f}\n", "mean", "", sum / static_cast<double>(Set::size));
}

template <jg::criteria_set Set, class Backend>
int evaluate_with(Backend& backend, const jg::judge_prompt<Set>& prompt, std::span<const jg::example<Set>> test,
                  const evaluate_options& o) {
  auto settings = o.faithful ? jg::judge::judge_settings::faithful() : jg::judge::judge_settings{};
  settings.bootstrap.resamples = o.resamples;
  settings.bootstrap.seed = o.seed;
  std::optional<jg::judge::evaluation<Set>> joint, per_criterion;
  if (o.layout != "per_criterion") {
    joint = jg::judge::evaluate<jg::layout::joint>(backend, prompt, test, settings);
    print_report("joint layout: one call scores every criterion", *joint);
  }
  if (o.layout != "joint") {
    per_criterion = jg::judge::evaluate<jg::layout::per_criterion>(backend, prompt, test, settings);
    print_report("per-criterion layout: one call per criterion", *per_criterion);
  }
  if (joint && per_criterion) {
    fmt::print("\nper-criterion minus joint, paired over the same items (spearman):\n");
    for (std::size_t c = 0; c < Set::size; ++c) {
      auto d = jg::judge::compare<jg::metric::spearman>(test, *per_criterion, *joint, c, settings.bootstrap);
      fmt::print("{:<12} {:+.3f} [{:+.3f}, {:+.3f}]  p = {:.3f}\n", Set::names[c], d.difference, d.ci.lower, d.ci.upper,
                 d.p_value);
    }
  }
  if (!o.predictions_file.empty()) {
    std::ofstream out(o.predictions_file, std::ios::binary);
    if (joint) out << jg::judge::to_jsonl(*joint);
    if (per_criterion) out << jg::judge::to_jsonl(*per_criterion);
    if (!out) throw std::runtime_error("judgegrad evaluate: cannot write " + o.predictions_file);
  }
  return 0;
}

template <jg::criteria_set Set>
int evaluate_split(const jg::data::train_test<Set>& data, const jg::judge_prompt<Set>& prompt,
                   const std::filesystem::path& dir, const evaluate_options& o) {
  std::span<const jg::example<Set>> test(data.test.examples);
  if (o.limit > 0 && o.limit < test.size()) test = test.first(o.limit);
  fmt::print("judgegrad {}: {} {} test split, {} items, {} criteria\n", jg::version_string, o.dataset, o.split,
             test.size(), Set::size);
  if (!o.config_file.empty()) {
    auto backend = jg::llm::make_backend(jg::llm::load_llm_config(o.config_file));
    fmt::print("backend: the endpoints of {}\n", o.config_file);
    int rc = evaluate_with(*backend, prompt, test, o);
    fmt::print("\n{}\n", backend->inner().report().to_json());
    return rc;
  }
  auto world = simulated_world(o.dataset, dir, jg::sim::preset(o.preset));
  fmt::print("backend: SIMULATED LLM (preset '{}'): not a language model; see docs/simulator.md\n", o.preset);
  return evaluate_with(world, prompt, test, o);
}

}  // namespace detail

inline int run_evaluate(const evaluate_options& o) {
  auto dir = jg::data::data_directory(o.data_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(o.data_dir),
                                      "../shared/data");
  auto style = o.faithful ? jg::prompt_style::faithful : jg::prompt_style::standard;
  if (o.dataset == "summeval") {
    if (o.split == "official") throw CLI::ValidationError("--split", "SummEval has the splits paper and docsplit");
    using set = jg::summeval::all;
    auto data = o.split == "docsplit" ? jg::data::summeval_docsplit<set>(dir) : jg::data::summeval_paper<set>(dir);
    return detail::evaluate_split(data, jg::judge::summeval_prompt<set>(style), dir, o);
  }
  using set = jg::brighter::all;
  if (o.split == "docsplit") throw CLI::ValidationError("--split", "BRIGHTER has the splits paper and official");
  jg::data::train_test<set> data;
  if (o.split == "official") {
    auto official = jg::data::brighter_official<set>(dir);
    data = {std::move(official.train), std::move(official.test)};
  } else {
    data = jg::data::brighter_paper<set>(dir);
  }
  return detail::evaluate_split(data, jg::judge::brighter_prompt<set>(style), dir, o);
}

}  // namespace judgegrad_cli
