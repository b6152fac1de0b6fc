// expect: every member must model judgegrad::criterion
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/criteria/summeval.hpp>

struct not_a_criterion {};
#ifdef JUDGEGRAD_CONTROL
using set = judgegrad::criteria<judgegrad::summeval::fluency>;
#else
using set = judgegrad::criteria<judgegrad::summeval::fluency, not_a_criterion>;
#endif
int main() { return static_cast<int>(set::size); }
