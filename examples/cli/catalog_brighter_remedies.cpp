// The remedies (docs/remedies.md) over the brighter criteria.
#include "catalog.hpp"

namespace judgegrad_cli {

std::optional<jg::experiment::run_outcome> run_brighter_remedies(backend& b, const jg::experiment::experiment_input<brighter_set>& in,
                                                                 const jg::experiment::job& j, jg::experiment::grid_progress* p) {
  return jg::experiment::run_in(jg::experiment::catalog<brighter_set>::remedies, b, in, j, p);
}

}  // namespace judgegrad_cli
