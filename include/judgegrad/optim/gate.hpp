/// @file
/// Gate policies: whether the optimizer's candidate prompt replaces the incumbent, decided on
/// validation items (a split disjoint from the training batches and from test). Each gate is a
/// family::gate policy with
///
/// * `needs_validation` — whether the candidate is judged on the validation items at all;
/// * `rescores_incumbent` — whether the incumbent is judged afresh beside the candidate, in the
///   same batch (else its cached predictions or score serve);
/// * `decide<Scalarizer>(evidence)` — the verdict, with the numbers behind it.
///
/// Metrics are per criterion, direction-normalised (larger is better) and combined by the
/// variant's scalarizer. A metric undefined on the items (no pairs, a constant side) counts as the
/// metric's worst value, so a candidate that makes the judge say nothing useful cannot pass; the
/// reference counted it 0 (evidence::reference_edge_cases).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/random.hpp>
#include <judgegrad/stats/scalarizer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace gate {

/// What a gate decides on.
template <criteria_set Set>
struct evidence {
  std::span<const example<Set>> items;                 ///< the validation items
  const judge::predictions<Set>* candidate = nullptr;  ///< the candidate's predictions on them
  const judge::predictions<Set>* incumbent = nullptr;  ///< the incumbent's (fresh when the gate rescores); may be null
  std::optional<double> bar;                           ///< the incumbent's cached score (non_regression)
  std::uint64_t seed = 0;                              ///< for gates that resample
  bool reference_edge_cases = false;                   ///< an undefined metric counts 0, as in the reference
};

/// A gate's decision and the numbers behind it. Scores are scalarized, direction-normalised.
struct verdict {
  bool accept = false;
  double incumbent = std::numeric_limits<double>::quiet_NaN();
  double candidate = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> incumbent_by_criterion;  ///< empty when the incumbent was not judged
  std::vector<double> candidate_by_criterion;
  double lower = std::numeric_limits<double>::quiet_NaN();  ///< the bootstrap's lower bound (paired_bootstrap)
  std::string reason;
};

namespace detail {

/// Metric M on criterion c over the items where `a` (and `b`, when given) both have a score.
template <metric_type M, criteria_set Set>
double value_on(std::span<const example<Set>> items, const judge::predictions<Set>& a, const judge::predictions<Set>* b,
                std::size_t c, bool reference_edge_cases) {
  static constexpr const auto& scales = Set::scales;
  std::vector<double> gold, pred;
  for (std::size_t i = 0; i < items.size() && i < a.items.size(); ++i) {
    auto g = items[i].gold[c];
    auto p = a.items[i].scores[c].score();
    if (!g || !p || (b && !b->items[i].scores[c].score())) continue;
    gold.push_back(*g);
    pred.push_back(*p);
  }
  double v = M::compute(gold, pred, scales[c]).value;
  if (std::isnan(v)) return reference_edge_cases ? 0.0 : stats::normalized_score<M>(M::worst(scales[c]));
  return stats::normalized_score<M>(v);
}

template <metric_type M, criteria_set Set>
per_criterion<Set, double> values(std::span<const example<Set>> items, const judge::predictions<Set>& a,
                                  const judge::predictions<Set>* paired_with, bool reference_edge_cases) {
  per_criterion<Set, double> out;
  for (std::size_t c = 0; c < Set::size; ++c) out[c] = value_on<M>(items, a, paired_with, c, reference_edge_cases);
  return out;
}

/// No second prompt: each prompt measured on its own complete pairs.
template <criteria_set Set>
inline constexpr const judge::predictions<Set>* unpaired = nullptr;

template <criteria_set Set>
std::vector<double> as_vector(const per_criterion<Set, double>& v) {
  return {v.values.begin(), v.values.end()};
}

inline std::string number(double x) { return std::isnan(x) ? std::string("undefined") : fmt::format("{:.4f}", x); }

/// Thousandths as a decimal, for names: 10 -> "0.01".
template <std::size_t N>
constexpr void append_thousandths(fixed_string<N>& s, int t) {
  if (t < 0) {
    s.append("-");
    t = -t;
  }
  char d[8] = {};
  d[0] = static_cast<char>('0' + t / 1000 % 10);
  s.append(std::string_view(d, 1)).append(".");
  char frac[3] = {static_cast<char>('0' + t / 100 % 10), static_cast<char>('0' + t / 10 % 10), static_cast<char>('0' + t % 10)};
  std::size_t n = 3;
  while (n > 1 && frac[n - 1] == '0') --n;
  s.append(std::string_view(frac, n));
}

}  // namespace detail

/// A gate's building block: candidate and incumbent measured with metric M on the items both
/// scored, per criterion (direction-normalised) and scalarized; `accept` left false.
template <class Scalar, metric_type M, criteria_set Set>
verdict paired_scores(const evidence<Set>& e) {
  verdict v;
  auto cand = detail::values<M>(e.items, *e.candidate, e.incumbent, e.reference_edge_cases);
  auto inc = detail::values<M>(e.items, *e.incumbent, e.candidate, e.reference_edge_cases);
  v.candidate = Scalar::apply(cand);
  v.incumbent = Scalar::apply(inc);
  v.candidate_by_criterion = detail::as_vector(cand);
  v.incumbent_by_criterion = detail::as_vector(inc);
  return v;
}

