/// @file
/// The aggregation microbenchmark kit: time your own scalarizer or gate beside judgegrad's, reached
/// the way the optimizer reaches it (a static call) and, for comparison, through a virtual function
/// and through `std::function`, all in one Google Benchmark run that ends with a table of ratios.
///
///     #include <judgegrad/bench/aggregation.hpp>
///     struct my_median { using family = judgegrad::family::scalarizer; ... };
///     int main(int argc, char** argv) {
///       namespace jb = judgegrad::bench;
///       jb::add_builtin_scalarizers<judgegrad::summeval::all>();
///       jb::add_scalarizer<judgegrad::summeval::all, my_median>("my_median");
///       return jb::run(argc, argv);
///     }
///
/// Benchmarks are named "<what>/K=<criteria>/<how>", <how> one of static, virtual, function and
/// hand (a hand-written baseline, `add_hand_written`). The table after the run gives, per policy,
/// its static cost against the built-in mean's (`scalar::mean`, registered by
/// add_builtin_scalarizers), against its hand-written baseline when there is one, and the virtual
/// and std::function forms against the static one. Scalarizers are timed over 4,096 points of
/// per-criterion values in [-1, 1] (what one call costs is the time per item); gates over one
/// decision on 100 validation items. Link `benchmark::benchmark` (Debian: libbenchmark-dev).
#pragma once

#include <judgegrad/bench/ratio.hpp>
#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/stats/random.hpp>
#include <judgegrad/stats/scalarizer.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace bench {

/// `n` reproducible points of per-criterion values, uniform in [-1, 1] (Spearman-like).
template <criteria_set Set>
std::vector<per_criterion<Set, double>> random_points(std::size_t n = 4096, std::uint64_t seed = 3) {
  stats::xoshiro256 rng(seed);
  std::vector<per_criterion<Set, double>> out(n);
  for (auto& p : out)
    for (double& x : p.values) x = rng.uniform() * 2 - 1;
  return out;
}

/// What a gate decides on: `n` validation items with gold scores on each criterion's scale, and
/// the incumbent's and candidate's predictions (the candidate a little closer to gold).
template <criteria_set Set>
struct gate_fixture {
  std::vector<example<Set>> items;
  judge::predictions<Set> incumbent, candidate;

  explicit gate_fixture(std::size_t n = 100, std::uint64_t seed = 5) {
    stats::xoshiro256 rng(seed);
    items.resize(n);
    incumbent.items.resize(n);
    candidate.items.resize(n);
    constexpr const auto& scales = Set::scales;
    for (std::size_t i = 0; i < n; ++i) {
      items[i].id = "item-" + std::to_string(i);
      for (std::size_t c = 0; c < Set::size; ++c) {
        const auto& s = scales[c];
        const double span = s.max - s.min;
        const double gold = s.min + span * rng.uniform();
        items[i].gold[c] = gold;
        const auto near = [&](double noise) {
          return judge::score_outcome{judge::score_status::ok, std::clamp(gold + noise * span * (rng.uniform() - 0.5), s.min, s.max), ""};
        };
        incumbent.items[i].scores[c] = near(1.0);
        candidate.items[i].scores[c] = near(0.8);
      }
      incumbent.items[i].index = candidate.items[i].index = i;
    }
  }
  gate::evidence<Set> evidence() const {
    gate::evidence<Set> e;
    e.items = items;
    e.candidate = &candidate;
    e.incumbent = &incumbent;
    e.seed = 1;
    return e;
  }
};

namespace detail {

struct entry {
  std::string what;  ///< "<policy>/K=<k>"
  bool hand = false;
  bool scalarizer = false;
};
inline std::vector<entry>& registry() {
  static std::vector<entry> all;
  return all;
}

template <criteria_set Set>
std::string tag(const std::string& what) {
  return what + "/K=" + std::to_string(Set::size);
}

template <class Point, class Apply>
void sum_over(benchmark::State& state, const std::vector<Point>& pts, Apply&& apply) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(pts.data());
    double sum = 0;
    for (const auto& p : pts) sum += apply(p);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pts.size()));
}

template <class Point>
struct scalarizer_interface {
  virtual ~scalarizer_interface() = default;
  virtual double apply(const Point& v) const = 0;
};
template <class Point, class S>
struct scalarizer_object final : scalarizer_interface<Point> {
  double apply(const Point& v) const override { return S::apply(v); }
};

