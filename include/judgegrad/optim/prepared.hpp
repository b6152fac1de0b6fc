/// @file
/// `prepared_run`: a variant's policies as values, ready to run. The loop (optimize.hpp) is compiled
/// once per criteria set, backend and sink; what it needs of a variant reaches it here, as small
/// values and function pointers, each compiled once per policy rather than per variant:
///
///     prepare<V, Backend>()            the values of variant type V, slot by slot
///     prepared_run::take<Scalar, P>()  one slot's contribution, for a variant named at run time
///                                      (the experiment catalog assembles its variants so)
///     run_prepared(...)                a run with them (optimize.hpp)
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/algorithms/opro.hpp>
#include <judgegrad/optim/algorithms/pareto.hpp>
#include <judgegrad/optim/algorithms/textgrad.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/length.hpp>
#include <judgegrad/optim/lexicon.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/resolution.hpp>
#include <judgegrad/optim/routing.hpp>
#include <judgegrad/optim/run.hpp>
#include <judgegrad/optim/stage.hpp>
#include <judgegrad/optim/stages.hpp>
#include <judgegrad/optim/variant.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// What a run needs of its variant, as values: the layout and length limits, the gate's and
/// scalarizer's behaviour, and the algorithm's step. The loop (run_context) is compiled once per
/// criteria set, backend and sink; only these small pieces, and the stages of each merge policy,
/// per variant.
template <criteria_set Set>
struct run_policies {
  layout::planner<Set> layout;  ///< how the judge is asked (joint unless the variant says otherwise)
  std::optional<length::limits> length_limits;  ///< the length-balanced update's, when bounded
  std::string_view gate_name;
  bool needs_validation = false, rescores_incumbent = false;
  std::function<gate::verdict(const gate::evidence<Set>&)> decide;
  double (*scalarize)(const std::vector<double>&) = nullptr;
  void (*step)(run<Set>&, run_state<Set>&, step_record&, std::int64_t) = nullptr;
};

/// A TextGrad step's three stages, as one function of the step's input.
template <criteria_set Set>
using stage_chain = std::function<stages::update_result<Set>(const stages::step_input<Set>&, const per_criterion<Set, std::string>& seed,
                                                              step_record&)>;

/// What a decomposition policy D says of the stages over `Set`, as values: each stage's groups,
/// and the gradient stage's routing when it is routed.
struct stage_plan {
  stages::partition loss, gradient, update;
  std::optional<stages::routing> routing;
};

