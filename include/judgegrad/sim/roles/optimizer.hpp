/// @file
/// The simulated optimizer: rewriting instructions by adopting the feedback's proposals.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated optimizer: adopts proposals of the feedback into the instructions it rewrites; JSON
/// for several instructions, the text alone for one (unless a JSON format was asked for).
inline std::string optimizer(const memory& w, const std::vector<section>& sections, std::uint64_t digest,
                             llm::response_format::kind format) {
  const section* instr = find_section(sections, titles::instructions);
  const section* fb = find_section(sections, titles::feedback);
  auto names = w.name_views();
  auto entries = instr ? protocol::read_entries(instr->body, names) : std::vector<protocol::named_text>{};
  if (entries.empty()) return "There is no instruction of a known criterion to rewrite.";
  bool single = entries.size() == 1;
  std::size_t only = single ? w.index_of(entries.front().name) : proposal::npos;

  // Proposals: per feedback group, whose label, when it names one criterion, is the default
  // criterion of its sentences (with one instruction to rewrite, that one is the default).
  std::vector<proposal> props;
  if (fb) {
    auto take = [&](const std::vector<proposal>& ps) {
      for (const auto& p : ps)
        if (std::find(props.begin(), props.end(), p) == props.end()) props.push_back(p);
    };
    for (const auto& g : protocol::read_groups(fb->body)) {
      std::size_t named = g.label.empty() ? only : w.index_of(g.label);
      for (const auto& item : g.items) take(w.read_proposals(item, named));
    }
  }
  const auto& ok = w.parameters().optimizer;
  rng r(combine({digest, memory::salt_optimizer}));
  std::vector<std::pair<std::size_t, std::string>> result;
  for (const auto& e : entries) {
    std::size_t c = w.index_of(e.name);
    std::string text(e.text);
    for (const auto& p : props) {
      bool mine = p.named == c || (p.named == proposal::npos && single);
      double chance = p.generic() ? ok.generic_adoption : ok.adherence;
      if (!mine) {
        if (!single || p.generic()) continue;
        chance *= ok.cross_adoption;
      }
      if (!r.chance(chance)) continue;
      std::string folded = to_lower(text);
      if (p.generic()) {
        if (has_cue(folded, generic_advice_list[p.facet].cue)) continue;
        text += " " + std::string(generic_advice_list[p.facet].rule);
      } else {
        if (w.criteria()[p.owner].facets[p.facet].stated_in(folded)) continue;
        text += " " + w.facet_rule(p.owner, p.facet, r);
      }
    }
    std::string cleaned(trim(text));
    if (cleaned.empty()) cleaned = fmt::format("Judge the {} of the text.", w.criteria()[c].name);  // never an empty reply
    result.push_back({c, std::move(cleaned)});
  }
  if (single && format == llm::response_format::kind::text) return result.front().second;
  return w.instructions_json(result);
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
