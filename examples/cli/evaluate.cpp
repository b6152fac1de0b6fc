// `judgegrad evaluate`: the forward pass of every experiment, as a command. Scores a data set's test
// split with the seed judge prompt in both layouts (one joint call per item, and one call per item
// and criterion), reports each criterion's agreement with the human scores with bootstrap
// intervals and coverage, and compares the layouts item for item (instruction interference).
// Without --config the simulator answers; a report is labelled SIMULATED whenever a simulated
// model answered, however it was reached.
#include <judgegrad/data.hpp>
#include <judgegrad/experiment/progress.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim.hpp>

#include "commands.hpp"
#include "common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

namespace judgegrad_cli {

namespace {

/// Everything `evaluate` reads from the command line.
struct evaluate_options {
  std::string data_dir;
  std::string dataset = "summeval";
  std::string split = "paper";
  std::string layout = "both";
  std::string config_file;
  std::string preset = "paper";
  long long limit = 0;
  long long resamples = 1000;
  std::uint64_t seed = 0;
  bool faithful = false;
  double min_coverage = 0.9;
  std::string predictions_file;
  std::string json_file;
  bool quiet = false;
};

std::string with_interval(double value, double low, double high, bool intervals, const char* fmt_value) {
  if (std::isnan(value)) return "undefined";
  std::string v = fmt::format(fmt::runtime(fmt_value), value);
  if (!intervals || std::isnan(low)) return v;
  return fmt::format("{} [{}, {}]", v, fmt::format(fmt::runtime(fmt_value), low), fmt::format(fmt::runtime(fmt_value), high));
}

template <jg::criteria_set Set>
void print_report(std::string_view title, const jg::judge::evaluation<Set>& ev, bool intervals) {
  fmt::print("\n{} ({} calls, {} repairs, {} items without every score)\n", title, ev.calls, ev.repair_calls, ev.failed_items);
  fmt::print("{:<12} {:>8}  {:<24} {:<24} {:<22}\n", "criterion", "coverage", intervals ? "spearman [95% CI]" : "spearman",
             intervals ? "kendall [95% CI]" : "kendall", intervals ? "mae [95% CI]" : "mae");
  double sum = 0;
  std::size_t defined = 0;
  for (std::size_t c = 0; c < Set::size; ++c) {
    const auto& r = ev.criteria[c];
    if (r.scored == 0) {
      // Say why a row is empty: the calls' outcomes for this criterion.
      std::map<std::string, std::size_t> why;
      for (const auto& item : ev.items) ++why[std::string(jg::judge::to_string(item.scores[c].status))];
      std::string reasons;
      for (const auto& [k, n] : why) reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", n, k);
      fmt::print("{:<12} {:>8.3f}  no valid score for any of {} items ({})\n", Set::names[c], r.coverage, r.items, reasons);
      continue;
    }
    const auto* rho = r.find("spearman");
    const auto* tau = r.find("kendall");
    const auto* mae = r.find("mae");
    if (!std::isnan(rho->value)) sum += rho->value, ++defined;
    fmt::print("{:<12} {:>8.3f}  {:<24} {:<24} {:<22}\n", Set::names[c], r.coverage,
               with_interval(rho->value, rho->low, rho->high, intervals, "{:+.3f}"), with_interval(tau->value, tau->low, tau->high, intervals, "{:+.3f}"),
               with_interval(mae->value, mae->low, mae->high, intervals, "{:.3f}"));
  }
  if (defined == Set::size) fmt::print("{:<12} {:>8}  {:+.3f}\n", "mean", "", sum / static_cast<double>(Set::size));
  else fmt::print("{:<12} {:>8}  undefined: {} of {} criteria have no Spearman\n", "mean", "", Set::size - defined, Set::size);
}

template <jg::criteria_set Set>
void add_failures(failure_summary& f, const jg::judge::evaluation<Set>& ev) {
  for (const auto& item : ev.items)
    for (const auto& call : item.calls)
      f.add(call.status != jg::judge::reply_status::call_failed, jg::llm::to_string(call.error_kind), call.error);
}

template <jg::criteria_set Set>
int evaluate_with(backend& b, const jg::judge_prompt<Set>& prompt, std::span<const jg::example<Set>> test, const evaluate_options& o,
                  output_file& predictions, output_file& json) {
  auto settings = o.faithful ? jg::judge::judge_settings::faithful() : jg::judge::judge_settings{};
  settings.bootstrap.resamples = static_cast<std::size_t>(o.resamples);
  settings.bootstrap.seed = o.seed;
  bool intervals = o.resamples > 0;
  std::string header = fmt::format("judgegrad {}: evaluate, {} {} test split, {} items, {} criteria", jg::version_string, o.dataset,
                                   o.split, test.size(), Set::size);

  first_call(b, prompt, test, settings);  // its reply also says what answers (simulated or not)
  bool simulated_first = b.simulated();
  fmt::print("{}{}\nbackend: {}\n", header, simulated_first ? " (SIMULATED)" : "", simulated_first && b.config()
                                                                                      ? fmt::format("{} (its replies come from a simulated model)", b.description())
                                                                                      : b.description());
  std::fflush(stdout);

  std::optional<jg::judge::evaluation<Set>> joint, per_criterion;
  // Each layout's table as soon as it is done; the label follows what answered, however reached.
  auto run_layout = [&](auto layout, std::string_view name, std::string_view title, std::optional<jg::judge::evaluation<Set>>& out) {
    std::size_t per_item = decltype(layout)::one_call_per_criterion ? Set::size : 1;
    jg::experiment::progress bar(b.activity(), jg::experiment::progress_mode_for(stderr, o.quiet), fmt::format("evaluate, {} layout", name),
                                 static_cast<std::uint64_t>(test.size() * per_item));
    try {
      out = jg::judge::evaluate<decltype(layout)>(b, prompt, test, settings);
    } catch (const jg::judge::judge_failure<Set>& e) {
      bar.stop();
      throw failure(exit_backend, fmt::format("the {} layout: {}.\nFaithful mode keeps the reference's 5% abort and repairs no reply (by "
                                              "design); run without --faithful to repair bad replies and report coverage instead",
                                              name, e.what()));
    }
    bar.stop();
    if (b.simulated() && !simulated_first) {
      fmt::print("SIMULATED: the replies came from a simulated model\n");
      simulated_first = true;
    }
    print_report(title, *out, intervals);
    std::fflush(stdout);
  };
  if (o.layout != "per_criterion") run_layout(jg::layout::joint{}, "joint", "joint layout: one call scores every criterion", joint);
  if (o.layout != "joint") run_layout(jg::layout::per_criterion{}, "per_criterion", "per-criterion layout: one call per criterion", per_criterion);
  if (intervals)
    fmt::print("\nintervals: {:.0f}% percentile bootstrap over items ({} resamples, seed {})\n", settings.bootstrap.confidence * 100,
               settings.bootstrap.resamples, settings.bootstrap.seed);

  std::vector<jg::stats::paired_comparison> comparison;
  if (joint && per_criterion) {
    if (intervals)
      fmt::print("\nper-criterion minus joint, paired over the same items (spearman; paired bootstrap over items, {} resamples):\n",
                 o.resamples);
    else
      fmt::print("\nper-criterion minus joint, over the same items (spearman):\n");
    for (std::size_t c = 0; c < Set::size; ++c) {
      auto d = jg::judge::compare<jg::metric::spearman>(test, *per_criterion, *joint, c, settings.bootstrap);  // resamples 0: the difference alone
      comparison.push_back(d);
      if (std::isnan(d.difference)) fmt::print("{:<12} undefined (too few items both layouts scored)\n", Set::names[c]);
      else if (intervals) fmt::print("{:<12} {:+.3f} [{:+.3f}, {:+.3f}]  p = {:.3f}\n", Set::names[c], d.difference, d.ci.lower, d.ci.upper, d.p_value);
      else fmt::print("{:<12} {:+.3f}\n", Set::names[c], d.difference);
    }
  }

  failure_summary failures;
  if (joint) add_failures(failures, *joint);
  if (per_criterion) add_failures(failures, *per_criterion);
  if (failures.failed) fmt::print(stderr, "judgegrad evaluate: {}\n", failures.text("judge"));
  if (auto m = b.meter())
    fmt::print(stderr, "judgegrad evaluate: {} calls to the endpoints ({} answered from the cache, {} failed), {} prompt + {} completion tokens, "
                       "${:.4f} at the configured prices\n",
               m->total.calls, m->total.cache_hits, m->total.failures, m->total.used.prompt_tokens, m->total.used.completion_tokens, m->total.usd);

  if (json) {
    jg::json_writer w;
    w.begin_object().key("judgegrad").value(jg::version_string).key("simulated").value(b.simulated()).key("backend").value(b.description())
        .key("dataset").value(o.dataset).key("split").value(o.split).key("items").value(static_cast<std::uint64_t>(test.size()));
    w.key("intervals").begin_object().key("method").value("percentile bootstrap over items").key("resamples").value(static_cast<std::uint64_t>(o.resamples))
        .key("confidence").value(settings.bootstrap.confidence).key("seed").value(o.seed).end_object();
    w.key("layouts").begin_object();
    if (joint) jg::judge::write_json(w.key("joint"), *joint);
    if (per_criterion) jg::judge::write_json(w.key("per_criterion"), *per_criterion);
    w.end_object();
    if (!comparison.empty()) {
      w.key("comparison").begin_object().key("test").value("paired bootstrap over items").key("metric").value("spearman")
          .key("difference").value("per_criterion minus joint").key("criteria").begin_object();
      for (std::size_t c = 0; c < Set::size; ++c)
        w.key(Set::names[c]).begin_object().key("difference").value(comparison[c].difference).key("low").value(comparison[c].ci.lower)
            .key("high").value(comparison[c].ci.upper).key("p_value").value(comparison[c].p_value).end_object();
      w.end_object().end_object();
    }
    w.key("failures").begin_object().key("calls").value(static_cast<std::uint64_t>(failures.calls))
        .key("failed").value(static_cast<std::uint64_t>(failures.failed)).key("first").value(failures.first).end_object();
    w.end_object();
    json.write(std::move(w).str() + "\n");
  }
  if (predictions) {
    if (joint) predictions.write(jg::judge::to_jsonl(*joint));
    if (per_criterion) predictions.write(jg::judge::to_jsonl(*per_criterion));
  }

  // Coverage decides the exit: a report without scores is a failed run.
  std::string low;
  for (const auto* ev : {joint ? &*joint : nullptr, per_criterion ? &*per_criterion : nullptr}) {
    if (!ev) continue;
    for (std::size_t c = 0; c < Set::size; ++c)
      if (ev->criteria[c].items > 0 && ev->criteria[c].coverage < o.min_coverage)
        low += fmt::format("{}{} ({} layout) {:.3f}", low.empty() ? "" : ", ", Set::names[c], ev == &*joint ? "joint" : "per_criterion",
                           ev->criteria[c].coverage);
  }
  if (!low.empty()) {
    fmt::print(stderr, "judgegrad evaluate: coverage below --min-coverage {}: {}\n", o.min_coverage, low);
    return failures.budget ? exit_budget : exit_backend;
  }
  return exit_ok;
}

template <jg::criteria_set Set>
int evaluate_split(const jg::data::train_test<Set>& data, const jg::judge_prompt<Set>& prompt, const std::filesystem::path& dir,
                   const evaluate_options& o, output_file& predictions, output_file& json) {
  std::span<const jg::example<Set>> test(data.test.examples);
  if (o.limit > 0 && static_cast<std::size_t>(o.limit) < test.size()) test = test.first(static_cast<std::size_t>(o.limit));
  if (!o.config_file.empty()) {
    auto b = backend::from_config(o.config_file, {jg::llm::role::judge}, "judgegrad evaluate");
    return evaluate_with(b, prompt, test, o, predictions, json);
  }
  jg::sim::params p;
  try {
    p = jg::sim::preset(o.preset);
  } catch (const std::exception& e) {
    throw failure(exit_usage, fmt::format("--preset {}: {}", o.preset, e.what()));
  }
  auto world = simulated_world(o.dataset, dir, p, o.split);
  auto b = backend::from_world(world, fmt::format("preset '{}'", o.preset));
  return evaluate_with(b, prompt, test, o, predictions, json);
}


int run_evaluate(const evaluate_options& o) {
  output_file predictions(o.predictions_file, "--predictions"), json(o.json_file, "--json");  // checked before any call
  auto style = o.faithful ? jg::prompt_style::faithful : jg::prompt_style::standard;
  if (o.dataset == "summeval" && o.split == "official")
    throw failure(exit_usage, "--split official: SummEval has the splits paper and docsplit");
  if (o.dataset == "brighter" && o.split == "docsplit")
    throw failure(exit_usage, "--split docsplit: BRIGHTER has the splits paper and official");
  auto dir = data_dir(o.data_dir);
  if (o.dataset == "summeval") {
    using set = jg::summeval::all;
    auto data = load_data(dir, [&] { return o.split == "docsplit" ? jg::data::summeval_docsplit<set>(dir) : jg::data::summeval_paper<set>(dir); });
    return evaluate_split(data, jg::judge::summeval_prompt<set>(style), dir, o, predictions, json);
  }
  using set = jg::brighter::all;
  auto data = load_data(dir, [&] {
    if (o.split == "official") {
      auto official = jg::data::brighter_official<set>(dir);
      return jg::data::train_test<set>{std::move(official.train), std::move(official.test)};
    }
    return jg::data::brighter_paper<set>(dir);
  });
  return evaluate_split(data, jg::judge::brighter_prompt<set>(style), dir, o, predictions, json);
}

}  // namespace

command add_evaluate(CLI::App& app) {
  auto options = std::make_shared<evaluate_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("evaluate", "Score a test split with the seed judge prompt and report agreement with humans");
  cmd->add_option("--data", o.data_dir, "Data directory holding summeval/ and brighter/ (default: $JUDGEGRAD_DATA, else the data judgegrad ships)");
  cmd->add_option("--dataset", o.dataset, "Data set")->check(CLI::IsMember({"summeval", "brighter"}))->capture_default_str();
  cmd->add_option("--split", o.split, "SummEval: paper or docsplit; BRIGHTER: paper or official")
      ->check(CLI::IsMember({"paper", "docsplit", "official"}))->capture_default_str();
  cmd->add_option("--layout", o.layout, "Judge layout")->check(CLI::IsMember({"joint", "per_criterion", "both"}))->capture_default_str();
  cmd->add_option("--config", o.config_file, "LLM configuration (docs/backends.md); without it the simulator answers");
  cmd->add_option("--preset", o.preset, "Simulator preset (docs/simulator.md)")->capture_default_str();
  cmd->add_option("--limit", o.limit, "Score only the first N test items (0: all)")->check(at_least(0))->capture_default_str();
  cmd->add_option("--resamples", o.resamples, "Bootstrap resamples for the intervals (0: no intervals)")->check(at_least(0))->capture_default_str();
  cmd->add_option("--seed", o.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--min-coverage", o.min_coverage, "Exit with 5 when a criterion has a valid score for fewer items than this share")
      ->check(between(0, 1))->capture_default_str();
  cmd->add_flag("--faithful", o.faithful, "The reference's prompt structure, no repair, abort at 5% failed replies");
  cmd->add_option("--predictions", o.predictions_file, "Write every item's replies and scores here as JSON Lines");
  cmd->add_option("--json", o.json_file, "Write the whole report here as JSON");
  cmd->add_flag("--quiet", o.quiet, "No progress line");
  return {cmd, [options] { return run_evaluate(*options); }};
}

}  // namespace judgegrad_cli
