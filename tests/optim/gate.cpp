// Gates on constructed predictions: each gate's decision, ties, undefined (NaN) metrics, the
// variant's scalarizer, and the winner's curse — a candidate better only by noise passes a plain
// comparison but not the paired bootstrap.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/stats/random.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace test_optim_gate {

namespace jg = judgegrad;
namespace gate = jg::gate;
using two = jg::criteria<jg::summeval::fluency, jg::summeval::coherence>;

namespace {

std::vector<jg::example<two>> items_with(const std::vector<std::vector<double>>& gold) {
  std::vector<jg::example<two>> out(gold[0].size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].id = std::to_string(i);
    for (std::size_t c = 0; c < two::size; ++c) out[i].gold[c] = gold[c][i];
  }
  return out;
}

/// Predictions with these scores per criterion; NaN: no valid score.
jg::judge::predictions<two> preds(const std::vector<std::vector<double>>& scores) {
  jg::judge::predictions<two> p;
  p.items.resize(scores[0].size());
  for (std::size_t i = 0; i < p.items.size(); ++i)
    for (std::size_t c = 0; c < two::size; ++c) {
      double v = scores[c][i];
      p.items[i].scores[c] = std::isnan(v) ? jg::judge::score_outcome{jg::judge::score_status::missing, std::nullopt, "missing"}
                                           : jg::judge::score_outcome{jg::judge::score_status::ok, v, ""};
    }
  return p;
}

template <class G, class Scalar = jg::scalar::mean>
gate::verdict decide(const std::vector<jg::example<two>>& items, const jg::judge::predictions<two>& cand,
                     const jg::judge::predictions<two>* inc, std::optional<double> bar = std::nullopt, bool reference = false) {
  gate::evidence<two> e;
  e.items = items;
  e.candidate = &cand;
  e.incumbent = inc;
  e.bar = bar;
  e.seed = 7;
  e.reference_edge_cases = reference;
  return G::template decide<Scalar>(e);
}

const double none = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("always accepts and needs no validation") {
  static_assert(!gate::always::needs_validation);
  auto items = items_with({{1, 2}, {1, 2}});
  auto p = preds({{1, 2}, {1, 2}});
  CHECK(decide<gate::always>(items, p, nullptr).accept);
}

TEST_CASE("non_regression: accepted at or above the cached bar, ties included; the bar from the incumbent when none is cached") {
  using G = gate::non_regression<jg::metric::mae>;
  static_assert(!G::rescores_incumbent);
  auto items = items_with({{1, 2, 3, 4}, {5, 4, 3, 2}});
  auto cand = preds({{1, 2, 3, 5}, {5, 4, 3, 2}});  // MAE 0.25 and 0: mean -0.125
  auto v = decide<G>(items, cand, nullptr, -0.125);
  CHECK(v.accept);  // a tie
  CHECK(v.candidate == doctest::Approx(-0.125));
  CHECK_FALSE(decide<G>(items, cand, nullptr, -0.1).accept);
  auto inc = preds({{1, 2, 3, 4}, {5, 4, 3, 3}});  // MAE 0 and 0.25: the same mean
  auto first = decide<G>(items, cand, &inc);
  CHECK(first.incumbent == doctest::Approx(-0.125));
  CHECK(first.accept);
  // The scalarizer is the variant's: the worst criterion decides under minimum.
  auto lopsided = preds({{1, 2, 3, 4}, {5, 4, 1, 1}});  // MAE 0 and 0.75: mean -0.375, minimum -0.75
  CHECK(decide<G, jg::scalar::minimum>(items, lopsided, nullptr, -0.5).candidate == doctest::Approx(-0.75));
  CHECK_FALSE(decide<G, jg::scalar::minimum>(items, lopsided, nullptr, -0.5).accept);
  CHECK(decide<G, jg::scalar::mean>(items, lopsided, nullptr, -0.5).accept);
}

TEST_CASE("an undefined metric counts as the metric's worst value (the reference counted 0)") {
  using G = gate::non_regression<jg::metric::spearman>;
  auto items = items_with({{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}});
  auto constant = preds({{3, 3, 3, 3, 3}, {1, 2, 3, 4, 5}});  // Spearman undefined on fluency
  auto v = decide<G>(items, constant, nullptr, 0.2);
  CHECK(v.candidate_by_criterion[0] == -1.0);
  CHECK(v.candidate == doctest::Approx(0.0));  // (-1 + 1) / 2
  CHECK_FALSE(v.accept);
  auto faithful = decide<G>(items, constant, nullptr, 0.2, true);
  CHECK(faithful.candidate_by_criterion[0] == 0.0);
  CHECK(faithful.accept);  // (0 + 1) / 2 = 0.5 >= 0.2
  auto missing = preds({{none, none, none, none, none}, {1, 2, 3, 4, 5}});  // no pairs at all
  CHECK(decide<G>(items, missing, nullptr, 0.2).candidate_by_criterion[0] == -1.0);
}

