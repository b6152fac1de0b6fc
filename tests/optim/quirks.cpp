// Each of the reference's choices that faithful mode reproduces, shown on and off (the duplicated
// combined gradients are the merge slot: tests/optim/merge.cpp), and OPRO's loop.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/optim.hpp>

#include "scripted.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>

namespace test_optim_quirks {

namespace jg = judgegrad;
namespace llm = jg::llm;
using se = jg::summeval::all;

namespace {

jg::dataset<se> toy(std::string_view prefix, std::size_t n) {
  jg::dataset<se> d;
  for (std::size_t i = 0; i < n; ++i) {
    jg::example<se> e;
    e.id = fmt::format("{}{}", prefix, i);
    e.inputs = {{"text", fmt::format("Article {} {}.", prefix, i)}, {"machine_summary", fmt::format("Summary {}.", i)}};
    for (std::size_t c = 0; c < se::size; ++c) e.gold[c] = static_cast<double>(1 + (i + 3 * c) % 5);
    d.examples.push_back(std::move(e));
  }
  return d;
}
const jg::data::splits<se> data{toy("train", 12), toy("val", 4), toy("test", 4)};

/// A run of V with one switch set by `set`; every call of every step kept.
template <class V, class F>
std::pair<jg::run_result<se>, jg::memory_sink> run(scripted::backend& b, std::size_t steps, F&& set) {
  jg::run_settings s;
  s.steps = steps;
  set(s);
  jg::memory_sink sink;
  auto r = jg::optimize<V>(b, jg::judge::summeval_prompt<se>(), data, s, sink);
  return {std::move(r), std::move(sink)};
}

const llm::request* first_of(const scripted::backend& b, llm::role role, std::int64_t step, std::string_view stage) {
  for (const auto& batch : b.batches)
    for (const auto& r : batch)
      if (r.role == role && r.tag.step == step && r.tag.stage == stage) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("drop_output_format: once the update rewrote the prompt, the judge no longer sees the Output format block") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    scripted::backend b;
    auto [r, sink] = run<jg::variant<se, jg::ccc>>(b, 2, [&](auto& s) { s.quirks.drop_output_format = on; });
    REQUIRE(r.error.empty());
    const auto* step1 = first_of(b, llm::role::judge, 1, "train");
    const auto* step2 = first_of(b, llm::role::judge, 2, "train");
    CHECK(step1->messages[0].content.find("## Output format") != std::string::npos);  // the seed prompt has it
    CHECK((step2->messages[0].content.find("## Output format") == std::string::npos) == on);
  }
}

TEST_CASE("validation_from_train: validation items overlap the training split; otherwise the validation split") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    scripted::backend b;
    auto [r, sink] = run<jg::variant<se, jg::ccc, jg::gate::non_regression<jg::metric::mae>>>(b, 1, [&](auto& s) {
      s.quirks.validation_from_train = on;
      s.validation = 5;
    });
    REQUIRE(r.error.empty());
    std::set<std::string> ids;
    for (const auto& e : sink.steps[1].evaluations)
      if (e.split == "validation")
        for (const auto& item : e.items) ids.insert(item.id);
    CHECK(ids.size() == (on ? 5u : 4u));
    for (const auto& id : ids) CHECK(id.starts_with(on ? "train" : "val"));
  }
}

TEST_CASE("positional_ids: records name examples by step and position, as the reference did") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    scripted::backend b;
    auto [r, sink] = run<jg::variant<se, jg::ccc>>(b, 1, [&](auto& s) { s.quirks.positional_ids = on; });
    for (const auto& id : sink.steps[1].batch) CHECK(id.starts_with(on ? "step1_sample" : "train"));
    CHECK(sink.steps[1].evaluations.back().items[0].id == (on ? "step1_sample0" : "test0"));
  }
}

TEST_CASE("reference_batches: step s takes the first B rows of train shuffled with seed s; otherwise disjoint batches per epoch") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    scripted::backend b;
    auto [r, sink] = run<jg::variant<se, jg::ccc>>(b, 4, [&](auto& s) { s.quirks.reference_batches = on; });
    std::set<std::string> seen;
    for (std::size_t step = 1; step <= 4; ++step) {
      std::vector<std::string> want;
      auto rows = on ? [&] {
        auto p = jg::data::permutation(12, static_cast<std::uint32_t>(step));
        return std::vector<std::size_t>(p.begin(), p.begin() + 3);
      }()
                     : jg::data::batch_schedule(12, 3, 42)(step - 1);
      for (auto row : rows) want.push_back(fmt::format("train{}", row));
      CHECK(sink.steps[step].batch == want);
      for (const auto& id : sink.steps[step].batch) seen.insert(id);
    }
    if (!on) CHECK(seen.size() == 12);  // four disjoint batches of three cover the twelve rows
  }
}

