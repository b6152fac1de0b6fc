// Paths through the optimizer loop, against a scripted backend whose judge reads its scores off the
// instructions it is shown: a candidate the gate rejects leaves the incumbent in force for the next
// step; the paired gate's margin and the Pareto gate's tolerance at their exact boundaries; the
// paired bootstrap's decision; the per-criterion and prefix-shared layouts inside a run (every judge
// call's text); the modes CSS, CSC, CCS and SCS over two steps (every loss, gradient and update call
// and what it sees); and test_every (which steps judge test). The gates' numbers are multiples of
// 1/32, exact in binary, and compared with ==.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/optim.hpp>

#include "scripted.hpp"
#include "../support/halves_layout.hpp"

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace test_optim_paths {

namespace jg = judgegrad;
namespace hana = boost::hana;
namespace llm = jg::llm;
namespace protocol = jg::protocol;
using se = jg::summeval::all;

namespace {

constexpr std::size_t K = se::size;

std::vector<std::string> all_names() { return std::vector<std::string>(se::names.begin(), se::names.end()); }

using scripted::summeval_rows;  // n examples named prefix0, prefix1, ...; gold 1 + (i + c) % 5, or one flat score

/// For the gates: 8 validation items with gold 3 on every criterion, so that MAE is the mean
/// distance from 3 and moves in steps of 1/8.
const jg::data::splits<se>& gate_data() {
  static const jg::data::splits<se> d{summeval_rows("train", 6), summeval_rows("val", 8, 3.0), summeval_rows("test", 2)};
  return d;
}

const jg::data::splits<se>& plain_data() {
  static const jg::data::splits<se> d{summeval_rows("train", 9), summeval_rows("val", 4), summeval_rows("test", 5)};
  return d;
}

const jg::example<se>& example_named(const jg::data::splits<se>& d, std::string_view id) {
  for (const auto* part : {&d.train, &d.validation, &d.test})
    for (const auto& e : part->examples)
      if (e.id == id) return e;
  FAIL("no example " << id);
  return d.train.examples.front();
}

/// The number an id ends with: "val5" -> 5.
std::size_t number_of(std::string_view id) {
  std::size_t at = id.find_last_not_of("0123456789");
  std::size_t n = 0;
  for (char ch : id.substr(at == std::string_view::npos ? 0 : at + 1)) n = n * 10 + static_cast<std::size_t>(ch - '0');
  return n;
}

/// The score the judge of these tests gives under the instruction `instruction` to item number
/// `item`: an instruction "scores a b c ..." gives a to item 0, b to item 1, and so on, cycling
/// ("scores 4" gives 4 to every item; words after the numbers are ignored); any other gives 3.
double score_for(std::string_view instruction, std::size_t item) {
  std::vector<double> list;
  if (instruction.starts_with("scores ")) {
    std::istringstream in{std::string(instruction.substr(7))};
    for (double x = 0; in >> x;) list.push_back(x);
  }
  return list.empty() ? 3.0 : list[item % list.size()];
}

/// The entries of the Instructions section of a request: the instructions it shows.
std::vector<protocol::named_text> instructions_in(const llm::request& r) {
  std::string body = scripted::section_body(r, "Instructions");
  return protocol::read_entries(body);
}

/// The instruction a request shows for `name` ("" when it shows none).
std::string instruction_in(const llm::request& r, std::string_view name) {
  for (auto& e : instructions_in(r))
    if (e.name == name) return e.text;
  return {};
}

/// The judge reading its scores off the instructions (score_for), one score per instruction shown.
llm::result judge_reading_instructions(const llm::request& r) {
  std::size_t item = number_of(r.tag.example);
  std::string json = "{";
  for (const auto& e : instructions_in(r)) json += fmt::format("{}\"{}\": {}", json.size() > 1 ? ", " : "", e.name, score_for(e.text, item));
  return scripted::text(json + "}");
}

/// An update reply giving each instruction the request shows the text `next(name, current text)`:
/// the text alone for one instruction, {"instructions": {...}} for several.
template <class Next>
llm::result update_reply(const llm::request& r, Next&& next) {
  std::vector<protocol::named_text> set;
  for (const auto& e : instructions_in(r)) set.push_back({e.name, next(e.name, e.text)});
  return scripted::text(set.size() == 1 ? set[0].text : protocol::write_instructions_json(set));
}

/// Per step, the instructions the update proposes by criterion; a criterion left out keeps the text
/// the update call shows for it (the incumbent's).
using proposals = std::map<std::int64_t, std::map<std::string, std::string>>;

/// The replies of a gate run: the judge reads its scores off the instructions, the update proposes
/// `plan`, the loss and gradient roles answer as scripted::backend does.
std::function<std::optional<llm::result>(const llm::request&)> scripted_run(proposals plan) {
  return [plan = std::move(plan)](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::judge) return judge_reading_instructions(r);
    if (r.role != llm::role::optimizer) return std::nullopt;
    auto at = plan.find(r.tag.step);
    return update_reply(r, [&](const std::string& name, const std::string& current) {
      if (at == plan.end()) return current;
      auto p = at->second.find(name);
      return p == at->second.end() ? current : p->second;
    });
  };
}

/// An update that writes "<criterion> v<step>" for every instruction: each step changes them all.
std::optional<llm::result> versioned_update(const llm::request& r) {
  if (r.role != llm::role::optimizer) return std::nullopt;
  return update_reply(r, [&](const std::string& name, const std::string&) { return fmt::format("{} v{}", name, r.tag.step); });
}

/// The seed prompt with `instruction` for every criterion.
jg::judge_prompt<se> seeded(const std::string& instruction) {
  return jg::judge_prompt<se>(jg::judge::summeval_skeleton(), jg::per_criterion<se, std::string>::filled(instruction));
}

/// The requests of `step` with this role and stage, in the order they were sent.
std::vector<llm::request> calls_of(const scripted::backend& b, std::int64_t step, llm::role role, std::string_view stage) {
  std::vector<llm::request> out;
  for (const auto& batch : b.batches)
    for (const auto& r : batch)
      if (r.tag.step == step && r.role == role && r.tag.stage == stage) out.push_back(r);
  return out;
}

/// How many batches hold requests of `step` with this role and stage.
std::size_t batches_with(const scripted::backend& b, std::int64_t step, llm::role role, std::string_view stage) {
  return static_cast<std::size_t>(std::count_if(b.batches.begin(), b.batches.end(), [&](const std::vector<llm::request>& batch) {
    return std::any_of(batch.begin(), batch.end(), [&](const llm::request& r) { return r.tag.step == step && r.role == role && r.tag.stage == stage; });
  }));
}

std::size_t evaluations_of(const jg::step_record& r, std::string_view split) {
  return static_cast<std::size_t>(std::count_if(r.evaluations.begin(), r.evaluations.end(), [&](const auto& e) { return e.split == split; }));
}

/// A two-step run of V from the seed "scores 4" on the gate data, the update proposing `plan`.
struct gate_run {
  scripted::backend backend;
  jg::memory_sink sink;
  jg::run_result<se> result;
};

template <class V>
gate_run two_steps(proposals plan) {
  gate_run g;
  g.backend.override = scripted_run(std::move(plan));
  jg::run_settings s;
  s.steps = 2;
  s.batch = 3;
  g.result = jg::optimize<V>(g.backend, seeded("scores 4"), gate_data(), s, g.sink);
  return g;
}

/// A gate that rescores the incumbent judges, at `step`, the candidate's prompt on every validation
/// item and then the incumbent's afresh (a fresh sample: repeat = the step), in one batch.
void check_rescored(const gate_run& g, std::int64_t step) {
  CAPTURE(step);
  const auto& rec = g.sink.steps[static_cast<std::size_t>(step)];
  const std::size_t V = gate_data().validation.size();
  auto calls = calls_of(g.backend, step, llm::role::judge, "validation");
  REQUIRE(calls.size() == 2 * V);
  CHECK(batches_with(g.backend, step, llm::role::judge, "validation") == 1);
  for (std::size_t k = 0; k < calls.size(); ++k) {
    bool candidate = k < V;
    CHECK(calls[k].tag.example == fmt::format("val{}", k % V));
    CHECK(instructions_in(calls[k]) == (candidate ? rec.candidate : rec.incumbent));
    CHECK(calls[k].repeat == (candidate ? 0u : static_cast<std::uint32_t>(step)));
  }
  CHECK(evaluations_of(rec, "validation") == 2);
}

}  // namespace

