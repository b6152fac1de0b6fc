#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/variant.hpp>

#include <doctest/doctest.h>

namespace test_optim_variant {

namespace jg = judgegrad;
using se = jg::summeval::all;

// Defaults fill every slot left out.
using plain = jg::variant<se>;
static_assert(std::is_same_v<plain::decomposition, jg::sss>);
static_assert(std::is_same_v<plain::merge, jg::merge::labeled_sections>);
static_assert(std::is_same_v<plain::gate, jg::gate::always>);
static_assert(std::is_same_v<plain::scalarizer, jg::scalar::mean>);
static_assert(std::is_same_v<plain::layout, jg::layout::joint>);
static_assert(std::is_same_v<plain::algorithm, jg::algorithm::textgrad>);
static_assert(plain::name() == "SSS");

// Policies are recognised by family, in any order.
using mae_gate = jg::gate::non_regression<jg::metric::mae>;
using a = jg::variant<se, jg::ccc, mae_gate, jg::layout::per_criterion>;
using b = jg::variant<se, jg::layout::per_criterion, mae_gate, jg::ccc>;
static_assert(std::is_same_v<a::gate, b::gate> && std::is_same_v<a::layout, b::layout>);
static_assert(a::name() == "CCC/gate=mae/layout=per_criterion");
static_assert(a::name() == b::name());

TEST_CASE("variant: names spell every non-default slot") {
  // One scalarizer slot: the gate combines criteria with the variant's scalarizer.
  using v = jg::variant<se, jg::merge::concatenate, jg::scc, jg::gate::non_regression<jg::metric::spearman>,
                        jg::algorithm::opro<>, jg::scalar::minimum>;
  CHECK(v::name() == "SCC/algorithm=opro/merge=concatenate/gate=spearman/scalar=minimum");
  CHECK(jg::variant<se, jg::algorithm::opro<jg::metric::mae>>::name() == "SSS/algorithm=opro(mae)");
  CHECK(jg::gate::paired<jg::metric::mae, 10>::name == "paired-mae(0.01)");
  CHECK(jg::gate::paired_bootstrap<jg::metric::spearman, 90>::name == "bootstrap-spearman(90)");
  CHECK(jg::gate::pareto<jg::metric::kendall>::name == "pareto-kendall");
  CHECK(mae_gate::name == "mae");
  CHECK(jg::gate::always::name == "none");
}

TEST_CASE("variant: calls per step follow its decomposition and criteria count") {
  CHECK(jg::variant<se, jg::ssc>::calls(3) == jg::stage_calls{12, 12, 1});
  CHECK(jg::variant<jg::criteria<jg::summeval::fluency>, jg::ssc>::calls(3) == jg::stage_calls{3, 3, 1});
}
}  // namespace test_optim_variant
