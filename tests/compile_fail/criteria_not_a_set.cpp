// expect: the first parameter must be a judgegrad::criteria<...> set
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
#ifdef JUDGEGRAD_CONTROL
using v = jg::variant<jg::criteria<jg::summeval::fluency>, jg::ssc>;
#else
using v = jg::variant<jg::summeval::fluency, jg::ssc>;
#endif
int main() { return static_cast<int>(v::name().size()); }
