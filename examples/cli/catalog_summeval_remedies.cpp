// The remedies (docs/remedies.md) over the summeval criteria.
#include "catalog.hpp"

namespace judgegrad_cli {

std::optional<jg::experiment::run_outcome> run_summeval_remedies(backend& b, const jg::experiment::experiment_input<summeval_set>& in,
                                                                 const jg::experiment::job& j, jg::experiment::grid_progress* p) {
  return jg::experiment::run_in(jg::experiment::catalog<summeval_set>::remedies, b, in, j, p);
}

}  // namespace judgegrad_cli
