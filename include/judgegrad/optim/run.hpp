/// @file
/// A run as an algorithm sees it. `run_state` is where a run stands after a finished step (enough
/// to resume it), `run_result` its trajectory, and `run<Set>` what one step of an algorithm may
/// do: read the run's data and settings, judge prompts, ask the TextGrad stages for a proposal,
/// send its own requests, and put a candidate through the variant's gate. The loop
/// (optim/optimize.hpp) implements it; an algorithm policy (optim/algorithm.hpp) is a function of
/// one step:
///
///     template <criteria_set Set>
///     static void step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step);
///
/// which leaves the prompt in force in `state` and says what happened in `record` (its calls are
/// recorded by the services it uses). The loop judges the test split when it is due and hands the
/// record to the sink. `examples/custom_algorithm.cpp` adds one.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/length.hpp>
#include <judgegrad/optim/pareto.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/settings.hpp>
#include <judgegrad/optim/stages.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// Where a run stands after a finished step: enough to continue it as if it had never stopped.
template <criteria_set Set>
struct run_state {
  std::int64_t step = 0;                   ///< the last finished step (0: only the seed prompt judged)
  per_criterion<Set, std::string> instructions;  ///< the incumbent's
  bool output_format = true;               ///< whether the incumbent shows the Output format block
  std::optional<double> bar;               ///< gate::non_regression's cached score
  std::string tested;                      ///< fingerprint of the prompt last judged on test
  std::uint32_t test_repeats = 0;          ///< evaluations of that prompt so far (fresh samples)
  std::optional<judge::predictions<Set>> test;  ///< its test predictions, reused while it stays
  /// OPRO: the scored history, the incumbent's score on the fixed batch.
  std::vector<std::pair<per_criterion<Set, std::string>, double>> history;
  std::optional<double> batch_score;
  /// Pareto search: the frontier (the prompt in force is one of its members).
  std::vector<pareto::member<Set>> frontier;
};

/// One step of a run, summarised.
template <criteria_set Set>
struct step_result {
  std::int64_t step = 0;
  per_criterion<Set, std::string> instructions;  ///< in force after the step
  bool changed = false;                          ///< the step replaced the incumbent
  gate_record gate;
  std::optional<evaluation_record> test;         ///< when the step judged (or reused) test
};

/// A run's trajectory: the seed prompt (step 0) and every step after it.
template <criteria_set Set>
struct run_result {
  std::string name;
  std::vector<step_result<Set>> steps;
  std::string error;  ///< why the run stopped early; empty when it finished
  std::optional<llm::error_kind> stopped_by;  ///< the kind of failure that stopped it (a budget, a dead endpoint, ...)
  bool aborted = false;  ///< the judge's failure policy ended it (run_aborted): final, not to be resumed
  run_state<Set> state;
  /// The prompt in force at the end.
  const per_criterion<Set, std::string>& final_instructions() const { return steps.back().instructions; }
};

/// The judge prompt `seed` with `instructions`, its Output format block shown or not: a run's
/// incumbent as run_state (and a run directory's summary) keeps it.
template <criteria_set Set>
judge_prompt<Set> prompt_with(const judge_prompt<Set>& seed, const per_criterion<Set, std::string>& instructions, bool output_format) {
  judge_prompt<Set> p = seed.with_instructions(instructions);
  if (!output_format) {
    judge_skeleton k = p.skeleton();
    k.show_output_format = false;
    p = p.with_skeleton(std::move(k));
  }
  return p;
}

/// Instructions as the records list them: (criterion, text) in criteria order.
template <criteria_set Set>
std::vector<protocol::named_text> named_instructions(const per_criterion<Set, std::string>& instructions) {
  std::vector<protocol::named_text> out;
  for (std::size_t c = 0; c < Set::size; ++c) out.push_back({std::string(Set::names[c]), instructions[c]});
  return out;
}

/// Makes `prompt` the prompt in force of `state` (its instructions and whether it shows the Output
/// format block).
template <criteria_set Set>
void adopt(run_state<Set>& state, const judge_prompt<Set>& prompt) {
  state.instructions = prompt.instructions();
  state.output_format = prompt.skeleton().show_output_format;
}

namespace optim_detail {

template <criteria_set Set>
judge_prompt<Set> prompt_of(const judge_prompt<Set>& seed, const run_state<Set>& s) {
  return prompt_with(seed, s.instructions, s.output_format);
}

/// Ids of `items` as the records name them: stable ids, or the reference's positional ones.
template <criteria_set Set>
std::vector<std::string> ids_of(std::span<const example<Set>> items, std::int64_t step, const run_settings& s,
                                std::span<const std::size_t> positions = {}) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out.push_back(s.quirks.positional_ids ? fmt::format("step{}_sample{}", step, positions.empty() ? i : positions[i]) : items[i].id);
  return out;
}


