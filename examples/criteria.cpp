// Defining a criterion of your own, a set of criteria, and one value per criterion.
#include <judgegrad/core.hpp>
#include <judgegrad/criteria.hpp>

#include <fmt/core.h>

namespace jg = judgegrad;

// A criterion is any type with a name, a definition and a score scale.
struct helpfulness {
  static constexpr std::string_view name = "helpfulness";
  static constexpr std::string_view definition = "Whether the answer solves the user's actual problem.";
  static constexpr jg::score_scale scale{1, 7, 1};
};

using rubric = jg::criteria<helpfulness, jg::summeval::fluency>;

int main() {
  static_assert(rubric::index_of("fluency") == 1);
  jg::per_criterion<rubric, double> weights;
  jg::get<helpfulness>(weights) = 0.75;  // by type, checked at compile time
  weights.at("fluency") = 0.25;          // by name, checked at run time
  weights.for_each([](auto c, double w) {
    using C = typename decltype(c)::type;
    fmt::print("{:<12} scale {}..{}  weight {:.2f}\n", C::name, C::scale.min, C::scale.max, w);
  });
}
