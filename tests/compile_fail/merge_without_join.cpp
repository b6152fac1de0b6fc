// expect: the merge policy must provide `keyed`, `route(reply, names)` and `join<Set>(pieces, where)`
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

namespace jg = judgegrad;
// A merge of the right family that routes but cannot join.
struct my_merge {
  using family = jg::family::merge;
  static constexpr std::string_view name = "mine";
  static constexpr bool keyed = false;
  static jg::merge::routed route(std::string_view reply, std::span<const std::string_view> names) {
    return {std::vector<std::string>(names.size(), std::string(reply)), {}};
  }
#ifdef JUDGEGRAD_CONTROL
  template <class Set>
  static std::vector<jg::protocol::group> join(std::span<const jg::merge::piece>, jg::merge::join_context) { return {}; }
#endif
};
using v = jg::variant<jg::summeval::all, jg::ssc, my_merge>;
int main() { return static_cast<int>(v::name().size()); }
