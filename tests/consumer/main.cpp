// Uses judgegrad the way research code does: headers only, through judgegrad::core.
#include <judgegrad/core.hpp>
#include <judgegrad/criteria.hpp>
#include <judgegrad/optim.hpp>

#include <fmt/core.h>

int main() {
  namespace jg = judgegrad;
  using v = jg::variant<jg::summeval::all, jg::ssc>;
  fmt::print("{}: {} criteria\n", v::name(), v::criteria::size);
}
