// The compiled variants of the tool, one translation unit per criteria set and grid (each costs
// seconds to compile; apart, they build in parallel): catalog_<set>_<grid>.cpp.
#pragma once

#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/runner.hpp>

#include "common.hpp"

#include <array>
#include <optional>
#include <type_traits>

namespace judgegrad_cli {

using summeval_set = jg::summeval::all;
using brighter_set = jg::brighter::all;

template <jg::criteria_set Set>
using job_function = std::optional<jg::experiment::run_outcome> (*)(backend&, const jg::experiment::experiment_input<Set>&,
                                                                     const jg::experiment::job&, jg::experiment::grid_progress*);

// Each runs a job whose variant is in its grid (nothing when it is not).
std::optional<jg::experiment::run_outcome> run_summeval_textgrad(backend&, const jg::experiment::experiment_input<summeval_set>&,
                                                                 const jg::experiment::job&, jg::experiment::grid_progress*);
std::optional<jg::experiment::run_outcome> run_summeval_baselines(backend&, const jg::experiment::experiment_input<summeval_set>&,
                                                                  const jg::experiment::job&, jg::experiment::grid_progress*);
std::optional<jg::experiment::run_outcome> run_brighter_textgrad(backend&, const jg::experiment::experiment_input<brighter_set>&,
                                                                 const jg::experiment::job&, jg::experiment::grid_progress*);
std::optional<jg::experiment::run_outcome> run_brighter_baselines(backend&, const jg::experiment::experiment_input<brighter_set>&,
                                                                  const jg::experiment::job&, jg::experiment::grid_progress*);

/// The grids' job functions of criteria set `Set`.
template <jg::criteria_set Set>
std::array<job_function<Set>, 2> job_functions() {
  if constexpr (std::is_same_v<Set, summeval_set>) return {&run_summeval_textgrad, &run_summeval_baselines};
  else return {&run_brighter_textgrad, &run_brighter_baselines};
}

}  // namespace judgegrad_cli