TEST_CASE("a candidate the gate rejects leaves the incumbent in force: the next step judges and rewrites the incumbent's prompt") {
  using V = jg::variant<se, jg::ssc, jg::gate::non_regression<jg::metric::mae>>;
  // Validation gold is 3 everywhere; the seed makes the judge answer 4 (MAE 1 on every criterion,
  // score -1). Step 1 proposes fluency "scores 5" (MAE 2 on fluency: score -1.25, worse); step 2
  // proposes fluency "scores 3" (MAE 0 on fluency: score -0.75, better).
  auto g = two_steps<V>({{1, {{"fluency", "scores 5"}}}, {2, {{"fluency", "scores 3"}}}});
  const auto& backend = g.backend;
  const auto& sink = g.sink;
  const auto& result = g.result;
  REQUIRE(result.error.empty());
  REQUIRE(result.steps.size() == 3);
  REQUIRE(sink.steps.size() == 3);
  const auto& seed = seeded("scores 4");

  // Step 1: the first gate judges candidate and incumbent, rejects, and records the incumbent as
  // what stays in force.
  const auto& one = result.steps[1];
  CHECK(one.gate.evaluated);
  CHECK_FALSE(one.gate.accepted);
  CHECK_FALSE(one.changed);
  CHECK(one.gate.candidate == -1.25);
  CHECK(one.gate.incumbent == -1.0);
  CHECK(one.instructions == seed.instructions());
  CHECK(sink.steps[1].candidate[0] == protocol::named_text{"fluency", "scores 5"});
  CHECK(sink.steps[1].accepted == sink.steps[1].incumbent);
  CHECK(calls_of(backend, 1, llm::role::judge, "validation").size() == 16);
  // The prompt in force did not change, so its test predictions are reused: no test call.
  REQUIRE(one.test.has_value());
  CHECK(one.test->reused);
  CHECK(calls_of(backend, 1, llm::role::judge, "test").empty());

  // Step 2 starts from the incumbent: its record, and every call of its stages, show "scores 4"
  // for fluency, never the rejected "scores 5".
  CHECK(sink.steps[2].incumbent[0] == protocol::named_text{"fluency", "scores 4"});
  auto train = calls_of(backend, 2, llm::role::judge, "train");
  REQUIRE(train.size() == 3);
  for (const auto& r : train) {
    // Exactly the seed prompt on the example: the incumbent's text, whole.
    CHECK(r.messages.front().content == jg::judge::render(seed, example_named(gate_data(), r.tag.example)));
    CHECK(r.messages.front().content.find("scores 5") == std::string::npos);
  }
  // The loss sees the incumbent's scores (4), not what the rejected candidate would have made the judge say (5).
  auto loss = calls_of(backend, 2, llm::role::loss, "loss");
  REQUIRE(loss.size() == K * 3);
  for (const auto& r : loss) {
    std::string body = scripted::section_body(r, "Scores");
    for (const auto& e : protocol::read_entries(body)) CHECK(e.text.starts_with("predicted 4,"));
  }
  auto gradient = calls_of(backend, 2, llm::role::gradient, "gradient");
  REQUIRE(gradient.size() == K * 3);
  for (const auto& r : gradient) {
    CHECK(instruction_in(r, r.tag.criterion) == "scores 4");
    CHECK(scripted::section_body(r, "Judge prompt").find("scores 5") == std::string::npos);
  }
  auto update = calls_of(backend, 2, llm::role::optimizer, "update");
  REQUIRE(update.size() == 1);
  CHECK(instruction_in(update[0], "fluency") == "scores 4");
  CHECK(update[0].messages.front().content.find("scores 5") == std::string::npos);

  // Step 2's gate judges only the candidate, against the bar cached from the incumbent at step 1.
  auto validation = calls_of(backend, 2, llm::role::judge, "validation");
  REQUIRE(validation.size() == 8);
  for (const auto& r : validation) CHECK(instruction_in(r, "fluency") == "scores 3");
  const auto& two = result.steps[2];
  CHECK(two.gate.accepted);
  CHECK(two.changed);
  CHECK(two.gate.incumbent == -1.0);
  CHECK(two.gate.candidate == -0.75);
  CHECK(two.instructions[0] == "scores 3");
  // The new prompt is judged on test.
  auto test = calls_of(backend, 2, llm::role::judge, "test");
  REQUIRE(test.size() == 2);
  for (const auto& r : test) CHECK(instruction_in(r, "fluency") == "scores 3");
}

