/// @file
/// The simulated gradient model: a fixed budget of proposals of missing facets per call, whatever
/// the number of criteria it covers (the mechanism behind gradient dilution).
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

namespace detail {

/// The text of a critique section that concerns criterion c: its entry "- c: ..." inside any item,
/// else the items of a group labelled c, else the whole critique when it is one group.
inline std::string critique_for(const memory& w, std::string_view body, std::size_t c) {
  auto names = w.name_views();
  const auto& name = w.criteria()[c].name;
  auto groups = protocol::read_groups(body);
  for (const auto& g : groups)
    for (const auto& item : g.items) {
      auto entries = protocol::read_entries(item, names);
      if (auto t = protocol::entry_text(entries, name)) return std::string(*t);
    }
  auto joined = [](const protocol::group& g) {
    std::string out;
    for (const auto& i : g.items) out += (out.empty() ? "" : "\n") + i;
    return out;
  };
  for (const auto& g : groups)
    if (g.label == name) return joined(g);
  if (groups.size() == 1) return joined(groups.front());
  return {};
}

/// The size of the judge's miss told by a critique text: |predicted - human| in scale widths of
/// criterion c, half the width when the judge gave nothing, nothing when the text does not say.
inline std::optional<double> read_miss(const memory& w, std::string_view text, std::size_t c) {
  const auto& s = w.criteria()[c].scale;
  auto at = text.find("where the human score is ");
  if (at == std::string_view::npos) return std::nullopt;
  if (text.find("gave no score") != std::string_view::npos) return 0.5;
  auto scored = text.rfind("scored ", at);
  if (scored == std::string_view::npos) return std::nullopt;
  std::string p(text.substr(scored + 7, at - scored - 7)), h(text.substr(at + 25, 16));
  char* end = nullptr;
  double pv = std::strtod(p.c_str(), &end);
  if (end == p.c_str()) return std::nullopt;
  double hv = std::strtod(h.c_str(), &end);
  if (end == h.c_str()) return std::nullopt;
  return std::abs(pv - hv) / s.span();
}

}  // namespace detail

