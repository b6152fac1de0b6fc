// Composing a grid of variants statically, then choosing one by name at run time.
#include <judgegrad/criteria.hpp>
#include <judgegrad/optim.hpp>

#include <fmt/core.h>

#include <string_view>

namespace jg = judgegrad;
namespace hana = boost::hana;

int main(int argc, char** argv) {
  constexpr auto grid = jg::grid<jg::summeval::all>(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>,
                                                    hana::tuple_t<jg::gate::always, jg::gate::non_regression<jg::metric::mae>>);
  jg::for_each_variant(grid, [](auto v) { fmt::print("{}\n", decltype(v)::type::name()); });

  std::string_view wanted = argc > 1 ? argv[1] : "SCC/gate=mae";
  auto handle = jg::find_variant(grid, wanted);
  if (!handle) {
    fmt::print(stderr, "no variant named '{}'\n", wanted);
    return 1;
  }
  // One indirect call picks the instantiation; inside the lambda V is a compile-time type.
  handle->visit([](auto v) {
    using V = typename decltype(v)::type;
    fmt::print("chose {}: {} LLM calls per step with batch 3\n", V::name(), V::calls(3).total());
  });
}
