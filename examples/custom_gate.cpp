// A gate of your own, plugged into the loop without touching it: accept a candidate that beats the
// incumbent on more criteria than it loses (validation MAE, both judged afresh). Run on the simulator.
#include <judgegrad/judgegrad.hpp>

#include <fmt/core.h>

namespace jg = judgegrad;

struct majority {
  using family = jg::family::gate;
  static constexpr std::string_view name = "majority";
  static constexpr bool needs_validation = true, rescores_incumbent = true;
  template <class Scalar, class Set>
  static jg::gate::verdict decide(const jg::gate::evidence<Set>& e) {
    auto v = jg::gate::paired_scores<Scalar, jg::metric::mae>(e);  // per criterion, larger is better
    int wins = 0;
    for (std::size_t c = 0; c < Set::size; ++c) wins += (v.candidate_by_criterion[c] > v.incumbent_by_criterion[c]) - (v.candidate_by_criterion[c] < v.incumbent_by_criterion[c]);
    v.accept = wins > 0;
    v.reason = fmt::format("wins minus losses: {}", wins);
    return v;
  }
};

int main() {
  using set = jg::summeval::all;
  auto paper = jg::data::summeval_paper<set>(jg::data::data_directory());
  auto world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
  auto split = jg::data::split_groups(paper.train, {0.5, 0.0}, 42);
  jg::data::splits<set> data{split.train, split.validation, paper.test};
  auto run = jg::optimize<jg::variant<set, jg::ssc, majority>>(world, jg::judge::summeval_prompt<set>(), data, {.steps = 3});
  for (const auto& s : run.steps) fmt::print("step {}: {} ({})\n", s.step, s.changed ? "accepted" : "kept", s.gate.reason);
  fmt::print("simulated: answers come from judgegrad's simulator, not a language model\n");
  return run.error.empty() ? 0 : 1;
}
