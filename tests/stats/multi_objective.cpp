// Pareto fronts and hypervolume against brute force: pairwise dominance, inclusion-exclusion over
// all subsets, and counting unit cells of an integer grid; the paper's sanity values; scalarizers.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/stats.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

namespace test_stats_multi_objective {

namespace st = judgegrad::stats;
using judgegrad::direction;
using vec = std::vector<double>;

namespace {

constexpr direction up[] = {direction::maximize};
constexpr direction down[] = {direction::minimize};

/// Inclusion-exclusion over every non-empty subset of the points strictly better than the reference.
double brute_force_hv(const vec& flat, std::size_t dims, const vec& ref, const std::vector<direction>& goals) {
  std::vector<vec> gains;
  for (std::size_t i = 0; i < flat.size() / dims; ++i) {
    vec a(dims);
    bool inside = true;
    for (std::size_t d = 0; d < dims; ++d) {
      a[d] = goals[d] == direction::maximize ? flat[i * dims + d] - ref[d] : ref[d] - flat[i * dims + d];
      inside = inside && a[d] > 0;
    }
    if (inside) gains.push_back(a);
  }
  const std::size_t n = gains.size();
  double total = 0;
  for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
    vec lo(dims, INFINITY);
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1) {
        ++bits;
        for (std::size_t d = 0; d < dims; ++d) lo[d] = std::min(lo[d], gains[i][d]);
      }
    double v = 1;
    for (double x : lo) v *= x;
    total += (bits % 2 ? 1 : -1) * v;
  }
  return total;
}

}  // namespace

TEST_CASE("the paper's sanity value: one point of Spearman values r gives prod(1 + r_i)") {
  const std::vector<std::array<double, 4>> one{{0.3, 0.2, 0.4, 0.1}};
  CHECK(st::hypervolume(one, st::worst_point<judgegrad::metric::spearman>(4)) ==
        doctest::Approx(1.3 * 1.2 * 1.4 * 1.1).epsilon(1e-14));
  CHECK(st::hypervolume(std::vector<double>{0.3, 0.2, 0.4, 0.1}, 4, vec(4, -1.0), up) ==
        doctest::Approx(1.3 * 1.2 * 1.4 * 1.1).epsilon(1e-14));
  // Off-by-one against 0: the product of the hit rates. The HV range is [0, 16] for Spearman.
  const std::vector<std::array<double, 4>> hits{{0.9, 0.8, 0.5, 0.7}};
  CHECK(st::hypervolume(hits, st::worst_point<judgegrad::metric::off_by_one>(4)) == doctest::Approx(0.9 * 0.8 * 0.5 * 0.7));
  const std::vector<std::array<double, 4>> best{{1, 1, 1, 1}};
  CHECK(st::hypervolume(best, vec(4, -1.0)) == 16);
  // Minimized MAE against the scale's width 4: prod(4 - mae_i).
  const std::vector<std::array<double, 2>> mae{{1.0, 0.5}};
  CHECK(st::hypervolume(mae, st::worst_point<judgegrad::metric::mae>(2, {1, 5, 1}), direction::minimize) ==
        doctest::Approx(3 * 3.5));
}

TEST_CASE("hand-computed fronts and volumes") {
  // Two overlapping rectangles: 2x1 + 1x2 - 1x1.
  CHECK(st::hypervolume(vec{2, 1, 1, 2}, 2, vec{0, 0}, up) == 3);
  CHECK(st::hypervolume(vec{2, 1, 1, 2, 1, 1, 2, 1}, 2, vec{0, 0}, up) == 3);  // dominated and duplicate points
  CHECK(st::hypervolume(vec{-1, 5}, 2, vec{0, 0}, up) == 0);                   // not better than the reference
  CHECK(st::hypervolume(vec{}, 3, vec{0, 0, 0}, up) == 0);
  CHECK(st::hypervolume(vec{1, 1, 1, 2, 2, 2}, 3, vec{3, 3, 3}, down) == 8);
  CHECK(st::hypervolume(vec{std::nan(""), 1}, 2, vec{0, 0}, up) == 0);
  const direction mixed[] = {direction::maximize, direction::minimize};
  CHECK(st::hypervolume(vec{2, 1}, 2, vec{0, 3}, mixed) == 4);

  const vec pts{1, 5, 2, 2, 3, 3, 0, 1, 3, 3, 2, 6};
  CHECK(st::non_dominated(pts, 2, up) == std::vector<std::size_t>{2, 4, 5});
  CHECK(st::non_dominated(pts, 2, down) == std::vector<std::size_t>{3});
  const std::vector<std::array<double, 2>> arr{{1, 5}, {2, 2}, {3, 3}};
  CHECK(st::non_dominated(arr) == std::vector<std::size_t>{0, 2});
  CHECK(st::dominates(vec{2, 2}, vec{1, 2}, up));
  CHECK_FALSE(st::dominates(vec{2, 2}, vec{2, 2}, up));

  CHECK_THROWS_AS(st::hypervolume(vec{1, 2, 3}, 2, vec{0, 0}, up), std::invalid_argument);
  CHECK_THROWS_AS(st::hypervolume(vec{1, 2}, 2, vec{0}, up), std::invalid_argument);
  const std::vector<direction> three(3, direction::maximize);
  CHECK_THROWS_WITH_AS(st::non_dominated(vec{1, 2}, 2, three),
                       "judgegrad::stats::non_dominated: 3 goals given for 2 objectives (give one, or one per objective)",
                       std::invalid_argument);
  const std::vector<std::vector<double>> ragged{{1, 2}, {1}};
  CHECK_THROWS_WITH_AS(st::non_dominated(ragged), "judgegrad::stats::non_dominated: point 1 has 1 values but point 0 has 2",
                       std::invalid_argument);
}