/// The simulated gradient model: the misses the critique tells, then a fixed budget of proposals of
/// missing facets shared by the criteria the call covers, misattributed and diluted as K grows.
/// Three paragraphs of text, or, when the request asks for JSON (the structured merge), one object
/// giving each covered criterion the sentences written under its name.
inline std::string gradient(const memory& w, const std::vector<section>& sections, std::uint64_t digest, bool json) {
  const section* instr = find_section(sections, titles::instructions);
  const section* crit = find_section(sections, titles::critique);
  auto names = w.name_views();
  auto entries = instr ? protocol::read_entries(instr->body, names) : std::vector<protocol::named_text>{};
  std::vector<std::size_t> covered;
  for (const auto& e : entries) covered.push_back(w.index_of(e.name));
  if (covered.empty())
    return "The prompt shows no instruction for a criterion I know, so there is nothing specific to improve.";
  const auto& gk = w.parameters().gradient;
  rng r(combine({digest, memory::salt_gradient}));
  std::size_t k = covered.size();

  // What is said under each criterion's name, for the keyed answer.
  std::vector<std::string> said(w.criteria().size());
  auto say = [&](std::string& paragraph, std::size_t named, std::string sentence) {
    paragraph += sentence;
    said[named] += sentence;
  };

  // Paragraph 1: the misses, as the critique tells them.
  std::vector<double> weight;
  std::string first;
  for (std::size_t c : covered) {
    auto m = crit ? detail::read_miss(w, detail::critique_for(w, crit->body, c), c) : std::nullopt;
    weight.push_back(m.value_or(0.25) + 0.1);
    const auto& name = w.criteria()[c].name;
    if (!m) say(first, c, fmt::format("For {} the critique gives no clear verdict. ", name));
    else if (*m == 0) say(first, c, fmt::format("For {} the judge matched the human score, so the current instruction works for this sample. ", name));
    else say(first, c, fmt::format("For {} the judge missed the human score by {:.0f}% of the scale. ", name, *m * 100));
  }

  // Paragraphs 2-3: a fixed budget of proposals shared by the K criteria of the call.
  double generic_p = std::min(0.95, gk.generic_base + gk.generic_per_extra * static_cast<double>(k - 1));
  double own_name_p = 1.0 / (1.0 + gk.misattribution * static_cast<double>(k - 1));
  std::vector<std::pair<std::size_t, std::size_t>> proposed;  // (owner, facet)
  std::vector<std::size_t> generic_used;
  std::string second, third;
  static constexpr std::string_view facet_templates[] = {
      "For {}, the instruction should tell the judge to look at {}.",
      "For {}, add a sentence asking the judge to weigh {}.",
      "For {}, the judge needs to be told about {}.",
  };
  auto pick_weighted = [&]() {
    double total = 0;
    for (double w : weight) total += w;
    double u = r.uniform() * total;
    for (std::size_t i = 0; i < weight.size(); ++i) {
      if (u < weight[i]) return i;
      u -= weight[i];
    }
    return weight.size() - 1;
  };
  auto generic = [&](std::size_t named) {
    std::vector<std::size_t> free;
    for (std::size_t g = 0; g < generic_advice_list.size(); ++g)
      if (std::find(generic_used.begin(), generic_used.end(), g) == generic_used.end()) free.push_back(g);
    if (free.empty()) return;
    std::size_t g = free[r.below(free.size())];
    generic_used.push_back(g);
    say(third, named, fmt::format("For {}, the instruction should also {}. ", w.criteria()[named].name, generic_advice_list[g].advice));
  };
  for (int slot = 0; slot < gk.budget; ++slot) {
    std::size_t t = pick_weighted();
    std::size_t target = covered[t];
    if (r.chance(generic_p)) {
      generic(target);
      continue;
    }
    // A facet of the target missing from its instruction; in a single-criterion call, sometimes
    // one of another criterion of the set (leak).
    std::size_t owner = target;
    if (k == 1 && w.criteria().size() > 1 && r.chance(gk.leak_rate)) {
      owner = r.below(w.criteria().size() - 1);
      if (owner >= target) ++owner;
    }
    std::string folded = to_lower(protocol::entry_text(entries, w.criteria()[target].name).value_or(""));
    std::vector<std::size_t> missing;
    for (std::size_t f = 0; f < w.criteria()[owner].facets.size(); ++f)
      if (!w.criteria()[owner].facets[f].stated_in(folded) &&
          std::find(proposed.begin(), proposed.end(), std::pair{owner, f}) == proposed.end())
        missing.push_back(f);
    bool restate = missing.empty();
    if (restate) {
      // Nothing of the target left to propose: a critic of that criterion restates a facet its
      // instruction already states (on topic, adding nothing), rather than turning generic.
      owner = target;
      for (std::size_t f = 0; f < w.criteria()[target].facets.size(); ++f)
        if (std::find(proposed.begin(), proposed.end(), std::pair{target, f}) == proposed.end()) missing.push_back(f);
      if (missing.empty()) {
        generic(target);
        continue;
      }
    }
    std::size_t f = missing[r.below(missing.size())];
    proposed.push_back({owner, f});
    std::size_t named = target;
    if (k > 1 && !r.chance(own_name_p)) {
      std::size_t o = r.below(k - 1);
      if (o >= t) ++o;
      named = covered[o];
    }
    static constexpr std::string_view restate_templates[] = {
        "For {}, keep telling the judge to look at {}.",
        "For {}, the instruction rightly asks about {}; keep it.",
        "For {}, the judge should still weigh {}.",
    };
    const auto& templates = restate ? restate_templates : facet_templates;
    say(second, named, fmt::format(fmt::runtime(templates[r.below(3)]), w.criteria()[named].name, w.criteria()[owner].facets[f].phrase) + " ");
  }
  if (json) {
    std::vector<protocol::named_text> keyed;
    for (std::size_t c : covered)
      keyed.push_back({w.criteria()[c].name, std::string(trim(said[c])) + " Keep what already works."});
    return protocol::write_keyed_json(keyed);
  }
  std::string out = std::string(trim(first)) + "\n\n";
  out += second.empty() ? std::string("The instructions already state what matters; the remaining errors look like noise.")
                        : std::string(trim(second));
  out += "\n\n";
  out += third.empty() ? std::string("Keep what already works and add these points in plain sentences.")
                       : std::string(trim(third)) + " Keep what already works.";
  return out;
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
