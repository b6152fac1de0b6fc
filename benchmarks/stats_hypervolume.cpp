// Exact hypervolume for d = 2..6 objectives and n = 10..2,000 mutually non-dominated points
// (random points on the positive unit sphere: every point is on the front, the hard case).
// Reports time per call and the fitted growth in n per dimension. Baselines in the same run:
// inclusion-exclusion over all subsets (what the reference does), feasible only for n <= 16, and
// plain WFG (sliced down to the 3-D sweep, as judgegrad computed 4 and more dimensions before the
// 4-D sweep). benchmarks/moocore/compare.sh measures against moocore's C code.
#include <judgegrad/stats.hpp>

#include "fronts.hpp"
#include "ratio.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace st = judgegrad::stats;
using judgegrad::direction;

namespace {

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

// Plain WFG on the same points (they are gains over the reference 0 already).
void plain_wfg(benchmark::State& state) {
  const auto dims = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
  const auto pts = sphere_front(n, dims, 7);
  for (auto _ : state) {
    auto gains = pts;
    st::detail::wfg_state s;
    s.plain_wfg = true;
    benchmark::DoNotOptimize(st::detail::hypervolume_of_gains(gains, dims, s));
  }
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
BENCHMARK(hypervolume)->Name("hv_vs_plain")->Args({4, 300})->Args({4, 1000})->Args({5, 300})->Args({5, 600})->Args({6, 300})->Unit(benchmark::kMillisecond);
BENCHMARK(plain_wfg)->Name("plain_wfg")->Args({4, 300})->Args({4, 1000})->Args({5, 300})->Args({5, 600})->Args({6, 300})->Unit(benchmark::kMillisecond);
BENCHMARK(brute_force)->Name("inclusion_exclusion")->Args({4, 16})->Args({6, 16})->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"d=4, n=16: judgegrad vs inclusion-exclusion", "hv_small/4/16", "inclusion_exclusion/4/16"},
                           {"d=6, n=16: judgegrad vs inclusion-exclusion", "hv_small/6/16", "inclusion_exclusion/6/16"},
                           {"d=4, n=300: judgegrad vs plain WFG", "hv_vs_plain/4/300", "plain_wfg/4/300"},
                           {"d=4, n=1000: judgegrad vs plain WFG", "hv_vs_plain/4/1000", "plain_wfg/4/1000"},
                           {"d=5, n=300: judgegrad vs plain WFG", "hv_vs_plain/5/300", "plain_wfg/5/300"},
                           {"d=5, n=600: judgegrad vs plain WFG", "hv_vs_plain/5/600", "plain_wfg/5/600"},
                           {"d=6, n=300: judgegrad vs plain WFG", "hv_vs_plain/6/300", "plain_wfg/6/300"}});
}