TEST_CASE("paired gate in the loop: a gain exactly at the margin is rejected, the least gain above it accepted; both prompts judged afresh") {
  // Gold 3 on 8 validation items; the seed's "scores 4" gives MAE 1 per criterion, score -1.
  SUBCASE("margin 0.25") {
    using V = jg::variant<se, jg::ccc, jg::gate::paired<jg::metric::mae, 250>>;
    // Step 1: fluency exact (MAE 0): (0 - 1 - 1 - 1) / 4 = -0.75, a gain of exactly 0.25.
    // Step 2: fluency exact and relevance exact on one item of 8 (MAE 0.875): -2.875 / 4 = -0.71875,
    // a gain of 0.28125, the least above 0.25 that 8 items allow.
    auto g = two_steps<V>({{1, {{"fluency", "scores 3"}}}, {2, {{"fluency", "scores 3"}, {"relevance", "scores 3 4 4 4 4 4 4 4"}}}});
    REQUIRE(g.result.error.empty());
    const auto& one = g.result.steps[1].gate;
    CHECK(one.evaluated);
    CHECK(one.candidate == -0.75);
    CHECK(one.incumbent == -1.0);
    CHECK(one.candidate - one.incumbent == 0.25);
    CHECK_FALSE(one.accepted);
    CHECK_FALSE(g.result.steps[1].changed);
    CHECK(one.reason.find("<= margin 0.25") != std::string::npos);
    const auto& two = g.result.steps[2].gate;
    CHECK(two.incumbent == -1.0);  // the seed again: step 1 changed nothing
    CHECK(two.candidate == -0.71875);
    CHECK(two.accepted);
    CHECK(g.result.steps[2].changed);
    CHECK(g.result.steps[2].instructions[1] == "scores 3 4 4 4 4 4 4 4");
    check_rescored(g, 1);
    check_rescored(g, 2);
  }
  SUBCASE("margin 0: a tie is rejected") {
    using V = jg::variant<se, jg::ccc, jg::gate::paired<jg::metric::mae>>;
    // Step 1: another text with the same scores, a gain of 0 (non_regression would take the tie).
    // Step 2: fluency exact on one item of 8 (MAE 0.875): -3.875 / 4 = -0.96875, a gain of 1/32.
    auto g = two_steps<V>({{1, {{"fluency", "scores 4 once more"}}}, {2, {{"fluency", "scores 3 4 4 4 4 4 4 4"}}}});
    REQUIRE(g.result.error.empty());
    const auto& one = g.result.steps[1].gate;
    CHECK(one.evaluated);
    CHECK(one.candidate == -1.0);
    CHECK(one.incumbent == -1.0);
    CHECK_FALSE(one.accepted);
    CHECK(one.reason.find("<= margin 0") != std::string::npos);
    CHECK(g.result.steps[1].instructions[0] == "scores 4");
    const auto& two = g.result.steps[2].gate;
    CHECK(two.incumbent == -1.0);
    CHECK(two.candidate == -0.96875);
    CHECK(two.accepted);
    CHECK(g.result.steps[2].instructions[0] == "scores 3 4 4 4 4 4 4 4");
    check_rescored(g, 1);
    check_rescored(g, 2);
  }
}

