/// @file
/// Running an experiment: its definition becomes jobs (variant x seed, and per criterion for the
/// single-task baseline), each job one optimization run written to its own directory under
/// DIR/runs/. Jobs run `parallel_runs` at a time through one shared backend stack, so they share
/// its limits, budget and cache. A run that already finished is read back, not run again; one
/// that stopped continues from its last finished step. A run stopped by its backend (a budget run
/// out, an endpoint that does not answer) stops the grid: the jobs not yet begun are left for
/// `resume`.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/run_directory.hpp>
#include <judgegrad/optim/optimize.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// What became of one job.
struct run_outcome {
  /// finished: every step; aborted: ended by the judge's failure policy (faithful mode's 5% abort,
  /// final as the reference's run was); stopped: by its backend (a budget, a dead endpoint), to be
  /// resumed; failed: by anything else (a storage error), to be resumed once that is fixed.
  enum class status { finished, aborted, stopped, not_started, failed };
  std::string id;
  status state = status::not_started;
  std::int64_t last_step = -1;  ///< the last finished step (-1: none)
  std::string error;            ///< why it stopped or failed
  std::optional<llm::error_kind> stopped_by;
  bool resumed = false;         ///< it continued from an earlier process's state
  std::vector<std::string> repairs;  ///< what was mended in its files before it went on (run_writer::repairs)

  /// Whether the run has ended for good: finished, or aborted by the judge's failure policy.
  bool ended() const { return state == status::finished || state == status::aborted; }
};

inline std::string_view to_string(run_outcome::status s) {
  switch (s) {
    case run_outcome::status::finished: return "finished";
    case run_outcome::status::aborted: return "aborted";
    case run_outcome::status::stopped: return "stopped";
    case run_outcome::status::not_started: return "not started";
    case run_outcome::status::failed: return "failed";
  }
  return "?";
}

/// A grid's outcomes counted by status, with the first run that neither ended nor was left
/// unstarted (the one to name when the grid stopped) and whether a budget stopped any.
struct outcome_tally {
  std::size_t finished = 0, aborted = 0, stopped = 0, not_started = 0, failed = 0;
  const run_outcome* first_problem = nullptr;  ///< into the outcomes counted
  bool budget = false;                         ///< a run was stopped by a budget that ran out

  static outcome_tally of(std::span<const run_outcome> outcomes) {
    outcome_tally t;
    for (const auto& r : outcomes) {
      switch (r.state) {
        case run_outcome::status::finished: ++t.finished; break;
        case run_outcome::status::aborted: ++t.aborted; break;
        case run_outcome::status::stopped: ++t.stopped; break;
        case run_outcome::status::not_started: ++t.not_started; break;
        case run_outcome::status::failed: ++t.failed; break;
      }
      if (!r.ended() && r.state != run_outcome::status::not_started && !t.first_problem) t.first_problem = &r;
      if (r.stopped_by == llm::error_kind::budget_exhausted) t.budget = true;
    }
    return t;
  }

  /// "45 finished, 3 aborted, 0 stopped, 0 failed, 0 not started".
  std::string text() const {
    return fmt::format("{} finished, {} aborted, {} stopped, {} failed, {} not started", finished, aborted, stopped, failed, not_started);
  }
};

/// Live counts of a grid, for a progress display: read from any thread.
struct grid_progress {
  std::atomic<std::uint64_t> runs_total{0}, runs_done{0}, steps_total{0}, steps_done{0};
  std::atomic<std::uint64_t> tokens{0}, microdollars{0};  ///< prompt and completion tokens, USD in millionths
};

/// An experiment's inputs besides the backend: the definition, the data (train, validation for the
/// gates, test), the seed prompt and the directory. Calls carry their cost (priced by the backend's
/// meter, `llm::metered`), so the logs, the progress line and the budget agree.
template <criteria_set Set>
struct experiment_input {
  const definition& def;
  const data::splits<Set>& data;
  const judge_prompt<Set>& seed;
  std::filesystem::path root;
};

