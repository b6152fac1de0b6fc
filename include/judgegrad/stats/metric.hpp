/// @file
/// Metric types: compile-time names for the statistics a gate or a report compares prompts by,
/// with their direction and worst value.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>

#include <concepts>
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
};

/// Kendall's tau-b.
struct kendall {
  static constexpr std::string_view name = "kendall";
  static constexpr std::string_view reference_name = "kendall_tau";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
};

/// Pearson's linear correlation.
struct pearson {
  static constexpr std::string_view name = "pearson";
  static constexpr std::string_view reference_name = "pearson_correlation";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
};

/// Mean absolute error; its worst value is the width of the scale.
struct mae {
  static constexpr std::string_view name = "mae";
  static constexpr std::string_view reference_name = "mae";
  static constexpr direction goal = direction::minimize;
  static constexpr double worst(const score_scale& s) { return s.span(); }
};

/// Share of predictions within one point of the gold score.
struct off_by_one {
  static constexpr std::string_view name = "off_by_one";
  static constexpr std::string_view reference_name = "off_by_one";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return 0; }
};

/// Share of predictions equal to the gold score.
struct accuracy {
  static constexpr std::string_view name = "accuracy";
  static constexpr std::string_view reference_name = "accuracy";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return 0; }
};

/// Quadratic weighted kappa (Cohen's kappa with squared-distance weights) for ordinal scales.
struct qwk {
  static constexpr std::string_view name = "qwk";
  static constexpr std::string_view reference_name = "quadratic_weighted_kappa";
  static constexpr direction goal = direction::maximize;
  static constexpr double worst(const score_scale&) { return -1; }
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

JUDGEGRAD_END_NAMESPACE
