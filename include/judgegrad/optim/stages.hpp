/// @file
/// The three stages of a TextGrad step as data. Each stage groups the criteria by its policy's
/// partition (separate: one group per criterion; combined: one group of all), builds one request
/// per group (and per example, for loss and gradient), sends them as ONE batch, and decodes the
/// replies into texts that each concern some criteria (merge::piece). Where a stage's call covers
/// several criteria, the merge policy joins the texts it reads (`join`) and routes its reply back
/// to each criterion (`route`). What each call sees follows the reference's information table:
///
/// | stage | a call for one criterion sees | a call for several sees |
/// |---|---|---|
/// | loss | its score and the human score, for one example | all their scores, for one example |
/// | gradient | the judge prompt filtered to it, the example, its score, its critique(s), its instruction | the whole judge prompt, the example, the judge's reply, their critiques (joined), their instructions |
/// | update | its instruction, the judge prompt filtered to it, the batch with its scores, its gradients | their instructions, the whole judge prompt, the batch with the replies, their gradients (joined) |
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/optim/prompts/gradient.hpp>
#include <judgegrad/optim/prompts/loss.hpp>
#include <judgegrad/optim/prompts/update.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/settings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stages {

/// What the stages of one step work from: the incumbent prompt, the batch, the judge's predictions
/// on it, and the run's settings.
template <criteria_set Set>
struct step_input {
  const judge_prompt<Set>& prompt;
  std::span<const example<Set>> batch;
  const judge::predictions<Set>& judged;
  bool joint_layout = true;     ///< the judge asked for every criterion in one call
  const run_settings& settings;
  std::int64_t step = 0;
  std::span<const std::string> ids;  ///< the batch's example ids as the records name them
};

/// Sends batches to a backend and keeps a record of every call in the step's record.
template <class Backend>
struct recorder {
  Backend& backend;
  step_record& record;

  /// Sends `batch` as one `complete` call; returns the results and where their records start.
  /// Stops the run (run_stopped) when the batch cannot be used (check_batch); `what` names it.
  std::pair<std::vector<llm::result>, std::size_t> send(std::span<const llm::request> batch, std::string_view what) {
    std::vector<llm::result> results = backend.complete(batch);
    if (results.size() != batch.size())
      throw std::runtime_error(fmt::format("judgegrad: the backend answered {} of {} requests", results.size(), batch.size()));
    std::size_t first = record.calls.size();
    for (std::size_t i = 0; i < batch.size(); ++i) record.calls.push_back(record_of(batch[i], results[i]));
    check_batch(batch, results, what);
    return {std::move(results), first};
  }
  /// An observer for judge::run: records the judge's batches too.
  auto observer() {
    return [this](std::span<const llm::request> requests, std::span<const llm::result> results) {
      for (std::size_t i = 0; i < requests.size(); ++i) record.calls.push_back(record_of(requests[i], results[i]));
    };
  }
};

/// The texts a stage produced, per example (loss, gradient) or for the batch.
using pieces = std::vector<merge::piece>;

