/// @file
/// Sharding a grid: the I-th of N disjoint slices of an experiment's runs, chosen from the
/// definition alone, so that N machines (or the N tasks of a Slurm job array) can each run one
/// slice into a run directory of its own without talking to each other. merge.hpp joins them.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/definition.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// Slice `index` (1..count) of `count`. The whole grid is shard 1/1.
struct shard {
  std::size_t index = 1;
  std::size_t count = 1;

  bool whole() const { return count == 1; }
  /// Whether the run at position `k` (0-based, in the order of jobs_of) belongs to this shard:
  /// runs are dealt out in turn, so every shard gets every mode and gate in about equal parts
  /// and the shards' sizes differ by at most one run.
  bool holds(std::size_t k) const { return k % count == index - 1; }
  std::string name() const { return fmt::format("{}/{}", index, count); }

  friend bool operator==(const shard&, const shard&) = default;
};

/// Reads "I/N" (1 <= I <= N); `what` names the source in the message.
inline shard parse_shard(std::string_view text, std::string_view what = "--shard") {
  auto slash = text.find('/');
  auto number = [&](std::string_view s, std::size_t& v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
  };
  shard s;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count))
    throw definition_error(fmt::format("{}: \"{}\" is not I/N (shard I of N, e.g. 2/8)", what, text));
  if (s.count < 1 || s.index < 1 || s.index > s.count)
    throw definition_error(fmt::format("{}: shard {} of {} does not exist: I runs from 1 to N", what, s.index, s.count));
  return s;
}

/// The items of `all` (runs, in jobs_of order) that belong to shard `s`.
template <class T>
std::vector<T> in_shard(std::span<const T> all, shard s) {
  std::vector<T> out;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (s.holds(k)) out.push_back(all[k]);
  return out;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
