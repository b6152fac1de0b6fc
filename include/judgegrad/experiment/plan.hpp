/// @file
/// The LLM calls an experiment plans, counted before any is made, as the reference's own table
/// counts them (its notes, section 1.8): per step, the judge on the training batch, the loss,
/// gradient and update stages, the gate on the validation items (the incumbent too, at the first
/// gate) and the test evaluation; per run, the test split at step 0 besides. The judge calls are
/// the joint layout's (one call an item); judgegrad's own mode judges test only when the prompt
/// changed, so these are an upper bound for it and exact for the faithful mode.
///
///     auto per_step = experiment::planned_step_calls<summeval::all>(spec, 3, 100, experiment::paper_test_size("summeval"));
///     std::size_t run = experiment::planned_run_calls<summeval::all>(definition, job, 480);
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/optim/decomposition.hpp>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// The test split's size in the paper's split of data set `dataset`: 480 SummEval items, 2767
/// BRIGHTER (the reference's notes, section 5); 0 for a data set it does not know.
inline std::size_t paper_test_size(std::string_view dataset) {
  if (dataset == "summeval") return 480;
  if (dataset == "brighter") return 2767;
  return 0;
}

/// The calls of one step, by stage.
struct planned_step {
  std::size_t judge = 0;  ///< the training batch
  stage_calls stages;     ///< loss, gradient, update
  std::size_t gate = 0;   ///< the candidate on the validation items (0 for a gate that judges none)
  std::size_t test = 0;   ///< the test evaluation
  std::size_t total() const { return judge + stages.total() + gate + test; }
};

/// The loss, gradient and update calls of a step of TextGrad mode `mode` ("SSC", ...; the
/// decomposition's own count) over `k` criteria and a batch of `batch`; nothing for another mode.
inline std::optional<stage_calls> mode_stage_calls(std::string_view mode, std::size_t k, std::size_t batch) {
  std::optional<stage_calls> out;
  boost::hana::for_each(boost::hana::tuple_t<sss, ssc, scc, ccc, css, csc, ccs, scs>, [&](auto t) {
    using D = typename decltype(t)::type;
    if (D::name == mode) out = D::calls(k, batch);
  });
  return out;
}

/// The calls of one step of variant `spec` over the criteria of `Set`: a batch of `batch`, a gate
/// on `validation` items, a test split of `test`. The single-task baseline's is one of its runs
/// (a CCC step over one criterion). Nothing for a variant without a static count (OPRO, Pareto).
template <criteria_set Set>
std::optional<planned_step> planned_step_calls(const variant_spec& spec, std::size_t batch, std::size_t validation, std::size_t test) {
  const bool single = spec.mode == "single-task";
  auto stages = single ? std::optional<stage_calls>(ccc::calls(1, batch)) : mode_stage_calls(spec.mode, Set::size, batch);
  if (!stages) return std::nullopt;
  return planned_step{batch, *stages, spec.gate == "none" ? 0 : validation, test};
}

/// The calls of run `j` of definition `d` (its steps, batch and validation size) over a test split
/// of `test`: the test split at step 0, then every step, and the first gate's incumbent. Nothing
/// for a variant without a static count.
template <criteria_set Set>
std::optional<std::size_t> planned_run_calls(const definition& d, const job& j, std::size_t test) {
  auto step = planned_step_calls<Set>(j.spec, d.batch, d.validation, test);
  if (!step) return std::nullopt;
  return test + d.steps * step->total() + step->gate;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
