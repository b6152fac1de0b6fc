/// @file
/// The frontier of `algorithm::pareto` (Pareto search over prompts, in the spirit of GEPA's
/// per-objective frontier): the non-dominated set of candidate prompts over their per-criterion
/// validation values (direction-normalised: higher is better), how a parent is drawn from it, the
/// merge of each criterion's best specialist, and its hypervolume.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/stats/hypervolume.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace pareto {

/// Whether `a` dominates `b`: at least as good on every value and better on one.
inline bool dominates(std::span<const double> a, std::span<const double> b) {
  bool better = false;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] < b[i]) return false;
    if (a[i] > b[i]) better = true;
  }
  return better;
}

/// One prompt on the frontier: its instructions, whether it shows the Output format block, its
/// values on validation per criterion, and the step that proposed it (0: the seed prompt).
template <criteria_set Set>
struct member {
  per_criterion<Set, std::string> instructions;
  bool output_format = true;
  std::vector<double> values;
  std::int64_t step = 0;
  friend bool operator==(const member&, const member&) = default;
};

/// Adds `m` to `front` unless a member dominates it or has the same values; removes the members it
/// dominates. Returns how many it displaced, or -1 when it was not added.
template <class Member>
int add(std::vector<Member>& front, Member m) {
  for (const auto& x : front)
    if (dominates(x.values, m.values) || x.values == m.values) return -1;
  auto before = front.size();
  std::erase_if(front, [&](const Member& x) { return dominates(m.values, x.values); });
  int displaced = static_cast<int>(before - front.size());
  front.push_back(std::move(m));
  return displaced;
}

/// Per member, on how many criteria it has the best value of the front (a tie counts for each).
template <class Member>
std::vector<std::size_t> wins(const std::vector<Member>& front) {
  std::vector<std::size_t> out(front.size(), 0);
  if (front.empty()) return out;
  for (std::size_t c = 0; c < front.front().values.size(); ++c) {
    double best = front.front().values[c];
    for (const auto& m : front) best = std::max(best, m.values[c]);
    for (std::size_t i = 0; i < front.size(); ++i) out[i] += front[i].values[c] == best;
  }
  return out;
}

/// A parent drawn from `front` with probability proportional to its wins (every member of a
/// non-empty front wins somewhere or ties), from `seed`.
template <class Member>
std::size_t pick(const std::vector<Member>& front, std::uint64_t seed) {
  auto w = wins(front);
  std::size_t total = 0;
  for (auto x : w) total += x;
  if (total == 0) return 0;
  std::mt19937_64 g(seed);
  std::uint64_t u = g() % total;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (u < w[i]) return i;
    u -= w[i];
  }
  return w.size() - 1;
}

/// Per criterion, the member best on it (the earliest on a tie): its specialist.
template <class Member>
std::vector<std::size_t> specialists(const std::vector<Member>& front) {
  std::vector<std::size_t> out;
  if (front.empty()) return out;
  for (std::size_t c = 0; c < front.front().values.size(); ++c) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < front.size(); ++i)
      if (front[i].values[c] > front[best].values[c]) best = i;
    out.push_back(best);
  }
  return out;
}

/// The merge: each criterion's instruction taken from its specialist.
template <criteria_set Set>
per_criterion<Set, std::string> merged(const std::vector<member<Set>>& front) {
  per_criterion<Set, std::string> out;
  auto best = specialists(front);
  for (std::size_t c = 0; c < Set::size; ++c) out[c] = front[best[c]].instructions[c];
  return out;
}

/// The hypervolume of the front's values against `reference` (higher is better).
template <class Member>
double hypervolume(const std::vector<Member>& front, std::span<const double> reference) {
  std::vector<double> flat;
  for (const auto& m : front) flat.insert(flat.end(), m.values.begin(), m.values.end());
  const direction up[] = {direction::maximize};
  return stats::hypervolume(flat, reference.size(), reference, up);
}

}  // namespace pareto
JUDGEGRAD_END_NAMESPACE