/// The jobs of `d` over criteria set `Set`, in the definition's order: modes, then gates, merges,
/// layouts, seeds; a single-task job per criterion; then the variants named in full, each with
/// every seed. Merges do not multiply OPRO or single-task jobs, nor layouts single-task ones, nor
/// gates Pareto search (variant_spec::has_merge, has_layout, has_gate).
template <criteria_set Set>
std::vector<job> jobs_of(const definition& d) {
  std::vector<job> out;
  auto add = [&](const variant_spec& spec) {
    std::string name = spec.name();
    std::string base = name;
    for (char& ch : base)
      if (ch == '/') ch = ',';
    for (auto seed : d.seeds) {
      if (spec.mode == "single-task") {
        for (auto c : Set::names) out.push_back({fmt::format("{},seed={},criterion={}", base, seed, c), spec, name, seed, std::string(c)});
      } else {
        out.push_back({fmt::format("{},seed={}", base, seed), spec, name, seed, {}});
      }
    }
  };
  for (const auto& mode : d.modes)
    for (const auto& gate : d.gates)
      for (std::size_t m = 0; m < d.merges.size(); ++m)
        for (const auto& layout : d.layouts) {
          variant_spec spec{mode, gate, d.merges[m], layout};
          if ((!spec.has_merge() && m > 0) || (!spec.has_layout() && layout != d.layouts.front()) || (!spec.has_gate() && gate != d.gates.front()))
            continue;
          if (!spec.has_gate()) spec.gate = "none";
          if (!spec.has_merge()) spec.merge = "labeled_sections";
          if (!spec.has_layout()) spec.layout = "joint";
          add(spec);
        }
  const std::size_t grid_jobs = out.size();
  std::vector<std::string> named;  // the canonical names of variants[0..i)
  for (std::size_t i = 0; i < d.variants.size(); ++i) {
    auto spec = variant_spec::parse(d.variants[i]);
    if (!spec)
      throw definition_error(fmt::format("{}: variants[{}]: \"{}\" is not a variant name as judgegrad spells them (the decomposition, "
                                         "then /slot=policy in name order; docs/remedies.md)",
                                         d.source, i, d.variants[i]));
    for (std::size_t k = 0; k < grid_jobs; ++k)
      if (out[k].variant == spec->name())
        throw definition_error(fmt::format("{}: variants[{}]: \"{}\" is in the grid of modes, gates, merges and layouts already", d.source, i,
                                           d.variants[i]));
    for (std::size_t k = 0; k < named.size(); ++k)
      if (named[k] == spec->name())
        throw definition_error(fmt::format("{}: variants[{}]: \"{}\" is named already, as \"{}\" (variants[{}])", d.source, i, d.variants[i],
                                           d.variants[k], k));
    named.push_back(spec->name());
    add(*spec);
  }
  return out;
}

/// The settings of job `j`: the definition's, its seed for batches and gates and as the sampling
/// seed of every call (so seeds differ as samples do, and the cache tells them apart).
inline run_settings settings_of(const definition& d, const job& j) {
  run_settings s = settings_of(d);
  s.seed = j.seed;
  s.run = j.id;
  s.judge.seed = j.seed;
  for (auto* c : {&s.loss, &s.gradient, &s.update, &s.evaluator}) c->seed = j.seed;
  return s;
}