namespace detail {

template <criteria_set Set>
std::vector<std::string_view> names_of(const std::vector<std::size_t>& group) {
  std::vector<std::string_view> out;
  for (std::size_t c : group) out.push_back(Set::names[c]);
  return out;
}

inline bool concerns(const merge::piece& p, const std::vector<std::size_t>& group) {
  for (std::size_t c : p.criteria)
    if (std::find(group.begin(), group.end(), c) != group.end()) return true;
  return false;
}

inline llm::request make_request(llm::role role, std::string prompt, const call_settings& s, llm::call_tag tag, bool json) {
  llm::request r;
  r.model = s.model;
  r.role = role;
  r.temperature = s.temperature;
  r.max_tokens = s.max_tokens;
  r.seed = s.seed;
  r.messages.push_back({"user", std::move(prompt)});
  if (json) r.format.type = llm::response_format::kind::json_object;
  r.tag = std::move(tag);
  return r;
}

/// What the judge said on example i for the criteria of `group`: its reply when it was asked for
/// all of them at once, else one "<criterion>: <score>" line each.
template <criteria_set Set>
std::string judge_output(const step_input<Set>& in, std::size_t i, const std::vector<std::size_t>& group) {
  const auto& p = in.judged.items[i];
  if (in.joint_layout && group.size() == Set::size) return p.raw_reply();
  std::string out;
  for (std::size_t c : group) {
    auto s = p.scores[c].score();
    out += fmt::format("{}{}: {}", out.empty() ? "" : "\n", Set::names[c], s ? protocol::number(*s) : std::string("no score"));
  }
  return out;
}

template <criteria_set Set>
std::string label_of(const std::vector<std::size_t>& criteria) {
  return merge::detail::label<Set>(criteria);
}

/// One call of a stage whose reply becomes texts: who it is for and how it was asked.
struct text_call {
  std::vector<std::size_t> group;
  std::size_t example = 0;    ///< the example (loss, gradient), unused for the update
  bool keyed = false;         ///< asked for a JSON object keyed by criterion
};

/// Sends `requests` (one per `calls` entry), repairs keyed replies missing criteria, and turns the
/// replies into pieces per example. A failed call yields no text (noted).
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> texts_from(recorder<Backend>& rec, std::vector<llm::request> requests, const std::vector<text_call>& calls,
                               std::size_t examples, std::string_view stage, int repair_rounds, std::vector<text_record>& kept,
                               std::span<const std::string> ids, step_record& record) {
  std::vector<pieces> out(examples);
  auto [results, first] = rec.send(requests, fmt::format("the {} stage", stage));
  // Replies per call, with the keyed parts still missing after each round.
  std::vector<std::string> reply(calls.size());
  std::vector<merge::routed> parts(calls.size());
  std::vector<bool> failed(calls.size(), false);
  std::vector<std::size_t> again;
  for (std::size_t k = 0; k < calls.size(); ++k) {
    if (!results[k].ok()) {
      failed[k] = true;
      record.notes.push_back(fmt::format("{} call for {} on {} failed: {}", stage, label_of<Set>(calls[k].group), ids[calls[k].example],
                                         record.calls[first + k].error));
      continue;
    }
    reply[k] = results[k].value().content;
    if (calls[k].keyed) {
      parts[k] = Merge::route(reply[k], names_of<Set>(calls[k].group));
      if (!parts[k].missing.empty()) {
        record.calls[first + k].outcome = fmt::format("missing {}", fmt::join(parts[k].missing, ", "));
        again.push_back(k);
      }
    }
  }
  for (int round = 0; round < repair_rounds && !again.empty(); ++round) {
    std::vector<llm::request> repairs;
    for (std::size_t k : again) {
      llm::request r = requests[k];
      r.messages.push_back({"assistant", reply[k]});
      r.messages.push_back({"user", fmt::format("Your answer had no part for {}. Answer again with one JSON object and nothing "
                                                "else, one entry for each of: {}.",
                                                fmt::join(parts[k].missing, ", "), fmt::join(names_of<Set>(calls[k].group), ", "))});
      repairs.push_back(std::move(r));
    }
    auto [fixed, at] = rec.send(repairs, fmt::format("the {} stage's repairs", stage));
    std::vector<std::size_t> still;
    for (std::size_t j = 0; j < again.size(); ++j) {
      std::size_t k = again[j];
      if (!fixed[j].ok()) {
        still.push_back(k);
        continue;
      }
      auto second = Merge::route(fixed[j].value().content, names_of<Set>(calls[k].group));
      auto names = names_of<Set>(calls[k].group);
      std::vector<std::string> missing;
      for (std::size_t g = 0; g < names.size(); ++g) {
        if (!parts[k].texts[g].empty()) continue;
        if (!second.texts[g].empty()) parts[k].texts[g] = second.texts[g];
        else missing.emplace_back(names[g]);
      }
      parts[k].missing = missing;
      record.calls[at + j].outcome = missing.empty() ? "repaired" : fmt::format("missing {}", fmt::join(missing, ", "));
      if (!missing.empty()) still.push_back(k);
    }
    again = std::move(still);
  }
  for (std::size_t k = 0; k < calls.size(); ++k) {
    if (failed[k]) continue;
    const auto& call = calls[k];
    std::string example_id = ids.empty() ? std::string() : ids[call.example];
    if (!call.keyed) {
      out[call.example].push_back({reply[k], call.group});
      kept.push_back({label_of<Set>(call.group), example_id, reply[k], call.group.size() == 1 ? "own" : "joint"});
      continue;
    }
    for (std::size_t g = 0; g < call.group.size(); ++g) {
      std::size_t c = call.group[g];
      bool whole = parts[k].texts[g].empty();
      if (whole)
        record.notes.push_back(fmt::format("{}: the reply for {} on {} had no part for {}; it receives the whole reply", stage,
                                           label_of<Set>(call.group), example_id, Set::names[c]));
      const std::string& text = whole ? reply[k] : parts[k].texts[g];
      out[call.example].push_back({text, {c}});
      kept.push_back({std::string(Set::names[c]), example_id, text, whole ? "whole" : "part"});
    }
  }
  return out;
}

}  // namespace detail

