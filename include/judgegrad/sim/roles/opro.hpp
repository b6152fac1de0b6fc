/// @file
/// The simulated OPRO optimizer: recombining the best past instruction sets.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated OPRO optimizer: recombines the facets of the best-scored past instruction sets.
inline std::string opro(const memory& w, const std::vector<section>& sections, std::uint64_t digest) {
  const section* past = find_section(sections, titles::past_instructions);
  auto names = w.name_views();
  auto sets = protocol::read_scored_sets(past->body, names);
  if (sets.empty()) return w.instructions_json({});
  std::stable_sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  std::size_t parents = std::min<std::size_t>(sets.size(), static_cast<std::size_t>(w.parameters().opro.parents));
  rng r(combine({digest, memory::salt_opro}));
  std::vector<std::pair<std::size_t, std::string>> result;
  for (std::size_t c = 0; c < w.criteria().size(); ++c) {
    std::optional<std::string> text;
    for (std::size_t p = 0; p < parents && !text; ++p)
      if (auto t = protocol::entry_text(sets[p].instructions, w.criteria()[c].name)) text = std::string(*t);
    if (!text) continue;
    auto adopt = [&](std::size_t owner, std::size_t f) {
      if (!w.criteria()[owner].facets[f].stated_in(to_lower(*text))) *text += " " + w.facet_rule(owner, f, r);
    };
    for (std::size_t p = 1; p < parents; ++p) {
      auto t = protocol::entry_text(sets[p].instructions, w.criteria()[c].name);
      if (!t) continue;
      std::string folded = to_lower(*t);
      for (std::size_t k = 0; k < w.criteria().size(); ++k)
        for (std::size_t f = 0; f < w.criteria()[k].facets.size(); ++f)
          if (w.criteria()[k].facets[f].stated_in(folded) && r.chance(w.parameters().optimizer.adherence)) adopt(k, f);
    }
    if (r.chance(w.parameters().opro.explore)) adopt(c, r.below(w.criteria()[c].facets.size()));
    if (w.criteria().size() > 1 && r.chance(w.parameters().opro.confuse)) {
      std::size_t o = r.below(w.criteria().size() - 1);
      if (o >= c) ++o;
      adopt(o, r.below(w.criteria()[o].facets.size()));
    }
    result.push_back({c, std::string(trim(*text))});
  }
  return w.instructions_json(result);
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
