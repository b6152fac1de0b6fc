// Exact hypervolume for d = 2..6 objectives and n = 10..2,000 mutually non-dominated points
// (random points on the positive unit sphere: every point is on the front, the hard case).
// Reports time per call and the fitted growth in n per dimension; the baseline in the same run is
// inclusion-exclusion over all subsets (what the reference does), feasible only for n <= 16.
#include <judgegrad/stats.hpp>

#include "ratio.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace st = judgegrad::stats;
using judgegrad::direction;

namespace {

std::vector<double> sphere_front(std::size_t n, std::size_t dims, std::uint64_t seed) {
  st::xoshiro256 rng(seed);
  std::vector<double> pts(n * dims);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const double u = 1e-3 + rng.uniform();
      pts[i * dims + d] = u;
      norm += u * u;
    }
    for (std::size_t d = 0; d < dims; ++d) pts[i * dims + d] /= std::sqrt(norm);
  }
  return pts;
}

constexpr direction up[] = {direction::maximize};

void hypervolume(benchmark::State& state) {
  const auto dims = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
  const auto pts = sphere_front(n, dims, 7);
  const std::vector<double> ref(dims, 0.0);
  for (auto _ : state) benchmark::DoNotOptimize(st::hypervolume(pts, dims, ref, up));
  state.SetComplexityN(static_cast<std::int64_t>(n));
}

double inclusion_exclusion(const std::vector<double>& pts, std::size_t dims) {
  const std::size_t n = pts.size() / dims;
  double total = 0;
  std::vector<double> lo(dims);
  for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
    std::fill(lo.begin(), lo.end(), INFINITY);
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1) {
        ++bits;
        for (std::size_t d = 0; d < dims; ++d) lo[d] = std::min(lo[d], pts[i * dims + d]);
      }
    double v = 1;
    for (double x : lo) v *= x;
    total += bits % 2 ? v : -v;
  }
  return total;
}

void brute_force(benchmark::State& state) {
  const auto dims = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
  const auto pts = sphere_front(n, dims, 7);
  for (auto _ : state) benchmark::DoNotOptimize(inclusion_exclusion(pts, dims));
}

void sizes(benchmark::internal::Benchmark* b, std::int64_t dims, std::int64_t largest) {
  for (std::int64_t n : {10, 30, 100, 300, 1000, 2000})
    if (n <= largest) b->Args({dims, n});
}

}  // namespace

// Growth in n is fitted per dimension (the _BigO / _RMS lines).
BENCHMARK(hypervolume)->Name("hv/d2")->Apply([](auto* b) { sizes(b, 2, 2000); })->Complexity(benchmark::oNLogN);
BENCHMARK(hypervolume)->Name("hv/d3")->Apply([](auto* b) { sizes(b, 3, 2000); })->Complexity(benchmark::oNLogN);
BENCHMARK(hypervolume)->Name("hv/d4")->Apply([](auto* b) { sizes(b, 4, 2000); })->Complexity()->Unit(benchmark::kMicrosecond);
BENCHMARK(hypervolume)->Name("hv/d5")->Apply([](auto* b) { sizes(b, 5, 2000); })->Complexity()->Unit(benchmark::kMillisecond);
BENCHMARK(hypervolume)->Name("hv/d6")->Apply([](auto* b) { sizes(b, 6, 2000); })->Complexity()->Unit(benchmark::kMillisecond);
BENCHMARK(hypervolume)->Name("hv_small")->Args({4, 16})->Args({6, 16});
BENCHMARK(brute_force)->Name("inclusion_exclusion")->Args({4, 16})->Args({6, 16})->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"d=4, n=16: WFG vs inclusion-exclusion", "hv_small/4/16", "inclusion_exclusion/4/16"},
                           {"d=6, n=16: WFG vs inclusion-exclusion", "hv_small/6/16", "inclusion_exclusion/6/16"}});
}
