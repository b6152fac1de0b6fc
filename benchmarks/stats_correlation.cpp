// Spearman, Kendall and Pearson on n = 480 (SummEval's test split) and n = 100,000, and a
// 10,000-resample bootstrap of Spearman on n = 480. Baselines in the same run: textbook versions
// (O(n^2) Kendall, ranks by an indirect sort) and the bootstrap that re-sorts every resample.
// benchmarks/stats_vs_scipy.py runs this on the data it also gives SciPy 1.10 and prints ratios.
#include <judgegrad/stats.hpp>

#include "ratio.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace st = judgegrad::stats;

namespace {

struct data {
  std::vector<double> gold, pred;
};

/// The pair for n from $JUDGEGRAD_BENCH_DATA/n<n>.txt (two lines: gold, pred) when set, otherwise
/// generated: Likert scores with heavy ties for small n, correlated normals for large n. With
/// `averaged`, $JUDGEGRAD_BENCH_DATA/a<n>.txt, or generated: gold the mean of three raters' Likert
/// scores (1, 4/3, 5/3, ...: the standard SummEval release), pred Likert scores.
const data& sample(std::size_t n, bool averaged = false) {
  static std::vector<std::pair<std::size_t, data>> cache;
  const std::size_t key = 2 * n + averaged;
  for (auto& [k, d] : cache)
    if (k == key) return d;
  data d;
  if (const char* dir = std::getenv("JUDGEGRAD_BENCH_DATA")) {
    std::ifstream in(std::string(dir) + (averaged ? "/a" : "/n") + std::to_string(n) + ".txt");
    std::string line;
    for (auto* v : {&d.gold, &d.pred}) {
      std::getline(in, line);
      std::istringstream s(line);
      double x;
      while (s >> x) v->push_back(x);
    }
    if (d.gold.size() != n || d.pred.size() != n) {
      std::fprintf(stderr, "bad benchmark data for n = %zu in %s\n", n, dir);
      std::exit(1);
    }
  } else {
    st::xoshiro256 rng(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (averaged) {
        const double g = static_cast<double>(3 + rng.below(5) + rng.below(5) + rng.below(5)) / 3.0;
        d.gold.push_back(g);
        d.pred.push_back(std::clamp(std::round(g + 2 * rng.uniform() - 1), 1.0, 5.0));
      } else if (n < 10'000) {
        const double g = 1 + rng.below(5);
        d.gold.push_back(g);
        d.pred.push_back(std::clamp(std::round(g + 2 * rng.uniform() - 1), 1.0, 5.0));
      } else {
        d.gold.push_back(rng.uniform());
        d.pred.push_back(d.gold.back() + rng.uniform());
      }
    }
  }
  cache.emplace_back(key, std::move(d));
  return cache.back().second;
}

template <class F>
void run(benchmark::State& state, F f, bool averaged = false) {
  const auto& d = sample(static_cast<std::size_t>(state.range(0)), averaged);
  for (auto _ : state) benchmark::DoNotOptimize(f(d.gold, d.pred));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void spearman(benchmark::State& s) { run(s, [](const auto& g, const auto& p) { return st::spearman(g, p).value; }); }
void kendall(benchmark::State& s) { run(s, [](const auto& g, const auto& p) { return st::kendall_tau_b(g, p).value; }); }
// Gold labels that are means over three raters: not whole numbers, still few distinct values.
void spearman_averaged(benchmark::State& s) { run(s, [](const auto& g, const auto& p) { return st::spearman(g, p).value; }, true); }
void kendall_averaged(benchmark::State& s) { run(s, [](const auto& g, const auto& p) { return st::kendall_tau_b(g, p).value; }, true); }
void pearson(benchmark::State& s) { run(s, [](const auto& g, const auto& p) { return st::pearson(g, p).value; }); }

// Baselines: what one writes first.
std::vector<double> textbook_ranks(const std::vector<double>& x) {
  std::vector<std::size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && x[idx[j]] == x[idx[i]]) ++j;
    for (std::size_t k = i; k < j; ++k) r[idx[k]] = (static_cast<double>(i + j) + 1) / 2;
    i = j;
  }
  return r;
}
double textbook_pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}
void textbook_spearman(benchmark::State& s) {
  run(s, [](const auto& g, const auto& p) { return textbook_pearson(textbook_ranks(g), textbook_ranks(p)); });
}
void quadratic_kendall(benchmark::State& s) {
  run(s, [](const auto& x, const auto& y) {
    long long c = 0, tx = 0, ty = 0;
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        const double a = x[i] - x[j], b = y[i] - y[j];
        if (a == 0 && b == 0) continue;
        if (a == 0) ++tx;
        else if (b == 0) ++ty;
        else c += (a > 0) == (b > 0) ? 1 : -1;
      }
    const double n0 = static_cast<double>(n * (n - 1) / 2);
    (void)n0;
    return static_cast<double>(c) / std::sqrt(static_cast<double>(c + tx) * static_cast<double>(c + ty) + 1);
  });
}

void bootstrap_spearman(benchmark::State& state) {
  const auto& d = sample(480);
  for (auto _ : state)
    benchmark::DoNotOptimize(st::bootstrap<judgegrad::metric::spearman>(d.gold, d.pred, {.resamples = 10'000, .seed = 1}));
}
void bootstrap_spearman_resorting(benchmark::State& state) {
  const auto& d = sample(480);
  for (auto _ : state)
    benchmark::DoNotOptimize(st::bootstrap_statistic([](auto g, auto p) { return st::spearman(g, p).value; }, d.gold,
                                                     d.pred, {.resamples = 10'000, .seed = 1}));
}

}  // namespace

BENCHMARK(spearman)->Arg(480)->Arg(100'000);
BENCHMARK(kendall)->Arg(480)->Arg(100'000);
BENCHMARK(pearson)->Arg(480)->Arg(100'000);
BENCHMARK(spearman_averaged)->Arg(480)->Arg(100'000);
BENCHMARK(kendall_averaged)->Arg(480)->Arg(100'000);
BENCHMARK(textbook_spearman)->Arg(480)->Arg(100'000);
BENCHMARK(quadratic_kendall)->Arg(480);
BENCHMARK(bootstrap_spearman)->Unit(benchmark::kMillisecond);
BENCHMARK(bootstrap_spearman_resorting)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"spearman n=480 vs textbook", "spearman/480", "textbook_spearman/480"},
                           {"spearman n=100000 vs textbook", "spearman/100000", "textbook_spearman/100000"},
                           {"kendall n=480 vs O(n^2) loop", "kendall/480", "quadratic_kendall/480"},
                           {"bootstrap 10k vs re-sorting each resample", "bootstrap_spearman", "bootstrap_spearman_resorting"}});
}
