// Uses judgegrad the way research code with its own backend does: judgegrad::core only.
#include <judgegrad/study.hpp>

#include <fmt/core.h>

#include <array>

namespace jg = judgegrad;

int main() {
  using v = jg::variant<jg::summeval::all, jg::ssc>;
  std::array<double, 4> gold{1, 2, 3, 4}, pred{1, 3, 2, 4};
  auto reply = jg::judge::parse_reply<jg::summeval::all>(R"({"fluency": 4, "relevance": 3, "coherence": 5, "consistency": 2})");
  fmt::print("{}: {} criteria, spearman {:.1f}, fluency {}\n", v::name(), v::criteria::size,
             jg::stats::spearman(gold, pred).value, *reply.scores[0].value);
}
