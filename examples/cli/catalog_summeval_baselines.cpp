// The single-task baseline and OPRO under every gate (and layout), and the remedies
// (docs/remedies.md), over the summeval criteria: one translation unit, so that the run loop they
// share is compiled once.
#include "catalog.hpp"

namespace judgegrad_cli {

std::optional<jg::experiment::run_outcome> run_summeval_baselines(backend& b, const jg::experiment::experiment_input<summeval_set>& in,
                                                                          const jg::experiment::job& j, jg::experiment::grid_progress* p) {
  using catalog = jg::experiment::catalog<summeval_set>;
  if (auto out = jg::experiment::run_in(catalog::single_task, b, in, j, p)) return out;
  if (auto out = jg::experiment::run_in(catalog::opro, b, in, j, p)) return out;
  return jg::experiment::run_in(catalog::remedies, b, in, j, p);
}

std::vector<std::string_view> summeval_baselines_names() {
  using catalog = jg::experiment::catalog<summeval_set>;
  auto out = names_of(catalog::single_task);
  for (const auto& more : {names_of(catalog::opro), names_of(catalog::remedies)}) out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace judgegrad_cli
