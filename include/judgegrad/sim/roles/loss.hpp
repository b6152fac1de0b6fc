/// @file
/// The simulated loss model: a critique of each score against the human score.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim::roles {

/// The simulated loss model's critique of a Scores section: per criterion, right or wrong, in which
/// direction and by how much; "- <criterion>: <critique>" lines, or one JSON object keyed by
/// criterion when the request asks for JSON (a joint call under the structured merge).
inline std::string loss(const memory& w, const std::vector<section>& sections, std::uint64_t digest, bool json) {
  const section* scores = find_section(sections, titles::scores);
  if (!scores) return "There are no scores to review.";
  rng r(combine({digest, memory::salt_loss}));
  std::string out;
  std::vector<protocol::named_text> keyed;
  for (const auto& e : protocol::read_entries(scores->body)) {
    protocol::score_line m = protocol::read_score_line(e);
    std::size_t c = w.index_of(e.name);
    double step = c == proposal::npos ? 1.0 : w.criteria()[c].scale.step;
    std::string human = m.human ? memory::format_score(*m.human) : "unknown";
    std::string line;
    if (!m.predicted) {
      line = fmt::format("The judge gave no score where the human score is {}: its answer could not be used, which "
                         "counts as a complete miss.", human);
    } else if (!m.human) {
      line = fmt::format("The judge scored {} but there is no human score to compare with.", memory::format_score(*m.predicted));
    } else {
      double diff = *m.predicted - *m.human;
      double size = std::abs(diff) / step;
      if (size < 0.5) {
        static constexpr std::string_view keep[] = {"whatever led to it should be kept.",
                                                    "the judgement behind it should stay as it is.",
                                                    "nothing about this criterion needs to change for this sample."};
        line = fmt::format("The judge scored {} where the human score is {}: the score is correct, and {}",
                           memory::format_score(*m.predicted), human, keep[r.below(3)]);
      } else {
        std::string_view how = size <= 1.0 ? "a small miss" : size <= 2.0 ? "a clear miss" : "a large miss";
        std::string_view way = diff > 0 ? "too high, so the judge was too lenient" : "too low, so the judge was too harsh";
        line = fmt::format("The judge scored {} where the human score is {}: {} by {} point{} ({}).",
                           memory::format_score(*m.predicted), human, way, memory::format_score(std::abs(diff)),
                           std::abs(diff) == 1.0 ? "" : "s", how);
      }
    }
    protocol::write_entry(out, e.name, line);
    keyed.push_back({e.name, line});
  }
  if (json && !keyed.empty()) return protocol::write_keyed_json(keyed);
  return out.empty() ? std::string("There are no scores to review.") : out;
}

}  // namespace sim::roles
JUDGEGRAD_END_NAMESPACE
