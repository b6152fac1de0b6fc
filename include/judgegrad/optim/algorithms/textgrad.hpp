/// @file
/// TextGrad's step (algorithm::textgrad, optim/algorithm.hpp): the judge on the step's batch, the
/// variant's loss, gradient and update stages (`run::propose`), then its gate on the candidate.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/run.hpp>

#include <cstdint>

JUDGEGRAD_BEGIN_NAMESPACE

template <criteria_set Set>
void algorithm::textgrad::step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step) {
  auto incumbent = run.incumbent(state);
  auto update = run.propose(incumbent, record, step);
  record.candidate = named_instructions<Set>(update.instructions);
  auto candidate = run.candidate_of(incumbent, update.instructions);
  record.gate = run.gate(state, incumbent, candidate, record, step);
  if (record.gate.accepted) adopt(state, candidate);
}

JUDGEGRAD_END_NAMESPACE
