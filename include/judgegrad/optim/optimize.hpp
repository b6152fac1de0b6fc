/// @file
/// `optimize<V>`: a whole optimization run of variant V — TextGrad in V's decomposition mode, OPRO,
/// Pareto search, the single-task baseline, or an algorithm of your own — over a data set's train,
/// validation and test splits, through any llm::chat_backend. One TextGrad step, as data:
///
///     batch --judge--> predictions --loss--> critiques --gradient--> gradients --update--> candidate
///       --gate (validation)--> accepted or incumbent kept --> test when scheduled --> step_record
///
/// The loop here is the same for every algorithm: the seed prompt judged on test (step 0), then per
/// step the algorithm's step (optim/algorithms/, through the run it sees, optim/run.hpp), the test
/// split when due, the record to the sink (optim/record.hpp) and the state after it. V's policies
/// reach the loop as values (prepared_run, optim/prepared.hpp), so the loop is compiled once per
/// criteria set, backend and sink. A run starts from a seed prompt, or resumes from a run_state (the state after a
/// finished step) with results equal to an uninterrupted run's.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/algorithms/opro.hpp>
#include <judgegrad/optim/algorithms/pareto.hpp>
#include <judgegrad/optim/algorithms/textgrad.hpp>
#include <judgegrad/optim/evaluate.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/pareto.hpp>
#include <judgegrad/optim/prepared.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/run.hpp>
#include <judgegrad/optim/settings.hpp>
#include <judgegrad/optim/stages.hpp>
#include <judgegrad/optim/variant.hpp>

#include <fmt/format.h>
#include <range/v3/view/transform.hpp>
#include <range/v3/range/conversion.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

namespace optim_detail {

/// Judges `passes` together (one batch per round) and records their calls; stops the run when a
/// batch cannot be used.
template <criteria_set Set, class Backend>
void judge_together(Backend& backend, std::span<judge::forward_pass<Set>* const> passes, step_record& record, std::string_view what) {
  judge::run(backend, passes, [&](std::span<const llm::request> req, std::span<const llm::result> res) {
    for (std::size_t i = 0; i < req.size(); ++i) record.calls.push_back(record_of(req[i], res[i]));
    check_batch(req, res, what);
  });
}

template <criteria_set Set, class Backend, class Sink>
class run_view;

/// The context of a run: its backend, seed prompt, splits, settings and sink, and its variant's
/// policies as values. The loop (`run`) gives the algorithm's step a run_view of it.
template <criteria_set Set, class Backend, class Sink>
struct run_context {
  Backend& backend;
  const judge_prompt<Set>& seed;
  const data::splits<Set>& data;
  const run_settings& settings;
  Sink& sink;
  std::string name;
  run_policies<Set> policy;
  stage_chain<Set> chain;
  std::vector<example<Set>> validation;  ///< the validation items in use
  std::vector<std::string> validation_ids, test_ids;

  judge::forward_pass<Set> plan(const judge_prompt<Set>& prompt, std::span<const example<Set>> items, const judge::judge_settings& js,
                                llm::call_tag tag, std::uint32_t repeat = 0) const {
    return judge::forward_pass<Set>(prompt, items, policy.layout, js, std::move(tag), repeat);
  }

  /// The training batch of `step` (1-based) and the rows it came from.
  std::pair<std::vector<example<Set>>, std::vector<std::size_t>> batch(std::int64_t step) const {
    std::vector<std::size_t> rows;
    if (settings.quirks.reference_batches) {
      auto p = data::permutation(data.train.size(), static_cast<std::uint32_t>(step < 0 ? -step : step));
      rows.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(std::min(settings.batch, p.size())));
    } else {
      rows = data::batch_schedule(data.train.size(), settings.batch, settings.seed)(static_cast<std::size_t>(step - 1));
    }
    std::vector<example<Set>> out;
    for (std::size_t r : rows) out.push_back(data.train.examples[r]);
    return {std::move(out), rows};
  }