namespace runner_detail {

/// Forwards to the run's writer and counts finished steps, tokens and cost for the progress
/// display, as the writer summed them.
template <criteria_set Set>
struct counting_sink {
  run_writer<Set>& writer;
  grid_progress* progress;
  void on_step(const step_record& r) {
    const double usd = writer.usd();
    const std::uint64_t tokens = writer.tokens();
    writer.on_step(r);
    if (!progress || !r.error.empty()) return;
    ++progress->steps_done;
    progress->tokens += writer.tokens() - tokens;
    progress->microdollars += static_cast<std::uint64_t>((writer.usd() - usd) * 1e6 + 0.5);
  }
  void on_state(const run_state<Set>& s) { writer.on_state(s); }
};

/// Runs job `j` over `Set` with its variant's prepared policies: compiled once per criteria set
/// and backend, whatever the number of variants.
template <criteria_set Set, class Backend>
[[gnu::noinline]] run_outcome run_prepared_job(Backend& backend, const definition& d, const job& j, const data::splits<Set>& data,
                                               const judge_prompt<Set>& seed, const std::filesystem::path& dir, grid_progress* progress,
                                               const prepared_run<Set, Backend>& prepared) {
  run_outcome out;
  out.id = j.id;
  run_writer<Set> writer(dir, j, d.steps, seed, data);
  auto state = writer.restore();
  out.repairs = writer.repairs();
  if (state) {
    out.resumed = true;
    out.last_step = state->step;
    if (progress) progress->steps_done += static_cast<std::uint64_t>(state->step + 1);
  }
  if (writer.finished()) {
    out.state = writer.aborted().empty() ? run_outcome::status::finished : run_outcome::status::aborted;
    out.error = writer.aborted();
    return out;
  }
  counting_sink<Set> sink{writer, progress};
  auto r = run_prepared<Set, Backend, counting_sink<Set>>(prepared, backend, seed, data, settings_of(d, j), sink, j.id, std::move(state));
  out.last_step = r.steps.empty() ? out.last_step : r.steps.back().step;
  if (r.aborted) {
    writer.abort(r.error);
    out.state = run_outcome::status::aborted;
    out.error = r.error;
    out.stopped_by = r.stopped_by;
  } else if (!r.error.empty()) {
    out.state = run_outcome::status::stopped;
    out.error = r.error;
    out.stopped_by = r.stopped_by;
  } else {
    out.state = run_outcome::status::finished;
  }
  return out;
}

/// Runs variant V (not single-task) over `Set` for job `j`.
template <class V, criteria_set Set, class Backend>
run_outcome run_variant(Backend& backend, const definition& d, const job& j, const data::splits<Set>& data, const judge_prompt<Set>& seed,
                        const std::filesystem::path& dir, grid_progress* progress) {
  return run_prepared_job<Set, Backend>(backend, d, j, data, seed, dir, progress, prepare<V, Backend>());
}

/// Runs job `j`, a run of the variant V it names.
template <class V, criteria_set Set, class Backend>
run_outcome run_job(Backend& backend, const experiment_input<Set>& in, const job& j, grid_progress* progress) {
  auto dir = in.root / run_files::runs / j.id;
  if constexpr (std::is_same_v<typename V::algorithm, algorithm::single_task>) {
    std::optional<run_outcome> out;
    std::size_t c = 0;
    Set::for_each([&](auto type) {
      using C = typename decltype(type)::type;
      if (!out && C::name == j.criterion) {
        using Sub = criteria<C>;
        auto data = project_splits<Sub>(in.data);
        auto seed = project_prompt<Sub>(in.seed, c);
        out = run_variant<single_task_part<V, C>>(backend, in.def, j, data, seed, dir, progress);
      }
      ++c;
    });
    if (!out) throw definition_error(fmt::format("job {}: no criterion named {}", j.id, j.criterion));
    return *out;
  } else {
    return run_variant<V>(backend, in.def, j, in.data, in.seed, dir, progress);
  }
}

/// The policies of the variant `spec` names in catalog<Set>, assembled slot by slot (each policy
/// compiled once, whatever the number of variants) for a run over `Sub`: Set itself, or one
/// criterion of it for the single-task baseline, which runs its variant's policies under TextGrad
/// (the algorithm slot's single_task contributes TextGrad's step). Nothing when the catalog has no such
/// variant. The same values as `prepare<V, Backend>()` for the variant's type V.
template <criteria_set Sub, criteria_set Set, class Backend>
std::optional<prepared_run<Sub, Backend>> assemble(const variant_spec& spec) {
  using Scalar = typename variant<Sub>::scalarizer;
  prepared_run<Sub, Backend> out;
  auto take = [&](auto t) {
    using P = typename decltype(t)::type;
    static_assert(!std::is_same_v<typename P::family, family::scalarizer> || std::is_same_v<P, Scalar>,
                  "judgegrad::experiment::catalog: the catalog's variants keep the default scalarizer");
    out.template take<Scalar, P>();
  };
  // A run over one criterion of Set is the single-task baseline's: its grid alone is compiled for Sub.
  bool found = false;
  if constexpr (std::is_same_v<Sub, Set>) found = catalog<Set>::find(spec, take);
  else found = catalog<Set>::find_in(catalog<Set>::single_task_products, spec, take);
  if (!found) return std::nullopt;
  return out;
}

}  // namespace runner_detail