TEST_CASE("paired_bootstrap gate in the loop: a gain carried by one item is rejected, a gain on every item accepted") {
  using V = jg::variant<se, jg::ccc, jg::gate::paired_bootstrap<jg::metric::mae>>;
  // Step 1: fluency exact on item 0 only: a mean gain of 1/32. A resample leaves item 0 out with
  // probability (7/8)^8 = 0.34, and then the difference is exactly 0; since that is far more than
  // 5% of the resamples, the 5% lower bound is exactly 0, not above it.
  // Step 2: fluency exact on every item: every resample differs by exactly (1 - 0) / 4 = 0.25.
  auto g = two_steps<V>({{1, {{"fluency", "scores 3 4 4 4 4 4 4 4"}}}, {2, {{"fluency", "scores 3"}}}});
  REQUIRE(g.result.error.empty());
  const auto& one = g.result.steps[1].gate;
  CHECK(one.evaluated);
  CHECK(one.candidate == -0.96875);
  CHECK(one.incumbent == -1.0);
  CHECK(one.lower == 0.0);
  CHECK_FALSE(one.accepted);
  CHECK_FALSE(g.result.steps[1].changed);
  const auto& two = g.result.steps[2].gate;
  CHECK(two.candidate == -0.75);
  CHECK(two.incumbent == -1.0);
  CHECK(two.lower == 0.25);
  CHECK(two.accepted);
  CHECK(g.result.steps[2].changed);
  check_rescored(g, 1);
  check_rescored(g, 2);
}

TEST_CASE("pareto gate in the loop: a regression exactly at the tolerance is allowed, one beyond it is not") {
  SUBCASE("tolerance 0") {
    using V = jg::variant<se, jg::ccc, jg::gate::pareto<jg::metric::mae>>;
    // Step 1: fluency improves (MAE 1 -> 0), relevance regresses by 1/8 (one item answered 5).
    // Step 2: fluency improves, nothing regresses.
    auto g = two_steps<V>({{1, {{"fluency", "scores 3"}, {"relevance", "scores 5 4 4 4 4 4 4 4"}}}, {2, {{"fluency", "scores 3"}}}});
    REQUIRE(g.result.error.empty());
    const auto& one = g.result.steps[1].gate;
    CHECK(one.candidate_by_criterion == std::vector<double>{0.0, -1.125, -1.0, -1.0});
    CHECK(one.incumbent_by_criterion == std::vector<double>{-1.0, -1.0, -1.0, -1.0});
    CHECK_FALSE(one.accepted);
    CHECK(one.reason == "relevance regresses by 0.1250");
    const auto& two = g.result.steps[2].gate;
    CHECK(two.candidate_by_criterion == std::vector<double>{0.0, -1.0, -1.0, -1.0});
    CHECK(two.incumbent_by_criterion == std::vector<double>{-1.0, -1.0, -1.0, -1.0});
    CHECK(two.accepted);
    CHECK(two.reason == "no criterion regresses, one improves");
    check_rescored(g, 1);
    check_rescored(g, 2);
  }
  SUBCASE("tolerance 0.25") {
    using V = jg::variant<se, jg::ccc, jg::gate::pareto<jg::metric::mae, 250>>;
    // Step 1: fluency improves, relevance regresses by exactly 0.25 (MAE 1 -> 1.25): accepted.
    // Step 2, from step 1's prompt: coherence improves, relevance regresses by 0.375 (MAE 1.25 -> 1.625).
    auto g = two_steps<V>({{1, {{"fluency", "scores 3"}, {"relevance", "scores 5 5 4 4 4 4 4 4"}}},
                           {2, {{"coherence", "scores 3"}, {"relevance", "scores 5 5 5 5 5 4 4 4"}}}});
    REQUIRE(g.result.error.empty());
    const auto& one = g.result.steps[1].gate;
    CHECK(one.candidate_by_criterion == std::vector<double>{0.0, -1.25, -1.0, -1.0});
    CHECK(one.incumbent_by_criterion == std::vector<double>{-1.0, -1.0, -1.0, -1.0});
    CHECK(one.accepted);
    CHECK(g.result.steps[1].changed);
    const auto& two = g.result.steps[2].gate;
    CHECK(two.incumbent_by_criterion == std::vector<double>{0.0, -1.25, -1.0, -1.0});  // step 1's prompt, judged afresh
    CHECK(two.candidate_by_criterion == std::vector<double>{0.0, -1.625, 0.0, -1.0});
    CHECK_FALSE(two.accepted);
    CHECK(two.reason == "relevance regresses by 0.3750");
    CHECK(g.result.steps[2].instructions[1] == "scores 5 5 4 4 4 4 4 4");
    CHECK(g.result.steps[2].instructions[2] == "scores 4");
    check_rescored(g, 1);
    check_rescored(g, 2);
  }
}

