#include <judgegrad/criteria.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace test_criteria_sets {

namespace jg = judgegrad;

template <class Set>
void check_set(const std::set<std::string>& expected, double lo, double hi) {
  std::set<std::string> names;
  Set::for_each([&](auto c) {
    using C = typename decltype(c)::type;
    static_assert(jg::criterion<C>);
    names.insert(std::string(C::name));
    CHECK(C::scale.min == lo);
    CHECK(C::scale.max == hi);
    CHECK(C::scale.step == 1);
    // A real definition: a full sentence or more, mentioning nothing of another set.
    CHECK(C::definition.size() > 60);
  });
  CHECK(names == expected);
}

TEST_CASE("SummEval: four criteria scored 1 to 5, in the reference's order") {
  check_set<jg::summeval::all>({"fluency", "coherence", "consistency", "relevance"}, 1, 5);
  CHECK(jg::summeval::all::names[0] == "fluency");
  CHECK(jg::summeval::all::names[1] == "relevance");
  CHECK(jg::summeval::all::names[2] == "coherence");
  CHECK(jg::summeval::all::names[3] == "consistency");
  CHECK(jg::summeval::fluency::scale.levels() == 5);
}

TEST_CASE("BRIGHTER: five emotions scored 0 to 3, in the data files' order") {
  check_set<jg::brighter::all>({"anger", "fear", "joy", "sadness", "surprise"}, 0, 3);
  CHECK(jg::brighter::all::index_of("surprise") == 4);
  CHECK(jg::brighter::joy::scale.levels() == 4);
}
}  // namespace test_criteria_sets
