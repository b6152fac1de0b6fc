// expect: two policies fill the same slot
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
#ifdef JUDGEGRAD_CONTROL
using v = jg::variant<jg::summeval::all, jg::ssc, jg::layout::joint>;
#else
using v = jg::variant<jg::summeval::all, jg::ssc, jg::sss>;
#endif
int main() { return static_cast<int>(v::name().size()); }