  /// Judges `prompt` on test unless its predictions can be reused; records the evaluation.
  void test(run_state<Set>& state, const judge_prompt<Set>& prompt, step_record& record, std::int64_t step) {
    std::span<const example<Set>> items(data.test.examples);
    std::string fp = prompt.fingerprint();
    bool same = fp == state.tested && state.test;
    if (same && !settings.quirks.reevaluate_unchanged) {
      record.evaluations.push_back(record_evaluation("test", "accepted", items, *state.test, test_ids_for(step), true, state.test_repeats - 1));
      return;
    }
    std::uint32_t repeat = same ? state.test_repeats : 0;
    auto pass = plan(prompt, items, settings.judge, {step, "test", {}, {}}, repeat);
    judge::forward_pass<Set>* passes[1] = {&pass};
    judge_together(backend, std::span<judge::forward_pass<Set>* const>(passes), record, "test evaluation");
    check_failures(pass.result(), items.size(), settings.judge, "test evaluation");
    state.test = std::move(pass).result();
    state.tested = fp;
    state.test_repeats = repeat + 1;
    record.evaluations.push_back(record_evaluation("test", "accepted", items, *state.test, test_ids_for(step), false, repeat));
  }

  std::vector<std::string> test_ids_for(std::int64_t step) const {
    if (!settings.quirks.positional_ids) return {};
    return ids_of<Set>(std::span<const example<Set>>(data.test.examples), step, settings);
  }

  bool test_due(std::int64_t step) const {
    auto s = static_cast<std::size_t>(step);
    return step == 0 || s == settings.steps || (settings.test_every > 0 && s % settings.test_every == 0);
  }

  /// The gate: judges the candidate (and the incumbent, when the gate needs it) on validation in
  /// one batch per round and decides. Updates the cached bar.
  gate_record gate(run_state<Set>& state, const judge_prompt<Set>& incumbent, const judge_prompt<Set>& candidate,
                   step_record& record, std::int64_t step) {
    gate_record out;
    out.gate = std::string(policy.gate_name);
    bool unchanged = candidate == incumbent;
    if (unchanged && !settings.quirks.reevaluate_unchanged) {
      out.reason = "the candidate equals the incumbent";
      return out;
    }
    if (!policy.needs_validation) {
      out.accepted = true;
      out.reason = "every candidate is accepted";
      return out;
    }
    {
      if (validation.empty())
        throw std::invalid_argument(fmt::format("judgegrad::optimize: the gate '{}' needs validation items, and the run has none "
                                                "(give data::splits a validation part, or set quirks.validation_from_train)",
                                                policy.gate_name));
      std::span<const example<Set>> items(validation);
      // A candidate equal to the incumbent is judged only under quirks.reevaluate_unchanged: a fresh sample.
      auto cand = plan(candidate, items, settings.judge, {step, "validation", {}, {}},
                                                  unchanged ? static_cast<std::uint32_t>(step) : 0);
      bool judge_incumbent = policy.rescores_incumbent || !state.bar;
      std::uint32_t repeat = policy.rescores_incumbent ? static_cast<std::uint32_t>(step) : 0;
      auto inc = plan(incumbent, items, settings.judge, {step, "validation", {}, {}}, repeat);
      std::vector<judge::forward_pass<Set>*> passes{&cand};
      if (judge_incumbent) passes.push_back(&inc);
      judge_together(backend, std::span<judge::forward_pass<Set>* const>(passes), record, "validation");
      check_failures(cand.result(), items.size(), settings.judge, "validation (candidate)");
      if (judge_incumbent) check_failures(inc.result(), items.size(), settings.judge, "validation (incumbent)");
      gate::evidence<Set> e;
      e.items = items;
      e.candidate = &cand.result();
      e.incumbent = judge_incumbent ? &inc.result() : nullptr;
      if (!policy.rescores_incumbent) e.bar = state.bar;
      e.seed = settings.seed * 1000003ull + static_cast<std::uint64_t>(step);
      e.reference_edge_cases = settings.quirks.undefined_metrics_zero;
      gate::verdict v = policy.decide(e);
      if (!policy.rescores_incumbent) state.bar = v.accept ? v.candidate : v.incumbent;
      record.evaluations.push_back(record_evaluation("validation", "candidate", items, cand.result(), validation_ids, false,
                                                     unchanged ? static_cast<std::uint32_t>(step) : 0));
      if (judge_incumbent) record.evaluations.push_back(record_evaluation("validation", "incumbent", items, inc.result(), validation_ids, false, repeat));
      out.evaluated = true;
      out.accepted = v.accept;
      out.incumbent = v.incumbent;
      out.candidate = v.candidate;
      out.lower = v.lower;
      out.incumbent_by_criterion = v.incumbent_by_criterion;
      out.candidate_by_criterion = v.candidate_by_criterion;
      out.reason = v.reason;
      return out;
    }
  }

