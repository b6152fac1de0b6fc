/// @file
/// Exact hypervolume: the volume dominated by a set of points and bounded by a reference point.
/// O(n log n) sweeps in 2 and 3 dimensions, an O(n^2) sweep in 4 (after Guerreiro and Fonseca's
/// HV4D); above, the WFG algorithm (While, Bradstreet and Barone 2012): slice on the last
/// objective, subtract the hypervolume of each point's limit set, down to the 4-D sweep.
/// Also the cumulative-archive trajectory the paper reports as HVI.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/pareto.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

// Internally every point is a vector `a` of positive gains over the reference (a_d = p_d - r_d
// when maximizing, r_d - p_d when minimizing), and the volume is that of the union of the boxes
// [0, a].

/// Area of the union of boxes [0, x] x [0, y] for the (x, y) rows of `flat`.
inline double hv2(std::span<const double> flat, std::vector<std::pair<double, double>>& pts) {
  const std::size_t n = flat.size() / 2;
  pts.resize(n);
  for (std::size_t i = 0; i < n; ++i) pts[i] = {flat[2 * i], flat[2 * i + 1]};
  std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double area = 0, top = 0;
  for (const auto& [x, y] : pts)
    if (y > top) {
      area += x * (y - top);
      top = y;
    }
  return area;
}

/// Adds the box [0, x] x [0, y] to a 2-D staircase (x ascending, y descending) and returns the
/// area it adds to the union (0 when a point already there covers it).
inline double stair_insert(std::vector<std::pair<double, double>>& stair, double x, double y) {
  // First staircase point with x' >= x: the highest among those, so it decides dominance. Short
  // staircases (the usual case) are counted without branches, which beats a binary search there.
  auto it = stair.begin();
  if (stair.size() <= 24) {
    std::ptrdiff_t before = 0;
    for (const auto& s : stair) before += s.first < x;
    it += before;
  } else {
    it = std::lower_bound(stair.begin(), stair.end(), x, [](const auto& s, double v) { return s.first < v; });
  }
  if (it != stair.end() && it->second >= y) return 0;
  const double below = it == stair.end() ? 0 : it->second;  // height to the right of x
  // Points with x' <= x and y' <= y are now covered; they sit just before `it`.
  auto first = it;
  while (first != stair.begin() && std::prev(first)->second <= y) --first;
  double left = first == stair.begin() ? 0 : std::prev(first)->first;  // where height >= y ends
  double gain = 0;
  for (auto r = first; r != it; ++r) {
    gain += (r->first - left) * (y - r->second);
    left = r->first;
  }
  gain += (x - left) * (y - below);
  if (it != stair.end() && it->first == x) ++it;  // equal x and lower y: replaced as well
  it = stair.erase(first, it);
  stair.insert(it, {x, y});
  return gain;
}

/// Volume of the union of boxes [0, a] in 3 dimensions: sweep down the third objective keeping
/// the 2-D staircase of points seen so far and its area up to date.
inline double hv3(std::span<const double> flat, std::vector<std::size_t>& order,
                  std::vector<std::pair<double, double>>& stair) {
  const std::size_t n = flat.size() / 3;
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return flat[a * 3 + 2] > flat[b * 3 + 2]; });
  stair.clear();
  double area = 0, volume = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double* p = &flat[order[k] * 3];
    area += stair_insert(stair, p[0], p[1]);
    const double next = k + 1 < n ? flat[order[k + 1] * 3 + 2] : 0;
    volume += area * (p[2] - next);
  }
  return volume;
}

struct point3 {
  double x, y, z;
};

/// The volume that the box [0, p] adds to the union of the boxes of `front` (3-D points, mutually
/// non-dominated, sorted by z descending), or a negative value when one of them covers it. A sweep
/// down z from p.z keeps the part of p's x-y rectangle the front covers: every front point above p
/// covers its share from the start, each one below joins at its own height, and the sweep stops
/// once one covers the whole rectangle.
inline double contribution3(const point3& p, std::span<const point3> front, std::vector<std::pair<double, double>>& stair) {
  std::size_t above = 0;  // front points at or above p's height; first, does one cover p?
  for (; above < front.size() && front[above].z >= p.z; ++above)
    if (front[above].x >= p.x && front[above].y >= p.y) return -1;
  stair.clear();
  const double full = p.x * p.y;
  double covered = 0;
  for (std::size_t i = 0; i < above; ++i) covered += stair_insert(stair, std::min(front[i].x, p.x), std::min(front[i].y, p.y));
  std::size_t i = above;
  double volume = 0, level = p.z;
  for (; i < front.size(); ++i) {
    const point3& q = front[i];
    volume += (full - covered) * (level - q.z);
    level = q.z;
    if (q.x >= p.x && q.y >= p.y) return volume;  // covered from here down
    covered += stair_insert(stair, std::min(q.x, p.x), std::min(q.y, p.y));
  }
  return volume + (full - covered) * level;
}

