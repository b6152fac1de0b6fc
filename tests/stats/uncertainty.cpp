// Bootstrap intervals, paired tests and the generator behind them: known quantiles, the fast
// resampling paths against plain recomputation, coverage on data with a known correlation, and
// reproducibility from a seed.
#include <judgegrad/stats.hpp>

#include "../support/scratch.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

// Counts every allocation of this program, to show that resampling allocates nothing per resample
// (replaced new and delete stand outside any namespace, before this file's own).
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

namespace test_stats_uncertainty {

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

TEST_CASE("xoshiro256** and splitmix64 match their published reference output and bounds are unbiased") {
  // The known-answer values of the reference implementations (Blackman and Vigna), as the Rust
  // crates rand_xoshiro and rand_core state them: splitmix64 from 1234567, from 0, and xoshiro256**
  // from the state {1, 2, 3, 4}.
  std::uint64_t s = 1234567;
  for (std::uint64_t want : {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL, 4593380528125082431ULL,
                             16408922859458223821ULL})
    CHECK(st::splitmix64(s) == want);
  s = 0;
  for (std::uint64_t want : {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL}) CHECK(st::splitmix64(s) == want);
  auto reference = st::xoshiro256::from_state(1, 2, 3, 4);
  for (std::uint64_t want : {11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL, 607988272756665600ULL,
                             16172922978634559625ULL, 8476171486693032832ULL, 10595114339597558777ULL, 2904607092377533576ULL})
    CHECK(reference() == want);
  // A seed fills the state with its splitmix64 stream: seed 1234567 starts from the four values above.
  st::xoshiro256 seeded(1234567);
  auto stated = st::xoshiro256::from_state(6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL, 4593380528125082431ULL);
  for (int i = 0; i < 20; ++i) CHECK(seeded() == stated());
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
  CHECK(st::quantile_sorted(sorted, 0.5) == 3);
  CHECK(st::quantile_sorted(sorted, 0.25) == doctest::Approx(1.75));
  CHECK(st::quantile_sorted(sorted, 1.0) == 8);
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

namespace {

/// BCa from SciPy 1.10 (tests/stats/bca_golden.py) on `theta_b`: lower, upper, acceleration, bias_correction.
std::map<std::string, double> scipy_bca(const std::string& statistic, double alpha, const vec& gold, const vec& pred, const vec& theta_b) {
  judgegrad_test::temp_dir dir("jg-bca");
  const auto input = dir.path / "input.txt";
  {
    std::ofstream out(input);
    const auto line = [&](const char* key, const vec& v) {
      out << key;
      for (double x : v) out << ' ' << fmt::format("{:.17g}", x);
      out << '\n';
    };
    out << "statistic " << statistic << "\nalpha " << fmt::format("{:.17g}", alpha) << '\n';
    line("gold", gold);
    line("pred", pred);
    line("theta_b", theta_b);
  }
  const std::string command = "/usr/bin/python3 " + std::string(JUDGEGRAD_TEST_SOURCE_DIR) + "/stats/bca_golden.py " + input.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe != nullptr);
  std::string text;
  char buffer[4096];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) text.append(buffer, got);
  std::map<std::string, double> values;
  std::istringstream lines(text);
  std::string key, value;
  while (lines >> key >> value) values[key] = std::strtod(value.c_str(), nullptr);
  REQUIRE_MESSAGE(values.size() == 4, "bca_golden.py printed: " << text);
  return values;
}

/// A statistic of the resampled pairs that also records every value it returns: the estimate
/// first, then one per resample, then one per jackknife sample.
struct recorded {
  std::vector<double>* values;
  double (*f)(std::span<const double>, std::span<const double>);
  double operator()(std::span<const double> g, std::span<const double> p) const {
    values->push_back(f(g, p));
    return values->back();
  }
};

double mean_of(std::span<const double> g, std::span<const double>) {
  double sum = 0;
  for (double x : g) sum += x;
  return sum / static_cast<double>(g.size());
}
/// The population variance of integers, (n sum x^2 - (sum x)^2) / n^2: exact but for the last
/// division, so that resamples equal in exact arithmetic are equal here and in the golden script
/// (rounding would otherwise decide which ties count as below the estimate).
double variance_of(std::span<const double> g, std::span<const double>) {
  double sum = 0, squares = 0;
  for (double x : g) sum += x, squares += x * x;
  const double n = static_cast<double>(g.size());
  return (n * squares - sum * sum) / (n * n);
}
double spearman_of(std::span<const double> g, std::span<const double> p) { return st::spearman(g, p).value; }

}  // namespace

