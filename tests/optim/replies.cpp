// Bad replies from the optimizer roles, through a whole step: an update without JSON, a criterion
// missing, an empty instruction, a keyed loss reply lacking a criterion. Each is repaired or the
// incumbent kept, the records say so, nothing crashes, and no instruction is ever empty.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/optim.hpp>

#include "scripted.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace test_optim_replies {

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
    for (std::size_t c = 0; c < se::size; ++c) e.gold[c] = static_cast<double>(1 + (i + 2 * c) % 5);
    d.examples.push_back(std::move(e));
  }
  return d;
}
const jg::data::splits<se> data{toy("train", 6), toy("val", 4), toy("test", 4)};

bool has_note(const jg::step_record& r, std::string_view text) {
  return std::any_of(r.notes.begin(), r.notes.end(), [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

template <class V>
jg::memory_sink run(scripted::backend& backend, std::size_t steps = 1, jg::run_settings s = {}) {
  jg::memory_sink sink;
  s.steps = steps;
  auto r = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), data, s, sink);
  REQUIRE(r.error.empty());
  for (const auto& step : r.steps)
    for (const auto& i : step.instructions) CHECK_FALSE(jg::text::trim(i).empty());
  return sink;
}

}  // namespace

TEST_CASE("a combined update without JSON is asked again, and the repair is used") {
  scripted::backend backend;
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::optimizer && r.messages.size() == 1) return scripted::text("I think the instructions are fine as they are.");
    return std::nullopt;  // the repair (three messages) gets the default JSON
  };
  auto sink = run<jg::variant<se, jg::ccc>>(backend);
  const auto& step = sink.steps[1];
  std::size_t updates = 0;
  for (const auto& c : step.calls)
    if (c.role == llm::role::optimizer) ++updates;
  CHECK(updates == 2);
  auto last = std::find_if(step.calls.rbegin(), step.calls.rend(), [](const auto& c) { return c.role == llm::role::optimizer; });
  CHECK(last->outcome == "repaired");
  CHECK(step.accepted[0].text == "new fluency");
}

TEST_CASE("a criterion still missing after the repair keeps its current instruction; the seed switch restores the seed") {
  for (bool seed_fallback : {false, true}) {
    CAPTURE(seed_fallback);
    scripted::backend backend;
    backend.override = [](const llm::request& r) -> std::optional<llm::result> {
      if (r.role != llm::role::optimizer) return std::nullopt;
      if (r.tag.step == 1) return std::nullopt;  // step 1 rewrites all four
      // Step 2 never gives coherence, and gives relevance empty.
      return scripted::text(R"({"instructions": {"fluency": "second fluency", "relevance": "  ", "consistency": "second consistency"}})");
    };
    jg::run_settings s;
    s.quirks.seed_fallback = seed_fallback;
    auto sink = run<jg::variant<se, jg::ssc>>(backend, 2, s);
    const auto& step = sink.steps[2];
    CHECK(step.accepted[0].text == "second fluency");
    CHECK(step.accepted[1].text == (seed_fallback ? "Rate from 1 to 5." : "new relevance"));
    CHECK(step.accepted[2].text == (seed_fallback ? "Rate from 1 to 5." : "new coherence"));
    CHECK(has_note(step, "no usable instruction for coherence"));
    CHECK(has_note(step, seed_fallback ? "keeps its seed instruction" : "keeps its current instruction"));
    // The repair asked for exactly the two missing criteria.
    const auto& repair = backend.batches[backend.batches.size() - 2].front();  // before the test evaluation
    REQUIRE(repair.messages.size() == 3);
    CHECK(repair.messages[2].content.find("relevance, coherence") != std::string::npos);
  }
}

TEST_CASE("a separate update that answers nothing keeps the incumbent's instruction; one that answers JSON is read") {
  scripted::backend backend;
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.role != llm::role::optimizer) return std::nullopt;
    if (r.tag.criterion == "fluency") return scripted::text("   ");
    if (r.tag.criterion == "relevance") return scripted::text(R"(```json
{"instruction": "Judge what matters."}
```)");
    if (r.tag.criterion == "coherence") return scripted::text("\u201cQuoted instruction.\u201d");
    return std::nullopt;
  };
  auto sink = run<jg::variant<se, jg::sss>>(backend);
  const auto& step = sink.steps[1];
  CHECK(step.accepted[0].text == "Rate from 1 to 5.");
  CHECK(step.accepted[1].text == "Judge what matters.");
  CHECK(step.accepted[2].text == "Quoted instruction.");
  CHECK(step.accepted[3].text == "new consistency");
  CHECK(has_note(step, "no usable instruction for fluency"));
}

TEST_CASE("structured merge: a keyed loss reply missing a criterion is asked again, then that criterion gets the whole reply") {
  scripted::backend backend;
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::loss) return scripted::text(R"({"fluency": "too lenient", "relevance": "fine", "coherence": "fine"})");
    return std::nullopt;
  };
  auto sink = run<jg::variant<se, jg::css, jg::merge::structured>>(backend);
  const auto& step = sink.steps[1];
  // 3 joint loss calls, 3 repairs, then the separate gradients.
  std::size_t loss_calls = 0;
  for (const auto& c : step.calls) loss_calls += c.role == llm::role::loss;
  CHECK(loss_calls == 6);
  CHECK(has_note(step, "had no part for consistency; it receives the whole reply"));
  std::size_t whole = 0, part = 0;
  for (const auto& t : step.critiques) whole += t.source == "whole", part += t.source == "part";
  CHECK(whole == 3);
  CHECK(part == 9);
  // Each separate gradient call saw only its own part.
  for (const auto& batch : backend.batches)
    for (const auto& r : batch)
      if (r.role == llm::role::gradient && r.tag.criterion == "fluency")
        CHECK(scripted::section_text(r, "Critique") == "too lenient");
}

TEST_CASE("a failed call of a stage is noted and the step goes on; all calls failed stops the run with the first error") {
  scripted::backend backend;
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::gradient && r.tag.criterion == "fluency")
      return llm::result(llm::error{llm::error_kind::server, 503, "request 0 (gradient): HTTP 503", "", 6});
    return std::nullopt;
  };
  auto sink = run<jg::variant<se, jg::sss>>(backend);
  CHECK(has_note(sink.steps[1], "gradient call for fluency"));
  CHECK(sink.steps[1].accepted[0].text == "new fluency");  // its update had no gradient, and still answered

  scripted::backend dead;
  dead.override = [](const llm::request& r) -> std::optional<llm::result> {
    return llm::result(llm::error{llm::error_kind::transport, 0, fmt::format("request (judge, {}): Couldn't connect to server", r.tag.example), "", 6});
  };
  jg::memory_sink sink2;
  jg::run_settings s;
  s.steps = 2;
  auto r = jg::optimize<jg::variant<se, jg::sss>>(dead, jg::judge::summeval_prompt<se>(), data, s, sink2);
  CHECK(r.error.find("all 4 calls failed") != std::string::npos);
  CHECK(r.error.find("Couldn't connect to server") != std::string::npos);
  CHECK(r.steps.empty());
  REQUIRE(sink2.steps.size() == 1);
  CHECK_FALSE(sink2.steps[0].error.empty());
}
}  // namespace test_optim_replies