  /// The candidate prompt made from new instructions: the incumbent's skeleton, without the Output
  /// format block under quirks.drop_output_format.
  judge_prompt<Set> candidate_of(const judge_prompt<Set>& incumbent, const per_criterion<Set, std::string>& instructions) const {
    return prompt_with(incumbent, instructions, incumbent.skeleton().show_output_format && !settings.quirks.drop_output_format);
  }

  /// What TextGrad proposes from prompt `from` at `step`: the forward pass on the step's batch and
  /// the three stages.
  stages::update_result<Set> propose_from(const judge_prompt<Set>& from, step_record& record, std::int64_t step) {
    auto [batch, rows] = this->batch(step);
    std::span<const example<Set>> items(batch);
    auto ids = ids_of(items, step, settings, std::span<const std::size_t>(rows));
    record.batch = ids;
    auto pass = plan(from, items, settings.judge, {step, "train", {}, {}});
    judge::forward_pass<Set>* one[1] = {&pass};
    judge_together(backend, std::span<judge::forward_pass<Set>* const>(one), record, "the judge on the training batch");
    check_failures(pass.result(), items.size(), settings.judge, "the judge on the training batch");
    stages::step_input<Set> in{from, items, pass.result(), !policy.layout.one_call_per_criterion, settings, step, ids, policy.length_limits};
    return chain(in, seed.instructions(), record);
  }

  /// Judges each of `prompts` on `items`, all in one batch per round; records the calls.
  std::vector<judge::predictions<Set>> judge_prompts(std::span<const judge_prompt<Set>> prompts, std::span<const example<Set>> items,
                                                     const judge::judge_settings& js, const llm::call_tag& tag, step_record& record,
                                                     std::string_view what, std::uint32_t repeat) {
    std::vector<judge::forward_pass<Set>> passes;
    for (const auto& p : prompts) passes.push_back(plan(p, items, js, tag, repeat));
    std::vector<judge::forward_pass<Set>*> ptrs;
    for (auto& p : passes) ptrs.push_back(&p);
    judge_together(backend, std::span<judge::forward_pass<Set>* const>(ptrs), record, what);
    std::vector<judge::predictions<Set>> out;
    for (auto& p : passes) out.push_back(std::move(p).result());
    return out;
  }

  /// Sends an algorithm's own requests as one batch and records them.
  std::pair<std::vector<llm::result>, std::size_t> send(std::span<const llm::request> requests, step_record& record, std::string_view what) {
    stages::recorder<Backend> rec{backend, record};
    return rec.send(requests, what);
  }