template <criteria_set Set>
struct gate_interface {
  virtual ~gate_interface() = default;
  virtual gate::verdict decide(const gate::evidence<Set>& e) const = 0;
};
template <criteria_set Set, class G, class S>
struct gate_object final : gate_interface<Set> {
  gate::verdict decide(const gate::evidence<Set>& e) const override { return G::template decide<S>(e); }
};

/// Registers `what/how`: `body(state)` runs the timed loop.
template <class Body>
void add(const std::string& what, const char* how, Body body) {
  benchmark::RegisterBenchmark((what + "/" + how).c_str(), body);
}

}  // namespace detail

/// Registers scalarizer `S` on criteria set `Set` under `label`, called statically, through a
/// virtual function and through std::function.
template <criteria_set Set, scalarizer_policy S>
void add_scalarizer(const std::string& label) {
  using point = per_criterion<Set, double>;
  const auto what = detail::tag<Set>(label);
  detail::registry().push_back({what, false, true});
  detail::add(what, "static", [](benchmark::State& state) {
    const auto pts = random_points<Set>();
    detail::sum_over(state, pts, [](const point& p) { return S::apply(p); });
  });
  detail::add(what, "virtual", [](benchmark::State& state) {
    const auto pts = random_points<Set>();
    const std::unique_ptr<detail::scalarizer_interface<point>> object = std::make_unique<detail::scalarizer_object<point, S>>();
    const detail::scalarizer_interface<point>* opaque = object.get();
    benchmark::DoNotOptimize(opaque);
    detail::sum_over(state, pts, [&](const point& p) { return opaque->apply(p); });
  });
  detail::add(what, "function", [](benchmark::State& state) {
    const auto pts = random_points<Set>();
    std::function<double(const point&)> f = [](const point& p) { return S::apply(p); };
    benchmark::DoNotOptimize(f);
    detail::sum_over(state, pts, [&](const point& p) { return f(p); });
  });
}

/// Registers a hand-written function `f(const per_criterion<Set, double>&) -> double` as the
/// baseline of the policy registered under the same `label`.
template <criteria_set Set, class F>
void add_hand_written(const std::string& label, F f) {
  using point = per_criterion<Set, double>;
  const auto what = detail::tag<Set>(label);
  detail::registry().push_back({what, true});
  detail::add(what, "hand", [f](benchmark::State& state) {
    const auto pts = random_points<Set>();
    detail::sum_over(state, pts, [&](const point& p) { return f(p); });
  });
}

/// Registers gate `G` deciding with scalarizer `S` on criteria set `Set` under `label`: one
/// decision on 100 validation items per iteration, static, virtual and std::function.
template <criteria_set Set, gate_policy G, scalarizer_policy S = scalar::mean>
void add_gate(const std::string& label) {
  const auto what = detail::tag<Set>(label);
  detail::registry().push_back({what});
  const auto time = [](benchmark::State& state, auto&& decide) {
    const gate_fixture<Set> fixture;
    const auto e = fixture.evidence();
    for (auto _ : state) benchmark::DoNotOptimize(decide(e));
  };
  detail::add(what, "static", [time](benchmark::State& state) { time(state, [](const auto& e) { return G::template decide<S>(e); }); });
  detail::add(what, "virtual", [time](benchmark::State& state) {
    const std::unique_ptr<detail::gate_interface<Set>> object = std::make_unique<detail::gate_object<Set, G, S>>();
    const detail::gate_interface<Set>* opaque = object.get();
    benchmark::DoNotOptimize(opaque);
    time(state, [&](const auto& e) { return opaque->decide(e); });
  });
  detail::add(what, "function", [time](benchmark::State& state) {
    std::function<gate::verdict(const gate::evidence<Set>&)> f = [](const auto& e) { return G::template decide<S>(e); };
    benchmark::DoNotOptimize(f);
    time(state, [&](const auto& e) { return f(e); });
  });
}

/// A joint reply with one text per criterion of `Set`, as a structured merge expects it back.
template <criteria_set Set>
std::string keyed_reply() {
  std::string out = "{";
  for (std::size_t c = 0; c < Set::size; ++c)
    out += std::string(c ? ", " : "") + "\"" + std::string(Set::names[c]) + "\": \"Penalise summaries that repeat a sentence; " +
           "reward ones that keep the source's order.\"";
  return out + "}";
}