/// Buffers of hv4, kept so nothing is allocated once they have grown.
struct hv4_buffers {
  std::vector<std::array<double, 4>> points;
  std::vector<point3> front, next;
  std::vector<std::pair<double, double>> stair;
};

/// Volume of the union of boxes [0, a] in 4 dimensions in O(n^2), after Guerreiro and Fonseca's
/// HV4D (2018): sweep down the fourth objective; between two consecutive values the slab's
/// cross-section is the 3-D hypervolume of the points seen so far, which grows by each new point's
/// 3-D contribution against the 3-D front of those points (points it covers leave the front).
/// Dominated and repeated points are allowed: they contribute nothing.
/// `sorted`: the rows already come in descending order of the fourth objective.
inline double hv4(std::span<const double> flat, hv4_buffers& b, bool sorted = false) {
  const std::size_t n = flat.size() / 4;
  b.points.resize(n);
  for (std::size_t k = 0; k < n; ++k) std::copy_n(&flat[k * 4], 4, b.points[k].begin());
  if (!sorted) std::sort(b.points.begin(), b.points.end(), [](const auto& a, const auto& c) { return a[3] > c[3]; });
  b.front.clear();
  double area3 = 0, volume = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& a = b.points[k];
    const point3 p{a[0], a[1], a[2]};
    if (const double gain = contribution3(p, b.front, b.stair); gain >= 0) {
      area3 += gain;
      // The new front: p at its place in z order, without the points it covers.
      b.next.clear();
      bool placed = false;
      for (const point3& q : b.front) {
        if (!placed && q.z < p.z) {
          b.next.push_back(p);
          placed = true;
        }
        if (!(q.x <= p.x && q.y <= p.y && q.z <= p.z)) b.next.push_back(q);
      }
      if (!placed) b.next.push_back(p);
      std::swap(b.front, b.next);
    }
    const double next = k + 1 < n ? b.points[k + 1][3] : 0;
    volume += area3 * (a[3] - next);
  }
  return volume;
}

/// Buffers for WFG, one set per recursion depth so nothing is allocated once they have grown.
struct wfg_state {
  struct level {
    std::vector<double> sorted, limit;
    std::vector<std::size_t> order, seen;
  };
  std::vector<level> levels;
  std::vector<std::size_t> order3;
  std::vector<std::pair<double, double>> stair;
  std::vector<double> rows;
  hv4_buffers four;
  /// true: WFG as first written, the benchmark's baseline: sliced down to the 3-D sweep, every
  /// earlier point in each limit set.
  bool plain_wfg = false;
};

/// Keeps the points of `pts` (m points of `dims`) that no other point weakly dominates (duplicates
/// collapse to one: they add no volume); returns how many remain, compacted to the front.
inline std::size_t weakly_non_dominated(std::vector<double>& pts, std::size_t m, std::size_t dims,
                                        std::vector<std::size_t>& order, std::vector<double>& rows) {
  order.resize(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t d = 0; d < dims; ++d)
      if (pts[a * dims + d] != pts[b * dims + d]) return pts[a * dims + d] > pts[b * dims + d];
    return false;
  });
  std::size_t kept = 0;
  rows.resize(m * dims);
  for (std::size_t i : order) {
    const double* p = &pts[i * dims];
    bool dominated = false;
    for (std::size_t j = 0; j < kept && !dominated; ++j) {
      const double* q = &rows[j * dims];
      bool all = true;
      for (std::size_t d = 0; d < dims && all; ++d) all = q[d] >= p[d];
      dominated = all;
    }
    if (!dominated) std::copy(p, p + dims, &rows[kept++ * dims]);
  }
  std::copy(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(kept * dims), pts.begin());
  return kept;
}

