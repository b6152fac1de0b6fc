#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/grid.hpp>

#include <doctest/doctest.h>

#include <boost/hana/length.hpp>

#include <string>
#include <vector>

namespace test_optim_grid {

namespace jg = judgegrad;
namespace hana = boost::hana;
using se = jg::summeval::all;
using mae_gate = jg::gate::non_regression<jg::metric::mae>;

// The paper's grid: four modes by two gates.
constexpr auto paper_grid = jg::grid<se>(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>,
                                         hana::tuple_t<jg::gate::always, mae_gate>);
static_assert(decltype(hana::length(paper_grid))::value == 8);

TEST_CASE("grid: the Cartesian product of policy lists, in order") {
  std::vector<std::string> names;
  jg::for_each_variant(paper_grid, [&](auto v) {
    using V = typename decltype(v)::type;
    static_assert(jg::is_variant<V>);
    names.emplace_back(V::name());
  });
  CHECK(names == std::vector<std::string>{"SSS", "SSS/gate=mae", "SSC", "SSC/gate=mae", "SCC", "SCC/gate=mae", "CCC",
                                          "CCC/gate=mae"});
  auto listed = jg::variant_names(paper_grid);
  CHECK(std::vector<std::string>(listed.begin(), listed.end()) == names);
}

TEST_CASE("grid: no lists gives the default variant; one list varies one slot") {
  constexpr auto single = jg::grid<se>();
  static_assert(decltype(hana::length(single))::value == 1);
  CHECK(jg::variant_names(single)[0] == "SSS");
  constexpr auto layouts = jg::grid<se>(hana::tuple_t<jg::layout::joint, jg::layout::per_criterion>);
  CHECK(jg::variant_names(layouts)[1] == "SSS/layout=per_criterion");
}

// Calls the statically composed code of a variant: returns its calls per step for batch 3.
struct calls_of {
  std::vector<std::string>* visited;
  template <class T>
  std::size_t operator()(T) const {
    using V = typename T::type;
    visited->emplace_back(V::name());
    return V::calls(3).total();
  }
};

TEST_CASE("find_variant: run-time lookup, then static code through the handle") {
  auto handle = jg::find_variant(paper_grid, "SCC/gate=mae");
  REQUIRE(handle.has_value());
  CHECK(handle->index() == 5);
  CHECK(handle->name() == "SCC/gate=mae");
  std::vector<std::string> visited;
  CHECK(handle->visit(calls_of{&visited}) == 12 + 3 + 1);
  CHECK(visited == std::vector<std::string>{"SCC/gate=mae"});

  // Every name finds its own variant.
  for (auto name : jg::variant_names(paper_grid)) {
    auto h = jg::find_variant(paper_grid, name);
    REQUIRE(h);
    std::vector<std::string> seen;
    h->visit(calls_of{&seen});
    CHECK(seen.at(0) == name);
  }
  CHECK_FALSE(jg::find_variant(paper_grid, "SCC/gate=spearman"));
  CHECK_FALSE(jg::find_variant(paper_grid, "scc"));
}
}  // namespace test_optim_grid
