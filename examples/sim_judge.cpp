// The simulated LLM world, offline: judge a few SummEval summaries with the seed prompt, then run
// one hand-made TextGrad round (loss, gradient, optimizer) and judge again with the new
// instructions. Every reply is simulated and deterministic (docs/simulator.md).
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/sim.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <exception>

namespace jg = judgegrad;
using summeval = jg::summeval::all;

int main() try {
  // A world that knows the paper split's gold labels (JUDGEGRAD_DATA, else ../shared/data).
  auto data = jg::data::summeval_paper<summeval>(jg::data::data_directory(std::nullopt, "../shared/data"));
  jg::sim::world world = jg::sim::world::of(jg::sim::preset("paper"), data.train, data.test);

  auto ask = [&](jg::llm::role role, std::string prompt) {
    jg::llm::request r;
    r.role = role;
    r.messages.push_back({"user", std::move(prompt)});
    return world.respond(r).content;
  };

  auto prompt = jg::judge::summeval_prompt<summeval>();
  const auto& e = data.train[0];
  std::string reply = ask(jg::llm::role::judge, jg::judge::render(prompt, e));
  auto parsed = jg::judge::parse_reply<summeval>(reply);
  fmt::print("judge (simulated): {}\n", reply);

  // Loss: one combined critique of the four scores against the human ones.
  std::vector<jg::sim::score_line> scores;
  std::vector<jg::sim::named_text> instructions;
  for (std::size_t c = 0; c < summeval::size; ++c) {
    scores.push_back({std::string(summeval::names[c]), parsed.scores[c].score(), *e.gold[c]});
    instructions.push_back({std::string(summeval::names[c]), prompt.instructions()[c]});
  }
  std::string critique = ask(jg::llm::role::loss, jg::sim::loss_prompt(scores));
  fmt::print("\nloss (simulated):\n{}", critique);

  // Gradient: one joint call covering all four criteria (as in SCC and CCC).
  std::string gradient = ask(jg::llm::role::gradient,
                             jg::sim::gradient_prompt(instructions, {{"Summary", e.inputs[1].text}}, reply, critique));
  fmt::print("\ngradient (simulated):\n{}\n", gradient);
  for (std::size_t c = 0; c < summeval::size; ++c)
    fmt::print("  specificity for {}: {}\n", summeval::names[c],
               ask(jg::llm::role::evaluator, jg::sim::specificity_prompt(summeval::names[c], gradient)));

  // Optimizer: a combined update answers JSON {"instructions": {...}}.
  std::string update = ask(jg::llm::role::optimizer, jg::sim::optimizer_prompt(instructions, "", {{"", gradient}}));
  fmt::print("\noptimizer (simulated): {}\n", update);
  return 0;
} catch (const std::exception& ex) {
  fmt::print(stderr, "sim_judge: {}\n", ex.what());
  return 1;
}
