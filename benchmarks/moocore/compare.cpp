// judgegrad's exact hypervolume against moocore's C implementation (fpli_hv), same points, same
// process: n points on the unit sphere, minimisation, reference 1.1 in every objective. Built and
// run by compare.sh, which compiles moocore's sources from a checkout the user names.
#include <judgegrad/stats.hpp>

#include "../fronts.hpp"
#include "../ratio.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

extern "C" double fpli_hv(const double* data, std::size_t n, int d, const double* ref);

namespace {

constexpr judgegrad::direction down[] = {judgegrad::direction::minimize};

void judgegrad_hv(benchmark::State& state) {
  const auto dims = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
  const auto pts = sphere_front(n, dims, 7);
  const std::vector<double> ref(dims, 1.1);
  for (auto _ : state) benchmark::DoNotOptimize(judgegrad::stats::hypervolume(pts, dims, ref, down));
  state.SetComplexityN(static_cast<std::int64_t>(n));
}

void moocore_hv(benchmark::State& state) {
  const auto dims = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
  const auto pts = sphere_front(n, dims, 7);
  const std::vector<double> ref(dims, 1.1);
  for (auto _ : state) benchmark::DoNotOptimize(fpli_hv(pts.data(), n, static_cast<int>(dims), ref.data()));
  state.SetComplexityN(static_cast<std::int64_t>(n));
}

const std::vector<std::pair<int, int>> cases{{3, 2000}, {4, 300}, {4, 1000}, {4, 2000}, {5, 300}, {5, 600}, {6, 300}};

void apply(benchmark::internal::Benchmark* b) {
  for (auto [d, n] : cases) b->Args({d, n});
  b->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK(judgegrad_hv)->Apply(apply);
BENCHMARK(moocore_hv)->Apply(apply);

int main(int argc, char** argv) {
  // Both must agree before their times mean anything.
  for (auto [d, n] : cases) {
    const auto pts = sphere_front(static_cast<std::size_t>(n), static_cast<std::size_t>(d), 7);
    const std::vector<double> ref(static_cast<std::size_t>(d), 1.1);
    const double a = judgegrad::stats::hypervolume(pts, static_cast<std::size_t>(d), ref, down);
    const double b = fpli_hv(pts.data(), static_cast<std::size_t>(n), d, ref.data());
    if (std::abs(a - b) > 1e-10 * std::abs(b)) {
      std::fprintf(stderr, "d=%d n=%d: judgegrad %.17g, moocore %.17g\n", d, n, a, b);
      return 1;
    }
  }
  std::vector<ratio_bench::comparison> pairs;
  for (auto [d, n] : cases) {
    const std::string args = std::to_string(d) + "/" + std::to_string(n);
    pairs.push_back({"d=" + std::to_string(d) + ", n=" + std::to_string(n) + ": judgegrad vs moocore", "judgegrad_hv/" + args,
                     "moocore_hv/" + args});
  }
  return ratio_bench::run(argc, argv, pairs);
}
