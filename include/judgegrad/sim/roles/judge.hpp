/// @file
/// The simulated judge: scores from the gold label plus noise that falls as the instruction states
/// more of its criterion's facets and rises with interference from the other instructions.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated judge's reply to a judge prompt: one score per criterion asked for, from the gold
/// label plus noise shaped by the instruction (docs/simulator.md), with format faults.
inline std::string judge(const memory& w, const std::vector<section>& sections, std::uint64_t digest, bool json_mode) {
  const section* instr = find_section(sections, titles::instructions);
  const section* defs = find_section(sections, titles::criteria);
  const section* sample = find_section(sections, titles::sample);
  const section* format = find_section(sections, titles::output_format);
  auto names = w.name_views();
  auto entries = instr ? protocol::read_entries(instr->body, names) : std::vector<protocol::named_text>{};
  auto definitions = defs ? protocol::read_entries(defs->body, names) : std::vector<protocol::named_text>{};

  // The criteria asked for: the keys of the output format in their order, else the entries.
  std::vector<std::size_t> asked;
  if (format) {
    std::vector<std::pair<std::size_t, std::size_t>> found;
    for (std::size_t k = 0; k < w.criteria().size(); ++k)
      if (auto at = format->body.find("\"" + w.criteria()[k].name + "\""); at != std::string_view::npos) found.push_back({at, k});
    std::sort(found.begin(), found.end());
    for (auto [at, k] : found) asked.push_back(k);
  }
  if (asked.empty())
    for (const auto& e : entries) asked.push_back(w.index_of(e.name));

  const memory::known* ex = nullptr;  // a pointer, not an optional index: GCC 12 misreads the latter
  if (sample)
    if (auto i = w.find_example(sample->body)) ex = &w.examples()[*i];
  std::uint64_t example_key = ex ? ex->key : combine({memory::salt_unknown, fnv1a64(sample ? trim(sample->body) : "")});

  // Lengths of the instructions, for the imbalance of a joint prompt.
  double total_tokens = 0;
  for (const auto& e : entries) total_tokens += static_cast<double>(llm::estimate_tokens(e.text));
  double k_count = static_cast<double>(entries.size());
  const auto& jk = w.parameters().judge;

  std::vector<std::pair<std::size_t, double>> scores;
  rng sampling(combine({digest, memory::salt_sampling}));
  for (std::size_t c : asked) {
    const auto& model = w.criteria()[c];
    std::string_view text = protocol::entry_text(entries, model.name).value_or("");
    std::string_view definition = protocol::entry_text(definitions, model.name).value_or("");
    std::string seen = std::string(text) + "\n" + std::string(definition);
    instruction_reading own = w.read_instruction(c, seen);
    instruction_reading in_text = w.read_instruction(c, text);
    double imbalance = 0;
    if (entries.size() > 1 && total_tokens > 0) {
      double share = static_cast<double>(llm::estimate_tokens(text)) / total_tokens;
      imbalance = std::max(0.0, 1.0 - k_count * share) * std::min(1.0, total_tokens / jk.long_prompt_tokens);
    }
    double q = own.coverage();
    double clarity = 1.0 - jk.coverage_gain * q;
    double interference = 1.0 + jk.foreign_facet_penalty * static_cast<double>(in_text.foreign_facets) + jk.length_penalty * imbalance;
    double sd = w.base_noise(c) * model.scale.span() * clarity * interference;
    double lapse = std::min(0.95, jk.lapse * clarity * interference);
    double gold;
    if (ex && ex->gold[c]) gold = *ex->gold[c];
    else {
      rng u(combine({w.parameters().seed, example_key, fnv1a64(model.name), memory::salt_unknown}));
      gold = model.scale.value(u.below(model.scale.levels()));
    }
    // The model's fixed opinion of this example (the same in every prompt) and this request's
    // sampling, mixed by persistent_share; both decide the lapse and draw the error.
    rng opinion(combine({w.parameters().seed, example_key, fnv1a64(model.name), memory::salt_opinion}));
    double u_lapse = opinion.chance(jk.persistent_share) ? opinion.uniform() : sampling.uniform();
    double latent;
    if (u_lapse < lapse) {
      latent = w.stock_answer(c, opinion.chance(jk.persistent_share) ? opinion : sampling);
    } else {
      double z = std::sqrt(jk.persistent_share) * opinion.normal() + std::sqrt(1.0 - jk.persistent_share) * sampling.normal();
      latent = gold + jk.leniency * model.scale.span() * (1.0 - q) + sd * z;
    }
    double steps = std::floor((latent - model.scale.min) / model.scale.step + 0.5);
    steps = std::clamp(steps, 0.0, static_cast<double>(model.scale.levels() - 1));
    scores.push_back({c, model.scale.value(static_cast<std::size_t>(steps))});
  }

  // Format faults: fence, preamble (free-text replies only), missing key, out of range.
  rng faults(combine({digest, memory::salt_format}));
  int fault = -1;
  if (faults.chance(jk.format_fault_rate)) {
    int first = json_mode ? 2 : 0;
    fault = first + static_cast<int>(faults.below(static_cast<std::uint64_t>(4 - first)));
  }
  if (fault == 2 && !scores.empty()) scores.erase(scores.begin() + static_cast<std::ptrdiff_t>(faults.below(scores.size())));
  if (fault == 3 && !scores.empty()) {
    auto& [c, v] = scores[faults.below(scores.size())];
    const auto& s = w.criteria()[c].scale;
    v = faults.chance(0.5) ? s.max + s.step : s.min - s.step;
  }
  std::string json = "{";
  for (std::size_t i = 0; i < scores.size(); ++i)
    json += fmt::format("{}\"{}\": {}", i ? ", " : "", w.criteria()[scores[i].first].name, memory::format_score(scores[i].second));
  json += "}";
  if (fault == 0) return "```json\n" + json + "\n```";
  if (fault == 1) return "Here are my scores for this sample:\n" + json;
  return json;
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