/// A stage's partition of the criteria: the groups its calls cover (`Stage::groups<Set>()`).
using partition = std::vector<std::vector<std::size_t>>;

/// The loss stage: one call per group of the partition and example, each showing the judge's
/// scores against the human scores for the group's criteria. Returns the critiques per example.
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> loss(recorder<Backend>& rec, const step_input<Set>& in, const partition& groups, step_record& record) {
  static constexpr auto defs = judge::detail::definitions<Set>();
  std::vector<llm::request> requests;
  std::vector<detail::text_call> calls;
  for (const auto& group : groups) {
    bool keyed = Merge::keyed && group.size() > 1;
    for (std::size_t i = 0; i < in.batch.size(); ++i) {
      std::vector<protocol::score_line> lines;
      std::vector<protocol::named_text> definitions;
      for (std::size_t c : group) {
        lines.push_back({std::string(Set::names[c]), in.judged.items[i].scores[c].score(), in.batch[i].gold[c], {}});
        if (in.prompt.skeleton().show_definitions) definitions.push_back({std::string(Set::names[c]), std::string(defs[c])});
      }
      llm::call_tag tag{in.step, "loss", group.size() == 1 ? std::string(Set::names[group[0]]) : std::string(), in.ids[i]};
      requests.push_back(detail::make_request(llm::role::loss, prompts::loss(in.settings.style, lines, definitions, keyed),
                                              in.settings.loss, std::move(tag), keyed));
      calls.push_back({group, i, keyed});
    }
  }
  return detail::texts_from<Merge, Set>(rec, std::move(requests), calls, in.batch.size(), "loss", in.settings.repair_rounds,
                                        record.critiques, in.ids, record);
}