  /// The whole run from `state` (a fresh state: from the seed prompt, step 0 first).
  run_result<Set> run(run_state<Set> state, bool fresh) {
    run_view<Set, Backend, Sink> view(*this);
    run_result<Set> result;
    result.name = name;
    if (settings.quirks.validation_from_train) {
      auto v = data::reference::validation_batch(data.train, settings.validation, 42);
      validation = std::move(v.examples);
    } else {
      validation = data.validation.examples;
    }
    if (settings.quirks.positional_ids) {
      validation_ids = ids_of<Set>(std::span<const example<Set>>(validation), -1, settings);
      test_ids = test_ids_for(0);
    }
    if (data.train.size() < settings.batch && settings.steps > 0)
      throw std::invalid_argument(fmt::format("judgegrad::optimize: a batch of {} needs at least that many training examples; the "
                                              "training split has {}", settings.batch, data.train.size()));
    auto finish = [&](step_record& record, std::chrono::steady_clock::time_point start) {
      record.accepted = named_instructions<Set>(state.instructions);
      record.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      state.step = record.step;
      sink.on_step(record);
      // A sink that keeps state (a run directory) gets it after the step's record: resuming from
      // it continues after this step.
      if constexpr (requires { sink.on_state(state); }) sink.on_state(static_cast<const run_state<Set>&>(state));
      step_result<Set> s;
      s.step = record.step;
      s.instructions = state.instructions;
      s.changed = record.gate.accepted;
      s.gate = record.gate;
      for (const auto& e : record.evaluations)
        if (e.split == "test") s.test = e;
      result.steps.push_back(std::move(s));
    };
    auto attempt = [&](std::int64_t step, auto&& body) {
      auto start = std::chrono::steady_clock::now();
      step_record record;
      record.run = name;
      record.criteria = Set::names;
      record.step = step;
      record.incumbent = named_instructions<Set>(state.instructions);
      try {
        body(record);
      } catch (const run_stopped& e) {
        record.error = e.what();
        record.accepted = named_instructions<Set>(state.instructions);
        record.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sink.on_step(record);
        result.error = fmt::format("step {}: {}", step, e.what());
        result.stopped_by = e.kind;
        result.aborted = dynamic_cast<const run_aborted*>(&e) != nullptr;
        return false;
      }
      finish(record, start);
      return true;
    };
    if (fresh) {
      state.instructions = seed.instructions();
      bool ok = attempt(0, [&](step_record& record) {
        record.gate.gate = std::string(policy.gate_name);
        record.gate.reason = "the seed prompt";
        if (test_due(0)) test(state, prompt_of(seed, state), record, 0);
      });
      if (!ok) {
        result.state = state;
        return result;
      }
      state.step = 0;
    }
    for (std::int64_t step = state.step + 1; step <= static_cast<std::int64_t>(settings.steps); ++step) {
      run_state<Set> before = state;
      bool ok = attempt(step, [&](step_record& record) {
        policy.step(view, state, record, step);  // the algorithm's step
        if (test_due(step)) test(state, prompt_of(seed, state), record, step);
      });
      if (!ok) {
        state = before;  // the unfinished step leaves no trace in the state: a resume redoes it
        break;
      }
      state.step = step;
    }
    result.state = state;
    return result;
  }
};

/// The run an algorithm's step sees (optim/run.hpp): the context's services.
template <criteria_set Set, class Backend, class Sink>
class run_view final : public run<Set> {
 public:
  explicit run_view(run_context<Set, Backend, Sink>& c) : c_(c) {}