/// Every candidate is accepted (the reference's `validation_metric = "none"`); no validation calls.
struct always {
  using family = judgegrad::family::gate;
  static constexpr std::string_view name = "none";
  static constexpr bool needs_validation = false;
  static constexpr bool rescores_incumbent = false;
  template <class Scalar, criteria_set Set>
  static verdict decide(const evidence<Set>&) {
    verdict v;
    v.accept = true;
    v.reason = "every candidate is accepted";
    return v;
  }
};

/// The reference's gate: the candidate is judged once on the validation items and accepted when
/// its score is at least the bar — the incumbent's score, computed once and cached, and replaced by
/// each accepted candidate's own (so a lucky score raises the bar: the winner's-curse ratchet).
/// Ties are accepted. Named after its metric ("mae"), as the reference's run names are.
template <class Metric>
struct non_regression {
  static_assert(metric_type<Metric>, "judgegrad::gate::non_regression<Metric>: Metric must be a judgegrad::metric type");
  using family = judgegrad::family::gate;
  using metric = Metric;
  static constexpr bool needs_validation = true;
  static constexpr bool rescores_incumbent = false;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s;
    if constexpr (metric_type<Metric>) s.append(Metric::name);
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();

  template <class Scalar, criteria_set Set>
  static verdict decide(const evidence<Set>& e) {
    verdict v;
    auto cand = detail::values<Metric>(e.items, *e.candidate, detail::unpaired<Set>, e.reference_edge_cases);
    v.candidate = Scalar::apply(cand);
    v.candidate_by_criterion = detail::as_vector(cand);
    if (e.bar) v.incumbent = *e.bar;
    else if (e.incumbent) {
      auto inc = detail::values<Metric>(e.items, *e.incumbent, detail::unpaired<Set>, e.reference_edge_cases);
      v.incumbent = Scalar::apply(inc);
      v.incumbent_by_criterion = detail::as_vector(inc);
    }
    v.accept = !std::isnan(v.candidate) && (std::isnan(v.incumbent) || v.candidate >= v.incumbent);
    v.reason = fmt::format("candidate {} {} bar {}", detail::number(v.candidate), v.accept ? ">=" : "<", detail::number(v.incumbent));
    return v;
  }
};

/// Incumbent and candidate judged afresh on the same validation items, in one batch; the candidate
/// is accepted when its score beats the incumbent's by more than a margin (in thousandths:
/// paired<metric::mae, 10> needs 0.01). Each criterion is measured on the items both scored.
template <class Metric, int MarginThousandths = 0>
struct paired {
  static_assert(metric_type<Metric>, "judgegrad::gate::paired<Metric>: Metric must be a judgegrad::metric type");
  using family = judgegrad::family::gate;
  using metric = Metric;
  static constexpr bool needs_validation = true;
  static constexpr bool rescores_incumbent = true;
  static constexpr double margin = MarginThousandths / 1000.0;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s("paired-");
    if constexpr (metric_type<Metric>) s.append(Metric::name);
    if (MarginThousandths != 0) {
      s.append("(");
      detail::append_thousandths(s, MarginThousandths);
      s.append(")");
    }
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();

  template <class Scalar, criteria_set Set>
  static verdict decide(const evidence<Set>& e) {
    verdict v = paired_scores<Scalar, Metric>(e);
    double gain = v.candidate - v.incumbent;
    v.accept = gain > margin;
    v.reason = fmt::format("candidate {} - incumbent {} = {} {} margin {}", detail::number(v.candidate), detail::number(v.incumbent),
                           detail::number(gain), v.accept ? ">" : "<=", margin);
    return v;
  }
};

/// Incumbent and candidate judged afresh on the same items; the items are resampled (a paired
/// bootstrap, 2,000 resamples) and the candidate is accepted when the one-sided lower bound of the
/// scalarized difference at `Level` percent is above zero: better by more than noise.
template <class Metric, int Level = 95>
struct paired_bootstrap {
  static_assert(metric_type<Metric>, "judgegrad::gate::paired_bootstrap<Metric>: Metric must be a judgegrad::metric type");
  static_assert(Level > 50 && Level < 100, "judgegrad::gate::paired_bootstrap<Metric, Level>: Level is a percentage in (50, 100)");
  using family = judgegrad::family::gate;
  using metric = Metric;
  static constexpr bool needs_validation = true;
  static constexpr bool rescores_incumbent = true;
  static constexpr std::size_t resamples = 2000;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s("bootstrap-");
    if constexpr (metric_type<Metric>) s.append(Metric::name);
    if (Level != 95) {
      s.append("(");
      s.append_number(Level);
      s.append(")");
    }
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();