/// The gradient stage: one call per group and example, each showing the judge prompt (filtered to
/// the group), the example, the judge's output, the critiques concerning the group (joined by the
/// merge policy when the group has several criteria) and the group's instructions. Returns the
/// gradients per example.
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> gradient(recorder<Backend>& rec, const step_input<Set>& in, const partition& groups,
                             const std::vector<pieces>& critiques, step_record& record) {
  std::vector<llm::request> requests;
  std::vector<detail::text_call> calls;
  for (const auto& group : groups) {
    bool keyed = Merge::keyed && group.size() > 1;
    std::string head = judge::render_head(in.prompt, std::span<const std::size_t>(group));
    std::vector<protocol::named_text> instructions;
    for (std::size_t c : group) instructions.push_back({std::string(Set::names[c]), in.prompt.instructions()[c]});
    for (std::size_t i = 0; i < in.batch.size(); ++i) {
      pieces mine;
      for (const auto& p : critiques[i])
        if (detail::concerns(p, group)) mine.push_back(p);
      std::vector<protocol::group> critique;
      if (group.size() == 1) {
        critique.push_back({{}, {}});
        for (const auto& p : mine) critique.back().items.push_back(p.text);
      } else {
        critique = Merge::template join<Set>(mine, merge::join_context::critiques);
      }
      auto sample = judge::sample_fields(in.prompt, in.batch[i]);
      std::string output = detail::judge_output(in, i, group);
      prompts::gradient_input gi{head, sample, output, critique, instructions, keyed};
      llm::call_tag tag{in.step, "gradient", group.size() == 1 ? std::string(Set::names[group[0]]) : std::string(), in.ids[i]};
      requests.push_back(detail::make_request(llm::role::gradient, prompts::gradient(in.settings.style, gi), in.settings.gradient,
                                              std::move(tag), keyed));
      calls.push_back({group, i, keyed});
    }
  }
  return detail::texts_from<Merge, Set>(rec, std::move(requests), calls, in.batch.size(), "gradient", in.settings.repair_rounds,
                                        record.gradients, in.ids, record);
}

/// The update's result: the candidate instructions.
template <criteria_set Set>
struct update_result {
  per_criterion<Set, std::string> instructions;
};