TEST_CASE("paired: fresh scores of both, accepted when better by more than the margin") {
  using G = gate::paired<jg::metric::mae, 100>;  // a margin of 0.1
  static_assert(G::rescores_incumbent);
  auto items = items_with({{1, 2, 3, 4}, {1, 2, 3, 4}});
  auto inc = preds({{2, 3, 4, 5}, {2, 3, 4, 5}});      // MAE 1
  auto slightly = preds({{1, 3, 4, 5}, {2, 3, 4, 5}}); // MAE 0.75 and 1: gain 0.125
  CHECK(decide<G>(items, slightly, &inc).accept);
  auto tiny = preds({{2, 3, 4, 5}, {2, 3, 4, 4.5}}); // gain 0.0625 < 0.1
  CHECK_FALSE(decide<G>(items, tiny, &inc).accept);
  // The boundary, with a margin exact in binary (0.125): a gain of exactly the margin is not more
  // than it and is rejected; a gain of 0.1875 is accepted.
  using at_margin = gate::paired<jg::metric::mae, 125>;
  const auto exactly = decide<at_margin>(items, slightly, &inc);
  CHECK(exactly.candidate - exactly.incumbent == 0.125);
  CHECK_FALSE(exactly.accept);
  auto more = preds({{1, 3, 4, 5}, {2, 3, 4, 4.5}});  // MAE 0.75 and 0.875: gain 0.1875
  const auto above = decide<at_margin>(items, more, &inc);
  CHECK(above.candidate - above.incumbent == 0.1875);
  CHECK(above.accept);
  // Measured on the items both scored: an item the incumbent missed does not count for either.
  auto inc_missing = preds({{none, 3, 4, 5}, {2, 3, 4, 5}});
  auto v = decide<G>(items, slightly, &inc_missing);
  CHECK(v.candidate_by_criterion[0] == doctest::Approx(-1.0));  // items 1..3 only: 1 each
}

TEST_CASE("paired_bootstrap rejects a candidate better only by noise, and accepts one that is really better") {
  using plain = gate::paired<jg::metric::spearman>;
  using boot = gate::paired_bootstrap<jg::metric::spearman>;
  jg::stats::xoshiro256 rng(1);
  auto noisy = [&](const std::vector<double>& gold, double sd) {
    std::vector<double> out;
    for (double g : gold) {
      double z = 0;
      for (int k = 0; k < 12; ++k) z += rng.uniform();
      out.push_back(std::clamp(std::round(g + sd * (z - 6)), 1.0, 5.0));
    }
    return out;
  };
  // Search for data where two equally noisy judges differ by luck: the candidate ahead by 0.02-0.06.
  bool found = false;
  for (int trial = 0; trial < 200 && !found; ++trial) {
    std::vector<std::vector<double>> gold(2);
    for (auto& g : gold)
      for (int i = 0; i < 100; ++i) g.push_back(1 + rng.below(5));
    auto items = items_with(gold);
    auto inc = preds({noisy(gold[0], 1.2), noisy(gold[1], 1.2)});
    auto cand = preds({noisy(gold[0], 1.2), noisy(gold[1], 1.2)});
    auto p = decide<plain>(items, cand, &inc);
    double gain = p.candidate - p.incumbent;
    if (gain < 0.02 || gain > 0.06) continue;
    found = true;
    CHECK(p.accept);  // a plain comparison takes the lucky candidate
    auto b = decide<boot>(items, cand, &inc);
    CAPTURE(b.reason);
    CHECK_FALSE(b.accept);
    CHECK(b.lower < 0);
    // A judge with a third of the noise is better by more than the noise.
    auto good = preds({noisy(gold[0], 0.4), noisy(gold[1], 0.4)});
    auto g = decide<boot>(items, good, &inc);
    CAPTURE(g.reason);
    CHECK(g.accept);
    CHECK(g.lower > 0);
  }
  CHECK(found);
}

TEST_CASE("pareto: no criterion regresses beyond the tolerance, and one improves") {
  using G = gate::pareto<jg::metric::mae>;
  auto items = items_with({{1, 2, 3, 4}, {1, 2, 3, 4}});
  auto inc = preds({{2, 2, 3, 4}, {2, 2, 3, 4}});        // MAE 0.25 each
  auto better_one = preds({{1, 2, 3, 4}, {2, 2, 3, 4}}); // fluency improves, coherence equal
  CHECK(decide<G>(items, better_one, &inc).accept);
  auto trade = preds({{1, 2, 3, 4}, {2, 3, 3, 4}});      // fluency improves, coherence regresses
  auto v = decide<G>(items, trade, &inc);
  CHECK_FALSE(v.accept);
  CHECK(v.reason.find("coherence regresses") != std::string::npos);
  CHECK(decide<gate::pareto<jg::metric::mae, 300>>(items, trade, &inc).accept);  // within a tolerance of 0.3
  CHECK_FALSE(decide<G>(items, inc, &inc).accept);                                // nothing improves
}
}  // namespace test_optim_gate
