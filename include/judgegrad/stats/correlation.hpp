/// @file
/// Rank and linear correlations with SciPy 1.10 semantics: Spearman's rho, Kendall's tau-b and
/// Pearson's r. Missing pairs (NaN in either input, or a cleared mask entry) are left out and
/// lower the coverage; fewer than 2 pairs or a constant vector give NaN.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/measurement.hpp>
#include <judgegrad/stats/ranks.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

/// Reusable buffers, so repeated statistics (bootstrap, permutation tests) allocate nothing.
struct workspace {
  std::vector<double> gold, pred, a, b;
  rank_scratch ranks;
  std::vector<std::uint64_t> table;
  std::vector<std::uint8_t> codes_x, codes_y;  ///< each value's level, for data with few distinct values
  struct xy {
    double x, y;
  };
  std::vector<xy> pairs;
};

inline double clip_unit(double r) { return std::clamp(r, -1.0, 1.0); }

/// Spearman's rho of complete pairs: Pearson's r of the average ranks, as numpy.corrcoef does it.
inline double spearman_kernel(std::span<const double> x, std::span<const double> y, workspace& w) {
  const std::size_t n = x.size();
  if (n < 2) return nan;
  w.a.resize(n);
  w.b.resize(n);
  average_ranks(x, w.a, w.ranks);
  average_ranks(y, w.b, w.ranks);
  // The ranks' mean is exactly (n + 1) / 2 and every deviation a multiple of 1/2, so these sums are exact.
  const double mean = 0.5 * static_cast<double>(n + 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = w.a[i] - mean, dy = w.b[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return nan;
  const double dof = static_cast<double>(n - 1);
  return clip_unit(sxy / dof / std::sqrt(sxx / dof) / std::sqrt(syy / dof));
}

/// A compensated sum (Neumaier), so means stay accurate to the last bit or two for any n.
inline double accurate_sum(std::span<const double> x) {
  double sum = 0, carry = 0;
  for (double v : x) {
    const double t = sum + v;
    carry += std::abs(sum) >= std::abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  return sum + carry;
}

/// Pearson's r of complete pairs, following scipy.stats.pearsonr (1.10) step by step.
inline double pearson_kernel(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  if (n < 2) return nan;
  const auto constant = [](std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [&](double e) { return e == v[0]; });
  };
  if (constant(x) || constant(y)) return nan;
  if (n == 2) {
    const auto sign = [](double d) { return static_cast<double>((d > 0) - (d < 0)); };
    return sign(x[1] - x[0]) * sign(y[1] - y[0]);
  }
  const double mx = accurate_sum(x) / static_cast<double>(n), my = accurate_sum(y) / static_cast<double>(n);
  double sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  const double nx = std::sqrt(sxx), ny = std::sqrt(syy);
  double r = 0;
  for (std::size_t i = 0; i < n; ++i) r += ((x[i] - mx) / nx) * ((y[i] - my) / ny);
  return clip_unit(r);
}

/// Strict inversions (i < j, v[i] > v[j]) of `v`, which ends up sorted; `buffer` is scratch.
inline std::uint64_t count_inversions(std::span<double> v, std::vector<double>& buffer) {
  const std::size_t n = v.size();
  std::uint64_t inversions = 0;
  constexpr std::size_t run = 16;
  // Insertion sort inside short runs: each shift past a strictly larger value is one inversion.
  for (std::size_t lo = 0; lo < n; lo += run) {
    const std::size_t hi = std::min(n, lo + run);
    for (std::size_t i = lo + 1; i < hi; ++i) {
      const double key = v[i];
      std::size_t j = i;
      while (j > lo && v[j - 1] > key) {
        v[j] = v[j - 1];
        --j;
      }
      inversions += i - j;
      v[j] = key;
    }
  }
  buffer.resize(n);
  double* from = v.data();
  double* to = buffer.data();
  for (std::size_t width = run; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(n, lo + width), hi = std::min(n, lo + 2 * width);
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        // Branch-free: which side is taken is unpredictable on real data.
        const double a = from[i], b = from[j];
        const bool right = b < a;
        to[k++] = right ? b : a;
        inversions += right ? mid - i : 0;
        j += right;
        i += !right;
      }
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
    }
    std::swap(from, to);
  }
  if (from != v.data()) std::copy(from, from + n, v.data());
  return inversions;
}

/// Pairs tied within runs of equal values of the sorted sequence `v`: sum of t (t - 1) / 2.
template <class Equal>
std::uint64_t tied_pairs(std::size_t n, Equal&& equal) {
  std::uint64_t ties = 0, run = 1;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i < n && equal(i - 1, i)) {
      ++run;
    } else {
      ties += run * (run - 1) / 2;
      run = 1;
    }
  }
  return ties;
}

/// tau-b from SciPy's integer counts, with its final floating-point operations.
inline double tau_b(std::uint64_t n, std::uint64_t x_ties, std::uint64_t y_ties, std::uint64_t joint_ties,
                    std::uint64_t discordant) {
  const std::uint64_t total = n * (n - 1) / 2;
  if (x_ties == total || y_ties == total) return nan;
  const auto con_minus_dis = static_cast<std::int64_t>(total - x_ties - y_ties + joint_ties) -
                             2 * static_cast<std::int64_t>(discordant);
  const double tau = static_cast<double>(con_minus_dis) / std::sqrt(static_cast<double>(total - x_ties)) /
                     std::sqrt(static_cast<double>(total - y_ties));
  return clip_unit(tau);
}

