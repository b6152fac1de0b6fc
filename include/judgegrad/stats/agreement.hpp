/// @file
/// Agreement on labels: quadratic weighted kappa for ordinal scales and macro-averaged F1 for
/// classes. Missing pairs (NaN, cleared mask entry) are left out and lower the coverage.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/stats/measurement.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stats {
namespace detail {

/// Quadratic weighted kappa of complete pairs with weights (a - b)^2 on the scores themselves.
/// Expected disagreement under independent marginals is var(g) + var(p) + (mean g - mean p)^2,
/// so no confusion matrix is needed.
inline double qwk_kernel(std::span<const double> g, std::span<const double> p) {
  const std::size_t n = g.size();
  if (n == 0) return nan;
  double sg = 0, sp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sg += g[i];
    sp += p[i];
  }
  const double mg = sg / static_cast<double>(n), mp = sp / static_cast<double>(n);
  double observed = 0, vg = 0, vp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    observed += (g[i] - p[i]) * (g[i] - p[i]);
    vg += (g[i] - mg) * (g[i] - mg);
    vp += (p[i] - mp) * (p[i] - mp);
  }
  const double expected = vg + vp + static_cast<double>(n) * (mg - mp) * (mg - mp);
  if (expected == 0) return nan;
  return 1 - observed / expected;
}

/// Macro F1 of complete pairs over the labels present in gold or pred (scikit-learn's
/// f1_score(average="macro")): per label 2 tp / (2 tp + fp + fn), then the plain mean.
inline double macro_f1_kernel(std::span<const double> g, std::span<const double> p, std::vector<double>& sg,
                              std::vector<double>& sp, std::vector<double>& hit) {
  if (g.empty()) return nan;
  sg.assign(g.begin(), g.end());
  sp.assign(p.begin(), p.end());
  hit.clear();
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g[i] == p[i]) hit.push_back(g[i]);
  std::sort(sg.begin(), sg.end());
  std::sort(sp.begin(), sp.end());
  std::sort(hit.begin(), hit.end());
  std::size_t i = 0, j = 0, h = 0, labels = 0;
  double sum = 0;
  while (i < sg.size() || j < sp.size()) {
    double label = i == sg.size() ? sp[j] : j == sp.size() ? sg[i] : std::min(sg[i], sp[j]);
    std::size_t in_gold = 0, in_pred = 0, tp = 0;
    while (i < sg.size() && sg[i] == label) ++i, ++in_gold;
    while (j < sp.size() && sp[j] == label) ++j, ++in_pred;
    while (h < hit.size() && hit[h] == label) ++h, ++tp;
    sum += 2.0 * static_cast<double>(tp) / static_cast<double>(in_gold + in_pred);
    ++labels;
  }
  return sum / static_cast<double>(labels);
}

}  // namespace detail

/// Quadratic weighted kappa: 1 - sum (g - p)^2 / (expected sum under independent marginals), with
/// weights on the squared score difference. Equals Cohen's kappa with quadratic weights over the
/// levels of an equally spaced scale (scikit-learn's cohen_kappa_score(weights="quadratic",
/// labels=<all levels>)). NaN for no complete pair, or when both sides are the same constant.
inline measurement quadratic_weighted_kappa(std::span<const double> gold, std::span<const double> pred,
                                            mask_view mask = {}) {
  detail::check_lengths(gold, pred, mask, "quadratic_weighted_kappa");
  std::vector<double> g, p;
  detail::complete_pairs(gold, pred, mask, g, p);
  return {detail::qwk_kernel(g, p), g.size(), gold.size()};
}

/// As above, and checks that every complete score lies on `scale`: a value off the scale throws
/// std::domain_error naming it and its position.
inline measurement quadratic_weighted_kappa(std::span<const double> gold, std::span<const double> pred,
                                            const score_scale& scale, mask_view mask = {}) {
  detail::check_lengths(gold, pred, mask, "quadratic_weighted_kappa");
  for (std::size_t i = 0; i < gold.size(); ++i) {
    if (std::isnan(gold[i]) || std::isnan(pred[i]) || (!mask.empty() && !mask[i])) continue;
    for (auto [what, v] : {std::pair{"gold", gold[i]}, std::pair{"pred", pred[i]}})
      if (!scale.contains(v))
        throw std::domain_error(fmt::format("judgegrad::stats::quadratic_weighted_kappa: {}[{}] = {} is not on the scale {}..{} (step {})",
                                            what, i, v, scale.min, scale.max, scale.step));
  }
  return quadratic_weighted_kappa(gold, pred, mask);
}

/// Macro-averaged F1 over the labels present in gold or pred: each label's F1 is
/// 2 tp / (2 tp + fp + fn), labels compared exactly. Equals scikit-learn's
/// f1_score(gold, pred, average="macro"). NaN when there is no complete pair.
inline measurement f1(std::span<const double> gold, std::span<const double> pred, mask_view mask = {}) {
  detail::check_lengths(gold, pred, mask, "f1");
  std::vector<double> g, p, a, b, c;
  detail::complete_pairs(gold, pred, mask, g, p);
  return {detail::macro_f1_kernel(g, p, a, b, c), g.size(), gold.size()};
}

}  // namespace stats
JUDGEGRAD_END_NAMESPACE