/// Hypervolume of the points of `dims` objectives held in `pts` (mutually non-dominated when
/// dims > 3; the sweeps below that need no filtering).
inline double wfg(std::span<const double> pts, std::size_t dims, std::size_t depth, wfg_state& s) {
  const std::size_t m = pts.size() / dims;
  if (m == 0) return 0;
  if (m == 1) {
    double v = 1;
    for (std::size_t d = 0; d < dims; ++d) v *= pts[d];
    return v;
  }
  if (dims == 1) {
    double v = 0;
    for (double x : pts) v = std::max(v, x);
    return v;
  }
  if (dims == 2) return hv2(pts, s.stair);
  if (dims == 3) return hv3(pts, s.order3, s.stair);
  if (dims == 4 && !s.plain_wfg) return hv4(pts, s.four);
  auto& L = s.levels.at(depth);  // sized by the caller: recursion must not move the levels
  // Sort by the last objective, largest first: point k's slab [0, a_k,last] sees points 0..k.
  L.order.resize(m);
  std::iota(L.order.begin(), L.order.end(), std::size_t{0});
  const std::size_t last = dims - 1;
  std::sort(L.order.begin(), L.order.end(), [&](std::size_t a, std::size_t b) { return pts[a * dims + last] > pts[b * dims + last]; });
  L.sorted.resize(m * dims);
  for (std::size_t k = 0; k < m; ++k) std::copy_n(&pts[L.order[k] * dims], dims, &L.sorted[k * dims]);
  const std::size_t sub = dims - 1;
  double volume = 0;
  // `L.seen`: the earlier points whose first dims - 1 objectives no other earlier point covers, in
  // descending order of objective dims - 2. The others can never bound a limit set, and a point
  // that one of them covers adds nothing.
  L.seen.clear();
  for (std::size_t k = 0; k < m; ++k) {
    const double* p = &L.sorted[k * dims];
    const auto covers = [&](const double* q, const double* r) {  // q >= r in the first dims - 1
      for (std::size_t d = 0; d < sub; ++d)
        if (q[d] < r[d]) return false;
      return true;
    };
    if (!s.plain_wfg && std::any_of(L.seen.begin(), L.seen.end(), [&](std::size_t j) { return covers(&L.sorted[j * dims], p); }))
      continue;
    double exclusive = 1;
    for (std::size_t d = 0; d < sub; ++d) exclusive *= p[d];
    const std::size_t bounds = s.plain_wfg ? k : L.seen.size();
    if (bounds > 0) {
      // Limit set: the earlier points clipped to p, in the first dims - 1 objectives.
      L.limit.resize(bounds * sub);
      for (std::size_t b = 0; b < bounds; ++b) {
        const double* q = &L.sorted[(s.plain_wfg ? b : L.seen[b]) * dims];
        for (std::size_t d = 0; d < sub; ++d) L.limit[b * sub + d] = std::min(q[d], p[d]);
      }
      // Plain WFG hands the recursion a front; the sweeps and the `seen` set skip dominated points.
      const bool filter = s.plain_wfg && sub > 3;
      const std::size_t kept = filter ? weakly_non_dominated(L.limit, bounds, sub, L.order, s.rows) : bounds;
      const std::span<const double> limit(L.limit.data(), kept * sub);
      // `seen` is kept in descending order of objective sub - 1, so the limit set is as well.
      exclusive -= sub == 4 && !s.plain_wfg ? hv4(limit, s.four, true) : wfg(limit, sub, depth + 1, s);
    }
    volume += p[last] * exclusive;
    if (!s.plain_wfg) {
      std::erase_if(L.seen, [&](std::size_t j) { return covers(p, &L.sorted[j * dims]); });
      const auto at = std::upper_bound(L.seen.begin(), L.seen.end(), p[sub - 1],
                                       [&](double v, std::size_t j) { return v > L.sorted[j * dims + sub - 1]; });
      L.seen.insert(at, k);
    }
  }
  return volume;
}