/// The update stage: one call per group, each rewriting the group's instructions from the
/// gradients concerning it (joined by the merge policy when the group has several criteria).
/// A group of one answers with the text alone, a larger group with {"instructions": {...}}. A reply
/// without a usable instruction for a criterion is asked again (`repair_rounds`); after that the
/// criterion keeps its current instruction (its seed instruction under quirks.seed_fallback), and
/// the notes say so. Never an empty instruction.
template <class Merge, criteria_set Set, class Backend>
update_result<Set> update(recorder<Backend>& rec, const step_input<Set>& in, const partition& groups,
                          const std::vector<pieces>& gradients, const per_criterion<Set, std::string>& seed, step_record& record) {
  std::vector<llm::request> requests;
  for (const auto& group : groups) {
    std::vector<protocol::named_text> instructions;
    for (std::size_t c : group) instructions.push_back({std::string(Set::names[c]), in.prompt.instructions()[c]});
    std::string head = judge::render_head(in.prompt, std::span<const std::size_t>(group));
    std::vector<prompts::context_example> context;
    for (std::size_t i = 0; i < in.batch.size(); ++i)
      context.push_back({in.ids[i], judge::sample_fields(in.prompt, in.batch[i]), detail::judge_output(in, i, group)});
    pieces mine;
    for (const auto& per_example : gradients)
      for (const auto& p : per_example)
        if (detail::concerns(p, group)) mine.push_back(p);
    std::vector<protocol::group> feedback;
    if (group.size() == 1) {
      feedback.push_back({{}, {}});
      for (const auto& p : mine) feedback.back().items.push_back(p.text);
    } else {
      feedback = Merge::template join<Set>(mine, merge::join_context::feedback);
    }
    prompts::update_input ui{instructions, head, context, feedback, 0};
    llm::call_tag tag{in.step, "update", group.size() == 1 ? std::string(Set::names[group[0]]) : std::string(), {}};
    requests.push_back(detail::make_request(llm::role::optimizer, prompts::update(in.settings.style, ui), in.settings.update,
                                            std::move(tag), group.size() > 1));
  }
  auto [results, first] = rec.send(requests, "the update stage");

  // The instructions each reply gives, per group; a text of a group of one may come as the reply
  // itself or, from models that add structure, as {"instructions": {...}} or {"instruction": "..."}.
  auto read = [&](const std::vector<std::size_t>& group, std::string_view reply) {
    auto names = detail::names_of<Set>(group);
    auto parsed = protocol::read_texts_json(reply, names);
    if (group.size() == 1 && !parsed.texts[0]) {
      if (auto v = find_json(reply, [](const json_value& j) { return j.is_object() && j.find("instruction") && j.find("instruction")->is_string(); }))
        parsed.texts[0] = std::string(text::trim(v->find("instruction")->text));
      else if (!parsed.found_json) {
        std::string text = std::string(text::trim(straighten_quotes(reply)));
        while (text.size() >= 2 && text.front() == text.back() && (text.front() == '"' || text.front() == '\'')) text = std::string(text::trim(text.substr(1, text.size() - 2)));
        if (!text.empty()) parsed.texts[0] = text;
      }
      parsed.missing.clear();
      if (!parsed.texts[0]) parsed.missing.emplace_back(names[0]);
    }
    return parsed;
  };
  std::vector<protocol::instructions_reply> parsed(groups.size());
  std::vector<std::string> replies(groups.size());
  std::vector<std::size_t> again;
  for (std::size_t k = 0; k < groups.size(); ++k) {
    if (!results[k].ok()) {
      parsed[k] = read(groups[k], "");
      record.notes.push_back(fmt::format("update call for {} failed: {}", detail::label_of<Set>(groups[k]), record.calls[first + k].error));
      continue;  // a failed call is the backend's to retry, not ours
    }
    replies[k] = results[k].value().content;
    parsed[k] = read(groups[k], replies[k]);
    if (!parsed[k].missing.empty()) {
      record.calls[first + k].outcome = parsed[k].found_json || groups[k].size() == 1 ? fmt::format("missing {}", fmt::join(parsed[k].missing, ", "))
                                                                                     : std::string("no instructions JSON");
      again.push_back(k);
    }
  }
  for (int round = 0; round < in.settings.repair_rounds && !again.empty(); ++round) {
    std::vector<llm::request> repairs;
    for (std::size_t k : again) {
      llm::request r = requests[k];
      r.messages.push_back({"assistant", replies[k]});
      if (groups[k].size() == 1)
        r.messages.push_back({"user", "Your answer held no instruction. Answer again with the new instruction text alone."});
      else
        r.messages.push_back({"user", fmt::format("Your answer gave no usable instruction for {}. Answer again with one JSON object and "
                                                  "nothing else: {{\"instructions\": {{...}}}}, with a non-empty instruction for each of: {}.",
                                                  fmt::join(parsed[k].missing, ", "), fmt::join(detail::names_of<Set>(groups[k]), ", "))});
      repairs.push_back(std::move(r));
    }
    auto [fixed, at] = rec.send(repairs, "the update stage's repairs");
    std::vector<std::size_t> still;
    for (std::size_t j = 0; j < again.size(); ++j) {
      std::size_t k = again[j];
      if (!fixed[j].ok()) {
        still.push_back(k);
        continue;
      }
      auto second = read(groups[k], fixed[j].value().content);
      std::vector<std::string> missing;
      for (std::size_t g = 0; g < groups[k].size(); ++g) {
        if (parsed[k].texts[g]) continue;
        if (second.texts[g]) parsed[k].texts[g] = second.texts[g];
        else missing.emplace_back(Set::names[groups[k][g]]);
      }
      parsed[k].missing = missing;
      record.calls[at + j].outcome = missing.empty() ? "repaired" : fmt::format("missing {}", fmt::join(missing, ", "));
      if (!missing.empty()) still.push_back(k);
    }
    again = std::move(still);
  }
  update_result<Set> out;
  out.instructions = in.prompt.instructions();
  for (std::size_t k = 0; k < groups.size(); ++k)
    for (std::size_t g = 0; g < groups[k].size(); ++g) {
      std::size_t c = groups[k][g];
      if (parsed[k].texts[g]) {
        out.instructions[c] = *parsed[k].texts[g];
        continue;
      }
      bool to_seed = in.settings.quirks.seed_fallback;
      out.instructions[c] = to_seed ? seed[c] : in.prompt.instructions()[c];
      record.notes.push_back(fmt::format("update: no usable instruction for {}; it keeps its {} instruction", Set::names[c],
                                         to_seed ? "seed" : "current"));
    }
  return out;
}

}  // namespace stages
JUDGEGRAD_END_NAMESPACE
