/// @file
/// Metric types: compile-time names for the statistics a gate or a report compares prompts by,
/// with their direction, worst value and `compute(gold, pred[, scale][, mask])`; a run-time
/// lookup by the names the reference uses; direction-normalised values.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/stats/agreement.hpp>
#include <judgegrad/stats/correlation.hpp>
#include <judgegrad/stats/error.hpp>
#include <judgegrad/stats/measurement.hpp>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <concepts>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// Whether larger values of a metric are better.
enum class direction { maximize, minimize };

namespace metric {

/// Spearman's rank correlation (ties get average ranks).
struct spearman {
  static constexpr std::string_view name = "spearman";
  static constexpr std::string_view reference_name = "spearman_correlation";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::spearman(gold, pred, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Kendall's tau-b.
struct kendall {
  static constexpr std::string_view name = "kendall";
  static constexpr std::string_view reference_name = "kendall_tau";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::kendall_tau_b(gold, pred, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Pearson's linear correlation.
struct pearson {
  static constexpr std::string_view name = "pearson";
  static constexpr std::string_view reference_name = "pearson_correlation";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::pearson(gold, pred, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Mean absolute error; its worst value is the width of the scale.
struct mae {
  static constexpr std::string_view name = "mae";
  static constexpr std::string_view reference_name = "mae";
  static constexpr direction goal = direction::minimize;
  static constexpr double worst(const score_scale& s) { return s.span(); }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::mae(gold, pred, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Share of predictions within one point of the gold score.
struct off_by_one {
  static constexpr std::string_view name = "off_by_one";
  static constexpr std::string_view reference_name = "off_by_one";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return 0; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::off_by_k(gold, pred, 1.0, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Share of predictions equal to the gold score.
struct accuracy {
  static constexpr std::string_view name = "accuracy";
  static constexpr std::string_view reference_name = "accuracy";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return 0; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::accuracy(gold, pred, mask);
  }
  /// The scale does not change this metric; accepted so every metric is called alike.
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale&,
                                    stats::mask_view mask = {}) {
    return compute(gold, pred, mask);
  }
};

/// Quadratic weighted kappa (Cohen's kappa with squared-distance weights) for ordinal scales.
struct qwk {
  static constexpr std::string_view name = "qwk";
  static constexpr std::string_view reference_name = "quadratic_weighted_kappa";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred,
                                    stats::mask_view mask = {}) {
    return stats::quadratic_weighted_kappa(gold, pred, mask);
  }
  /// Also checks that every complete score lies on `scale` (std::domain_error otherwise).
  static stats::measurement compute(std::span<const double> gold, std::span<const double> pred, const score_scale& scale,
                                    stats::mask_view mask = {}) {
    return stats::quadratic_weighted_kappa(gold, pred, scale, mask);
  }
};

}  // namespace metric

/// A metric type: a name, the name the reference implementation uses, a direction and a worst value.
template <class M>
concept metric_type = requires(const score_scale& s) {
  { M::name } -> std::convertible_to<std::string_view>;
  { M::reference_name } -> std::convertible_to<std::string_view>;
  { M::goal } -> std::convertible_to<direction>;
  { M::worst(s) } -> std::convertible_to<double>;
};


namespace stats {

/// A metric chosen at run time: its names, direction, worst value and computation.
struct metric_descriptor {
  std::string_view name;
  std::string_view reference_name;
  direction goal;
  double (*worst)(const score_scale&);
  measurement (*compute)(std::span<const double> gold, std::span<const double> pred, const score_scale& scale,
                         mask_view mask);
};

/// The descriptor of metric type `M`.
template <metric_type M>
constexpr metric_descriptor describe() {
  return {M::name, M::reference_name, M::goal, [](const score_scale& s) { return M::worst(s); },
          [](std::span<const double> g, std::span<const double> p, const score_scale& s, mask_view m) {
            return M::compute(g, p, s, m);
          }};
}

/// Every metric type, for lookup by name.
inline constexpr std::array<metric_descriptor, 7> metrics{
    describe<metric::spearman>(), describe<metric::kendall>(), describe<metric::pearson>(),
    describe<metric::mae>(),      describe<metric::off_by_one>(), describe<metric::accuracy>(),
    describe<metric::qwk>()};

/// A metric name as the reference's registry compares it: lower case, without ' ', '-' and '_'.
inline std::string normalize_metric_name(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != ' ' && c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The metric called `name` (its name, its reference name or a reference alias such as "acc",
/// "offby1", "spearman_correlation", compared after normalize_metric_name), or nullptr.
inline const metric_descriptor* find_metric(std::string_view name) {
  struct alias {
    std::string_view alias, metric;
  };
  static constexpr alias aliases[] = {{"acc", "accuracy"}, {"offby1", "off_by_one"}, {"kendalltau", "kendall"},
                                      {"quadraticweightedkappa", "qwk"}};
  const std::string wanted = normalize_metric_name(name);
  std::string_view target;
  for (const auto& a : aliases)
    if (wanted == a.alias) target = a.metric;
  for (const auto& m : metrics)
    if (m.name == target || normalize_metric_name(m.name) == wanted || normalize_metric_name(m.reference_name) == wanted)
      return &m;
  return nullptr;
}

/// As find_metric, but an unknown name throws std::invalid_argument listing the known ones.
inline const metric_descriptor& metric_by_name(std::string_view name) {
  if (const auto* m = find_metric(name)) return *m;
  std::string known;
  for (const auto& m : metrics) known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", m.name, m.reference_name);
  throw std::invalid_argument(fmt::format("judgegrad::stats::metric_by_name: unknown metric '{}'; known: {}", name, known));
}

/// A value oriented so larger is better: `value` for maximized metrics, `-value` for minimized ones
/// (the reference's normalized_score).
constexpr double normalized_score(direction goal, double value) {
  return goal == direction::maximize ? value : -value;
}
/// normalized_score for metric type `M`.
template <metric_type M>
constexpr double normalized_score(double value) {
  return normalized_score(M::goal, value);
}

}  // namespace stats

JUDGEGRAD_END_NAMESPACE
