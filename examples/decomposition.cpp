// The decomposition modes: which stages of a TextGrad step run per criterion, and what that costs.
#include <judgegrad/optim/decomposition.hpp>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <fmt/core.h>

namespace jg = judgegrad;
namespace hana = boost::hana;

constexpr std::size_t criteria = 4, batch = 3;  // SummEval, the paper's batch size

int main() {
  fmt::print("mode  loss  gradient  update  total  in the paper\n");
  hana::for_each(hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc, jg::css, jg::csc, jg::ccs, jg::scs>, [](auto d) {
    using D = typename decltype(d)::type;
    constexpr auto c = D::calls(criteria, batch);
    fmt::print("{}   {:>4}  {:>8}  {:>6}  {:>5}  {}\n", D::name, c.loss, c.gradient, c.update, c.total(),
               D::in_paper ? "yes" : "no");
  });
}