namespace {

/// One step of CCC with layout L and the MAE gate: every judge call of the run — test at step 0,
/// the batch, the gate's candidate and incumbent, test at step 1 — is one per example and
/// criterion, in example then criterion order, and its text is `render(prompt, example, c)` of the
/// prompt it judges.
template <class L, class Render>
void layout_in_the_loop(Render render) {
  using V = jg::variant<se, jg::ccc, L, jg::gate::non_regression<jg::metric::mae>>;
  constexpr std::size_t B = 3;
  scripted::backend backend;
  // The judge gives each criterion a score of its own (fluency 1, relevance 2, ...), so that a
  // score credited to the wrong criterion shows.
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.role != llm::role::judge) return versioned_update(r);
    std::string json = "{";
    for (const auto& n : scripted::entry_names(r, "Instructions"))
      json += fmt::format("{}\"{}\": {}", json.size() > 1 ? ", " : "", n, se::index_of(n) + 1);
    return scripted::text(json + "}");
  };
  jg::memory_sink sink;
  jg::run_settings s;
  s.steps = 1;
  s.batch = B;
  const auto& data = plain_data();
  auto seed = jg::judge::summeval_prompt<se>();
  auto result = jg::optimize<V>(backend, seed, data, s, sink);
  REQUIRE(result.error.empty());
  REQUIRE(sink.steps.size() == 2);
  jg::per_criterion<se, std::string> next;
  for (std::size_t c = 0; c < K; ++c) next[c] = fmt::format("{} v1", se::names[c]);
  auto candidate = seed.with_instructions(next);

  auto ids_of = [](const jg::dataset<se>& d) {
    std::vector<std::string> out;
    for (const auto& e : d.examples) out.push_back(e.id);
    return out;
  };
  auto expect = [&](const std::vector<llm::request>& calls, const jg::judge_prompt<se>& prompt, const std::vector<std::string>& ids) {
    REQUIRE(calls.size() == ids.size() * K);
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (std::size_t c = 0; c < K; ++c) {
        const auto& r = calls[i * K + c];
        CAPTURE(r.tag.stage);
        CAPTURE(r.tag.example);
        CHECK(r.tag.criterion == se::names[c]);
        CHECK(r.tag.example == ids[i]);
        CHECK(r.messages.size() == 1);
        CHECK(r.messages.front().content == render(prompt, example_named(data, ids[i]), c));
        // Only this criterion's instruction and output format.
        CHECK(instructions_in(r) == std::vector<protocol::named_text>{{std::string(se::names[c]), prompt.instructions()[c]}});
        std::string format = scripted::section_text(r, "Output format");
        for (std::size_t o = 0; o < K; ++o) CHECK((format.find(fmt::format("\"{}\"", se::names[o])) != std::string::npos) == (o == c));
      }
  };
  expect(calls_of(backend, 0, llm::role::judge, "test"), seed, ids_of(data.test));
  expect(calls_of(backend, 1, llm::role::judge, "train"), seed, sink.steps[1].batch);
  auto validation = calls_of(backend, 1, llm::role::judge, "validation");
  REQUIRE(validation.size() == 2 * data.validation.size() * K);
  auto half = static_cast<std::ptrdiff_t>(validation.size() / 2);
  expect(std::vector<llm::request>(validation.begin(), validation.begin() + half), candidate, ids_of(data.validation));
  expect(std::vector<llm::request>(validation.begin() + half, validation.end()), seed, ids_of(data.validation));
  CHECK(result.steps[1].changed);  // equal scores: a tie, which the MAE gate accepts
  expect(calls_of(backend, 1, llm::role::judge, "test"), candidate, ids_of(data.test));

  // Every score was credited to the criterion whose call gave it.
  REQUIRE(sink.steps[0].evaluations.size() == 1);
  for (const auto& item : sink.steps[0].evaluations[0].items) CHECK(item.scores == std::vector<double>{1, 2, 3, 4});
  // No joint reply exists: the combined gradient and update read one "<criterion>: <score>" line
  // per criterion, for each example of the batch.
  auto gradient = calls_of(backend, 1, llm::role::gradient, "gradient");
  REQUIRE(gradient.size() == B);
  for (const auto& r : gradient) CHECK(scripted::section_text(r, "Judge output") == "fluency: 1\nrelevance: 2\ncoherence: 3\nconsistency: 4");
  auto update = calls_of(backend, 1, llm::role::optimizer, "update");
  REQUIRE(update.size() == 1);
  const std::string& u = update[0].messages.front().content;
  const std::string lines = "Judge output: fluency: 1\n relevance: 2\n coherence: 3\n consistency: 4\n";  // later lines escaped
  std::size_t seen = 0;
  for (std::size_t at = u.find(lines); at != std::string::npos; at = u.find(lines, at + 1)) ++seen;
  CHECK(seen == B);
}

}  // namespace

