// expect: the gate policy must provide `needs_validation`, `rescores_incumbent` and `decide<Scalarizer>(evidence)`
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
// A gate of the right family that forgot its decision.
struct my_gate {
  using family = jg::family::gate;
  static constexpr std::string_view name = "mine";
  static constexpr bool needs_validation = true;
  static constexpr bool rescores_incumbent = false;
#ifdef JUDGEGRAD_CONTROL
  template <class Scalar, class Set>
  static jg::gate::verdict decide(const jg::gate::evidence<Set>&) { return {}; }
#endif
};
using v = jg::variant<jg::summeval::all, jg::ssc, my_gate>;
int main() { return static_cast<int>(v::name().size()); }
