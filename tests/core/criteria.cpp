#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace test_core_criteria {

namespace jg = judgegrad;

namespace {
struct clarity {
  static constexpr std::string_view name = "clarity";
  static constexpr std::string_view definition = "How easy the text is to follow.";
  static constexpr jg::score_scale scale{1, 10, 1};
};
struct tone {
  static constexpr std::string_view name = "tone";
  static constexpr std::string_view definition = "Whether the register suits the audience.";
  static constexpr jg::score_scale scale{0, 1, 0.25};
};
struct not_a_criterion {
  static constexpr std::string_view name = "x";
};
using set = jg::criteria<clarity, tone>;
}  // namespace

static_assert(jg::criterion<clarity>);
static_assert(!jg::criterion<not_a_criterion>);
static_assert(!jg::criterion<int>);
static_assert(set::size == 2);
static_assert(set::index_of("clarity") == 0 && set::index_of("tone") == 1);
static_assert(set::index_of("absent") == set::size);
static_assert(set::index<tone> == 1);
static_assert(set::contains("tone") && !set::contains("Tone"));
static_assert(jg::criteria_set<set> && !jg::criteria_set<clarity>);
// Definitions and scales in the set's order, as the criteria declare them.
static_assert(set::definitions[1] == "Whether the register suits the audience.");
static_assert(set::scales[0].max == 10 && set::scales[1].step == 0.25);
// A name built at compile time, numbers included.
static_assert(jg::fixed_string<16>("level-").append_number(-120).view() == "level--120");
static_assert(jg::fixed_string<8>("n").append_number(0).view() == "n0");

TEST_CASE("criteria: names in declaration order and iteration with the type in hand") {
  CHECK(set::names[0] == "clarity");
  CHECK(set::names[1] == "tone");
  std::vector<std::string> seen;
  set::for_each([&](auto c) {
    using C = typename decltype(c)::type;
    seen.push_back(std::string(C::name) + ":" + std::to_string(C::scale.levels()));
  });
  CHECK(seen == std::vector<std::string>{"clarity:10", "tone:5"});
}

TEST_CASE("score_scale: levels, values and membership") {
  constexpr jg::score_scale s{0, 1, 0.25};
  static_assert(s.levels() == 5);
  CHECK(s.value(3) == doctest::Approx(0.75));
  CHECK(s.contains(0.5));
  CHECK_FALSE(s.contains(0.3));
  CHECK_FALSE(s.contains(1.25));
  CHECK_FALSE(s.contains(std::numeric_limits<double>::quiet_NaN()));
  CHECK(s.span() == 1.0);
  constexpr jg::score_scale five{1, 5, 1};
  CHECK(five.contains(5));
  CHECK_FALSE(five.contains(4.5));
  CHECK_FALSE(five.contains(0));
}
}  // namespace test_core_criteria
