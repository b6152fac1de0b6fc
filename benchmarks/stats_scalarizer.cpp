// A statically composed scalarizer costs what the hand-written loop costs; a virtual call per
// point does not. Each computes the scalarized value of 4,096 per-criterion points and sums them.
// Baseline in the same run: the hand-written loop.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/stats.hpp>

#include "ratio.hpp"

#include <memory>
#include <vector>

namespace jg = judgegrad;
using values = jg::per_criterion<jg::summeval::all, double>;

namespace {

std::vector<values> points() {
  jg::stats::xoshiro256 rng(3);
  std::vector<values> v(4096);
  for (auto& p : v)
    for (double& x : p.values) x = rng.uniform() * 2 - 1;
  return v;
}

template <class S>
void static_policy(benchmark::State& state) {
  const auto pts = points();
  for (auto _ : state) {
    benchmark::DoNotOptimize(pts.data());
    double sum = 0;
    for (const auto& p : pts) sum += S::apply(p);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pts.size()));
}

void hand_mean(benchmark::State& state) {
  const auto pts = points();
  for (auto _ : state) {
    benchmark::DoNotOptimize(pts.data());
    double sum = 0;
    for (const auto& p : pts) {
      double s = 0;
      for (double x : p.values) s += x;
      sum += s / 4;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pts.size()));
}

void hand_weighted(benchmark::State& state) {
  const auto pts = points();
  for (auto _ : state) {
    benchmark::DoNotOptimize(pts.data());
    double sum = 0;
    for (const auto& p : pts) sum += (2 * p.values[0] + 1 * p.values[1] + 1 * p.values[2] + 1 * p.values[3]) / 5;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pts.size()));
}

struct scalarizer_base {
  virtual ~scalarizer_base() = default;
  virtual double apply(const values& v) const = 0;
};
template <class S>
struct dynamic_scalarizer : scalarizer_base {
  double apply(const values& v) const override { return S::apply(v); }
};

template <class S>
void virtual_dispatch(benchmark::State& state) {
  const auto pts = points();
  std::unique_ptr<scalarizer_base> s = std::make_unique<dynamic_scalarizer<S>>();
  scalarizer_base* opaque = s.get();
  benchmark::DoNotOptimize(opaque);
  for (auto _ : state) {
    benchmark::DoNotOptimize(pts.data());
    double sum = 0;
    for (const auto& p : pts) sum += opaque->apply(p);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pts.size()));
}

}  // namespace

BENCHMARK(hand_mean);
BENCHMARK(static_policy<jg::scalar::mean>)->Name("static_mean");
BENCHMARK(virtual_dispatch<jg::scalar::mean>)->Name("virtual_mean");
BENCHMARK(hand_weighted);
BENCHMARK(static_policy<jg::scalar::weighted<2, 1, 1, 1>>)->Name("static_weighted");
BENCHMARK(virtual_dispatch<jg::scalar::weighted<2, 1, 1, 1>>)->Name("virtual_weighted");

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"mean: static policy vs hand-written", "static_mean", "hand_mean"},
                           {"mean: virtual dispatch vs hand-written", "virtual_mean", "hand_mean"},
                           {"weighted: static policy vs hand-written", "static_weighted", "hand_weighted"},
                           {"weighted: virtual dispatch vs hand-written", "virtual_weighted", "hand_weighted"}});
}
