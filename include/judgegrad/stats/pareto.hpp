/// @file
/// Pareto non-dominance over points with one value per objective, each objective maximized or
/// minimized. Points are given as a flat row-major array with their dimension, or as a span of
/// point-like ranges (std::array, std::vector, per_criterion).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/metric.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <ranges>
#include <span>
#include <stdexcept>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

/// Checks the goals (one per objective, or one for all) and returns the goal of objective `d`.
inline direction goal_of(std::span<const direction> goals, std::size_t d) {
  return goals.size() == 1 ? goals[0] : goals[d];
}
inline void check_goals(std::span<const direction> goals, std::size_t dims, const char* function) {
  if (goals.size() != 1 && goals.size() != dims)
    throw std::invalid_argument(
        fmt::format("judgegrad::stats::{}: {} goals given for {} objectives (give one, or one per objective)", function,
                    goals.size(), dims));
}
inline void check_flat(std::span<const double> coords, std::size_t dims, const char* function) {
  if (dims == 0) throw std::invalid_argument(fmt::format("judgegrad::stats::{}: points need at least one objective", function));
  if (coords.size() % dims != 0)
    throw std::invalid_argument(fmt::format("judgegrad::stats::{}: {} coordinates are not a whole number of {}-dimensional points",
                                            function, coords.size(), dims));
}

/// Copies point-like ranges into a flat row-major array; every point must have `dims` values.
template <class Points>
std::vector<double> flatten(const Points& points, std::size_t& dims, const char* function) {
  std::vector<double> flat;
  const auto n = static_cast<std::size_t>(std::ranges::size(points));
  dims = n == 0 ? 0 : static_cast<std::size_t>(std::ranges::distance(points[0]));
  flat.reserve(n * dims);
  for (std::size_t i = 0; i < n; ++i) {
    const auto size = static_cast<std::size_t>(std::ranges::distance(points[i]));
    if (size != dims)
      throw std::invalid_argument(
          fmt::format("judgegrad::stats::{}: point {} has {} values but point 0 has {}", function, i, size, dims));
    for (double v : points[i]) flat.push_back(v);
  }
  return flat;
}

}  // namespace detail

/// A random-access range of points, each a range of doubles (std::array<double, 4>, a vector,
/// per_criterion<Set, double>).
template <class Points>
concept point_range = std::ranges::random_access_range<Points> && std::ranges::sized_range<Points> &&
                      std::ranges::forward_range<std::ranges::range_reference_t<Points>> &&
                      std::convertible_to<std::ranges::range_reference_t<std::ranges::range_reference_t<Points>>, double>;

/// Whether `a` dominates `b`: at least as good in every objective and better in one.
inline bool dominates(std::span<const double> a, std::span<const double> b, std::span<const direction> goals) {
  bool better = false;
  for (std::size_t d = 0; d < a.size(); ++d) {
    const double x = detail::goal_of(goals, d) == direction::maximize ? a[d] - b[d] : b[d] - a[d];
    if (x < 0) return false;
    if (x > 0) better = true;
  }
  return better;
}

/// Indices (ascending) of the points no other point dominates. Equal points do not dominate each
/// other, so duplicates on the front are all kept (as the reference's filter does). Points holding
/// NaN are never on the front. `goals` is one direction for all objectives or one per objective.
inline std::vector<std::size_t> non_dominated(std::span<const double> coords, std::size_t dims,
                                              std::span<const direction> goals) {
  detail::check_flat(coords, dims, "non_dominated");
  detail::check_goals(goals, dims, "non_dominated");
  const std::size_t n = coords.size() / dims;
  const auto at = [&](std::size_t i, std::size_t d) {
    return detail::goal_of(goals, d) == direction::maximize ? coords[i * dims + d] : -coords[i * dims + d];
  };
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i) {
    bool finite = true;
    for (std::size_t d = 0; d < dims; ++d) finite = finite && !std::isnan(coords[i * dims + d]);
    if (finite) order.push_back(i);
  }
  // In descending lexicographic order a dominator always comes first, so each point need only be
  // compared with the front found so far.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t d = 0; d < dims; ++d)
      if (at(a, d) != at(b, d)) return at(a, d) > at(b, d);
    return a < b;
  });
  std::vector<std::size_t> front;
  for (std::size_t i : order) {
    bool dominated = false;
    for (std::size_t j : front) {
      bool all = true, some = false;
      for (std::size_t d = 0; d < dims && all; ++d) {
        all = at(j, d) >= at(i, d);
        some = some || at(j, d) > at(i, d);
      }
      if (all && some) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end());
  return front;
}

/// non_dominated over point-like ranges (each with the same number of values).
template <point_range Points>
std::vector<std::size_t> non_dominated(const Points& points, std::span<const direction> goals) {
  std::size_t dims = 0;
  const auto flat = detail::flatten(points, dims, "non_dominated");
  if (flat.empty()) return {};
  return non_dominated(flat, dims, goals);
}
/// non_dominated with one goal for every objective.
template <point_range Points>
std::vector<std::size_t> non_dominated(const Points& points, direction goal = direction::maximize) {
  return non_dominated(points, std::span<const direction>(&goal, 1));
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