/// Hypervolume of the union of the boxes [0, a] for the rows of `gains` (all positive; any may be
/// dominated or repeated). Reorders `gains`.
inline double hypervolume_of_gains(std::vector<double>& gains, std::size_t dims, wfg_state& state) {
  state.levels.resize(dims);
  std::vector<std::size_t> order;
  // Plain WFG wants a front; the sweeps and the `seen` set skip dominated points by themselves.
  const std::size_t n = gains.size() / dims;
  const std::size_t kept = state.plain_wfg && dims > 3 ? weakly_non_dominated(gains, n, dims, order, state.rows) : n;
  return wfg(std::span<const double>(gains.data(), kept * dims), dims, 0, state);
}

}  // namespace detail

/// Exact hypervolume of the points (flat row-major, `dims` objectives each) against `reference`:
/// the volume of the union of the boxes between the reference and each point. Points that are
/// not strictly better than the reference in every objective, or that hold NaN, add nothing.
/// `goals` is one direction for all objectives or one per objective.
///
///     // One point of four Spearman values r against the reference -1 gives prod(1 + r_i).
///     const direction up[] = {direction::maximize};
///     hypervolume(std::vector<double>{0.3, 0.2, 0.4, 0.1}, 4, std::vector<double>(4, -1.0), up);  // 1.3 * 1.2 * 1.4 * 1.1
inline double hypervolume(std::span<const double> coords, std::size_t dims, std::span<const double> reference,
                          std::span<const direction> goals) {
  detail::check_flat(coords, dims, "hypervolume");
  detail::check_goals(goals, dims, "hypervolume");
  if (reference.size() != dims)
    throw std::invalid_argument(fmt::format("judgegrad::stats::hypervolume: the reference point has {} values for {} objectives",
                                            reference.size(), dims));
  const std::size_t n = coords.size() / dims;
  std::vector<double> gains;
  gains.reserve(coords.size());
  for (std::size_t i = 0; i < n; ++i) {
    bool inside = true;
    for (std::size_t d = 0; d < dims; ++d) {
      const double p = coords[i * dims + d], r = reference[d];
      const double a = detail::goal_of(goals, d) == direction::maximize ? p - r : r - p;
      inside = inside && a > 0;  // false for NaN as well
    }
    if (!inside) continue;
    for (std::size_t d = 0; d < dims; ++d) {
      const double p = coords[i * dims + d], r = reference[d];
      gains.push_back(detail::goal_of(goals, d) == direction::maximize ? p - r : r - p);
    }
  }
  detail::wfg_state state;
  return detail::hypervolume_of_gains(gains, dims, state);
}

/// hypervolume over point-like ranges, with a reference range of the same size.
template <point_range Points, class Reference>
double hypervolume(const Points& points, const Reference& reference, std::span<const direction> goals) {
  std::size_t dims = 0;
  const auto flat = detail::flatten(points, dims, "hypervolume");
  std::vector<double> ref(std::ranges::begin(reference), std::ranges::end(reference));
  if (flat.empty()) return 0;
  return hypervolume(flat, dims, ref, goals);
}
/// hypervolume with one goal for every objective.
template <point_range Points, class Reference>
double hypervolume(const Points& points, const Reference& reference, direction goal = direction::maximize) {
  return hypervolume(points, reference, std::span<const direction>(&goal, 1));
}

/// The hypervolume of the cumulative archive after each step: entry s is the hypervolume of
/// points 0..s (the paper's HVI curve; non-decreasing). `steps` holds one point per step; a point
/// holding NaN (a criterion without a value) joins no archive.
template <point_range Points, class Reference>
std::vector<double> hypervolume_trajectory(const Points& steps, const Reference& reference,
                                           direction goal = direction::maximize) {
  std::size_t dims = 0;
  const auto flat = detail::flatten(steps, dims, "hypervolume_trajectory");
  std::vector<double> ref(std::ranges::begin(reference), std::ranges::end(reference));
  std::vector<double> out;
  out.reserve(std::ranges::size(steps));
  for (std::size_t s = 1; s <= static_cast<std::size_t>(std::ranges::size(steps)); ++s)
    out.push_back(hypervolume(std::span<const double>(flat.data(), s * dims), dims, ref, std::span<const direction>(&goal, 1)));
  return out;
}

/// The reference point the paper uses for metric type `M`: its worst value in every objective
/// (-1 for Spearman, 0 for off-by-one, the scale's span for MAE).
template <metric_type M>
std::vector<double> worst_point(std::size_t dims, const score_scale& scale = {}) {
  return std::vector<double>(dims, M::worst(scale));
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
