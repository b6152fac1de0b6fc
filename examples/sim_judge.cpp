// The simulated LLM world, offline: judge a few SummEval summaries with the seed prompt, then run
// one hand-made TextGrad round (loss, gradient, optimizer) and judge again with the new
// instructions. Every reply is simulated and deterministic (docs/simulator.md).
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/optim/prompts/evaluator.hpp>
#include <judgegrad/optim/prompts/gradient.hpp>
#include <judgegrad/optim/prompts/loss.hpp>
#include <judgegrad/optim/prompts/update.hpp>
#include <judgegrad/sim.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <exception>

namespace jg = judgegrad;
using summeval = jg::summeval::all;

int main() try {
  // A world that knows the paper split's gold labels (JUDGEGRAD_DATA, else the data judgegrad ships).
  auto data = jg::data::summeval_paper<summeval>(jg::data::data_directory());
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
  std::vector<jg::protocol::score_line> scores;
  std::vector<jg::protocol::named_text> instructions;
  for (std::size_t c = 0; c < summeval::size; ++c) {
    scores.push_back({std::string(summeval::names[c]), parsed.scores[c].score(), *e.gold[c]});
    instructions.push_back({std::string(summeval::names[c]), prompt.instructions()[c]});
  }
  const auto style = jg::prompt_style::standard;
  std::string critique = ask(jg::llm::role::loss, jg::prompts::loss(style, scores));
  fmt::print("\nloss (simulated):\n{}", critique);

  // Gradient: one joint call covering all four criteria (as in SCC and CCC).
  std::vector<jg::protocol::group> critiques{{"", {critique}}};
  auto head = jg::judge::render_head(prompt, jg::judge::all_criteria<summeval>());
  auto sample = jg::judge::sample_fields(prompt, e);
  std::string gradient = ask(jg::llm::role::gradient,
                             jg::prompts::gradient(style, {head, sample, reply, critiques, instructions, false}));
  fmt::print("\ngradient (simulated):\n{}\n", gradient);
  for (std::size_t c = 0; c < summeval::size; ++c)
    fmt::print("  specificity for {}: {}\n", summeval::names[c],
               ask(jg::llm::role::evaluator, jg::prompts::specificity(style, summeval::names[c], gradient)));

  // Optimizer: a combined update answers JSON {"instructions": {...}}.
  std::vector<jg::protocol::group> feedback{{"fluency, relevance, coherence, consistency", {gradient}}};
  std::string update = ask(jg::llm::role::optimizer, jg::prompts::update(style, {instructions, head, {}, feedback, 0}));
  fmt::print("\noptimizer (simulated): {}\n", update);
  return 0;
} catch (const std::exception& ex) {
  fmt::print(stderr, "sim_judge: {}\n", ex.what());
  return 1;
}