TEST_CASE("per-criterion layout in the loop: one judge call per example and criterion, showing that criterion's instruction alone") {
  layout_in_the_loop<jg::layout::per_criterion>([](const jg::judge_prompt<se>& p, const jg::example<se>& e, std::size_t c) {
    std::string text = jg::judge::render_one(p, e, c);
    CHECK(text.find("## Instructions") < text.find("## Sample"));  // the criterion first, the sample after
    return text;
  });
}

TEST_CASE("prefix-shared layout in the loop: the sample first, shared by an example's calls, the criterion's part last") {
  layout_in_the_loop<jg::layout::prefix_shared>([](const jg::judge_prompt<se>& p, const jg::example<se>& e, std::size_t c) {
    std::size_t one[1] = {c};
    std::string text = jg::judge::render_prefix_first(p, e, std::span<const std::size_t>(one));
    std::string shared = jg::judge::render_shared_prefix(p, e);
    CHECK(text.starts_with(shared));
    CHECK(shared.find("## Sample") != std::string::npos);
    CHECK(shared.find("## Instructions") == std::string::npos);
    CHECK(text.ends_with("\n\n## Response\n"));
    return text;
  });
}

TEST_CASE("CSS, CSC, CCS and SCS in the loop: per step, the loss, gradient and update calls their letters ask for, and what each sees") {
  constexpr std::size_t B = 3;
  auto modes = hana::tuple_t<jg::css, jg::csc, jg::ccs, jg::scs>;
  hana::for_each(modes, [&](auto mode) {
    using D = typename decltype(mode)::type;
    using V = jg::variant<se, D>;
    CAPTURE(V::name());
    const bool loss_s = D::loss::letter == 'S', gradient_s = D::gradient::letter == 'S', update_s = D::update::letter == 'S';
    scripted::backend backend;  // the judge answers 3 for every criterion
    backend.override = versioned_update;
    jg::memory_sink sink;
    jg::run_settings s;
    s.steps = 2;
    s.batch = B;
    const auto& data = plain_data();
    auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), data, s, sink);
    REQUIRE(result.error.empty());
    REQUIRE(sink.steps.size() == 3);
    const std::string everything = "fluency+relevance+coherence+consistency";
    for (std::int64_t step = 1; step <= 2; ++step) {
      CAPTURE(step);
      const auto& rec = sink.steps[static_cast<std::size_t>(step)];
      const auto& ids = rec.batch;
      REQUIRE(ids.size() == B);
      // The instruction in force when the step began: the seed's, then step 1's.
      auto was = [&](std::size_t c) { return step == 1 ? std::string("Rate from 1 to 5.") : fmt::format("{} v1", se::names[c]); };
      auto loss = calls_of(backend, step, llm::role::loss, "loss");
      auto gradient = calls_of(backend, step, llm::role::gradient, "gradient");
      auto update = calls_of(backend, step, llm::role::optimizer, "update");
      REQUIRE(loss.size() == (loss_s ? K * B : B));
      REQUIRE(gradient.size() == (gradient_s ? K * B : B));
      REQUIRE(update.size() == (update_s ? K : 1));
      CHECK(batches_with(backend, step, llm::role::loss, "loss") == 1);
      CHECK(batches_with(backend, step, llm::role::gradient, "gradient") == 1);
      CHECK(batches_with(backend, step, llm::role::optimizer, "update") == 1);

      // Loss: S, one call per criterion and example (criterion by criterion); C, one per example.
      // Each shows the judge's score and the human score of its criteria on its example.
      for (std::size_t k = 0; k < loss.size(); ++k) {
        const auto& r = loss[k];
        std::size_t i = k % B;
        CHECK(r.tag.example == ids[i]);
        auto names = scripted::entry_names(r, "Scores");
        if (loss_s) {
          CHECK(r.tag.criterion == se::names[k / B]);
          CHECK(names == std::vector<std::string>{std::string(se::names[k / B])});
        } else {
          CHECK(r.tag.criterion.empty());
          CHECK(names == all_names());
        }
        const auto& e = example_named(data, ids[i]);
        std::string body = scripted::section_body(r, "Scores");
        for (const auto& entry : protocol::read_entries(body))
          CHECK(entry.text == fmt::format("predicted 3, human {}", protocol::number(*e.gold[se::index_of(entry.name)])));
      }
      CHECK(rec.critiques.size() == loss.size());
      for (const auto& t : rec.critiques) CHECK(t.source == (loss_s ? "own" : "joint"));

      // Gradient: each call sees the instructions in force and the critiques of its example that
      // concern its criteria.
      for (std::size_t k = 0; k < gradient.size(); ++k) {
        const auto& r = gradient[k];
        std::size_t i = k % B;
        CHECK(r.tag.example == ids[i]);
        std::string critique = scripted::section_text(r, "Critique");
        if (gradient_s) {  // CSS, CSC: the combined loss's critique of the example reaches each criterion whole
          std::size_t c = k / B;
          CHECK(r.tag.criterion == se::names[c]);
          CHECK(instructions_in(r) == std::vector<protocol::named_text>{{std::string(se::names[c]), was(c)}});
          CHECK(critique == fmt::format("critique of {} on {}", everything, ids[i]));
        } else {
          CHECK(r.tag.criterion.empty());
          auto shown = instructions_in(r);
          REQUIRE(shown.size() == K);
          for (std::size_t c = 0; c < K; ++c) CHECK(shown[c] == protocol::named_text{std::string(se::names[c]), was(c)});
          std::string want;
          if (loss_s)  // SCS: the example's four critiques, each under its criterion
            for (auto n : se::names) want += fmt::format("{}### {}\n- critique of {} on {}", want.empty() ? "" : "\n", n, n, ids[i]);
          else  // CCS: the one joint critique, labelled with every criterion
            want = fmt::format("### fluency, relevance, coherence, consistency\n- critique of {} on {}", everything, ids[i]);
          CHECK(critique == want);
        }
      }
      CHECK(rec.gradients.size() == gradient.size());
      for (const auto& t : rec.gradients) CHECK(t.source == (gradient_s ? "own" : "joint"));

      // Update: each call sees the instructions in force and every gradient of the batch that
      // concerns its criteria.
      for (std::size_t k = 0; k < update.size(); ++k) {
        const auto& r = update[k];
        std::string feedback = scripted::section_text(r, "Feedback");
        std::string want;
        if (update_s) {
          CHECK(r.tag.criterion == se::names[k]);
          CHECK(instructions_in(r) == std::vector<protocol::named_text>{{std::string(se::names[k]), was(k)}});
          // CSS: this criterion's own gradients; CCS, SCS: the joint gradient of each example, whole.
          for (std::size_t i = 0; i < B; ++i)
            want += fmt::format("{}- gradient for {} on {}", i ? "\n" : "", gradient_s ? std::string(se::names[k]) : everything, ids[i]);
        } else {  // CSC: one call, every instruction, every criterion's gradients under its name
          CHECK(r.tag.criterion.empty());
          CHECK(scripted::entry_names(r, "Instructions") == all_names());
          for (auto n : se::names) {
            want += fmt::format("{}### {}", want.empty() ? "" : "\n", n);
            for (std::size_t i = 0; i < B; ++i) want += fmt::format("\n- gradient for {} on {}", n, ids[i]);
          }
        }
        CHECK(feedback == want);
      }
      // The update's instructions became the prompt in force (the gate accepts every candidate).
      CHECK(rec.gate.accepted);
      for (std::size_t c = 0; c < K; ++c) CHECK(result.steps[static_cast<std::size_t>(step)].instructions[c] == fmt::format("{} v{}", se::names[c], step));
    }
  });
}

