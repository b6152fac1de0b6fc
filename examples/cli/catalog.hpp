// The compiled variants of the tool, one translation unit per criteria set and grid (each costs
// seconds to compile; apart, they build in parallel): catalog_<set>_<grid>.cpp.
#pragma once

#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/runner.hpp>

#include "common.hpp"

#include <array>
#include <string_view>
#include <vector>
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
// The names of the variants each of them runs, as variant::name() spells them.
std::vector<std::string_view> summeval_textgrad_names();
std::vector<std::string_view> summeval_baselines_names();
std::vector<std::string_view> brighter_textgrad_names();
std::vector<std::string_view> brighter_baselines_names();

/// Every variant the tool compiled over criteria set `Set`, grid by grid.
template <jg::criteria_set Set>
std::vector<std::string_view> compiled_variants() {
  auto out = std::is_same_v<Set, summeval_set> ? summeval_textgrad_names() : brighter_textgrad_names();
  auto more = std::is_same_v<Set, summeval_set> ? summeval_baselines_names() : brighter_baselines_names();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

/// The names of `g` (a grid of the catalog) as a list.
template <class Grid>
std::vector<std::string_view> names_of(const Grid& g) {
  const auto& names = jg::variant_names(g);
  return {names.begin(), names.end()};
}

/// The grids' job functions of criteria set `Set`.
template <jg::criteria_set Set>
std::array<job_function<Set>, 2> job_functions() {
  if constexpr (std::is_same_v<Set, summeval_set>) return {&run_summeval_textgrad, &run_summeval_baselines};
  else return {&run_brighter_textgrad, &run_brighter_baselines};
}

}  // namespace judgegrad_cli