TEST_CASE("BCa equals SciPy 1.10's on the same bootstrap distribution, its jackknife SciPy's own") {
  // Skewed small integers (many ties at the estimate), a statistic linear and one not, and
  // Spearman on Likert pairs, as Table 1 uses it.
  const vec skewed{0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 5, 8, 13, 0, 1, 2, 0, 1, 21, 1, 0};
  auto [g, p] = likert(40, 21);
  struct scenario {
    const char* name;
    double (*f)(std::span<const double>, std::span<const double>);
    vec gold, pred;
    std::size_t resamples;
    double confidence;
    bool ties_at_estimate;
  };
  const std::vector<scenario> cases{{"mean", mean_of, skewed, vec(skewed.size(), 0.0), 999, 0.95, true},
                                    {"variance", variance_of, skewed, vec(skewed.size(), 0.0), 1999, 0.9, true},
                                    {"spearman", spearman_of, g, p, 2000, 0.95, false}};
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::vector<double> values;
    const auto r = st::bootstrap_statistic(recorded{&values, c.f}, c.gold, c.pred, {.resamples = c.resamples, .confidence = c.confidence, .seed = 5});
    REQUIRE(values.size() == 1 + c.resamples + c.gold.size());
    REQUIRE(r.undefined == 0);
    const vec theta_b(values.begin() + 1, values.begin() + 1 + static_cast<std::ptrdiff_t>(c.resamples));
    // For the mean, resamples equal to the estimate exist: the ties rule of the bias correction is exercised.
    if (c.ties_at_estimate) CHECK(std::count(theta_b.begin(), theta_b.end(), values.front()) > 0);
    const auto want = scipy_bca(c.name, (1 - c.confidence) / 2, c.gold, c.pred, theta_b);
    CHECK(r.bca.lower == doctest::Approx(want.at("lower")).epsilon(1e-12));
    CHECK(r.bca.upper == doctest::Approx(want.at("upper")).epsilon(1e-12));
    CHECK(r.acceleration == doctest::Approx(want.at("acceleration")).epsilon(1e-12));
    CHECK(r.bias_correction == doctest::Approx(want.at("bias_correction")).epsilon(1e-12));
    CHECK(r.acceleration != 0);
    CHECK(r.bca.lower != r.percentile.lower);  // BCa moved the interval: the check above is not the percentile one
  }
}

TEST_CASE("BCa's acceleration and bias correction on a hand example") {
  // The mean of {0, 0, 0, 3}: the jackknife values are 1, 1, 1 and 0 (mean 3/4), so the deviations
  // are -1/4 (three times) and 3/4: sum d^3 = 3/8, sum d^2 = 3/4, a = (3/8) / (6 (3/4)^1.5) = 1 / (6 sqrt 3).
  const vec x{0, 0, 0, 3};
  std::vector<double> values;
  const auto r = st::bootstrap_statistic(recorded{&values, mean_of}, x, vec(4, 0.0), {.resamples = 500, .seed = 2});
  CHECK(r.acceleration == doctest::Approx(1 / (6 * std::sqrt(3.0))).epsilon(1e-15));
  // The bias correction: the share of resamples below 3/4, those equal counting half.
  std::size_t below = 0, equal = 0;
  for (std::size_t b = 1; b <= 500; ++b) {
    if (values[b] < 0.75) ++below;
    else if (values[b] == 0.75) ++equal;
  }
  CHECK(equal > 0);
  CHECK(r.bias_correction == doctest::Approx(st::detail::normal_quantile((below + 0.5 * static_cast<double>(equal)) / 500)).epsilon(1e-15));
}

TEST_CASE("the paired tests' p-values, exactly: the same draws replayed with integer arithmetic") {
  // Six items with integer errors: MAE = (sum of |error|) / 6, so every comparison below is exact.
  const vec gold{1, 2, 3, 4, 5, 3}, a{1, 2, 4, 4, 3, 3}, b{2, 2, 3, 1, 5, 4};
  const auto error_sum = [&](const vec& pred, const std::vector<std::uint32_t>& counts) {
    long sum = 0;
    for (std::size_t i = 0; i < gold.size(); ++i) sum += counts[i] * static_cast<long>(std::abs(gold[i] - pred[i]));
    return sum;
  };
  for (std::uint64_t seed : {1ULL, 2ULL, 77ULL}) {
    CAPTURE(seed);
    const std::size_t resamples = 199;
    // Bootstrap: resample i draws six items (below(6) each); A is better when its error sum is lower.
    st::xoshiro256 rng(seed);
    std::size_t at_most_zero = 0, at_least_zero = 0;
    for (std::size_t k = 0; k < resamples; ++k) {
      std::vector<std::uint32_t> counts(6, 0);
      for (int i = 0; i < 6; ++i) ++counts[rng.below(6)];
      const long difference = error_sum(b, counts) - error_sum(a, counts);  // sign of (-MAE_a) - (-MAE_b)
      at_most_zero += difference <= 0;
      at_least_zero += difference >= 0;
    }
    const double share = static_cast<double>(std::min(at_most_zero, at_least_zero) + 1) / (resamples + 1);
    const auto boot = st::paired_bootstrap<metric::mae>(gold, a, b, {.resamples = resamples, .seed = seed});
    CHECK(boot.p_value == std::min(1.0, 2 * share));
    CHECK(boot.difference == doctest::Approx((5.0 - 3.0) / 6));  // error sums 3 (A) and 5 (B)
    // Permutation: each item's two predictions swap on a coin; extreme when |difference| >= observed.
    rng = st::xoshiro256(seed);
    const std::vector<std::uint32_t> ones(6, 1);
    const long observed = std::labs(error_sum(b, ones) - error_sum(a, ones));
    std::size_t extreme = 0;
    for (std::size_t k = 0; k < resamples; ++k) {
      vec pa = a, pb = b;
      for (std::size_t i = 0; i < 6; ++i)
        if (rng.coin()) std::swap(pa[i], pb[i]);
      extreme += std::labs(error_sum(pb, ones) - error_sum(pa, ones)) >= observed;
    }
    const auto perm = st::paired_permutation_test<metric::mae>(gold, a, b, {.resamples = resamples, .seed = seed});
    CHECK(perm.p_value == static_cast<double>(extreme + 1) / (resamples + 1));
    CHECK(extreme > 0);
    CHECK(extreme < resamples);
  }
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
}  // namespace test_stats_uncertainty
