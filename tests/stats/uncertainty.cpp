// Bootstrap intervals, paired tests and the generator behind them: known quantiles, the fast
// resampling paths against plain recomputation, coverage on data with a known correlation, and
// reproducibility from a seed.
#include <judgegrad/stats.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <numbers>
#include <vector>

// Counts every allocation of this program, to show that resampling allocates nothing per resample.
// GCC flags malloc/free inside replaced new/delete once inlined; the pairing is correct here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::atomic<std::size_t> allocations{0};
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace st = judgegrad::stats;
namespace metric = judgegrad::metric;
using vec = std::vector<double>;

namespace {

/// n pairs from a bivariate normal with correlation rho (Box-Muller on stats::xoshiro256).
std::pair<vec, vec> correlated(std::size_t n, double rho, std::uint64_t seed) {
  st::xoshiro256 rng(seed);
  vec x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u1 = 1 - rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2 * std::log(u1));
    const double z1 = r * std::cos(2 * std::numbers::pi * u2), z2 = r * std::sin(2 * std::numbers::pi * u2);
    x[i] = z1;
    y[i] = rho * z1 + std::sqrt(1 - rho * rho) * z2;
  }
  return {x, y};
}

/// Likert-like gold and predictions with heavy ties.
std::pair<vec, vec> likert(std::size_t n, std::uint64_t seed, double noise = 1.0) {
  st::xoshiro256 rng(seed);
  vec g(n), p(n);
  for (std::size_t i = 0; i < n; ++i) {
    g[i] = 1 + rng.below(5);
    p[i] = std::clamp(std::round(g[i] + noise * (rng.uniform() * 2 - 1) * 2), 1.0, 5.0);
  }
  return {g, p};
}

}  // namespace

TEST_CASE("xoshiro256** matches its published reference output and bounds are unbiased") {
  // splitmix64 from state 0 (Vigna's reference implementation): first output.
  std::uint64_t s = 0;
  CHECK(st::splitmix64(s) == 0xe220a8397b1dcdafULL);
  st::xoshiro256 a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) CHECK(a() == b());
  CHECK(a() != c());
  st::xoshiro256 r(1);
  std::vector<int> hist(7);
  for (int i = 0; i < 70'000; ++i) ++hist[r.below(7)];
  for (int h : hist) CHECK(std::abs(h - 10'000) < 500);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform();
    CHECK((u >= 0 && u < 1));
  }
}

TEST_CASE("normal quantiles are accurate to double precision") {
  CHECK(st::detail::normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-14));
  CHECK(st::detail::normal_quantile(0.5) == doctest::Approx(0.0));
  CHECK(st::detail::normal_quantile(0.001) == doctest::Approx(-3.090232306167813).epsilon(1e-14));
  CHECK(st::detail::normal_quantile(1e-10) == doctest::Approx(-6.361340902404056).epsilon(1e-13));
  for (double p : {0.01, 0.1, 0.3, 0.77, 0.999})
    CHECK(st::detail::normal_cdf(st::detail::normal_quantile(p)) == doctest::Approx(p).epsilon(1e-14));
  // numpy.percentile's linear interpolation.
  const vec sorted{1, 2, 4, 8};
  CHECK(st::detail::quantile_sorted(sorted, 0.5) == 3);
  CHECK(st::detail::quantile_sorted(sorted, 0.25) == doctest::Approx(1.75));
  CHECK(st::detail::quantile_sorted(sorted, 1.0) == 8);
}

