// expect: the scalarizer must provide `apply(per_criterion<Set, double>)`
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
struct my_scalar {
  using family = jg::family::scalarizer;
  static constexpr std::string_view name = "mine";
#ifdef JUDGEGRAD_CONTROL
  template <class Set>
  static double apply(const jg::per_criterion<Set, double>& v) { return v.values[0]; }
#endif
};
using v = jg::variant<jg::summeval::all, jg::ssc, my_scalar>;
int main() { return static_cast<int>(v::name().size()); }
