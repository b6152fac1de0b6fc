// Every variant of judgegrad's catalog over the brighter criteria: the run loop compiled once, each
// policy once.
#include "catalog.hpp"

namespace judgegrad_cli {

jg::experiment::run_outcome run_brighter_job(backend& b, const jg::experiment::experiment_input<brighter_set>& in, const jg::experiment::job& j,
                                           jg::experiment::grid_progress* p) {
  return jg::experiment::run_one(b, in, j, p);
}

}  // namespace judgegrad_cli