TEST_CASE("test_every: test is judged at step 0, on every test_every-th step and at the last, and on no other step") {
  struct schedule {
    std::size_t every;
    std::set<std::int64_t> due;
  };
  const std::size_t N = plain_data().test.size();
  for (const auto& plan : {schedule{2, {0, 2, 4, 5}}, schedule{3, {0, 3, 5}}, schedule{0, {0, 5}}, schedule{1, {0, 1, 2, 3, 4, 5}}}) {
    CAPTURE(plan.every);
    using V = jg::variant<se, jg::ccc>;
    scripted::backend backend;
    backend.override = versioned_update;  // every step changes the prompt: nothing to reuse
    jg::memory_sink sink;
    jg::run_settings s;
    s.steps = 5;
    s.batch = 3;
    s.test_every = plan.every;
    auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), plain_data(), s, sink);
    REQUIRE(result.error.empty());
    REQUIRE(result.steps.size() == 6);
    for (std::int64_t step = 0; step <= 5; ++step) {
      CAPTURE(step);
      const bool want = plan.due.count(step) > 0;
      const auto& r = result.steps[static_cast<std::size_t>(step)];
      CHECK(r.test.has_value() == want);
      CHECK(evaluations_of(sink.steps[static_cast<std::size_t>(step)], "test") == (want ? 1u : 0u));
      auto test = calls_of(backend, step, llm::role::judge, "test");
      CHECK(test.size() == (want ? N : 0u));
      if (!want || !r.test) continue;
      CHECK_FALSE(r.test->reused);
      REQUIRE(r.test->metrics.size() == K);
      for (const auto& m : r.test->metrics) CHECK(m.items == N);
      // The prompt in force after the step, not one judged earlier.
      for (const auto& q : test) CHECK(instruction_in(q, "fluency") == (step == 0 ? std::string("Rate from 1 to 5.") : fmt::format("fluency v{}", step)));
    }
  }
}

namespace {
// An algorithm of one's own (optim/algorithm.hpp): each step rewrites one criterion's instruction
// in turn ("<name> v<step>"), with no LLM call of its own, and puts it through the variant's gate.
struct one_at_a_time {
  using family = jg::family::algorithm;
  static constexpr std::string_view name = "one_at_a_time";
  template <jg::criteria_set Set>
  static void step(jg::run<Set>& run, jg::run_state<Set>& state, jg::step_record& record, std::int64_t step) {
    const std::size_t c = static_cast<std::size_t>(step - 1) % Set::size;
    auto instructions = state.instructions;
    instructions[c] = fmt::format("{} v{}", Set::names[c], step);
    record.notes.push_back(fmt::format("rewrote {}", Set::names[c]));
    record.candidate = jg::named_instructions<Set>(instructions);
    auto incumbent = run.incumbent(state);
    auto candidate = run.candidate_of(incumbent, instructions);
    record.gate = run.gate(state, incumbent, candidate, record, step);
    if (record.gate.accepted) jg::adopt(state, candidate);
  }
};

struct keeping_sink {
  jg::memory_sink records;
  std::vector<jg::run_state<se>> states;
  void on_step(const jg::step_record& r) { records.on_step(r); }
  void on_state(const jg::run_state<se>& s) { states.push_back(s); }
};
}  // namespace