TEST_CASE("the judge's 5% abort (the reference's failure policy) ends the run; by default a bad reply is repaired") {
  for (bool faithful : {false, true}) {
    CAPTURE(faithful);
    scripted::backend b;
    std::string bad;  // the first example of step 1's batch answers with no scores
    b.override = [&bad](const llm::request& r) -> std::optional<llm::result> {
      if (r.role != llm::role::judge || r.tag.step != 1 || r.tag.stage != "train" || r.messages.size() != 1) return std::nullopt;
      if (bad.empty()) bad = r.tag.example;
      if (r.tag.example == bad) return scripted::text("I cannot score this.");
      return std::nullopt;
    };
    auto [r, sink] = run<jg::variant<se, jg::ccc>>(b, 2, [&](auto& s) {
      if (faithful) s.judge = jg::judge::judge_settings::faithful();
    });
    if (faithful) {
      CHECK(r.error.find("1 of 3 items have no valid score") != std::string::npos);
      CHECK(r.error.find("repair rounds are off in faithful mode") != std::string::npos);
      CHECK(r.steps.size() == 1);  // step 0 only
      CHECK(r.state.step == 0);    // resumable from step 0
    } else {
      CHECK(r.error.empty());
      CHECK(r.steps.size() == 3);
    }
  }
}

TEST_CASE("OPRO: candidates from the scored history, best-so-far kept unless the reference's unconditional switch") {
  using V = jg::variant<se, jg::algorithm::opro<jg::metric::mae>>;
  for (bool unconditional : {false, true}) {
    CAPTURE(unconditional);
    scripted::backend b;
    // The judge gives every criterion 3 under the seed prompt, and 1 under any candidate: worse.
    b.override = [](const llm::request& r) -> std::optional<llm::result> {
      if (r.role != llm::role::judge) return std::nullopt;
      bool seed = r.messages[0].content.find("- fluency: Rate from 1 to 5.") != std::string::npos;
      int v = seed ? 3 : 1;
      return scripted::text(fmt::format(R"({{"fluency": {0}, "relevance": {0}, "coherence": {0}, "consistency": {0}}})", v));
    };
    auto [r, sink] = run<V>(b, 2, [&](auto& s) {
      s.opro.candidates = 4;
      s.quirks.opro_unconditional = unconditional;
    });
    REQUIRE(r.error.empty());
    // One batch of 4 candidates per step, each a distinct sample (repeat 0..3), one judge batch for them.
    std::size_t optimizer = 0;
    for (const auto& c : sink.steps[1].calls) optimizer += c.role == llm::role::optimizer;
    CHECK(optimizer == 4);
    CHECK(r.steps[1].changed == unconditional);
    CHECK((r.steps[1].instructions[0] == "Rate from 1 to 5.") == !unconditional);
  }
}

TEST_CASE("OPRO: the meta-prompt ranks the history worst first; demonstrations exclude the batch unless the reference's switch") {
  using V = jg::variant<se, jg::algorithm::opro<>>;
  for (bool from_batch : {false, true}) {
    CAPTURE(from_batch);
    scripted::backend b;
    auto [r, sink] = run<V>(b, 2, [&](auto& s) {
      s.opro.candidates = 3;
      s.opro.demonstrations = 12;  // every row that may be shown
      s.quirks.opro_demos_from_batch = from_batch;
    });
    REQUIRE(r.error.empty());
    const auto* meta = first_of(b, llm::role::optimizer, 2, "opro");
    REQUIRE(meta);
    std::string examples = scripted::section_body(*meta, "Examples");
    std::size_t shown = 0;
    for (const auto& e : data.train.examples) shown += examples.find(e.inputs[0].text) != std::string::npos;
    CHECK(shown == (from_batch ? 12u : 9u));  // the fixed batch's three rows left out
    auto sets = jg::protocol::read_scored_sets(scripted::section_body(*meta, "Past instructions"));
    REQUIRE(sets.size() >= 2);
    for (std::size_t k = 1; k < sets.size(); ++k) CHECK(sets[k - 1].score <= sets[k].score);
  }
}
}  // namespace test_optim_quirks