TEST_CASE("non_dominated equals pairwise brute force") {
  st::xoshiro256 rng(3);
  for (int t = 0; t < 300; ++t) {
    const std::size_t dims = 1 + rng.below(5), n = rng.below(40);
    vec pts(n * dims);
    for (double& v : pts) v = rng.below(6);  // many ties and duplicates
    std::vector<direction> goals(dims);
    for (auto& g : goals) g = rng.coin() ? direction::maximize : direction::minimize;
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < n; ++i) {
      bool dominated = false;
      for (std::size_t j = 0; j < n; ++j)
        dominated = dominated || st::dominates(std::span<const double>(&pts[j * dims], dims),
                                               std::span<const double>(&pts[i * dims], dims), goals);
      if (!dominated) expected.push_back(i);
    }
    CHECK(st::non_dominated(pts, dims, goals) == expected);
  }
}

TEST_CASE("hypervolume equals inclusion-exclusion in 2..6 dimensions") {
  st::xoshiro256 rng(17);
  int compared = 0;
  for (int t = 0; t < 600; ++t) {
    const std::size_t dims = 2 + t % 5, n = 1 + rng.below(dims <= 3 ? 12 : 10);
    vec pts(n * dims), ref(dims);
    for (double& r : ref) r = rng.uniform() - 0.5;
    for (double& v : pts) v = rng.uniform() * 2 - 0.7;  // some points fail to dominate the reference
    if (n > 2 && rng.coin()) std::copy_n(&pts[0], dims, &pts[(n - 1) * dims]);  // a duplicate
    std::vector<direction> goals(dims);
    for (auto& g : goals) g = rng.coin() ? direction::maximize : direction::minimize;
    const double want = brute_force_hv(pts, dims, ref, goals);
    const double got = st::hypervolume(pts, dims, ref, goals);
    INFO("dims " << dims << ", n " << n);
    CHECK(std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want)));
    ++compared;
  }
  CHECK(compared == 600);
}

TEST_CASE("hypervolume equals counting the dominated unit cells of an integer grid (larger n)") {
  st::xoshiro256 rng(5);
  for (int t = 0; t < 40; ++t) {
    const std::size_t dims = 2 + t % 5, side = dims <= 3 ? 12 : dims == 4 ? 7 : 5, n = 30 + rng.below(150);
    vec pts(n * dims);
    for (double& v : pts) v = 1 + rng.below(static_cast<std::uint32_t>(side));
    // A cell [c, c+1]^d (c in 0..side-1) is dominated when some point has p_d >= c_d + 1 everywhere.
    std::size_t cells = 1, covered = 0;
    for (std::size_t d = 0; d < dims; ++d) cells *= side;
    std::vector<std::size_t> c(dims);
    for (std::size_t id = 0; id < cells; ++id) {
      std::size_t rest = id;
      for (std::size_t d = 0; d < dims; ++d) {
        c[d] = rest % side;
        rest /= side;
      }
      for (std::size_t i = 0; i < n; ++i) {
        bool all = true;
        for (std::size_t d = 0; d < dims && all; ++d) all = pts[i * dims + d] >= static_cast<double>(c[d] + 1);
        if (all) {
          ++covered;
          break;
        }
      }
    }
    INFO("dims " << dims << ", n " << n);
    CHECK(st::hypervolume(pts, dims, vec(dims, 0.0), up) == static_cast<double>(covered));
  }
}

TEST_CASE("the 4-D sweep and the pruned WFG above it agree with plain WFG on larger sets") {
  // Plain WFG (slices down to the 3-D sweep, every earlier point in each limit set) is exact by the
  // tests above; here it checks the faster path on sets too large for inclusion-exclusion, with
  // ties (integer coordinates), dominated points and repeats.
  st::xoshiro256 rng(11);
  for (int t = 0; t < 300; ++t) {
    const std::size_t dims = 4 + t % 3, n = 1 + rng.below(dims == 4 ? 200 : 70);
    vec gains(n * dims);
    for (double& v : gains) v = t % 2 ? 1 + rng.below(5) : 1e-6 + rng.uniform();
    auto fast = gains, plain = gains;
    st::detail::wfg_state a, b;
    b.plain_wfg = true;
    const double want = st::detail::hypervolume_of_gains(plain, dims, b);
    INFO("dims " << dims << ", n " << n);
    CHECK(std::abs(st::detail::hypervolume_of_gains(fast, dims, a) - want) <= 1e-12 * std::max(1.0, want));
  }
}

