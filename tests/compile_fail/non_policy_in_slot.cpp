// expect: every parameter after the criteria must be a decomposition, merge, gate, scalarizer, layout, algorithm or length policy
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
struct my_gate {};  // not a policy: no family, no name
#ifdef JUDGEGRAD_CONTROL
using v = jg::variant<jg::summeval::all, jg::ssc, jg::gate::always>;
#else
using v = jg::variant<jg::summeval::all, jg::ssc, my_gate>;
#endif
int main() { return static_cast<int>(v::name().size()); }