/// Registers merge policy `M` routing a joint reply (keyed_reply) to the criteria of `Set` under
/// `label`, static, virtual and std::function.
template <criteria_set Set, merge_policy M>
void add_merge(const std::string& label) {
  const auto what = detail::tag<Set>(label);
  detail::registry().push_back({what});
  using route_fn = merge::routed (*)(std::string_view, std::span<const std::string_view>);
  const auto time = [](benchmark::State& state, auto&& route) {
    const std::string reply = keyed_reply<Set>();
    const std::vector<std::string_view> names(Set::names.begin(), Set::names.end());
    for (auto _ : state) benchmark::DoNotOptimize(route(reply, names));
  };
  struct interface {
    virtual ~interface() = default;
    virtual merge::routed route(std::string_view r, std::span<const std::string_view> n) const = 0;
  };
  struct object final : interface {
    merge::routed route(std::string_view r, std::span<const std::string_view> n) const override { return M::route(r, n); }
  };
  detail::add(what, "static", [time](benchmark::State& state) { time(state, [](auto r, auto n) { return M::route(r, n); }); });
  detail::add(what, "virtual", [time](benchmark::State& state) {
    const std::unique_ptr<interface> o = std::make_unique<object>();
    const interface* opaque = o.get();
    benchmark::DoNotOptimize(opaque);
    time(state, [&](auto r, auto n) { return opaque->route(r, n); });
  });
  detail::add(what, "function", [time](benchmark::State& state) {
    std::function<merge::routed(std::string_view, std::span<const std::string_view>)> f = static_cast<route_fn>(&M::route);
    benchmark::DoNotOptimize(f);
    time(state, [&](auto r, auto n) { return f(r, n); });
  });
}

/// Registers a hand-written `f(reply, names) -> merge::routed` as the baseline of the merge
/// registered under the same `label`.
template <criteria_set Set, class F>
void add_hand_written_merge(const std::string& label, F f) {
  const auto what = detail::tag<Set>(label);
  detail::registry().push_back({what, true});
  detail::add(what, "hand", [f](benchmark::State& state) {
    const std::string reply = keyed_reply<Set>();
    const std::vector<std::string_view> names(Set::names.begin(), Set::names.end());
    for (auto _ : state) benchmark::DoNotOptimize(f(reply, names));
  });
}

/// judgegrad's scalarizers on `Set` (mean, minimum, geometric_mean, chebyshev), with hand-written
/// loops for mean and minimum; the mean is the baseline every policy is compared with.
template <criteria_set Set>
void add_builtin_scalarizers() {
  add_scalarizer<Set, scalar::mean>("mean");
  add_hand_written<Set>("mean", [](const per_criterion<Set, double>& p) {
    double s = 0;
    for (double x : p.values) s += x;
    return s / static_cast<double>(Set::size);
  });
  add_scalarizer<Set, scalar::minimum>("minimum");
  add_hand_written<Set>("minimum", [](const per_criterion<Set, double>& p) {
    double m = p.values[0];
    for (double x : p.values) m = x < m ? x : m;
    return m;
  });
  add_scalarizer<Set, scalar::geometric_mean<>>("geometric_mean");
  add_scalarizer<Set, scalar::chebyshev<>>("chebyshev");
}

/// judgegrad's gates on `Set` with the mean scalarizer: always, non_regression, paired and pareto
/// on Spearman (paired_bootstrap resamples 2,000 times per decision: add it yourself to see that).
template <criteria_set Set>
void add_builtin_gates() {
  add_gate<Set, gate::always>("gate=none");
  add_gate<Set, gate::non_regression<metric::spearman>>("gate=non_regression");
  add_gate<Set, gate::paired<metric::spearman>>("gate=paired");
  add_gate<Set, gate::pareto<metric::spearman>>("gate=pareto");
}

/// The comparisons the registered benchmarks allow (see the file comment).
inline std::vector<comparison> comparisons() {
  std::vector<comparison> out;
  const auto& all = detail::registry();
  for (const auto& e : all) {
    if (e.hand) {
      out.push_back({e.what + ": static vs hand-written", e.what + "/static", e.what + "/hand"});
      continue;
    }
    // Scalarizers beside the built-in mean on the same criteria (a pair that did not run is skipped).
    const std::string mean = "mean" + e.what.substr(e.what.rfind("/K=")) + "/static";
    if (e.scalarizer && e.what + "/static" != mean)
      out.push_back({e.what + ": static vs built-in mean", e.what + "/static", mean});
    out.push_back({e.what + ": virtual vs static", e.what + "/virtual", e.what + "/static"});
    out.push_back({e.what + ": std::function vs static", e.what + "/function", e.what + "/static"});
  }
  return out;
}

/// Runs the registered benchmarks (Google Benchmark's command line applies) and prints the ratios.
inline int run(int argc, char** argv) { return bench::run(argc, argv, comparisons()); }

}  // namespace bench
JUDGEGRAD_END_NAMESPACE