  template <class Scalar, criteria_set Set>
  static verdict decide(const evidence<Set>& e) {
    static constexpr const auto& scales = Set::scales;
    verdict v = paired_scores<Scalar, Metric>(e);
    // Per criterion: the items both prompts scored, and the metric of each under resample counts.
    struct column {
      std::vector<std::size_t> at;
      std::vector<double> gold, a, b;
    };
    std::vector<column> cols(Set::size);
    for (std::size_t c = 0; c < Set::size; ++c)
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        auto g = e.items[i].gold[c];
        auto a = e.candidate->items[i].scores[c].score(), b = e.incumbent->items[i].scores[c].score();
        if (!g || !a || !b) continue;
        cols[c].at.push_back(i);
        cols[c].gold.push_back(*g);
        cols[c].a.push_back(*a);
        cols[c].b.push_back(*b);
      }
    using kernel = stats::counts_statistic_t<Metric>;
    std::vector<kernel> ka, kb;
    for (auto& col : cols) {
      ka.push_back(stats::counts_statistic<Metric>(col.gold, col.a));
      kb.push_back(stats::counts_statistic<Metric>(col.gold, col.b));
    }
    auto normalized = [&](double x, std::size_t c) {
      if (std::isnan(x)) return e.reference_edge_cases ? 0.0 : stats::normalized_score<Metric>(Metric::worst(scales[c]));
      return stats::normalized_score<Metric>(x);
    };
    stats::xoshiro256 rng(e.seed);
    std::vector<std::uint32_t> counts(e.items.size()), sub;
    std::vector<double> differences;
    differences.reserve(resamples);
    for (std::size_t r = 0; r < resamples && !e.items.empty(); ++r) {
      stats::draw_counts(rng, counts);
      per_criterion<Set, double> va, vb;
      for (std::size_t c = 0; c < Set::size; ++c) {
        sub.resize(cols[c].at.size());
        for (std::size_t k = 0; k < sub.size(); ++k) sub[k] = counts[cols[c].at[k]];
        va[c] = normalized(ka[c](std::span<const std::uint32_t>(sub)), c);
        vb[c] = normalized(kb[c](std::span<const std::uint32_t>(sub)), c);
      }
      double d = Scalar::apply(va) - Scalar::apply(vb);
      if (!std::isnan(d)) differences.push_back(d);
    }
    std::sort(differences.begin(), differences.end());
    v.lower = stats::quantile_sorted(differences, 1.0 - Level / 100.0);
    v.accept = v.lower > 0;
    v.reason = fmt::format("candidate {} - incumbent {}; {}% lower bound of the difference {} {} 0", detail::number(v.candidate),
                           detail::number(v.incumbent), Level, detail::number(v.lower), v.accept ? ">" : "<=");
    return v;
  }
};

/// Incumbent and candidate judged afresh on the same items; accepted when no criterion regresses by
/// more than a tolerance (in thousandths) and at least one improves: a Pareto step on the
/// per-criterion metrics. The scalarizer only summarises.
template <class Metric, int ToleranceThousandths = 0>
struct pareto {
  static_assert(metric_type<Metric>, "judgegrad::gate::pareto<Metric>: Metric must be a judgegrad::metric type");
  using family = judgegrad::family::gate;
  using metric = Metric;
  static constexpr bool needs_validation = true;
  static constexpr bool rescores_incumbent = true;
  static constexpr double tolerance = ToleranceThousandths / 1000.0;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s("pareto-");
    if constexpr (metric_type<Metric>) s.append(Metric::name);
    if (ToleranceThousandths != 0) {
      s.append("(");
      detail::append_thousandths(s, ToleranceThousandths);
      s.append(")");
    }
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();

  template <class Scalar, criteria_set Set>
  static verdict decide(const evidence<Set>& e) {
    verdict v = paired_scores<Scalar, Metric>(e);
    bool regress = false, improve = false;
    std::string worst;
    for (std::size_t c = 0; c < Set::size; ++c) {
      double d = v.candidate_by_criterion[c] - v.incumbent_by_criterion[c];
      if (d < -tolerance) {
        regress = true;
        worst = fmt::format("{} regresses by {}", Set::names[c], detail::number(-d));
      }
      if (d > 0) improve = true;
    }
    v.accept = !regress && improve;
    v.reason = regress ? worst : improve ? std::string("no criterion regresses, one improves") : std::string("no criterion improves");
    return v;
  }
};

}  // namespace gate

/// A gate policy: a `family::gate` policy with `needs_validation`, `rescores_incumbent` and
/// `decide<Scalarizer>(evidence)`.
template <class P>
concept gate_policy = policy_of<P, family::gate> && requires(const gate::evidence<detail::probe_criteria>& e) {
  { P::needs_validation } -> std::convertible_to<bool>;
  { P::rescores_incumbent } -> std::convertible_to<bool>;
  { P::template decide<scalar::mean>(e) } -> std::same_as<gate::verdict>;
};

JUDGEGRAD_END_NAMESPACE
