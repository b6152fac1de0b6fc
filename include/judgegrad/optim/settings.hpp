/// @file
/// How an optimization run is set up: steps, batch size, seed, when test is evaluated, the judge's
/// and each stage's call parameters, the prompts' style, OPRO's numbers, and the reference's
/// choices that faithful mode reproduces, each behind a named switch.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/judge/forward.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

JUDGEGRAD_BEGIN_NAMESPACE


/// The reference implementation's choices (reference notes §10), each a switch; all off by default,
/// all on in `run_settings::faithful()`. The merge slot is the switch for the duplicated combined
/// gradients: merge::concatenate reproduces them, merge::labeled_sections does not.
struct reference_quirks {
  /// Candidates lose the judge prompt's "Output format" block (the reference rebuilt optimized
  /// prompts without it).
  bool drop_output_format = false;
  /// A criterion the update leaves out, or answers empty for, gets its seed instruction back, not
  /// the current one.
  bool seed_fallback = false;
  /// Validation items are the last `run_settings::validation` rows of the training split shuffled
  /// with seed 42, so they overlap the training batches; else the validation split given.
  bool validation_from_train = false;
  /// Positional example ids in the records ("step3_sample12") instead of the stable ids.
  bool positional_ids = false;
  /// The batch of step s is the first B rows of the training split shuffled with seed s (batches
  /// overlap across steps); else each epoch's shuffle is cut into disjoint batches.
  bool reference_batches = false;
  /// An unchanged prompt is judged again — on test at every step, and on validation when the update
  /// proposed the incumbent itself — as a fresh sample, instead of reusing what is known of it.
  bool reevaluate_unchanged = false;
  /// A metric undefined on the validation items (no pairs, a constant side) counts 0 in the gate,
  /// not its worst value.
  bool undefined_metrics_zero = false;
  /// OPRO's best candidate replaces the incumbent even when it scores worse on the batch.
  bool opro_unconditional = false;
  /// OPRO pushes the incumbent into its history at every step, so the top k fills with copies.
  bool opro_repush = false;
  /// OPRO's demonstrations are the first rows of the step's shuffle, batch rows not excluded.
  bool opro_demos_from_batch = false;

  static reference_quirks all() {
    return {true, true, true, true, true, true, true, true, true, true};
  }
  friend bool operator==(const reference_quirks&, const reference_quirks&) = default;
};

/// Model and sampling parameters of one stage's calls. Unset values are settled by the backend
/// stack (llm::role_defaults: the configuration's role settings, then the reference's defaults).
struct call_settings {
  std::string model = {};
  std::optional<double> temperature = {};
  std::optional<int> max_tokens = {};
  std::optional<std::uint64_t> seed = {};
};

/// OPRO's numbers (the reference's: top 20, 8 candidates, 3 demonstrations, a fixed batch).
struct opro_settings {
  std::size_t top_k = 20;
  std::size_t candidates = 8;
  std::size_t demonstrations = 3;
  /// The reference's OPRO sampled its judge at 0 and its optimizer at 1.0; unset here, they follow
  /// the judge's and the update's settings. run_settings::faithful() sets them.
  std::optional<double> judge_temperature = {}, optimizer_temperature = {};
};

/// One optimization run.
struct run_settings {
  std::size_t steps = 12;          ///< optimization steps, numbered 1..steps (0 is the seed prompt)
  std::size_t batch = 3;           ///< training examples per step
  std::size_t validation = 100;    ///< validation items drawn from train (quirks.validation_from_train)
  std::uint32_t seed = 42;         ///< batches, resampling gates
  /// Test is evaluated at step 0, at every `test_every`-th step and at the last; 0: step 0 and the
  /// last only. The paper evaluates every step.
  std::size_t test_every = 1;
  prompt_style style = prompt_style::standard;  ///< the role prompts' wording
  judge::judge_settings judge = {};  ///< the judge's calls (repairs, failure policy, parameters)
  call_settings loss = {}, gradient = {}, update = {}, evaluator = {};
  /// Extra rounds re-asking a stage call whose reply had not the shape asked for (an update
  /// without usable JSON, a keyed reply missing a criterion); 0: none.
  int repair_rounds = 1;
  opro_settings opro = {};
  reference_quirks quirks = {};
  std::string run = {};            ///< a name for the records (default: the variant's name)

  /// The reference's behaviour throughout: faithful prompts, no repairs, abort at 5% failed judge
  /// replies, and every quirk on.
  static run_settings faithful() {
    run_settings s;
    s.style = prompt_style::faithful;
    s.judge = judge::judge_settings::faithful();
    s.repair_rounds = 0;
    s.quirks = reference_quirks::all();
    s.opro.judge_temperature = 0.0;
    s.opro.optimizer_temperature = 1.0;
    return s;
  }
};


JUDGEGRAD_END_NAMESPACE
