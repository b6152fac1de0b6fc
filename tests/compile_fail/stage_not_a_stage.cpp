// expect: each stage must be judgegrad::separate, judgegrad::combined or judgegrad::grouped<partition<...>>
#include <judgegrad/optim/decomposition.hpp>

namespace jg = judgegrad;
#ifdef JUDGEGRAD_CONTROL
using d = jg::decomposition<jg::separate, jg::combined, jg::combined>;
#else
using d = jg::decomposition<jg::separate, int, jg::combined>;
#endif
int main() { return static_cast<int>(d::name.size()); }