  const judge_prompt<Set>& seed() const override { return c_.seed; }
  const data::splits<Set>& data() const override { return c_.data; }
  const run_settings& settings() const override { return c_.settings; }
  std::span<const example<Set>> validation() const override { return c_.validation; }
  std::span<const std::string> validation_ids() const override { return c_.validation_ids; }
  std::optional<length::limits> length_limits() const override { return c_.policy.length_limits; }
  std::string_view gate_name() const override { return c_.policy.gate_name; }
  double scalarize(const std::vector<double>& values) const override { return c_.policy.scalarize(values); }
  std::pair<std::vector<example<Set>>, std::vector<std::size_t>> batch(std::int64_t step) const override { return c_.batch(step); }
  std::vector<std::string> ids_of(std::span<const example<Set>> items, std::int64_t step, std::span<const std::size_t> rows) const override {
    return optim_detail::ids_of(items, step, c_.settings, rows);
  }
  judge_prompt<Set> candidate_of(const judge_prompt<Set>& from, const per_criterion<Set, std::string>& instructions) const override {
    return c_.candidate_of(from, instructions);
  }
  std::vector<judge::predictions<Set>> judge(std::span<const judge_prompt<Set>> prompts, std::span<const example<Set>> items,
                                             const judge::judge_settings& settings, const llm::call_tag& tag, step_record& record,
                                             std::string_view what, std::uint32_t repeat = 0) override {
    return c_.judge_prompts(prompts, items, settings, tag, record, what, repeat);
  }
  std::pair<std::vector<llm::result>, std::size_t> send(std::span<const llm::request> requests, step_record& record,
                                                        std::string_view what) override {
    return c_.send(requests, record, what);
  }
  stages::update_result<Set> propose(const judge_prompt<Set>& from, step_record& record, std::int64_t step) override {
    return c_.propose_from(from, record, step);
  }
  gate_record gate(run_state<Set>& state, const judge_prompt<Set>& incumbent, const judge_prompt<Set>& candidate, step_record& record,
                   std::int64_t step) override {
    return c_.gate(state, incumbent, candidate, record, step);
  }

 private:
  run_context<Set, Backend, Sink>& c_;
};

/// Examples of `Set` seen through the criteria set `Sub` (a subset), gold scores picked by name.
template <criteria_set Sub, criteria_set Set>
dataset<Sub> project(const dataset<Set>& d) {
  dataset<Sub> out;
  out.name = d.name;
  for (const auto& e : d.examples) {
    example<Sub> x;
    x.id = e.id;
    x.inputs = e.inputs;
    x.group = e.group;
    x.metadata = e.metadata;
    for (std::size_t c = 0; c < Sub::size; ++c) x.gold[c] = e.gold[Set::index_of(Sub::names[c])];
    out.examples.push_back(std::move(x));
  }
  return out;
}

template <class V, class C>
struct single_criterion_variant;
template <class Set, class... Ps, class C>
struct single_criterion_variant<variant<Set, Ps...>, C> {
  // The same policies over the one criterion, run as TextGrad; the layout is moot with one criterion.
  using type = variant<criteria<C>, typename variant<Set, Ps...>::decomposition, typename variant<Set, Ps...>::merge,
                       typename variant<Set, Ps...>::gate, typename variant<Set, Ps...>::scalarizer, typename variant<Set, Ps...>::length>;
};

}  // namespace optim_detail

/// The single-task baseline's run for criterion `C` of `V`: the same policies under TextGrad, over
/// the criteria set of C alone.
template <class V, class C>
using single_task_part = typename optim_detail::single_criterion_variant<V, C>::type;

/// `data` seen through the criteria set `Sub` (a subset of Set), gold scores picked by name.
template <criteria_set Sub, criteria_set Set>
data::splits<Sub> project_splits(const data::splits<Set>& data) {
  return {optim_detail::project<Sub>(data.train), optim_detail::project<Sub>(data.validation), optim_detail::project<Sub>(data.test)};
}

/// The judge prompt of criterion `c` alone: the seed's skeleton and that criterion's instruction.
template <criteria_set Sub, criteria_set Set>
judge_prompt<Sub> project_prompt(const judge_prompt<Set>& seed, std::size_t c) {
  return judge_prompt<Sub>(seed.skeleton(), per_criterion<Sub, std::string>::filled(seed.instructions()[c]));
}

