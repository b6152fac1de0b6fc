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
///
/// A reply that leaves criteria out is asked again through one loop (`detail::ask_until_complete`).
/// Between the gradient and update stages, a routed decomposition's routing (optim/routing.hpp) and
/// the conflict-resolving merge's call (optim/resolution.hpp) may change the gradients.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/length.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/optim/prompts/gradient.hpp>
#include <judgegrad/optim/prompts/loss.hpp>
#include <judgegrad/optim/prompts/update.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/settings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
  std::optional<length::limits> length_limits;  ///< a length-balanced update's limits
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

/// The texts of `mine` as a call for `group` shows them: one unlabelled group when the call is for
/// one criterion, else as the merge policy joins them.
template <class Merge, criteria_set Set>
std::vector<protocol::group> shown_texts(const std::vector<merge::piece>& mine, const std::vector<std::size_t>& group, merge::join_context where) {
  if (group.size() > 1) return Merge::template join<Set>(mine, where);
  std::vector<protocol::group> out{{{}, {}}};
  for (const auto& p : mine) out.back().items.push_back(p.text);
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

/// What a repair's reply left of its call: the outcome its record gets, and whether to ask again.
struct repair_read {
  std::string outcome;
  bool again = false;
};

/// The one repair loop of the stages: asks the calls `asked` (indices into `requests`, whose first
/// replies were `replies`) again, up to `rounds` times, as one batch per round. A repair is the
/// call's request, its first reply and `message(k)`, what was wrong and the form wanted.
/// `read(k, reply)` takes what a repair's reply gives call k and says whether it is still
/// incomplete; a repair that fails is asked again too. `what` names the batch in errors.
template <class Backend, class Message, class Read>
void ask_until_complete(recorder<Backend>& rec, const std::vector<llm::request>& requests, const std::vector<std::string>& replies,
                        std::vector<std::size_t> asked, int rounds, std::string_view what, const Message& message, const Read& read) {
  for (int round = 0; round < rounds && !asked.empty(); ++round) {
    std::vector<llm::request> repairs;
    for (std::size_t k : asked) {
      llm::request r = requests[k];
      r.messages.push_back({"assistant", replies[k]});
      r.messages.push_back({"user", message(k)});
      repairs.push_back(std::move(r));
    }
    auto [fixed, at] = rec.send(repairs, what);
    std::vector<std::size_t> still;
    for (std::size_t j = 0; j < asked.size(); ++j) {
      if (!fixed[j].ok()) {
        still.push_back(asked[j]);
        continue;
      }
      repair_read r = read(asked[j], fixed[j].value().content);
      rec.record.calls[at + j].outcome = std::move(r.outcome);
      if (r.again) still.push_back(asked[j]);
    }
    asked = std::move(still);
  }
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
  const auto message = [&](std::size_t k) {
    return fmt::format("Your answer had no part for {}. Answer again with one JSON object and nothing else, one entry for each of: {}.",
                       fmt::join(parts[k].missing, ", "), fmt::join(names_of<Set>(calls[k].group), ", "));
  };
  const auto read = [&](std::size_t k, std::string_view fixed) {
    auto names = names_of<Set>(calls[k].group);
    auto second = Merge::route(fixed, names);
    std::vector<std::string> missing;
    for (std::size_t g = 0; g < names.size(); ++g) {
      if (!parts[k].texts[g].empty()) continue;
      if (!second.texts[g].empty()) parts[k].texts[g] = second.texts[g];
      else missing.emplace_back(names[g]);
    }
    parts[k].missing = missing;
    return repair_read{missing.empty() ? "repaired" : fmt::format("missing {}", fmt::join(missing, ", ")), !missing.empty()};
  };
  ask_until_complete(rec, requests, reply, std::move(again), repair_rounds, fmt::format("the {} stage's repairs", stage), message, read);
  for (std::size_t k = 0; k < calls.size(); ++k) {
    if (failed[k]) continue;
    const auto& call = calls[k];
    std::string example_id = ids.empty() ? std::string() : ids[call.example];
    if (!call.keyed) {
      out[call.example].push_back({reply[k], call.group});
      auto criteria = call.group;
      std::sort(criteria.begin(), criteria.end());
      kept.push_back({std::move(criteria), example_id, reply[k], call.group.size() == 1 ? "own" : "joint"});
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
      kept.push_back({{c}, example_id, text, whole ? "whole" : "part"});
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
  static constexpr const auto& defs = Set::definitions;
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

/// One call of the gradient stage: the criteria it is for and the example.
struct gradient_job {
  std::vector<std::size_t> group;
  std::size_t example = 0;
};

/// Gradient calls for `jobs`, in their order, as one batch: each shows the judge prompt (filtered to
/// the job's criteria), the example, the judge's output, the critiques concerning the criteria
/// (joined by the merge policy when there are several) and their instructions. Returns the
/// gradients per example.
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> gradient_calls(recorder<Backend>& rec, const step_input<Set>& in, const std::vector<gradient_job>& jobs,
                                   const std::vector<pieces>& critiques, step_record& record) {
  std::vector<llm::request> requests;
  std::vector<detail::text_call> calls;
  const std::vector<std::size_t>* head_of = nullptr;
  std::string head;
  for (const auto& job : jobs) {
    const auto& group = job.group;
    bool keyed = Merge::keyed && group.size() > 1;
    if (!head_of || *head_of != group) head = judge::render_head(in.prompt, std::span<const std::size_t>(group));
    head_of = &group;
    std::vector<protocol::named_text> instructions;
    for (std::size_t c : group) instructions.push_back({std::string(Set::names[c]), in.prompt.instructions()[c]});
    std::size_t i = job.example;
    pieces mine;
    for (const auto& p : critiques[i])
      if (detail::concerns(p, group)) mine.push_back(p);
    auto critique = detail::shown_texts<Merge, Set>(mine, group, merge::join_context::critiques);
    auto sample = judge::sample_fields(in.prompt, in.batch[i]);
    std::string output = detail::judge_output(in, i, group);
    prompts::gradient_input gi{head, sample, output, critique, instructions, keyed};
    llm::call_tag tag{in.step, "gradient", group.size() == 1 ? std::string(Set::names[group[0]]) : std::string(), in.ids[i]};
    requests.push_back(detail::make_request(llm::role::gradient, prompts::gradient(in.settings.style, gi), in.settings.gradient,
                                            std::move(tag), keyed));
    calls.push_back({group, i, keyed});
  }
  return detail::texts_from<Merge, Set>(rec, std::move(requests), calls, in.batch.size(), "gradient", in.settings.repair_rounds,
                                        record.gradients, in.ids, record);
}

/// The gradient stage: one call per group of the partition and example (gradient_calls).
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> gradient(recorder<Backend>& rec, const step_input<Set>& in, const partition& groups,
                             const std::vector<pieces>& critiques, step_record& record) {
  std::vector<gradient_job> jobs;
  for (const auto& group : groups)
    for (std::size_t i = 0; i < in.batch.size(); ++i) jobs.push_back({group, i});
  return gradient_calls<Merge, Set>(rec, in, jobs, critiques, record);
}

/// The update's result: the candidate instructions.
template <criteria_set Set>
struct update_result {
  per_criterion<Set, std::string> instructions;
};

/// The length-balanced update's check of the candidate instructions (length::limits): when some
/// are over their limit, the update calls of their groups are asked once to shorten them
/// (repair_rounds permitting), and whatever is still over is cut at a sentence boundary. Every
/// repair and cut is in the notes; no instruction leaves over its limit.
template <criteria_set Set, class Backend, class Read>
void balance_lengths(recorder<Backend>& rec, const step_input<Set>& in, const partition& groups, const std::vector<llm::request>& requests,
                     const std::vector<std::string>& replies, const Read& read, update_result<Set>& out, step_record& record) {
  const length::limits& l = *in.length_limits;
  auto over = length::over_limit(std::span<const std::string>(out.instructions.values), l);
  if (over.empty()) return;
  std::vector<std::size_t> tokens;
  for (const auto& i : out.instructions.values) tokens.push_back(length::tokens_of(i));
  if (in.settings.repair_rounds > 0) {
    // Asked once: the groups with an instruction over its limit, told which and by how much.
    std::vector<std::string> told(groups.size());
    std::vector<std::size_t> asked;
    for (std::size_t k = 0; k < groups.size(); ++k) {
      std::vector<std::string> lines;
      for (std::size_t c : groups[k])
        if (std::find(over.begin(), over.end(), c) != over.end())
          lines.push_back(fmt::format("{} has about {} tokens, its limit is {}", Set::names[c], tokens[c], l.limit_for(c, tokens)));
      if (lines.empty() || replies[k].empty()) continue;
      told[k] = fmt::format("{}", fmt::join(lines, "; "));
      asked.push_back(k);
    }
    const auto message = [&](std::size_t k) {
      return fmt::format("Too long: {}. No instruction may exceed {} tokens (about {} words) or {:g} times the mean length of the others. "
                         "Answer again in the same form, with the instruction{} shortened to its most important points.",
                         told[k], l.budget, l.budget * 3 / 4, l.ratio, groups[k].size() > 1 ? "s" : "");
    };
    const auto shortened = [&](std::size_t k, std::string_view fixed) {
      auto second = read(groups[k], fixed);
      std::vector<std::string> took;
      for (std::size_t g = 0; g < groups[k].size(); ++g) {
        std::size_t c = groups[k][g];
        if (std::find(over.begin(), over.end(), c) == over.end() || !second.texts[g]) continue;
        out.instructions[c] = *second.texts[g];
        took.emplace_back(Set::names[c]);
      }
      return detail::repair_read{took.empty() ? "no usable instruction" : fmt::format("answered for {}", fmt::join(took, ", ")), false};
    };
    if (!asked.empty()) {
      detail::ask_until_complete(rec, requests, replies, std::move(asked), 1, "the update stage's length repairs", message, shortened);
      auto still = length::over_limit(std::span<const std::string>(out.instructions.values), l);
      for (std::size_t c : over) {
        bool fits = std::find(still.begin(), still.end(), c) == still.end();
        record.notes.push_back(fmt::format("length: {} was over its limit ({} tokens); {} {} tokens", Set::names[c], tokens[c],
                                           fits ? "the optimizer shortened it to" : "after the repair it still has",
                                           length::tokens_of(out.instructions[c])));
      }
    }
  }
  auto cuts = length::enforce(std::span<std::string>(out.instructions.values), std::span<const std::string_view>(Set::names), l);
  for (const auto& c : cuts) record.notes.push_back(fmt::format("length: cut at a sentence boundary, {}", c));
}

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
    auto feedback = detail::shown_texts<Merge, Set>(mine, group, merge::join_context::feedback);
    prompts::update_input ui{instructions, head, context, feedback};
    if (in.length_limits) {
      ui.max_tokens_per_instruction = in.length_limits->budget;
      ui.max_ratio = in.length_limits->ratio;
    }
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
  const auto message = [&](std::size_t k) {
    if (groups[k].size() == 1) return std::string("Your answer held no instruction. Answer again with the new instruction text alone.");
    return fmt::format("Your answer gave no usable instruction for {}. Answer again with one JSON object and nothing else: "
                       "{{\"instructions\": {{...}}}}, with a non-empty instruction for each of: {}.",
                       fmt::join(parsed[k].missing, ", "), fmt::join(detail::names_of<Set>(groups[k]), ", "));
  };
  const auto repaired = [&](std::size_t k, std::string_view fixed) {
    auto second = read(groups[k], fixed);
    std::vector<std::string> missing;
    for (std::size_t g = 0; g < groups[k].size(); ++g) {
      if (parsed[k].texts[g]) continue;
      if (second.texts[g]) parsed[k].texts[g] = second.texts[g];
      else missing.emplace_back(Set::names[groups[k][g]]);
    }
    parsed[k].missing = missing;
    return detail::repair_read{missing.empty() ? "repaired" : fmt::format("missing {}", fmt::join(missing, ", ")), !missing.empty()};
  };
  detail::ask_until_complete(rec, requests, replies, std::move(again), in.settings.repair_rounds, "the update stage's repairs", message,
                             repaired);
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
  if (in.length_limits) balance_lengths(rec, in, groups, requests, replies, read, out, record);
  return out;
}

}  // namespace stages
JUDGEGRAD_END_NAMESPACE
