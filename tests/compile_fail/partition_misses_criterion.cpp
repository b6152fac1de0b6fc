// expect: a grouped stage's partition must name every criterion of the variant's set exactly once
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
namespace se = jg::summeval;
#ifdef JUDGEGRAD_CONTROL
using halves = jg::grouped<jg::partition<jg::group<se::fluency, se::coherence>, jg::group<se::consistency, se::relevance>>>;
#else
using halves = jg::grouped<jg::partition<jg::group<se::fluency, se::coherence>, jg::group<se::consistency>>>;
#endif
using v = jg::variant<se::all, jg::decomposition<jg::separate, halves, jg::combined>>;
int main() { return static_cast<int>(v::name().size()); }
