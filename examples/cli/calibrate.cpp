// `judgegrad calibrate`: fits knobs of the simulated world to observations (calibration::calibrate)
// and predicts the held-out ones. Each evaluation runs the calibration's study on the simulator once
// per world seed, in a scratch run directory, rates its gradients and measures interference when
// the observations ask for them, and observes it as `judgegrad observe` would: the simulated values
// are made exactly as the observed ones of a run directory are.
#include <judgegrad/calibration/fit.hpp>
#include <judgegrad/calibration/observe.hpp>
#include <judgegrad/experiment.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/sim.hpp>

#include "catalog.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "experiment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace judgegrad_cli {

namespace {

namespace cal = jg::calibration;
namespace dx = jg::experiment::diagnostics;

struct calibrate_options {
  std::string spec, out, data_dir;
  bool quiet = false;
};

/// What the observations in use ask the study for besides its runs.
struct needs {
  bool diagnose = false, interference = false;
};

needs needs_of(const cal::observation_set& observed, const std::vector<cal::fit_role>& roles) {
  needs n;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i] == cal::fit_role::unused) continue;
    auto q = observed.observations[i].what;
    n.diagnose = n.diagnose || q == cal::quantity::specificity || q == cal::quantity::adherence;
    n.interference = n.interference || q == cal::quantity::interference_seed || q == cal::quantity::interference_alone ||
                     q == cal::quantity::interference_together;
  }
  return n;
}

/// One world's run of the study in `dir` (made afresh), its diagnostics when asked, observed.
template <jg::criteria_set Set>
cal::observation_set simulate_study(const ex::definition& study, const ex::experiment_data<Set>& inputs, const jg::sim::params& p,
                                    const std::filesystem::path& data_dir, const std::filesystem::path& dir, needs want) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  auto world = simulated_world(study.dataset, data_dir, p, study.split);
  backend b = backend::from_world(world, "knobs under calibration");
  ex::manifest m;
  m.experiment = study;
  m.created_at = ex::now_utc();
  ex::record_data(m, inputs, data_dir);
  m.simulated = true;
  m.simulator_knobs = jg::sim::to_json(p);
  ex::record_backend(m, nullptr, world.parameters().model, b.description());
  auto jobs = ex::jobs_of<Set>(study);
  for (const auto& j : jobs) m.runs.push_back(j.id);
  ex::create_run_directory(dir, m);
  auto seed = ex::seed_prompt<Set>(study);
  ex::experiment_input<Set> in{study, inputs.splits, seed, dir};
  auto outcomes = ex::run_jobs(jobs, study.parallel_runs, [&](const ex::job& j) { return run_job(b, in, j, nullptr); }, study.steps);
  for (const auto& o : outcomes)
    if (o.state != ex::run_outcome::status::finished && o.state != ex::run_outcome::status::aborted)
      throw failure(exit_internal, fmt::format("a simulated run of the study did not finish: {}: {}", o.id, o.error));
  auto names = std::span<const std::string_view>(Set::names);
  if (want.diagnose) {
    std::vector<std::filesystem::path> dirs{dir};
    auto ratings = dx::collect(dirs, dx::protocol::standard, dx::lexicon::of<Set>(), names);
    auto requests = dx::requests(ratings, dx::protocol::standard, names);
    auto results = b.complete(requests);
    dx::absorb(ratings, results, dx::protocol::standard);
    auto d = dx::summarize(ratings, dx::protocol::standard, 0);
    std::filesystem::create_directories(dir / "results", ec);
    ex::files::write_atomic(dir / "results" / "diagnostics.json", dx::to_json(d, ratings));
  }
  if (want.interference) {
    std::string gate = std::find(study.gates.begin(), study.gates.end(), "mae") != study.gates.end() ? "mae" : study.gates.front();
    auto candidates = dx::single_task_candidates(dir, gate);
    if (candidates.empty())
      throw failure(exit_configuration, "the observations include the interference experiment, whose instructions come from single-task runs: "
                                        "put single-task in the study's modes");
    auto settings = ex::settings_of(study).judge;
    settings.bootstrap.resamples = 0;
    std::span<const jg::example<Set>> test(inputs.splits.test.examples), validation(inputs.splits.validation.examples);
    auto r = dx::measure_interference(b, seed, candidates, validation, test, 1, dx::protocol::standard, settings);
    std::filesystem::create_directories(dir / "results", ec);
    ex::files::write_atomic(dir / "results" / "interference.json", dx::to_json(r));
  }
  return cal::observations_of(dir);
}