TEST_CASE("the counts fast paths equal recomputing the metric on each resample") {
  auto [g, p] = likert(137, 5);
  const st::bootstrap_options o{.resamples = 300, .seed = 11};
  const auto check_same = [&](const st::bootstrap_result& fast, const st::bootstrap_result& slow) {
    CHECK(fast.estimate.value == doctest::Approx(slow.estimate.value).epsilon(1e-12));
    CHECK(fast.percentile.lower == doctest::Approx(slow.percentile.lower).epsilon(1e-12));
    CHECK(fast.percentile.upper == doctest::Approx(slow.percentile.upper).epsilon(1e-12));
    CHECK(fast.bca.lower == doctest::Approx(slow.bca.lower).epsilon(1e-12));
    CHECK(fast.bca.upper == doctest::Approx(slow.bca.upper).epsilon(1e-12));
    CHECK(fast.standard_error == doctest::Approx(slow.standard_error).epsilon(1e-10));
    CHECK(fast.undefined == slow.undefined);
  };
  check_same(st::bootstrap<metric::spearman>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::spearman(a, b).value; }, g, p, o));
  check_same(st::bootstrap<metric::mae>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::mae(a, b).value; }, g, p, o));
  check_same(st::bootstrap<metric::off_by_one>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::off_by_k(a, b, 1).value; }, g, p, o));
  check_same(st::bootstrap<metric::kendall>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::kendall_tau_b(a, b).value; }, g, p, o));
  check_same(st::bootstrap<metric::pearson>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::pearson(a, b).value; }, g, p, o));
  check_same(st::bootstrap<metric::qwk>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::quadratic_weighted_kappa(a, b).value; }, g, p, o));
  check_same(st::bootstrap<metric::accuracy>(g, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::accuracy(a, b).value; }, g, p, o));
  // Means over three raters (1, 4/3, 5/3, ...) take Kendall's contingency-table path too.
  vec thirds(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) thirds[i] = (g[i] + p[i] + g[(i * 7) % g.size()]) / 3.0;
  check_same(st::bootstrap<metric::kendall>(thirds, p, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::kendall_tau_b(a, b).value; }, thirds, p, o));
  // Continuous data take the other paths (Kendall expands the counts).
  auto [x, y] = correlated(90, 0.4, 6);
  check_same(st::bootstrap<metric::kendall>(x, y, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::kendall_tau_b(a, b).value; }, x, y, o));
  check_same(st::bootstrap<metric::spearman>(x, y, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::spearman(a, b).value; }, x, y, o));
  check_same(st::bootstrap<metric::pearson>(x, y, o),
             st::bootstrap_statistic([](auto a, auto b) { return st::pearson(a, b).value; }, x, y, o));
}

TEST_CASE("bootstrap: same seed, same numbers; estimate, coverage and ordering are sane") {
  auto [g, p] = likert(480, 3);
  g[7] = std::nan("");
  const auto a = st::bootstrap<metric::spearman>(g, p, {.resamples = 2000, .seed = 99});
  const auto b = st::bootstrap<metric::spearman>(g, p, {.resamples = 2000, .seed = 99});
  const auto c = st::bootstrap<metric::spearman>(g, p, {.resamples = 2000, .seed = 100});
  CHECK(a.percentile.lower == b.percentile.lower);
  CHECK(a.bca.upper == b.bca.upper);
  CHECK(a.standard_error == b.standard_error);
  CHECK(a.percentile.lower != c.percentile.lower);
  CHECK(a.estimate.value == st::spearman(g, p).value);
  CHECK(a.estimate.used == 479);
  CHECK(a.estimate.given == 480);
  CHECK(a.percentile.lower < a.estimate.value);
  CHECK(a.estimate.value < a.percentile.upper);
  CHECK(a.bca.lower < a.bca.upper);
  CHECK(a.standard_error > 0);
  CHECK_THROWS_AS(st::bootstrap<metric::mae>(g, p, {.resamples = 0}), std::invalid_argument);
  CHECK_THROWS_AS(st::bootstrap<metric::mae>(g, p, {.confidence = 1.5}), std::invalid_argument);
  CHECK_THROWS_AS(st::bootstrap<metric::mae>(g, vec{1, 2}), std::invalid_argument);
  // Constant predictions: the estimate and every resample are NaN, so are the intervals.
  const auto degenerate = st::bootstrap<metric::spearman>(g, vec(480, 3.0), {.resamples = 50});
  CHECK(std::isnan(degenerate.estimate.value));
  CHECK(std::isnan(degenerate.bca.lower));
  CHECK(degenerate.undefined == 50);
}

TEST_CASE("95% intervals contain the true Spearman correlation about 95% of the time") {
  // Bivariate normal: Spearman's rho = (6 / pi) asin(rho / 2).
  const double rho = 0.5, truth = 6 / std::numbers::pi * std::asin(rho / 2);
  const int trials = 400;
  int hit_percentile = 0, hit_bca = 0;
  for (int t = 0; t < trials; ++t) {
    auto [x, y] = correlated(120, rho, 1000 + static_cast<std::uint64_t>(t));
    const auto r = st::bootstrap<metric::spearman>(x, y, {.resamples = 1000, .seed = static_cast<std::uint64_t>(t)});
    hit_percentile += r.percentile.contains(truth);
    hit_bca += r.bca.contains(truth);
  }
  const double cp = static_cast<double>(hit_percentile) / trials, cb = static_cast<double>(hit_bca) / trials;
  MESSAGE("coverage of 95% intervals over " << trials << " data sets: percentile " << cp << ", BCa " << cb);
  CHECK(cp > 0.91);
  CHECK(cp < 0.985);
  CHECK(cb > 0.91);
  CHECK(cb < 0.985);
}

