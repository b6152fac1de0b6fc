// One TextGrad step in each of the 8 decomposition modes, against a scripted backend: the exact
// sequence of batches, the calls per role per step, and what each call sees (the reference's
// information table); in faithful mode the calls per step per role equal the reference's table
// (reference notes 1.8), and the default mode never makes more.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/optim.hpp>

#include "scripted.hpp"

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

namespace test_optim_steps {

namespace jg = judgegrad;
namespace hana = boost::hana;
namespace llm = jg::llm;
using se = jg::summeval::all;

namespace {

jg::dataset<se> toy(std::string_view prefix, std::size_t n) { return scripted::summeval_rows(prefix, n); }

const jg::data::splits<se>& data() {
  static const jg::data::splits<se> d{toy("train", 9), toy("val", 4), toy("test", 5)};
  return d;
}

std::vector<std::string> roles_of(const std::vector<llm::request>& batch) {
  std::vector<std::string> out;
  for (const auto& r : batch) out.emplace_back(llm::to_string(r.role));
  return out;
}

/// Calls per role in the batches of one step.
std::map<std::string, std::size_t> per_role(const jg::step_record& r) {
  std::map<std::string, std::size_t> out;
  for (const auto& c : r.calls) ++out[fmt::format("{}:{}", llm::to_string(c.role), c.tag.stage)];
  return out;
}

}  // namespace

TEST_CASE("every mode: one batch per stage, in order, sized by its partition") {
  constexpr std::size_t K = 4, B = 3, N = 5;
  auto modes = hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc, jg::css, jg::csc, jg::ccs, jg::scs>;
  hana::for_each(modes, [&](auto mode) {
    using D = typename decltype(mode)::type;
    using V = jg::variant<se, D>;
    CAPTURE(V::name());
    scripted::backend backend;
    jg::memory_sink sink;
    jg::run_settings s;
    s.steps = 1;
    s.batch = B;
    auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), data(), s, sink);
    REQUIRE(result.error.empty());
    // Step 0: the seed prompt on test. Step 1: the judge on the batch, loss, gradient, update, test.
    REQUIRE(backend.batches.size() == 6);
    std::size_t loss = D::loss::letter == 'S' ? K * B : B, gradient = D::gradient::letter == 'S' ? K * B : B,
                update = D::update::letter == 'S' ? K : 1;
    std::vector<std::size_t> sizes;
    for (const auto& b : backend.batches) sizes.push_back(b.size());
    CHECK(sizes == std::vector<std::size_t>{N, B, loss, gradient, update, N});
    CHECK(roles_of(backend.batches[2]) == std::vector<std::string>(loss, "loss"));
    CHECK(roles_of(backend.batches[3]) == std::vector<std::string>(gradient, "gradient"));
    CHECK(roles_of(backend.batches[4]) == std::vector<std::string>(update, "optimizer"));
    CHECK(D::calls(K, B) == jg::stage_calls{loss, gradient, update});

    // What each gradient call sees: its criteria's instructions, and critiques concerning them.
    for (const auto& r : backend.batches[3]) {
      auto instructions = scripted::entry_names(r, "Instructions");
      std::string critique = scripted::section_text(r, "Critique");
      std::string output = scripted::section_text(r, "Judge output");
      std::string judge_prompt = scripted::section_body(r, "Judge prompt");  // escaped: entries start " - "
      if (D::gradient::letter == 'S') {
        REQUIRE(instructions.size() == 1);
        CHECK(r.tag.criterion == instructions[0]);
        CHECK(output.find(instructions[0] + ": 3") != std::string::npos);  // its score, not the raw reply
        for (auto n : se::names) {
          bool own = n == instructions[0];
          // The judge prompt filtered to the criterion.
          CHECK((judge_prompt.find(fmt::format(" - {}: ", n)) != std::string::npos) == own);
          if (D::loss::letter == 'S') CHECK((critique.find(fmt::format("critique of {} on", n)) != std::string::npos) == own);
        }
        if (D::loss::letter == 'C') CHECK(critique.find("critique of fluency+relevance+coherence+consistency") != std::string::npos);
      } else {
        CHECK(instructions.size() == K);
        CHECK(output.find("\"fluency\": 3") != std::string::npos);  // the judge's reply itself
        for (auto n : se::names) {
          CHECK(judge_prompt.find(fmt::format(" - {}: ", n)) != std::string::npos);
          if (D::loss::letter == 'S') CHECK(critique.find(fmt::format("critique of {} on", n)) != std::string::npos);
        }
      }
    }
    // What each update call sees: one instruction when separate, all when combined.
    for (const auto& r : backend.batches[4]) {
      auto instructions = scripted::entry_names(r, "Instructions");
      std::string feedback = scripted::section_text(r, "Feedback");
      CHECK(instructions.size() == (D::update::letter == 'S' ? 1 : K));
      if (D::update::letter == 'S' && D::gradient::letter == 'S') {
        for (auto n : se::names) CHECK((feedback.find(fmt::format("gradient for {} on", n)) != std::string::npos) == (n == instructions[0]));
      }
      CHECK(feedback.find("gradient for") != std::string::npos);
    }
    // The candidate took every rewritten instruction.
    CHECK(result.steps.back().instructions[0] == "new fluency");
    CHECK(sink.steps.size() == 2);
  });
}

