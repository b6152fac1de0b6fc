/// @file
/// The conflict-resolving merge's call between the gradient and update stages: the advice each
/// criterion received, made mutually compatible in one call before the update reads it.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/core/json_reader.hpp>
#include <judgegrad/optim/prompts/resolve.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/stages.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stages {

/// The conflict-resolving merge's call between the gradient and update stages: one call (the
/// gradient role, stage "resolve") shows every criterion's instruction and the advice it received
/// over the batch, and asks for the contradictions and for mutually compatible advice per
/// criterion. Returns the advice the update reads: the rewritten part of each criterion, or, for a
/// criterion the reply leaves out (or when the call fails), what it received before. The records
/// keep the gradients as they were and add `resolved` and `conflicts`.
template <criteria_set Set, class Backend>
std::vector<pieces> resolve(recorder<Backend>& rec, const step_input<Set>& in, std::vector<pieces> gradients, step_record& record) {
  std::vector<protocol::named_text> instructions;
  std::vector<protocol::group> advice;
  for (std::size_t c = 0; c < Set::size; ++c) {
    instructions.push_back({std::string(Set::names[c]), in.prompt.instructions()[c]});
    protocol::group g{std::string(Set::names[c]), {}};
    for (const auto& per_example : gradients)
      for (const auto& p : per_example)
        if (std::find(p.criteria.begin(), p.criteria.end(), c) != p.criteria.end() &&
            std::find(g.items.begin(), g.items.end(), p.text) == g.items.end())
          g.items.push_back(p.text);
    advice.push_back(std::move(g));
  }
  prompts::resolve_input ri{instructions, advice};
  std::vector<llm::request> one{detail::make_request(llm::role::gradient, prompts::resolve(in.settings.style, ri), in.settings.gradient,
                                                     {in.step, "resolve", {}, {}}, true)};
  auto [results, first] = rec.send(one, "the conflict-resolving merge");
  if (!results[0].ok()) {
    record.notes.push_back(fmt::format("resolve: the call failed ({}); the update reads the gradients as they were", record.calls[first].error));
    return gradients;
  }
  const std::string& reply = results[0].value().content;
  std::vector<std::string_view> names(Set::names.begin(), Set::names.end());
  auto parsed = protocol::read_texts_json(reply, names);
  if (auto v = find_json(reply, [](const json_value& j) { return j.is_object() && j.find("conflicts") && j.find("conflicts")->type == json_value::kind::array; }))
    for (const auto& c : v->find("conflicts")->values)
      if (c.is_string() && !text::trim(c.text).empty()) record.conflicts.emplace_back(text::trim(c.text));
  std::vector<bool> resolved(Set::size, false);
  for (std::size_t c = 0; c < Set::size; ++c) resolved[c] = parsed.texts[c].has_value();
  if (!parsed.missing.empty()) {
    record.calls[first].outcome = fmt::format("missing {}", fmt::join(parsed.missing, ", "));
    record.notes.push_back(fmt::format("resolve: the reply had no advice for {}; {} the gradients as they were",
                                       fmt::join(parsed.missing, ", "), parsed.missing.size() == 1 ? "it keeps" : "they keep"));
  }
  std::vector<pieces> out(gradients.size());
  for (std::size_t i = 0; i < gradients.size(); ++i)
    for (auto& p : gradients[i]) {
      std::erase_if(p.criteria, [&](std::size_t c) { return resolved[c]; });
      if (!p.criteria.empty()) out[i].push_back(std::move(p));
    }
  if (out.empty()) out.resize(1);
  for (std::size_t c = 0; c < Set::size; ++c) {
    if (!resolved[c]) continue;
    out[0].push_back({*parsed.texts[c], {c}});
    record.resolved.push_back({{c}, {}, *parsed.texts[c], "resolved"});
  }
  return out;
}

}  // namespace stages
JUDGEGRAD_END_NAMESPACE
