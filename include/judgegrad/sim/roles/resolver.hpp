/// @file
/// The simulated conflict resolver (merge::conflict_resolving): each sentence of the advice goes to
/// the criterion it concerns — the owner of the rubric facet it names, else the criterion it names —
/// and a sentence given to another criterion than its owner is a conflict, found with probability
/// `resolver.recall` (found: moved to its owner and listed; missed: left where it was).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated resolver's reply: {"conflicts": [...], "<criterion>": "<advice>", ...}.
inline std::string resolver(const memory& w, const std::vector<section>& sections, std::uint64_t digest) {
  const section* instr = find_section(sections, titles::instructions);
  const section* advice = find_section(sections, titles::advice);
  auto names = w.name_views();
  auto entries = instr ? protocol::read_entries(instr->body, names) : std::vector<protocol::named_text>{};
  std::vector<std::size_t> covered;
  for (const auto& e : entries) covered.push_back(w.index_of(e.name));
  rng r(combine({digest, memory::salt_resolver}));
  const double recall = w.parameters().resolver.recall;
  std::vector<std::vector<std::string>> out(w.criteria().size());
  std::vector<std::string> conflicts;
  auto give = [&](std::size_t c, std::string sentence) {
    if (std::find(out[c].begin(), out[c].end(), sentence) == out[c].end()) out[c].push_back(std::move(sentence));
  };
  if (advice)
    for (const auto& g : protocol::read_groups(advice->body)) {
      std::size_t given = w.index_of(g.label);
      if (given >= w.criteria().size()) continue;
      for (const auto& item : g.items)
        for (auto sentence : sentences(item)) {
          std::string s(trim(sentence));
          if (s.empty()) continue;
          auto props = w.read_proposals(s, given);
          std::size_t named = props.empty() ? given : props.front().named;
          std::size_t owner = named;
          for (const auto& p : props)
            if (!p.generic()) {
              owner = p.owner;
              break;
            }
          if (owner >= w.criteria().size() || std::find(covered.begin(), covered.end(), owner) == covered.end()) owner = given;
          if (owner == given) {
            give(given, s);
            continue;
          }
          // Advice of another criterion in this one's part: plainly another's (named and owned by
          // it) moves without a word; named for one criterion but about another's facet is a
          // conflict, found or missed.
          if (named != owner && !r.chance(recall)) {
            give(given, s);
            continue;
          }
          if (named != owner)
            conflicts.push_back(fmt::format("The advice for {} concerns {}: \"{}\"", w.criteria()[named].name, w.criteria()[owner].name, s));
          std::string moved = s;
          const std::string& from = w.criteria()[named].name;
          if (auto at = find_word(to_lower(moved), to_lower(from)); at != std::string::npos && named != owner)
            moved.replace(at, from.size(), w.criteria()[owner].name);
          give(owner, std::move(moved));
        }
    }
  json_writer j;
  j.begin_object().key("conflicts").begin_array();
  for (const auto& c : conflicts) j.value(c);
  j.end_array();
  for (std::size_t c : covered) {
    std::string text;
    for (const auto& s : out[c]) text += (text.empty() ? "" : " ") + s;
    j.key(w.criteria()[c].name).value(text.empty() ? std::string("Keep what already works.") : text);
  }
  j.end_object();
  return std::move(j).str();
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
