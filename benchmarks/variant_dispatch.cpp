// Run-time selection of a variant costs one indirect call, then everything is static: a loop run
// through `variant_handle::visit` matches the same loop written against the type directly, while
// dispatching each element through a virtual function does not. Baseline: the direct loop; compare
// the items_per_second of the three.
#include <judgegrad/criteria.hpp>
#include <judgegrad/optim.hpp>

#include <benchmark/benchmark.h>

#include "ratio.hpp"

#include <memory>
#include <vector>

namespace jg = judgegrad;
namespace hana = boost::hana;

namespace {

constexpr auto grid = jg::grid<jg::summeval::all>(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>,
                                                  hana::tuple_t<jg::gate::always, jg::gate::non_regression<jg::metric::mae>>);
using chosen = jg::variant<jg::summeval::all, jg::scc, jg::gate::non_regression<jg::metric::mae>>;

std::vector<std::size_t> batches() {
  std::vector<std::size_t> b(4096);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 1 + (i * 7919) % 13;
  return b;
}

// Not inlined, so the direct and the dispatched run execute the very same machine code and differ
// only by how they reach it.
template <class V>
[[gnu::noinline]] std::size_t total_calls(const std::vector<std::size_t>& bs) {
  std::size_t sum = 0;
  for (auto b : bs) sum += V::calls(b).total();
  return sum;
}

void direct(benchmark::State& state) {
  auto bs = batches();
  for (auto _ : state) {
    benchmark::DoNotOptimize(bs.data());
    benchmark::DoNotOptimize(total_calls<chosen>(bs));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(bs.size()));
}

void through_handle(benchmark::State& state) {
  auto bs = batches();
  auto handle = *jg::find_variant(grid, "SCC/gate=mae");
  for (auto _ : state) {
    benchmark::DoNotOptimize(bs.data());
    benchmark::DoNotOptimize(handle.visit([&](auto v) { return total_calls<typename decltype(v)::type>(bs); }));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(bs.size()));
}

struct counter_base {
  virtual ~counter_base() = default;
  virtual std::size_t calls(std::size_t batch) const = 0;
};
template <class V>
struct counter : counter_base {
  std::size_t calls(std::size_t batch) const override { return V::calls(batch).total(); }
};

void virtual_per_call(benchmark::State& state) {
  auto bs = batches();
  // One object per variant, chosen by the run-time name, as a virtual design would do it.
  std::vector<std::unique_ptr<counter_base>> counters;
  jg::for_each_variant(grid, [&](auto v) { counters.push_back(std::make_unique<counter<typename decltype(v)::type>>()); });
  const counter_base* c = counters[jg::find_variant(grid, "SCC/gate=mae")->index()].get();
  for (auto _ : state) {
    benchmark::DoNotOptimize(bs.data());
    std::size_t sum = 0;
    for (auto b : bs) sum += c->calls(b);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(bs.size()));
}

}  // namespace

BENCHMARK(direct);
BENCHMARK(through_handle);
BENCHMARK(virtual_per_call);
int main(int argc, char** argv) {
  return ratio_bench::run(argc, argv,
                          {{"dispatched through variant_handle::visit", "through_handle", "direct"},
                           {"a virtual call per element", "virtual_per_call", "direct"}});
}