/// Runs one job: a run of the variant it names, found in `g` (a grid: `catalog<Set>::textgrad()`,
/// or one of your own, made with `grid`), each variant of which is compiled; nothing
/// when `g` has no such variant.
template <criteria_set Set, class Grid, class Backend>
std::optional<run_outcome> run_in(const Grid& g, Backend& backend, const experiment_input<Set>& in, const job& j, grid_progress* progress) {
  std::optional<run_outcome> out;
  catalog<Set>::visit_in(g, j.spec, [&](auto v) { out = runner_detail::run_job<typename decltype(v)::type>(backend, in, j, progress); });
  return out;
}

/// Runs one job, a run of the variant it names in catalog<Set> (assembled slot by slot: compiling
/// this compiles each policy of the catalog once, and the run loop once per criteria set).
template <criteria_set Set, class Backend>
run_outcome run_one(Backend& backend, const experiment_input<Set>& in, const job& j, grid_progress* progress) {
  auto dir = in.root / run_files::runs / j.id;
  auto missing = [&] { return definition_error(fmt::format("job {}: variant {} is not in judgegrad's catalog", j.id, j.variant)); };
  if (j.spec.algorithm().second != "single_task") {
    auto a = runner_detail::assemble<Set, Set, Backend>(j.spec);
    if (!a) throw missing();
    return runner_detail::run_prepared_job<Set, Backend>(backend, in.def, j, in.data, in.seed, dir, progress, *a);
  }
  std::optional<run_outcome> out;
  std::size_t c = 0;
  Set::for_each([&](auto type) {
    using C = typename decltype(type)::type;
    if (!out && C::name == j.criterion) {
      using Sub = criteria<C>;
      auto a = runner_detail::assemble<Sub, Set, Backend>(j.spec);
      if (!a) throw missing();
      auto data = project_splits<Sub>(in.data);
      auto seed = project_prompt<Sub>(in.seed, c);
      out = runner_detail::run_prepared_job<Sub, Backend>(backend, in.def, j, data, seed, dir, progress, *a);
    }
    ++c;
  });
  if (!out) throw definition_error(fmt::format("job {}: no criterion named {}", j.id, j.criterion));
  return *out;
}

/// Runs one job (run_one, run_in, or a function of your own that picks the variant).
using job_runner = std::function<run_outcome(const job&)>;

/// Runs `jobs`, `parallel` at a time, each with `run` (which shares one backend between them: it
/// must be safe to call from several threads, as judgegrad's stacks are). Returns each job's
/// outcome, in the jobs' order. A run stopped by its backend stops the grid: jobs not yet begun
/// are `not_started`. A run that fails otherwise (a storage error, a state file that cannot be
/// read) is `failed` with the message, and stops the grid too. An aborted run does not: it is
/// one run's end, as it was in the reference.
inline std::vector<run_outcome> run_jobs(std::span<const job> jobs, std::size_t parallel, const job_runner& run, std::size_t steps_per_run,
                                         grid_progress* progress = nullptr) {
  std::vector<run_outcome> outcomes(jobs.size());
  for (std::size_t k = 0; k < jobs.size(); ++k) outcomes[k].id = jobs[k].id;
  if (progress) {
    progress->runs_total += jobs.size();
    progress->steps_total += jobs.size() * (steps_per_run + 1);
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (;;) {
      if (stop.load()) return;
      std::size_t k = next++;
      if (k >= jobs.size()) return;
      run_outcome o;
      try {
        o = run(jobs[k]);
      } catch (const std::exception& e) {
        o.id = jobs[k].id;
        o.state = run_outcome::status::failed;
        o.error = e.what();
      }
      if (!o.ended()) stop = true;
      if (progress && o.ended()) ++progress->runs_done;
      outcomes[k] = std::move(o);
    }
  };
  std::size_t threads = std::min<std::size_t>(std::max<std::size_t>(1, parallel), jobs.size());
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  return outcomes;
}

/// Runs every job of `in.def` through `backend`, variants from the whole catalog (compiles every
/// variant of Set in the including translation unit).
template <criteria_set Set, class Backend>
std::vector<run_outcome> run_experiment(Backend& backend, const experiment_input<Set>& in, grid_progress* progress = nullptr) {
  auto jobs = jobs_of<Set>(in.def);
  return run_jobs(jobs, in.def.parallel_runs, [&](const job& j) { return run_one(backend, in, j, progress); }, in.def.steps, progress);
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
