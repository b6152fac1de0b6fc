// An algorithm of your own, plugged into the loop without touching it: coordinate descent over the
// criteria. Each step asks TextGrad's stages for new instructions, keeps only one criterion's (in
// turn), and puts that candidate through the variant's gate. The loop does the rest: the seed
// prompt and the test split on schedule, the records, resuming. Run on the simulator.
#include <judgegrad/judgegrad.hpp>

#include <fmt/core.h>

namespace jg = judgegrad;

struct coordinate_descent {
  using family = jg::family::algorithm;
  static constexpr std::string_view name = "coordinate";

  template <jg::criteria_set Set>
  static void step(jg::run<Set>& run, jg::run_state<Set>& state, jg::step_record& record, std::int64_t step) {
    const std::size_t c = static_cast<std::size_t>(step - 1) % Set::size;  // this step's criterion
    auto incumbent = run.incumbent(state);
    auto proposal = run.propose(incumbent, record, step);  // the judge on the batch, then loss, gradient, update
    auto instructions = state.instructions;
    instructions[c] = proposal.instructions[c];
    record.notes.push_back(fmt::format("coordinate: {}", Set::names[c]));
    record.candidate = jg::named_instructions<Set>(instructions);
    auto candidate = run.candidate_of(incumbent, instructions);
    record.gate = run.gate(state, incumbent, candidate, record, step);
    if (record.gate.accepted) jg::adopt(state, candidate);
  }
};

int main() {
  using set = jg::summeval::all;
  auto paper = jg::data::summeval_paper<set>(jg::data::data_directory());
  auto world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
  auto split = jg::data::split_groups(paper.train, {0.5, 0.0}, 42);
  jg::data::splits<set> data{split.train, split.validation, paper.test};
  using variant = jg::variant<set, jg::sss, coordinate_descent, jg::gate::non_regression<jg::metric::mae>>;
  static_assert(variant::name() == "SSS/algorithm=coordinate/gate=mae");
  auto run = jg::optimize<variant>(world, jg::judge::summeval_prompt<set>(), data, {.steps = 4, .test_every = 2});
  for (const auto& s : run.steps) {
    fmt::print("step {}: {} ({})", s.step, s.step == 0 ? "seed" : s.changed ? "accepted" : "kept", s.gate.reason);
    if (s.test) {
      double sum = 0;
      for (const auto& m : s.test->metrics) sum += m.spearman;
      fmt::print(", mean test Spearman {:.3f}", sum / static_cast<double>(s.test->metrics.size()));
    }
    fmt::print("\n");
  }
  fmt::print("simulated: answers come from judgegrad's simulator, not a language model\n");
  return run.error.empty() ? 0 : 1;
}
