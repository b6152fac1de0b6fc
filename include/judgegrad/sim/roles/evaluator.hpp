/// @file
/// The simulated diagnostic rater: gradient specificity and feedback adherence, 1 to 10.
#pragma once

#include <judgegrad/config.hpp>
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
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated diagnostic rater: gradient specificity (no New instruction section) or feedback
/// adherence, 1 to 10.
inline std::string evaluator(const memory& w, const std::vector<section>& sections, std::uint64_t digest) {
  const section* target = find_section(sections, titles::target_criterion);
  const section* gradient = find_section(sections, titles::gradient);
  const section* old_i = find_section(sections, titles::previous_instruction);
  const section* new_i = find_section(sections, titles::new_instruction);
  std::string wanted = to_lower(target ? target->text() : std::string());
  while (!wanted.empty() && (wanted.back() == '.' || wanted.back() == ':')) wanted.pop_back();
  std::size_t t = proposal::npos;
  for (std::size_t k = 0; k < w.criteria().size(); ++k)
    if (to_lower(w.criteria()[k].name) == wanted) t = k;
  if (t == proposal::npos || !gradient) return "1";
  const auto& ek = w.parameters().evaluator;
  rng r(combine({digest, memory::salt_rater}));
  double rating;
  if (new_i) {
    // Adherence: the share of the facets the gradient proposes for the target (not already in
    // the old instruction) that the new instruction states.
    std::string old_folded = to_lower(old_i ? old_i->text() : std::string());
    std::string new_folded = to_lower(new_i->text());
    std::size_t proposed = 0, adopted = 0;
    for (const auto& p : w.read_proposals(gradient->text(), t)) {
      if (p.named != t || p.generic()) continue;
      const auto& f = w.criteria()[p.owner].facets[p.facet];
      if (f.stated_in(old_folded)) continue;
      ++proposed;
      if (f.stated_in(new_folded)) ++adopted;
    }
    double share = proposed == 0 ? 0.5 : static_cast<double>(adopted) / static_cast<double>(proposed);
    rating = ek.adherence_floor + (10.0 - ek.adherence_floor) * share;
  } else {
    // Specificity: the share of the gradient's facet mentions and generic advice that are facets
    // of the target.
    std::string folded = to_lower(gradient->text());
    std::size_t own = 0, all = 0;
    for (std::size_t k = 0; k < w.criteria().size(); ++k)
      for (const auto& f : w.criteria()[k].facets)
        if (f.stated_in(folded)) ++all, own += (k == t);
    for (const auto& g : generic_advice_list)
      if (has_cue(folded, g.cue)) ++all;
    double share = all == 0 ? 0.0 : static_cast<double>(own) / static_cast<double>(all);
    rating = ek.specificity_floor + (10.0 - ek.specificity_floor) * share;
  }
  rating += ek.noise * r.normal();
  return fmt::format("{}", static_cast<int>(std::clamp(std::floor(rating + 0.5), 1.0, 10.0)));
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