TEST_CASE("the cumulative-archive trajectory (HVI) is the hypervolume of every prefix") {
  const std::vector<std::array<double, 2>> steps{{0.2, 0.1}, {0.1, 0.3}, {0.15, 0.05}, {std::nan(""), 0.9}, {0.3, 0.3}};
  const auto hv = st::hypervolume_trajectory(steps, vec{-1, -1});
  REQUIRE(hv.size() == 5);
  CHECK(hv[0] == doctest::Approx(1.2 * 1.1));
  CHECK(hv[1] == doctest::Approx(1.2 * 1.1 + 1.1 * 1.3 - 1.1 * 1.1));
  CHECK(hv[2] == hv[1]);  // a dominated step adds nothing
  CHECK(hv[3] == hv[2]);  // a step with a missing criterion joins no archive
  CHECK(hv[4] == doctest::Approx(1.3 * 1.3));
}

namespace jg = judgegrad;
namespace scalar = judgegrad::scalar;
using values = jg::per_criterion<jg::summeval::all, double>;

static_assert(jg::scalarizer_policy<scalar::mean>);
static_assert(jg::scalarizer_policy<scalar::minimum>);
static_assert(jg::scalarizer_policy<scalar::weighted<2, 1, 1, 1>>);
static_assert(jg::scalarizer_policy<scalar::geometric_mean<>>);
static_assert(jg::scalarizer_policy<scalar::chebyshev<>>);
static_assert(jg::scalarizer_policy<scalar::hypervolume_gain<>>);
static_assert(scalar::weighted<2, 1, 1, 1>::name == "weighted(2,1,1,1)");
static_assert(scalar::geometric_mean<>::name == "geometric_mean");
static_assert(scalar::geometric_mean<2>::name == "geometric_mean(2)");
static_assert(scalar::chebyshev<>::name == "chebyshev");
static_assert(scalar::chebyshev<0, 3, 1, 1, 1>::name == "chebyshev(0,3,1,1,1)");
static_assert(scalar::hypervolume_gain<-4>::name == "hypervolume_gain(-4)");
// Constant-evaluable where the arithmetic allows it.
static_assert(scalar::mean::apply(values{{1, 2, 3, 6}}) == 3);
static_assert(scalar::minimum::apply(values{{1, -2, 3, 6}}) == -2);
static_assert(scalar::weighted<2, 1, 1, 0>::apply(values{{1, 2, 3, 100}}) == 7.0 / 4);

TEST_CASE("scalarizers: hand-computed values") {
  const values v{{0.2, 0.4, -0.2, 0.6}};
  CHECK(scalar::mean::apply(v) == doctest::Approx(0.25));
  CHECK(scalar::minimum::apply(v) == doctest::Approx(-0.2));
  CHECK(scalar::weighted<1, 1, 1, 1>::apply(v) == doctest::Approx(0.25));
  CHECK(scalar::weighted<0, 0, 0, 1>::apply(v) == doctest::Approx(0.6));
  CHECK(scalar::geometric_mean<>::apply(v) == doctest::Approx(std::pow(1.2 * 1.4 * 0.8 * 1.6, 0.25) - 1));
  CHECK(scalar::geometric_mean<>::apply(values{{-1, 0.5, 0.5, 0.5}}) == -1);
  CHECK(scalar::chebyshev<>::apply(v) == doctest::Approx(-1.2));
  CHECK(scalar::chebyshev<1, 1, 1, 2, 1>::apply(v) == doctest::Approx(-2.4));
  CHECK(scalar::hypervolume_gain<>::apply(v) == doctest::Approx(1.2 * 1.4 * 0.8 * 1.6));

  const std::vector<values> archive{values{{0.5, 0.5, 0.5, 0.5}}};
  const values inside{{0.1, 0.1, 0.1, 0.1}}, sticking_out{{0.7, 0.5, 0.5, 0.5}};
  CHECK(scalar::hypervolume_gain<>::apply(inside, std::span<const values>(archive)) == doctest::Approx(0.0));
  // The new point adds a slab 0.2 wide in the first criterion: 0.2 * 1.5^3.
  CHECK(scalar::hypervolume_gain<>::apply(sticking_out, std::span<const values>(archive)) ==
        doctest::Approx(0.2 * 1.5 * 1.5 * 1.5));
}
}  // namespace test_stats_multi_objective
