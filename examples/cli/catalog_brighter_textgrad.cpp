// TextGrad in every decomposition mode, merge, gate and layout over the brighter criteria.
#include "catalog.hpp"

namespace judgegrad_cli {

std::optional<jg::experiment::run_outcome> run_brighter_textgrad(backend& b, const jg::experiment::experiment_input<brighter_set>& in,
                                                                         const jg::experiment::job& j, jg::experiment::grid_progress* p) {
  return jg::experiment::run_in(jg::experiment::catalog<brighter_set>::textgrad, b, in, j, p);
}

std::vector<std::string_view> brighter_textgrad_names() { return names_of(jg::experiment::catalog<brighter_set>::textgrad); }

}  // namespace judgegrad_cli
