// expect: Metric must be a judgegrad::metric type
#include <judgegrad/optim/gate.hpp>

namespace jg = judgegrad;
#ifdef JUDGEGRAD_CONTROL
using g = jg::gate::non_regression<jg::metric::mae>;
#else
using g = jg::gate::non_regression<double>;
#endif
int main() { return static_cast<int>(g::name.size()); }
