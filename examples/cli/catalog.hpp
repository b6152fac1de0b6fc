// The compiled variants of the tool: every variant of judgegrad's catalog, one translation unit per
// criteria set (catalog_<set>.cpp; apart, they build in parallel).
#pragma once

#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/runner.hpp>

#include "common.hpp"

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace judgegrad_cli {

using summeval_set = jg::summeval::all;
using brighter_set = jg::brighter::all;

// Each runs a job of its criteria set (experiment::run_one).
jg::experiment::run_outcome run_summeval_job(backend&, const jg::experiment::experiment_input<summeval_set>&, const jg::experiment::job&,
                                             jg::experiment::grid_progress*);
jg::experiment::run_outcome run_brighter_job(backend&, const jg::experiment::experiment_input<brighter_set>&, const jg::experiment::job&,
                                             jg::experiment::grid_progress*);

/// Runs job `j` of criteria set `Set`.
template <jg::criteria_set Set>
jg::experiment::run_outcome run_job(backend& b, const jg::experiment::experiment_input<Set>& in, const jg::experiment::job& j,
                                    jg::experiment::grid_progress* progress) {
  if constexpr (std::is_same_v<Set, summeval_set>) return run_summeval_job(b, in, j, progress);
  else return run_brighter_job(b, in, j, progress);
}

/// Every variant the tool compiled over criteria set `Set`, grid by grid.
template <jg::criteria_set Set>
const std::vector<std::string_view>& compiled_variants() {
  static const std::vector<std::string> names = jg::experiment::catalog<Set>::names();
  static const std::vector<std::string_view> views(names.begin(), names.end());
  return views;
}

}  // namespace judgegrad_cli
