/// @file
/// Pareto search's step (algorithm::pareto, optim/algorithm.hpp): a child of a parent drawn from
/// the frontier of non-dominated prompts (or, every MergeEvery-th step, the merge of each
/// criterion's specialist), judged on validation and added when no member dominates it; the prompt
/// in force becomes the member the variant's scalarizer ranks first. The frontier's arithmetic is
/// optim/pareto.hpp's.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/evaluate.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/length.hpp>
#include <judgegrad/optim/pareto.hpp>
#include <judgegrad/optim/run.hpp>
#include <judgegrad/stats/metric.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

template <class Metric, int MergeEvery>
template <criteria_set Set>
void algorithm::pareto<Metric, MergeEvery>::step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step) {
  // Judges `prompt` on the validation items (one pass) and returns its per-criterion values.
  auto validation_values = [&](const judge_prompt<Set>& prompt, std::string_view role) {
    if (run.validation().empty())
      throw std::invalid_argument("judgegrad::optimize: Pareto search needs validation items, and the run has none (give data::splits a "
                                  "validation part, or set quirks.validation_from_train)");
    std::span<const example<Set>> items = run.validation();
    auto judged = run.judge(std::span<const judge_prompt<Set>>(&prompt, 1), items, run.settings().judge, {step, "validation", {}, {}}, record,
                            "validation");
    run.check_failures(judged[0], items.size(), fmt::format("validation ({})", role));
    record.evaluations.push_back(
        optim_detail::record_evaluation("validation", std::string(role), items, judged[0], run.validation_ids(), false, 0));
    return gate::detail::as_vector(
        gate::detail::values<Metric>(items, judged[0], gate::detail::unpaired<Set>, run.settings().quirks.undefined_metrics_zero));
  };
  // The hypervolume's reference point: each criterion's worst value of Metric.
  static constexpr const auto& scales = Set::scales;
  std::vector<double> reference;
  for (std::size_t c = 0; c < Set::size; ++c) reference.push_back(stats::normalized_score<Metric>(Metric::worst(scales[c])));
  auto& front = state.frontier;
  if (front.empty()) {  // the seed prompt founds the frontier
    auto first = run.incumbent(state);
    front.push_back({first.instructions(), first.skeleton().show_output_format, validation_values(first, "incumbent"), 0});
  }
  frontier_record fr;
  fr.merge = MergeEvery > 0 && step % MergeEvery == 0 && front.size() >= 2;
  judge_prompt<Set> parent = run.incumbent(state);
  per_criterion<Set, std::string> proposed;
  if (fr.merge) {
    proposed = judgegrad::pareto::merged(front);
    auto limits = run.length_limits().value_or(length::balanced<>::value);
    auto cuts = length::enforce(std::span<std::string>(proposed.values), std::span<const std::string_view>(Set::names), limits);
    auto best = judgegrad::pareto::specialists(front);
    for (std::size_t c = 0; c < Set::size; ++c)
      record.notes.push_back(fmt::format("merge: {} from the member of step {}", Set::names[c], front[best[c]].step));
    for (const auto& c : cuts) record.notes.push_back(fmt::format("length: cut at a sentence boundary, {}", c));
  } else {
    std::size_t at = judgegrad::pareto::pick(front, run.settings().seed * 1000003ull + static_cast<std::uint64_t>(step));
    fr.parent = front[at].step;
    parent = prompt_with(run.seed(), front[at].instructions, front[at].output_format);
    proposed = run.propose(parent, record, step).instructions;
    record.notes.push_back(fmt::format("parent: the member of step {}", fr.parent));
  }
  record.candidate = named_instructions<Set>(proposed);
  auto child = run.candidate_of(parent, proposed);
  record.gate.gate = std::string(run.gate_name());
  bool known = std::any_of(front.begin(), front.end(), [&](const auto& m) {
    return m.instructions == child.instructions() && m.output_format == child.skeleton().show_output_format;
  });
  if (known) {
    record.gate.reason = "the candidate is on the frontier already";
  } else {
    auto values = validation_values(child, "candidate");
    int displaced =
        judgegrad::pareto::add(front, judgegrad::pareto::member<Set>{child.instructions(), child.skeleton().show_output_format, values, step});
    record.gate.evaluated = true;
    record.gate.accepted = displaced >= 0;
    record.gate.candidate = run.scalarize(values);
    record.gate.candidate_by_criterion = values;
    record.gate.reason = displaced < 0 ? std::string("a member of the frontier dominates it")
                                       : fmt::format("joins the frontier ({} member{}{})", front.size(), front.size() == 1 ? "" : "s",
                                                     displaced > 0 ? fmt::format(", {} displaced", displaced) : std::string());
  }
  // The prompt in force: the member the scalarizer ranks first (the earliest on a tie).
  std::size_t chosen = 0;
  for (std::size_t i = 1; i < front.size(); ++i)
    if (run.scalarize(front[i].values) > run.scalarize(front[chosen].values)) chosen = i;
  record.gate.incumbent = run.scalarize(front[chosen].values);
  record.gate.incumbent_by_criterion = front[chosen].values;
  state.instructions = front[chosen].instructions;
  state.output_format = front[chosen].output_format;
  for (std::size_t i = 0; i < front.size(); ++i)
    fr.frontier.push_back({front[i].step, front[i].values, run.scalarize(front[i].values), i == chosen});
  fr.hypervolume = judgegrad::pareto::hypervolume(front, std::span<const double>(reference));
  record.pareto = std::move(fr);
}

JUDGEGRAD_END_NAMESPACE