TEST_CASE("faithful calls per step per role equal the reference's table; the default mode makes no more") {
  constexpr std::size_t K = 4, B = 3, V = 4, N = 5;
  auto modes = hana::tuple_t<jg::sss, jg::ssc, jg::scc, jg::ccc>;
  hana::for_each(modes, [&](auto mode) {
    using D = typename decltype(mode)::type;
    using variant = jg::variant<se, D, jg::merge::concatenate, jg::gate::non_regression<jg::metric::mae>>;
    CAPTURE(variant::name());
    for (bool faithful : {true, false}) {
      CAPTURE(faithful);
      scripted::backend backend;
      // A candidate per step that differs from the last; every candidate ties and is accepted.
      backend.override = [](const llm::request& r) -> std::optional<llm::result> {
        if (r.role != llm::role::optimizer) return std::nullopt;
        auto names = scripted::entry_names(r, "Instructions");
        std::vector<jg::protocol::named_text> set;
        for (const auto& n : names) set.push_back({n, fmt::format("new {} at step {}", n, r.tag.step)});
        return scripted::text(names.size() == 1 ? set[0].text : jg::protocol::write_instructions_json(set));
      };
      jg::memory_sink sink;
      jg::run_settings s = faithful ? jg::run_settings::faithful() : jg::run_settings{};
      s.steps = 3;
      s.batch = B;
      s.validation = V;
      if (faithful) s.quirks.validation_from_train = false;  // the toy train split is too small to carve 4 + 3 out of
      s.quirks.reference_batches = false;
      auto result = jg::optimize<variant>(backend, jg::judge::summeval_prompt<se>(), data(), s, sink);
      REQUIRE(result.error.empty());
      REQUIRE(sink.steps.size() == 4);
      CHECK(per_role(sink.steps[0]) == std::map<std::string, std::size_t>{{"judge:test", N}});
      for (std::size_t step = 1; step <= 3; ++step) {
        CAPTURE(step);
        std::map<std::string, std::size_t> want{
            {"judge:train", B},
            {"loss:loss", D::loss::letter == 'S' ? K * B : B},
            {"gradient:gradient", D::gradient::letter == 'S' ? K * B : B},
            {"optimizer:update", D::update::letter == 'S' ? K : 1},
            {"judge:validation", step == 1 ? 2 * V : V},  // the incumbent is judged at the first gate only
            {"judge:test", N}};
        CHECK(per_role(sink.steps[step]) == want);
        CHECK(sink.steps[step].gate.accepted);
      }
    }
  });
}

TEST_CASE("an unchanged prompt is never judged again by default; the faithful switch re-evaluates it") {
  // The update always proposes what the incumbent already says: nothing changes after step 1.
  for (bool reevaluate : {false, true}) {
    CAPTURE(reevaluate);
    scripted::backend backend;
    jg::memory_sink sink;
    jg::run_settings s;
    s.steps = 3;
    s.quirks.reevaluate_unchanged = reevaluate;
    using V = jg::variant<se, jg::ccc, jg::gate::non_regression<jg::metric::mae>>;
    auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), data(), s, sink);
    REQUIRE(result.error.empty());
    // Step 1 changes every instruction to "new <name>"; steps 2 and 3 propose the same again.
    for (std::size_t step = 2; step <= 3; ++step) {
      auto calls = per_role(sink.steps[step]);
      CHECK(calls["judge:test"] == (reevaluate ? 5u : 0u));
      CHECK(calls["judge:validation"] == (reevaluate ? 4u : 0u));
      const auto& test = sink.steps[step].evaluations.back();
      CHECK(test.split == "test");
      CHECK(test.reused == !reevaluate);
      if (reevaluate) CHECK(test.repeat == step - 1);  // a fresh sample of the same prompt
    }
  }
}

TEST_CASE("a variant chosen by name at run time runs with everything static inside") {
  constexpr auto grid = jg::grid<se>(hana::tuple_t<jg::sss, jg::ccc>, hana::tuple_t<jg::gate::always, jg::gate::non_regression<jg::metric::mae>>);
  auto handle = jg::find_variant(grid, "CCC/gate=mae");
  REQUIRE(handle);
  scripted::backend backend;
  auto calls = handle->visit([&](auto v) {
    using V = typename decltype(v)::type;
    jg::memory_sink sink;
    CHECK(V::name() == "CCC/gate=mae");
    auto r = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), data(), {.steps = 1}, sink);
    return r.error.empty() ? sink.steps[1].calls.size() : std::size_t{0};
  });
  CHECK(calls == 3 + 3 + 3 + 1 + 2 * 4 + 5);  // judge, loss, gradient, update, first gate (both), test
}
}  // namespace test_optim_steps
