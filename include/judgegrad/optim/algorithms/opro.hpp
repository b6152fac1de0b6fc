/// @file
/// OPRO's step (algorithm::opro, optim/algorithm.hpp): the incumbent scored on the first step's
/// batch, candidates proposed by the optimizer from the scored history of instruction sets and a
/// few scored demonstrations (optim/prompts/opro.hpp), scored on the same batch; the best is
/// proposed (unless the incumbent scores higher, or always under quirks.opro_unconditional) and
/// goes through the variant's gate.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/data/random.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/evaluate.hpp>
#include <judgegrad/optim/prompts/opro.hpp>
#include <judgegrad/optim/run.hpp>
#include <judgegrad/optim/stages.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

template <class Metric>
template <criteria_set Set>
void algorithm::opro<Metric>::step(run<Set>& run, run_state<Set>& state, step_record& record, std::int64_t step) {
  const run_settings& settings = run.settings();
  auto incumbent = run.incumbent(state);
  auto [batch, rows] = run.batch(1);  // OPRO keeps the first step's batch
  std::span<const example<Set>> items(batch);
  auto ids = run.ids_of(items, step, std::span<const std::size_t>(rows));
  record.batch = ids;
  auto judged_on_batch = [&](std::span<const judge_prompt<Set>> prompts, std::string_view what) {
    judge::judge_settings js = settings.judge;
    if (settings.opro.judge_temperature) js.temperature = settings.opro.judge_temperature;
    std::vector<double> scores;
    for (const auto& p : run.judge(prompts, items, js, {step, "train", {}, {}}, record, what))
      scores.push_back(optim_detail::mean_score<Metric>(items, p));
    return scores;
  };
  if (!state.batch_score) state.batch_score = judged_on_batch(std::span<const judge_prompt<Set>>(&incumbent, 1), "the judge on the batch")[0];
  auto same_as = [&](const per_criterion<Set, std::string>& a) {
    return [&a](const auto& entry) { return entry.first == a; };
  };
  if (settings.quirks.opro_repush || std::none_of(state.history.begin(), state.history.end(), same_as(state.instructions)))
    state.history.push_back({state.instructions, *state.batch_score});
  // The top k, worst first.
  auto ranked = state.history;
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (ranked.size() > settings.opro.top_k) ranked.resize(settings.opro.top_k);
  std::reverse(ranked.begin(), ranked.end());
  std::vector<protocol::scored_set> past;
  for (const auto& [instr, score] : ranked) past.push_back({score, named_instructions<Set>(instr)});
  // Demonstrations: the first rows of this step's shuffle, the batch's rows excluded (the
  // reference's exclusion never matched anything: quirks.opro_demos_from_batch).
  std::vector<prompts::demonstration> demos;
  auto order = data::permutation(run.data().train.size(), static_cast<std::uint32_t>(step));
  for (std::size_t r : order) {
    if (demos.size() >= settings.opro.demonstrations) break;
    if (!settings.quirks.opro_demos_from_batch && std::find(rows.begin(), rows.end(), r) != rows.end()) continue;
    const auto& e = run.data().train.examples[r];
    prompts::demonstration d{judge::sample_fields(incumbent, e), {}};
    for (std::size_t c = 0; c < Set::size; ++c)
      d.scores.push_back({std::string(Set::names[c]), e.gold[c] ? protocol::number(*e.gold[c]) : std::string("none")});
    demos.push_back(std::move(d));
  }
  std::string meta = prompts::opro(settings.style, past, demos);
  std::vector<llm::request> requests;
  for (std::size_t k = 0; k < settings.opro.candidates; ++k) {
    call_settings cs = settings.update;
    if (settings.opro.optimizer_temperature) cs.temperature = settings.opro.optimizer_temperature;
    auto r = stages::detail::make_request(llm::role::optimizer, meta, cs, {step, "opro", {}, {}}, true);
    r.repeat = static_cast<std::uint32_t>(k);
    requests.push_back(std::move(r));
  }
  auto [replies, at] = run.send(requests, record, "the OPRO candidates");
  std::vector<judge_prompt<Set>> candidates;
  std::vector<std::string_view> names(Set::names.begin(), Set::names.end());
  for (std::size_t k = 0; k < replies.size(); ++k) {
    if (!replies[k].ok()) continue;
    auto parsed = protocol::read_texts_json(replies[k].value().content, names);
    if (!parsed.missing.empty() && settings.quirks.seed_fallback) {  // the reference drops such a candidate
      record.calls[at + k].outcome = fmt::format("missing {}; candidate dropped", fmt::join(parsed.missing, ", "));
      continue;
    }
    per_criterion<Set, std::string> instr = state.instructions;
    for (std::size_t c = 0; c < Set::size; ++c)
      if (parsed.texts[c]) instr[c] = *parsed.texts[c];
    if (!parsed.missing.empty()) record.calls[at + k].outcome = fmt::format("missing {}; kept the incumbent's", fmt::join(parsed.missing, ", "));
    auto p = run.candidate_of(incumbent, instr);
    if (p == incumbent || std::find(candidates.begin(), candidates.end(), p) != candidates.end()) continue;
    candidates.push_back(std::move(p));
  }
  std::vector<double> scores;
  if (!candidates.empty()) scores = judged_on_batch(candidates, "the judge on the OPRO candidates");
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    state.history.push_back({candidates[k].instructions(), scores[k]});
    record.notes.push_back(fmt::format("candidate {}: batch score {:.4f}", k + 1, scores[k]));
    if (!best || scores[k] > scores[*best]) best = k;
  }
  record.notes.push_back(fmt::format("incumbent: batch score {:.4f}", *state.batch_score));
  bool propose = best && (settings.quirks.opro_unconditional || scores[*best] > *state.batch_score);
  if (!propose) {
    record.candidate = named_instructions<Set>(state.instructions);
    record.gate.gate = std::string(run.gate_name());
    record.gate.reason = best ? "no candidate beats the incumbent on the batch" : "no usable candidate";
    return;
  }
  record.candidate = named_instructions<Set>(candidates[*best].instructions());
  record.gate = run.gate(state, incumbent, candidates[*best], record, step);
  if (record.gate.accepted) {
    adopt(state, candidates[*best]);
    state.batch_score = scores[*best];
  }
}

JUDGEGRAD_END_NAMESPACE