/// Applies the judge's failure policy (the reference's 5% abort) to a finished pass.
template <criteria_set Set>
void check_failures(const judge::predictions<Set>& p, std::size_t items, const judge::judge_settings& s, std::string_view what) {
  const auto& f = s.failures;
  bool abort = (f.type == judge::failure_policy::kind::abort_on_any && p.failed_items > 0) ||
               (f.type == judge::failure_policy::kind::abort_at_share && p.failed_items > 0 &&
                static_cast<double>(p.failed_items) >= f.share * static_cast<double>(items));
  if (abort)
    throw run_aborted(fmt::format("{}: {} of {} items have no valid score for some criterion, and the failure policy aborts at {:g}% "
                                  "(the reference's; repair rounds are off in faithful mode)",
                                  what, p.failed_items, items, f.share * 100),
                      llm::error_kind::malformed_response);
}

}  // namespace optim_detail

/// One optimization run as an algorithm's step sees it (see the file's comment). Every service
/// records the calls it makes in the step's record and stops the run (run_stopped) when a batch
/// cannot be used.
template <criteria_set Set>
class run {
 public:
  virtual ~run() = default;

  virtual const judge_prompt<Set>& seed() const = 0;
  virtual const data::splits<Set>& data() const = 0;
  virtual const run_settings& settings() const = 0;
  /// The validation items in use (the validation split, or the reference's sample of train), and
  /// the ids the records give them.
  virtual std::span<const example<Set>> validation() const = 0;
  virtual std::span<const std::string> validation_ids() const = 0;
  /// The variant's length limits, when its length policy bounds instructions.
  virtual std::optional<length::limits> length_limits() const = 0;
  /// What the records call the step's acceptance rule (the gate's name, or the algorithm's).
  virtual std::string_view gate_name() const = 0;
  /// The variant's scalarizer applied to per-criterion values (criteria order).
  virtual double scalarize(const std::vector<double>& values) const = 0;

  /// The training batch of `step` (1-based), and the rows of the training split it came from.
  virtual std::pair<std::vector<example<Set>>, std::vector<std::size_t>> batch(std::int64_t step) const = 0;
  /// The ids records give `items` (stable ids, or the reference's positional ones).
  virtual std::vector<std::string> ids_of(std::span<const example<Set>> items, std::int64_t step, std::span<const std::size_t> rows) const = 0;
  /// The prompt with new instructions that a step proposes from `from` (its skeleton; the Output
  /// format block dropped under quirks.drop_output_format).
  virtual judge_prompt<Set> candidate_of(const judge_prompt<Set>& from, const per_criterion<Set, std::string>& instructions) const = 0;

  /// Judges each of `prompts` on `items` with the variant's layout, all in one batch per round.
  virtual std::vector<judge::predictions<Set>> judge(std::span<const judge_prompt<Set>> prompts, std::span<const example<Set>> items,
                                                     const judge::judge_settings& settings, const llm::call_tag& tag, step_record& record,
                                                     std::string_view what, std::uint32_t repeat = 0) = 0;
  /// Sends requests of the algorithm's own as one batch; returns the results and the index of the
  /// first one's call record.
  virtual std::pair<std::vector<llm::result>, std::size_t> send(std::span<const llm::request> requests, step_record& record,
                                                                std::string_view what) = 0;
  /// TextGrad's proposal from prompt `from` at `step`: the judge on the step's batch, then the
  /// variant's loss, gradient and update stages (with its merge policy).
  virtual stages::update_result<Set> propose(const judge_prompt<Set>& from, step_record& record, std::int64_t step) = 0;
  /// The variant's gate on `candidate` against `incumbent` (judging them on validation as it
  /// needs); keeps the gate's cached bar in `state`.
  virtual gate_record gate(run_state<Set>& state, const judge_prompt<Set>& incumbent, const judge_prompt<Set>& candidate, step_record& record,
                           std::int64_t step) = 0;

  /// The prompt in force in `state`.
  judge_prompt<Set> incumbent(const run_state<Set>& state) const { return prompt_with(seed(), state.instructions, state.output_format); }
  /// Applies the judge's failure policy (the reference's 5% abort) to predictions of `items` items.
  void check_failures(const judge::predictions<Set>& p, std::size_t items, std::string_view what) const {
    optim_detail::check_failures(p, items, settings().judge, what);
  }
};

JUDGEGRAD_END_NAMESPACE
