// expect: two criteria share a name
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/criteria/summeval.hpp>

// A second criterion called "fluency".
struct my_fluency {
  static constexpr std::string_view name = "fluency";
  static constexpr std::string_view definition = "Reads well.";
  static constexpr judgegrad::score_scale scale{1, 5, 1};
};
#ifdef JUDGEGRAD_CONTROL
using set = judgegrad::criteria<my_fluency, judgegrad::summeval::coherence>;
#else
using set = judgegrad::criteria<my_fluency, judgegrad::summeval::coherence, judgegrad::summeval::fluency>;
#endif
int main() { return static_cast<int>(set::size); }
