#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/criteria/summeval.hpp>

#include <doctest/doctest.h>

#include <numeric>
#include <stdexcept>
#include <string>

namespace test_core_per_criterion {

namespace jg = judgegrad;
namespace se = jg::summeval;

TEST_CASE("per_criterion: compile-time and run-time access reach the same slot") {
  jg::per_criterion<se::all, double> x;
  jg::get<se::coherence>(x) = 3.5;
  CHECK(x.at("coherence") == 3.5);
  x.at("fluency") = 1;
  CHECK(jg::get<se::fluency>(x) == 1);
  CHECK(x[se::all::index<se::coherence>] == 3.5);
  CHECK_THROWS_WITH_AS(x.at("grammar"), "judgegrad: no criterion named 'grammar' in this set", std::out_of_range);
}

TEST_CASE("per_criterion: iteration in set order with the criterion type") {
  auto x = jg::per_criterion<se::all, int>::filled(2);
  std::string order;
  int sum = 0;
  x.for_each([&](auto c, int& v) {
    using C = typename decltype(c)::type;
    order += std::string(C::name) + ",";
    v += static_cast<int>(C::scale.max);
    sum += v;
  });
  CHECK(order == "fluency,relevance,coherence,consistency,");
  CHECK(sum == 4 * 7);
  CHECK(std::accumulate(x.begin(), x.end(), 0) == 28);
  const auto& cx = x;
  int count = 0;
  cx.for_each([&](auto, const int& v) { count += v == 7; });
  CHECK(count == 4);
}

TEST_CASE("per_criterion: value semantics") {
  auto a = jg::per_criterion<se::all, double>::filled(0.5);
  auto b = a;
  CHECK(a == b);
  jg::get<se::relevance>(b) = 0.25;
  CHECK_FALSE(a == b);
  static_assert(jg::per_criterion<se::all, double>::size == 4);
}
}  // namespace test_core_per_criterion