namespace optim_detail {

// The functions below are templates of one policy each, not of the variant, so that a grid of
// hundreds of variants compiles each gate, metric and merge's code once.
template <class G, class Scalar, criteria_set Set>
gate::verdict decide_with(const gate::evidence<Set>& e) {
  return G::template decide<Scalar>(e);
}

template <class Scalar, criteria_set Set>
double scalarize_with(const std::vector<double>& v) {
  per_criterion<Set, double> p;
  for (std::size_t c = 0; c < Set::size && c < v.size(); ++c) p[c] = v[c];
  return Scalar::apply(p);
}

/// Sets what policy P (of any slot but decomposition and merge) contributes to a run's policies.
template <criteria_set Set, class Scalar, class P>
void contribute(run_policies<Set>& p) {
  using F = typename P::family;
  if constexpr (std::is_same_v<F, family::gate>) {
    p.gate_name = P::name;
    p.needs_validation = P::needs_validation;
    p.rescores_incumbent = P::rescores_incumbent;
    p.decide = &decide_with<P, Scalar, Set>;
  } else if constexpr (std::is_same_v<F, family::scalarizer>) {
    p.scalarize = &scalarize_with<P, Set>;
  } else if constexpr (std::is_same_v<F, family::layout>) {
    p.layout = layout::planner_of<P, Set>();
  } else if constexpr (std::is_same_v<F, family::length>) {
    if constexpr (P::bounded) p.length_limits = P::value;
  } else if constexpr (std::is_same_v<F, family::algorithm>) {
    if constexpr (std::is_same_v<P, algorithm::single_task>) {
      p.step = &algorithm::textgrad::template step<Set>;  // each criterion's run is TextGrad's
    } else {
      static_assert(algorithm_step<P, Set>,
                    "judgegrad::optimize: an algorithm policy needs `template <criteria_set Set> static void step(run<Set>&, run_state<Set>&, "
                    "step_record&, std::int64_t)` (optim/algorithm.hpp)");
      p.step = &P::template step<Set>;
      if constexpr (requires { P::gate_name; }) p.gate_name = P::gate_name;
    }
  }
}

/// What decomposition policy D says of the stages over `Set`.
template <class D, criteria_set Set>
stage_plan stage_plan_of() {
  stage_plan out{stages::partition(D::loss::template groups<Set>()), stages::partition(D::gradient::template groups<Set>()),
                 stages::partition(D::update::template groups<Set>()), std::nullopt};
  if constexpr (is_routed<typename D::gradient>)
    out.routing = stages::routing{D::gradient::scorer::asks_evaluator, static_cast<double>(D::gradient::threshold), D::gradient::scorer::name};
  return out;
}

/// The stages of `plan` with merge policy M: compiled once per criteria set, merge and backend.
template <criteria_set Set, class M, class Backend>
stage_chain<Set> stages_with(Backend& backend, stage_plan plan) {
  std::optional<ratings::lexicon> words;
  if (plan.routing && !plan.routing->evaluator) words = ratings::lexicon::of<Set>();
  return [&backend, plan = std::move(plan), words = std::move(words)](const stages::step_input<Set>& in,
                                                                      const per_criterion<Set, std::string>& seed, step_record& record) {
    stages::recorder<Backend> rec{backend, record};
    auto critiques = stages::loss<M>(rec, in, plan.loss, record);
    auto gradients = stages::gradient<M>(rec, in, plan.gradient, critiques, record);
    if (plan.routing)
      gradients = stages::route<M>(rec, in, std::move(gradients), critiques, *plan.routing, words ? &*words : nullptr, record);
    if constexpr (resolves_conflicts<M>) gradients = stages::resolve<Set>(rec, in, std::move(gradients), record);
    return stages::update<M>(rec, in, plan.update, gradients, seed, record);
  };
}

}  // namespace optim_detail

/// A variant's policies as values, for runs over `Set` through `Backend`: what the loop needs
/// (`policies`), what its decomposition says of the stages (`plan`), and its merge policy's stages
/// (`chain(backend)` makes them). `prepare<V, Backend>()` fills it from a variant type;
/// `take<Scalar, P>()`, slot by slot, from policies picked at run time.
template <criteria_set Set, class Backend>
struct prepared_run {
  run_policies<Set> policies;
  stage_plan plan;
  stage_chain<Set> (*stages)(Backend&, stage_plan) = nullptr;

  /// Takes what policy P, of any slot, contributes; `Scalar` is the variant's scalarizer, which the
  /// gate and the algorithm rank with. Take a variant's slots in the order decomposition, merge,
  /// gate, scalarizer, layout, length, algorithm (an algorithm may name the acceptance rule in
  /// place of the gate's).
  template <class Scalar, class P>
  void take() {
    using F = typename P::family;
    if constexpr (std::is_same_v<F, family::decomposition>) plan = optim_detail::stage_plan_of<P, Set>();
    else if constexpr (std::is_same_v<F, family::merge>) stages = &optim_detail::stages_with<Set, P, Backend>;
    else optim_detail::contribute<Set, Scalar, P>(policies);
  }

  /// The stages of a TextGrad step through `backend`.
  stage_chain<Set> chain(Backend& backend) const { return stages(backend, plan); }
};

/// Variant V's policies as values, for runs through `Backend`.
template <class V, class Backend>
  requires is_variant<V>
prepared_run<typename V::criteria, Backend> prepare() {
  using S = typename V::scalarizer;
  prepared_run<typename V::criteria, Backend> p;
  p.template take<S, typename V::decomposition>();
  p.template take<S, typename V::merge>();
  p.template take<S, typename V::gate>();
  p.template take<S, S>();
  p.template take<S, typename V::layout>();
  p.template take<S, typename V::length>();
  p.template take<S, typename V::algorithm>();
  return p;
}

JUDGEGRAD_END_NAMESPACE