/// The most distinct values per side for which Kendall's tau-b is counted from the contingency table.
inline constexpr std::size_t kendall_table_levels = 64;

/// Codes each value of `v` by its level: its rank among the distinct values (0 the smallest), into
/// `codes`; returns the number of levels, or 0 when there are more than kendall_table_levels (or a
/// NaN). Whole numbers in a narrow range (Likert scores) are coded by subtraction; other values
/// (means over annotators: 1, 1.33, 1.67, ...) through a small open-addressing table of their bits,
/// then the few distinct values are sorted. O(n) either way.
inline std::size_t code_levels(std::span<const double> v, std::vector<std::uint8_t>& codes) {
  constexpr std::size_t limit = kendall_table_levels;
  const std::size_t n = v.size();
  codes.resize(n);
  double lo = v[0], hi = v[0];
  bool whole = true;
  for (double e : v) {
    if (!(std::abs(e) < 1e9 && e == std::trunc(e))) {
      whole = false;
      break;
    }
    lo = e < lo ? e : lo;
    hi = e > hi ? e : hi;
  }
  if (whole && hi - lo < static_cast<double>(limit)) {
    for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<std::uint8_t>(v[i] - lo);
    return static_cast<std::size_t>(hi - lo) + 1;
  }
  constexpr std::size_t slots = 4 * limit;  // a power of two, at most a quarter full
  constexpr std::uint64_t empty = 0x7ff8'dead'beef'0001ull;  // a NaN: no value's bits (NaN is refused below)
  std::uint64_t key[slots];
  std::uint8_t id[slots];
  std::fill(key, key + slots, empty);
  double distinct[limit];
  std::size_t levels = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = v[i] + 0.0;  // -0.0 and 0.0 are one level
    if (e != e) return 0;
    std::uint64_t bits;
    std::memcpy(&bits, &e, sizeof bits);
    std::size_t h = static_cast<std::size_t>((bits * 0x9e37'79b9'7f4a'7c15ull) >> 56) & (slots - 1);
    while (key[h] != bits && key[h] != empty) h = (h + 1) & (slots - 1);
    if (key[h] == empty) {
      if (levels == limit) return 0;
      key[h] = bits;
      id[h] = static_cast<std::uint8_t>(levels);
      distinct[levels++] = e;
    }
    codes[i] = id[h];
  }
  // Insertion order -> rank order.
  std::uint8_t order[limit], rank[limit];
  for (std::size_t k = 0; k < levels; ++k) order[k] = static_cast<std::uint8_t>(k);
  std::sort(order, order + levels, [&](std::uint8_t a, std::uint8_t b) { return distinct[a] < distinct[b]; });
  for (std::size_t k = 0; k < levels; ++k) rank[order[k]] = static_cast<std::uint8_t>(k);
  for (std::size_t i = 0; i < n; ++i) codes[i] = rank[codes[i]];
  return levels;
}

/// Kendall's tau-b from the contingency table of level codes (code_levels) `cx` (wx levels) and
/// `cy` (wy levels), item i counted `counts[i]` times (once each when `counts` is empty), in
/// O(n + wx wy): discordant pairs are cells times the counts above and to the right. `table` is
/// scratch. Used directly and for every bootstrap resample (detail/counts.hpp).
inline double contingency_tau_b(std::span<const std::uint8_t> cx, std::size_t wx, std::span<const std::uint8_t> cy, std::size_t wy,
                                std::span<const std::uint32_t> counts, std::vector<std::uint64_t>& table) {
  table.assign(wx * wy + 2 * wy + wx, 0);
  std::uint64_t* cell = table.data();
  std::uint64_t* above = cell + wx * wy;  // counts per y level in the rows already passed
  std::uint64_t* column = above + wy;
  std::uint64_t* row = column + wy;
  std::uint64_t n = 0;
  if (counts.empty()) {
    for (std::size_t i = 0; i < cx.size(); ++i) ++cell[std::size_t(cx[i]) * wy + cy[i]];
    n = cx.size();
  } else {
    for (std::size_t i = 0; i < cx.size(); ++i) {
      cell[std::size_t(cx[i]) * wy + cy[i]] += counts[i];
      n += counts[i];
    }
  }
  if (n < 2) return nan;
  const auto pairs = [](std::uint64_t k) { return k > 1 ? k * (k - 1) / 2 : 0; };
  std::uint64_t joint = 0, discordant = 0;
  for (std::size_t r = 0; r < wx; ++r) {
    std::uint64_t higher = 0;  // earlier rows (smaller x) with a larger y than the current column
    for (std::size_t c = wy; c-- > 0;) {
      const std::uint64_t k = cell[r * wy + c];
      discordant += k * higher;
      higher += above[c];
      joint += pairs(k);
      row[r] += k;
      column[c] += k;
    }
    for (std::size_t c = 0; c < wy; ++c) above[c] += cell[r * wy + c];
  }
  std::uint64_t x_ties = 0, y_ties = 0;
  for (std::size_t r = 0; r < wx; ++r) x_ties += pairs(row[r]);
  for (std::size_t c = 0; c < wy; ++c) y_ties += pairs(column[c]);
  return tau_b(n, x_ties, y_ties, joint, discordant);
}

/// Kendall's tau-b for data with few distinct values per side (scores on a scale, or means over a
/// few annotators), from their contingency table. False when a side has too many distinct values.
inline bool few_levels_kendall(std::span<const double> x, std::span<const double> y, workspace& w, double& tau) {
  const std::size_t wx = code_levels(x, w.codes_x);
  if (wx == 0) return false;
  const std::size_t wy = code_levels(y, w.codes_y);
  if (wy == 0) return false;
  tau = contingency_tau_b(w.codes_x, wx, w.codes_y, wy, {}, w.table);
  return true;
}

/// Kendall's tau-b of complete pairs in O(n log n) (Knight's algorithm), with the same integer
/// counts and the same final floating-point operations as scipy.stats.kendalltau (1.10).
inline double kendall_kernel(std::span<const double> x, std::span<const double> y, workspace& w) {
  const std::size_t n = x.size();
  if (n < 2) return nan;
  double tau;
  if (few_levels_kendall(x, y, w, tau)) return tau;
  w.pairs.resize(n);
  if (n >= 4096) {
    // Lexicographic (x, y) order by two stable radix sorts: by y, then by x.
    auto& items = w.ranks.items;
    items.resize(n);
    for (std::size_t i = 0; i < n; ++i) items[i] = {order_key(y[i]), static_cast<std::uint32_t>(i)};
    radix_sort(items, w.ranks.buffer);
    for (auto& it : items) it.key = order_key(x[it.index]);
    radix_sort(items, w.ranks.buffer);
    for (std::size_t k = 0; k < n; ++k) w.pairs[k] = {x[items[k].index], y[items[k].index]};
  } else {
    for (std::size_t i = 0; i < n; ++i) w.pairs[i] = {x[i], y[i]};
    std::sort(w.pairs.begin(), w.pairs.end(),
              [](const workspace::xy& a, const workspace::xy& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  }
  const std::uint64_t x_ties = tied_pairs(n, [&](std::size_t i, std::size_t j) { return w.pairs[i].x == w.pairs[j].x; });
  const std::uint64_t joint_ties = tied_pairs(
      n, [&](std::size_t i, std::size_t j) { return w.pairs[i].x == w.pairs[j].x && w.pairs[i].y == w.pairs[j].y; });
  w.a.resize(n);
  for (std::size_t i = 0; i < n; ++i) w.a[i] = w.pairs[i].y;
  const std::uint64_t discordant = count_inversions(w.a, w.b);
  const std::uint64_t y_ties = tied_pairs(n, [&](std::size_t i, std::size_t j) { return w.a[i] == w.a[j]; });
  return tau_b(n, x_ties, y_ties, joint_ties, discordant);
}

template <class Kernel>
measurement over_complete_pairs(std::span<const double> gold, std::span<const double> pred, const mask_view& mask,
                                std::string_view function, Kernel&& kernel) {
  check_lengths(gold, pred, mask, function);
  workspace w;
  complete_pairs(gold, pred, mask, w.gold, w.pred);
  return {kernel(std::span<const double>(w.gold), std::span<const double>(w.pred), w), w.gold.size(), gold.size()};
}

}  // namespace detail

/// Spearman's rank correlation: Pearson's r of the average ranks (ties share their mean rank).
/// Equals scipy.stats.spearmanr(gold, pred).correlation on the complete pairs. NaN for fewer than
/// 2 complete pairs or when either side is constant. Throws std::invalid_argument on a length mismatch.
///
///     spearman(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 3, 2, 4}).value == 0.8
inline measurement spearman(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  return detail::over_complete_pairs(gold, pred, mask, "spearman", [](auto g, auto p, detail::workspace& w) {
    return detail::spearman_kernel(g, p, w);
  });
}

/// Kendall's tau-b, (concordant - discordant) / sqrt((n0 - ties_gold) (n0 - ties_pred)), computed
/// in O(n log n). Equals scipy.stats.kendalltau(gold, pred).correlation (variant "b") on the
/// complete pairs. NaN for fewer than 2 complete pairs or when either side is constant.
inline measurement kendall_tau_b(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  return detail::over_complete_pairs(gold, pred, mask, "kendall_tau_b", [](auto g, auto p, detail::workspace& w) {
    return detail::kendall_kernel(g, p, w);
  });
}

/// Pearson's linear correlation. Equals scipy.stats.pearsonr(gold, pred)[0] on the complete pairs
/// (two pairs give +1 or -1). NaN for fewer than 2 complete pairs or when either side is constant.
inline measurement pearson(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  return detail::over_complete_pairs(gold, pred, mask, "pearson", [](auto g, auto p, detail::workspace&) {
    return detail::pearson_kernel(g, p);
  });
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
