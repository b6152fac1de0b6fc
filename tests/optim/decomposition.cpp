#include <judgegrad/optim/decomposition.hpp>

#include <doctest/doctest.h>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <set>
#include <string>

namespace test_optim_decomposition {

namespace jg = judgegrad;
namespace hana = boost::hana;

static_assert(jg::sss::name == "SSS" && jg::ssc::name == "SSC" && jg::scc::name == "SCC" && jg::ccc::name == "CCC");
static_assert(jg::css::name == "CSS" && jg::csc::name == "CSC" && jg::ccs::name == "CCS" && jg::scs::name == "SCS");
static_assert(std::is_same_v<jg::scc::loss, jg::separate> && std::is_same_v<jg::scc::gradient, jg::combined>);

TEST_CASE("decomposition: the eight modes, the paper's four, and their names") {
  constexpr auto all = hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc, jg::css, jg::csc, jg::ccs, jg::scs>;
  std::set<std::string> names, paper;
  hana::for_each(all, [&](auto d) {
    using D = typename decltype(d)::type;
    static_assert(jg::policy_of<D, jg::family::decomposition>);
    names.insert(std::string(D::name));
    if (D::in_paper) paper.insert(std::string(D::name));
  });
  CHECK(names.size() == 8);
  CHECK(paper == std::set<std::string>{"SSS", "SSC", "SCC", "CCC"});
}

// The reference's call counts per step (K = 4 SummEval criteria, batch B = 3): SSS 12 + 12 + 4,
// SSC 12 + 12 + 1, SCC 12 + 3 + 1, CCC 3 + 3 + 1.
TEST_CASE("decomposition: LLM calls per step match the reference's table") {
  CHECK(jg::sss::calls(4, 3) == jg::stage_calls{12, 12, 4});
  CHECK(jg::sss::calls(4, 3).total() == 28);
  CHECK(jg::ssc::calls(4, 3) == jg::stage_calls{12, 12, 1});
  CHECK(jg::scc::calls(4, 3) == jg::stage_calls{12, 3, 1});
  CHECK(jg::ccc::calls(4, 3) == jg::stage_calls{3, 3, 1});
  // Modes the paper did not run: a combined stage feeding a separate one.
  CHECK(jg::css::calls(5, 3) == jg::stage_calls{3, 15, 5});
  CHECK(jg::scs::calls(5, 3) == jg::stage_calls{15, 3, 5});
  // With one criterion, S and C make the same calls (the single-task baseline runs CCC).
  CHECK(jg::sss::calls(1, 3) == jg::ccc::calls(1, 3));
}
}  // namespace test_optim_decomposition