int run_calibrate(const calibrate_options& o) {
  return guarded([&] {
    cal::calibration_spec spec;
    cal::observation_set observed;
    std::vector<cal::fit_role> roles;
    try {
      spec = cal::read_spec(o.spec);
      observed = cal::read_observations(spec.observations);
      roles = cal::roles_of(spec, observed);
      ex::check(spec.study);
    } catch (const cal::calibration_error& e) {
      throw failure(exit_configuration, e.what());
    } catch (const cal::observation_error& e) {
      throw failure(exit_configuration, e.what());
    } catch (const ex::definition_error& e) {
      throw failure(exit_configuration, e.what());
    }
    if (observed.dataset != spec.study.dataset)
      throw failure(exit_configuration, fmt::format("{}: the observations are of {}, the study runs on {}", o.spec, observed.dataset, spec.study.dataset));
    std::filesystem::path out = o.out.empty() ? std::filesystem::path("judgegrad-runs") / fmt::format("calibration-{}", spec.name) : std::filesystem::path(o.out);
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw failure(exit_storage, fmt::format("{}: cannot be created: {}", out.string(), ec.message()));
    ex::files::directory_lock lock(out);
    auto data_dir = judgegrad_cli::data_dir(o.data_dir);
    const auto want = needs_of(observed, roles);
    const auto scratch = out / fmt::format("evaluation-{}", ::getpid());
    std::size_t train = 0;
    for (auto r : roles) train += r == cal::fit_role::train;
    const auto held_out = static_cast<std::size_t>(std::count(roles.begin(), roles.end(), cal::fit_role::held_out));
    fmt::print("judgegrad calibrate {}: {} to {} of {} ({} held out), {}, at most {}\n"
               "SIMULATED: every evaluation runs the study on judgegrad's simulator{}\n",
               spec.name, counted(spec.knobs.size(), "knob"), counted(train, "training observation"), observed.name, held_out,
               counted(spec.world_seeds.size(), "world seed"), counted(spec.evaluations, "evaluation"),
               want.diagnose || want.interference ? " (with its diagnostics)" : "");
    std::fflush(stdout);
    cal::calibration_result r;
    interrupts::guard on_interrupt([] {});
    ex::with_criteria_of(spec.study.dataset, [&](auto set) {
      using Set = typename decltype(set)::type;
      auto inputs = load_data(data_dir, [&] { return ex::load_experiment_data<Set>(spec.study, data_dir); });
      auto run = [&](const jg::sim::params& p) {
        if (interrupts::requested()) throw failure(interrupts::code(), "interrupted: every evaluation made is kept; the same command goes on from there");
        return simulate_study<Set>(spec.study, inputs, p, data_dir, scratch, want);
      };
      auto progress = [&](std::size_t k, std::size_t max, double loss, double best) {
        if (!o.quiet) fmt::print(stderr, "evaluation {}/{}: loss {:.4g}, best {:.4g}\n", k, max, loss, best);
      };
      try {
        r = cal::calibrate(spec, observed, run, out / "evaluations.jsonl", progress);
      } catch (const cal::calibration_error& e) {
        throw failure(exit_configuration, e.what());
      }
    });
    std::filesystem::remove_all(scratch, ec);
    ex::files::write_atomic(out / "fitted.json", jg::sim::to_json(r.fitted) + "\n");
    const auto report = cal::to_markdown(r);
    ex::files::write_atomic(out / "calibration.md", report);
    ex::files::write_atomic(out / "calibration.json", cal::to_json(r));
    // The summary and the knobs; the table of every observation is in the file.
    fmt::print("{}\nfitted knobs: {} (`judgegrad run --sim-config {}`)\nreport: {}\n", report.substr(0, report.find("| observation |")),
               (out / "fitted.json").string(), (out / "fitted.json").string(), (out / "calibration.md").string());
    return int(r.fits() ? exit_ok : exit_no_fit);
  });
}

}  // namespace

command add_calibrate(CLI::App& app) {
  auto options = std::make_shared<calibrate_options>();
  auto* cmd = app.add_subcommand("calibrate", "Fit knobs of the simulated world to observations and predict the held-out ones (docs/calibration.md)");
  cmd->add_option("spec", options->spec, "The calibration file (docs/calibration.md)")->required();
  cmd->add_option("--out", options->out, "Where the fitted knobs, the report and the evaluations go (default: judgegrad-runs/calibration-<name>)");
  cmd->add_option("--data", options->data_dir, "Data directory holding summeval/ and brighter/ (default: $JUDGEGRAD_DATA, else the data judgegrad ships)");
  cmd->add_flag("--quiet", options->quiet, "No line per evaluation");
  return {cmd, [options] { return run_calibrate(*options); }};
}

}  // namespace judgegrad_cli