TEST_CASE("paired bootstrap and permutation test: no difference, a clear difference, false positives") {
  auto [g, p] = likert(200, 8, 0.5);
  auto [g2, worse] = likert(200, 8, 2.0);  // same gold (same seed), noisier predictions
  REQUIRE(g == g2);

  const auto same = st::paired_bootstrap<metric::spearman>(g, p, p, {.resamples = 500});
  CHECK(same.difference == 0);
  CHECK(same.p_value == 1);
  CHECK(same.ci.lower == 0);
  const auto same_perm = st::paired_permutation_test<metric::spearman>(g, p, p, {.resamples = 200});
  CHECK(same_perm.p_value == 1);

  const auto better = st::paired_bootstrap<metric::mae>(g, p, worse, {.resamples = 2000, .seed = 1});
  CHECK(better.difference == doctest::Approx(st::mae(g, worse).value - st::mae(g, p).value));
  CHECK(better.difference > 0);  // A's MAE is lower: A is better
  CHECK(better.ci.lower > 0);
  CHECK(better.p_value < 0.01);
  const auto better_perm = st::paired_permutation_test<metric::spearman>(g, p, worse, {.resamples = 2000, .seed = 1});
  CHECK(better_perm.difference > 0);
  CHECK(better_perm.p_value < 0.01);
  const auto reversed = st::paired_permutation_test<metric::spearman>(g, worse, p, {.resamples = 2000, .seed = 1});
  CHECK(reversed.difference == doctest::Approx(-better_perm.difference));

  // Two equally good, independent predictors: about 5% of tests reject at 0.05.
  int rejected_perm = 0, rejected_boot = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    auto [gold, a] = likert(80, 500 + static_cast<std::uint64_t>(t));
    st::xoshiro256 rng(9000 + static_cast<std::uint64_t>(t));
    vec b(gold.size());
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::clamp(std::round(gold[i] + (rng.uniform() * 2 - 1) * 2), 1.0, 5.0);
    const st::bootstrap_options o{.resamples = 400, .seed = static_cast<std::uint64_t>(t)};
    rejected_perm += st::paired_permutation_test<metric::spearman>(gold, a, b, o).p_value < 0.05;
    rejected_boot += st::paired_bootstrap<metric::spearman>(gold, a, b, o).p_value < 0.05;
  }
  MESSAGE("false-positive rate at 0.05: permutation " << rejected_perm / double(trials) << ", bootstrap "
                                                      << rejected_boot / double(trials));
  CHECK(rejected_perm <= 20);
  CHECK(rejected_boot <= 22);

  CHECK_THROWS_WITH_AS(st::paired_bootstrap<metric::mae>(g, p, vec{1}),
                       "judgegrad::stats::paired_bootstrap: gold has 200 values but pred_b has 1", std::invalid_argument);
}

TEST_CASE("resampling allocates nothing per resample: 10 and 1,000 resamples allocate the same") {
  const auto likert_pair = likert(300, 21);
  const auto normal_pair = correlated(300, 0.3, 4);
  const vec &g = likert_pair.first, &p = likert_pair.second, &x = normal_pair.first, &y = normal_pair.second;
  const auto count = [](auto&& run) {
    const std::size_t before = allocations.load();
    run();
    return allocations.load() - before;
  };
  const auto same_for = [&](auto&& run_with) {
    // The result vector of resampled values is reserved once, so it does not count per resample.
    const std::size_t few = count([&] { run_with(10); }), many = count([&] { run_with(1000); });
    CHECK(few == many);
  };
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::spearman>(g, p, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::spearman>(x, y, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::kendall>(g, p, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::pearson>(x, y, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::mae>(g, p, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::bootstrap<metric::qwk>(g, p, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::paired_bootstrap<metric::spearman>(g, p, y, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::paired_permutation_test<metric::kendall>(g, p, y, {.resamples = r}); });
  same_for([&](std::size_t r) { (void)st::paired_permutation_test<metric::spearman>(x, y, p, {.resamples = r}); });
  // The counter does see allocations: a statistic that allocates on every call shows up.
  const auto allocating = [&](std::size_t r) {
    (void)st::bootstrap_statistic([](auto a, auto b) { return st::spearman(a, b).value; }, g, p, {.resamples = r});
  };
  CHECK(count([&] { allocating(10); }) < count([&] { allocating(1000); }));
}