TEST_CASE("an algorithm of one's own runs in the loop: its step, the gate it asks for, the test schedule, and resume") {
  using V = jg::variant<se, jg::ccc, one_at_a_time>;
  static_assert(V::name() == "CCC/algorithm=one_at_a_time");
  jg::run_settings s;
  s.steps = 5;
  s.test_every = 2;
  scripted::backend backend;
  keeping_sink sink;
  auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), plain_data(), s, sink);
  REQUIRE(result.error.empty());
  REQUIRE(result.steps.size() == 6);
  REQUIRE(sink.records.steps.size() == 6);
  std::vector<std::string> expected(K, "Rate from 1 to 5.");
  for (std::int64_t step = 1; step <= 5; ++step) {
    CAPTURE(step);
    const std::size_t c = static_cast<std::size_t>(step - 1) % K;
    expected[c] = fmt::format("{} v{}", se::names[c], step);
    const auto& rec = sink.records.steps[static_cast<std::size_t>(step)];
    CHECK(rec.notes == std::vector<std::string>{fmt::format("rewrote {}", se::names[c])});
    CHECK(rec.gate.gate == "none");
    CHECK(rec.gate.accepted);
    for (std::size_t k = 0; k < K; ++k) CHECK(rec.accepted[k].text == expected[k]);
    CHECK(result.steps[static_cast<std::size_t>(step)].changed);
    // No call but the loop's: the test split on steps 2, 4 and 5 (test_every 2, and the last).
    CHECK(calls_of(backend, step, llm::role::judge, "train").empty());
    CHECK(calls_of(backend, step, llm::role::judge, "validation").empty());
    CHECK(calls_of(backend, step, llm::role::judge, "test").size() == (step % 2 == 0 || step == 5 ? plain_data().test.size() : 0u));
  }
  // Resumed from the state after step 2, the run ends where the uninterrupted one did.
  REQUIRE(sink.states.size() == 6);
  scripted::backend again;
  jg::memory_sink rest;
  auto resumed = jg::optimize<V>(again, jg::judge::summeval_prompt<se>(), plain_data(), s, rest, sink.states[2]);
  REQUIRE(resumed.error.empty());
  REQUIRE(rest.steps.size() == 3);
  CHECK(rest.steps.front().step == 3);
  CHECK(resumed.final_instructions() == result.final_instructions());
  CHECK(rest.steps.back().accepted == sink.records.steps.back().accepted);
}

TEST_CASE("a layout of one's own runs in the loop: the judge calls it plans on train and test, scores complete, the stages fed") {
  using V = jg::variant<se, jg::sss, test_layouts::halves>;
  static_assert(V::name() == "SSS/layout=halves");
  jg::run_settings s;
  s.steps = 1;  // the scripted update proposes the same text again later: step 2 would reuse test
  scripted::backend backend;
  keeping_sink sink;
  auto result = jg::optimize<V>(backend, jg::judge::summeval_prompt<se>(), plain_data(), s, sink);
  REQUIRE(result.error.empty());
  REQUIRE(sink.records.steps.size() == 2);
  const auto halves = test_layouts::halves::parts<se>();
  for (std::int64_t step = 0; step <= 1; ++step) {
    CAPTURE(step);
    auto train = calls_of(backend, step, llm::role::judge, "train");
    CHECK(train.size() == (step == 0 ? 0u : 2 * s.batch));
    auto test = calls_of(backend, step, llm::role::judge, "test");
    REQUIRE(test.size() == 2 * plain_data().test.size());
    for (std::size_t k = 0; k < test.size(); ++k) {
      const auto& want = halves[k % 2];
      for (std::size_t c = 0; c < K; ++c)
        CHECK((test[k].messages[0].content.find(fmt::format("- {}: ", se::names[c])) != std::string::npos) ==
              (std::find(want.begin(), want.end(), c) != want.end()));
      CHECK(test[k].tag.criterion.empty());
    }
    const auto& rec = sink.records.steps[static_cast<std::size_t>(step)];
    auto tested = std::find_if(rec.evaluations.begin(), rec.evaluations.end(), [](const auto& e) { return e.split == "test"; });
    REQUIRE(tested != rec.evaluations.end());
    CHECK_FALSE(tested->reused);
    REQUIRE(tested->metrics.size() == K);
    for (const auto& m : tested->metrics) CHECK(m.scored == plain_data().test.size());
    if (step > 0) CHECK(calls_of(backend, step, llm::role::gradient, "gradient").size() == K * s.batch);
  }
}
}  // namespace test_optim_paths