/// A run of the prepared policies `p` (prepared.hpp) from `seed` over `data`, every step to `sink`,
/// named `name` in its records; resumed from `resume` when given. What `optimize<V>` runs for a
/// variant that is not single-task, for a variant assembled at run time: compiled once per
/// criteria set, backend and sink, never inlined into the per-variant code that calls it.
template <criteria_set Set, class Backend, class Sink>
[[gnu::noinline]] run_result<Set> run_prepared(const prepared_run<Set, Backend>& p, Backend& backend, const judge_prompt<Set>& seed,
                                               const data::splits<Set>& data, const run_settings& settings, Sink& sink, std::string name,
                                               std::optional<run_state<Set>> resume = std::nullopt) {
  optim_detail::run_context<Set, Backend, Sink> context{backend, seed, data, settings, sink, std::move(name), p.policies, p.chain(backend),
                                                        {}, {}, {}};
  if (resume) return context.run(std::move(*resume), false);
  return context.run(run_state<Set>{}, true);
}

/// Runs variant `V` from `seed` (its criteria set's judge prompt) over `data`: train for the
/// batches, validation for the gate, test for the trajectory. Every step goes to `sink`. Pass
/// `resume` (a run_state of an earlier, interrupted run with the same arguments) to continue it.
/// A run that cannot go on (a budget, a dead endpoint, the faithful 5% abort) returns with `error`
/// set and its state after the last finished step; a wrong setup throws std::invalid_argument.
template <class V, llm::chat_backend Backend, record_sink Sink = null_sink>
  requires is_variant<V>
run_result<typename V::criteria> optimize(Backend& backend, const judge_prompt<typename V::criteria>& seed,
                                          const data::splits<typename V::criteria>& data, const run_settings& settings = {},
                                          Sink&& sink = {}, std::optional<run_state<typename V::criteria>> resume = std::nullopt) {
  using Set = typename V::criteria;
  std::string name = settings.run.empty() ? std::string(V::name()) : settings.run;
  if constexpr (std::is_same_v<typename V::algorithm, algorithm::single_task>) {
    // One TextGrad run per criterion, with a judge prompt of that criterion alone; the result
    // holds, per step, each run's instruction and its test metrics on its own criterion.
    run_result<Set> result;
    result.name = name;
    std::size_t c = 0;
    Set::for_each([&](auto type) {
      using C = typename decltype(type)::type;
      using Sub = criteria<C>;
      using W = single_task_part<V, C>;
      data::splits<Sub> sub = project_splits<Sub>(data);
      judge_prompt<Sub> sub_seed = project_prompt<Sub>(seed, c);
      run_settings s = settings;
      s.run = fmt::format("{}/{}", name, C::name);
      auto r = run_prepared<Sub, Backend, std::remove_reference_t<Sink>>(prepare<W, Backend>(), backend, sub_seed, sub, s, sink, s.run);
      if (result.steps.size() < r.steps.size()) result.steps.resize(r.steps.size());
      for (std::size_t k = 0; k < r.steps.size(); ++k) {
        auto& step = result.steps[k];
        step.step = r.steps[k].step;
        if (c == 0) step.instructions = seed.instructions();
        step.instructions[c] = r.steps[k].instructions[0];
        step.changed = step.changed || r.steps[k].changed;
        if (r.steps[k].test) {
          if (!step.test) step.test = evaluation_record{"test", "single_task", {}, false, 0, 0, 0, {}, {}};
          step.test->calls += r.steps[k].test->calls;
          step.test->metrics.push_back(r.steps[k].test->metrics.at(0));
        }
      }
      if (!r.error.empty() && result.error.empty()) {
        result.error = fmt::format("{}: {}", C::name, r.error);
        result.stopped_by = r.stopped_by;
        result.aborted = r.aborted;
      }
      ++c;
    });
    (void)resume;
    return result;
  } else {
    return run_prepared<Set, Backend, std::remove_reference_t<Sink>>(prepare<V, Backend>(), backend, seed, data, settings, sink,
                                                                      std::move(name), std::move(resume));
  }
}

JUDGEGRAD_END_NAMESPACE
