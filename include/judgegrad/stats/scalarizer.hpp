/// @file
/// Scalarizers: policies that turn one value per criterion into one number. Each is an empty
/// type with a static `apply(const per_criterion<Set, double>&)`; values are direction-normalised
/// (larger is better, see stats::normalized_score), so every scalarizer is maximized too.
/// Compile-time parameters are integers (floating-point template arguments need Clang 18).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/stats/hypervolume.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace scalar {
namespace detail {

/// "base(a,b,c)" for a parameter pack of integers; just "base" when `show` is false.
template <std::size_t N, class... Ts>
constexpr fixed_string<N> label(std::string_view base, bool show, Ts... values) {
  fixed_string<N> s(base);
  if (show && sizeof...(Ts) > 0) {
    s.append("(");
    bool first = true;
    ((s.append(first ? "" : ","), s.append_number(static_cast<long long>(values)), first = false), ...);
    s.append(")");
  }
  return s;
}

}  // namespace detail

/// The unweighted mean over criteria (the reference's gate aggregation).
struct mean {
  using family = judgegrad::family::scalarizer;
  static constexpr std::string_view name = "mean";
  template <class Set>
  static constexpr double apply(const per_criterion<Set, double>& v) {
    double sum = 0;
    for (double x : v.values) sum += x;
    return sum / static_cast<double>(Set::size);
  }
};

/// The worst criterion's value: no criterion may be sacrificed for another.
struct minimum {
  using family = judgegrad::family::scalarizer;
  static constexpr std::string_view name = "minimum";
  template <class Set>
  static constexpr double apply(const per_criterion<Set, double>& v) {
    double low = v.values[0];
    for (double x : v.values) low = x < low ? x : low;
    return low;
  }
};

/// A weighted mean with integer weights, one per criterion in set order:
/// weighted<2, 1, 1, 1> counts the first criterion twice. Named "weighted(2,1,1,1)".
template <std::size_t... Weights>
struct weighted {
  static_assert(sizeof...(Weights) > 0, "judgegrad::scalar::weighted<W...>: give one weight per criterion");
  static_assert(((Weights + ...) > 0), "judgegrad::scalar::weighted<W...>: the weights must not all be zero");
  using family = judgegrad::family::scalarizer;

 private:
  static constexpr auto label = detail::label<48>("weighted", true, Weights...);
  static constexpr std::array<double, sizeof...(Weights)> w{static_cast<double>(Weights)...};
  static constexpr double total = static_cast<double>((Weights + ...));

 public:
  static constexpr std::string_view name = label.view();
  template <class Set>
  static constexpr double apply(const per_criterion<Set, double>& v) {
    static_assert(sizeof...(Weights) == Set::size,
                  "judgegrad::scalar::weighted<W...>: the number of weights differs from the number of criteria");
    double sum = 0;
    for (std::size_t i = 0; i < Set::size; ++i) sum += w[i] * v.values[i];
    return sum / total;
  }
};

/// The geometric mean of the values shifted by `Shift`, shifted back: exp(mean(log(v + Shift))) -
/// Shift. With Shift = 1 a Spearman value in [-1, 1] maps to [0, 2]; a shifted value <= 0 makes
/// the product 0 (result -Shift), so one criterion at its worst dominates, as with the minimum.
template <int Shift = 1>
struct geometric_mean {
  using family = judgegrad::family::scalarizer;

 private:
  static constexpr auto label = detail::label<40>("geometric_mean", Shift != 1, Shift);

 public:
  static constexpr std::string_view name = label.view();
  template <class Set>
  static double apply(const per_criterion<Set, double>& v) {
    double log_sum = 0;
    for (double x : v.values) {
      const double shifted = x + Shift;
      if (!(shifted > 0)) return std::isnan(shifted) ? shifted : -static_cast<double>(Shift);
      log_sum += std::log(shifted);
    }
    return std::exp(log_sum / static_cast<double>(Set::size)) - Shift;
  }
};

/// Weighted Chebyshev distance to the ideal point (every criterion at `Ideal`), negated so larger
/// is better: -max_i w_i (Ideal - v_i). Weights default to 1; with them it is written
/// chebyshev<1, 2, 1, 1, 1>.
template <int Ideal = 1, std::size_t... Weights>
struct chebyshev {
  using family = judgegrad::family::scalarizer;

 private:
  static constexpr auto label = detail::label<56>("chebyshev", Ideal != 1 || sizeof...(Weights) > 0, Ideal, Weights...);

 public:
  static constexpr std::string_view name = label.view();
  template <class Set>
  static constexpr double apply(const per_criterion<Set, double>& v) {
    static_assert(sizeof...(Weights) == 0 || sizeof...(Weights) == Set::size,
                  "judgegrad::scalar::chebyshev<Ideal, W...>: give no weights or one per criterion");
    constexpr std::array<double, sizeof...(Weights) == 0 ? Set::size : sizeof...(Weights)> w = [] {
      if constexpr (sizeof...(Weights) == 0) {
        std::array<double, Set::size> ones{};
        for (auto& x : ones) x = 1;
        return ones;
      } else {
        return std::array<double, sizeof...(Weights)>{static_cast<double>(Weights)...};
      }
    }();
    double worst = w[0] * (Ideal - v.values[0]);
    for (std::size_t i = 1; i < Set::size; ++i) {
      const double d = w[i] * (Ideal - v.values[i]);
      worst = d > worst ? d : worst;
    }
    return -worst;
  }
};

/// The hypervolume a point adds to an archive, against the reference point with every criterion
/// at `Reference` (-1 suits Spearman values; -4 suits negated MAE on a 1..5 scale). Alone (no
/// archive) it is the point's own hypervolume.
template <int Reference = -1>
struct hypervolume_gain {
  using family = judgegrad::family::scalarizer;

 private:
  static constexpr auto label = detail::label<40>("hypervolume_gain", Reference != -1, Reference);

 public:
  static constexpr std::string_view name = label.view();
  template <class Set>
  static double apply(const per_criterion<Set, double>& v) {
    double volume = 1;
    for (double x : v.values) volume *= x > Reference ? x - Reference : 0.0;
    return volume;
  }
  /// Hypervolume of archive + v minus that of the archive.
  template <class Set>
  static double apply(const per_criterion<Set, double>& v, std::span<const per_criterion<Set, double>> archive) {
    if (archive.empty()) return apply(v);
    std::vector<double> flat;
    flat.reserve((archive.size() + 1) * Set::size);
    for (const auto& a : archive) flat.insert(flat.end(), a.values.begin(), a.values.end());
    const std::vector<double> ref(Set::size, static_cast<double>(Reference));
    constexpr direction up[] = {direction::maximize};
    const double before = stats::hypervolume(flat, Set::size, ref, up);
    flat.insert(flat.end(), v.values.begin(), v.values.end());
    return stats::hypervolume(flat, Set::size, ref, up) - before;
  }
};

}  // namespace scalar

/// A scalarizer policy: a `family::scalarizer` policy with `apply(per_criterion<Set, double>)`.
template <class P>
concept scalarizer_policy = policy_of<P, family::scalarizer> && requires(const per_criterion<detail::probe_criteria, double>& v) {
  { P::apply(v) } -> std::convertible_to<double>;
};

JUDGEGRAD_END_NAMESPACE
