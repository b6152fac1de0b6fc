// The remedies of the paper's section 5 as policies, against a scripted backend: grouped stages
// (calls and what each call sees, for K = 4 and K = 5 partitions; the singleton and one-group
// partitions make exactly SSS's and CCC's calls), specificity-aware routing, the conflict-resolving
// merge and the length-balanced update (golden prompts in tests/optim/golden/; an over-long reply is
// repaired or cut, never passed on over its limit).
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/optim.hpp>

#include "golden.hpp"
#include "scripted.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace test_optim_remedies {

namespace jg = judgegrad;
namespace llm = jg::llm;
namespace se_ = jg::summeval;
namespace br_ = jg::brighter;
using se = se_::all;
using br = br_::all;

namespace {

template <class Set>
jg::dataset<Set> toy(std::string_view prefix, std::size_t n) {
  jg::dataset<Set> d;
  d.name = std::string(prefix);
  for (std::size_t i = 0; i < n; ++i) {
    jg::example<Set> e;
    e.id = fmt::format("{}{}", prefix, i);
    if constexpr (std::is_same_v<Set, se>)
      e.inputs = {{"text", fmt::format("Source article {} of {}.", i, prefix)}, {"machine_summary", fmt::format("Summary {}.", i)}};
    else
      e.inputs = {{"text", fmt::format("A sentence {} of {}.", i, prefix)}};
    for (std::size_t c = 0; c < Set::size; ++c) e.gold[c] = static_cast<double>(1 + (i + c) % 3);
    d.examples.push_back(std::move(e));
  }
  return d;
}

template <class Set>
const jg::data::splits<Set>& data() {
  static const jg::data::splits<Set> d{toy<Set>("train", 9), toy<Set>("val", 4), toy<Set>("test", 5)};
  return d;
}

template <class Set>
jg::judge_prompt<Set> seed_prompt() {
  if constexpr (std::is_same_v<Set, se>) return jg::judge::summeval_prompt<se>();
  else return jg::judge::brighter_prompt<br>();
}

/// Runs one step of V against the scripted backend; returns its batches.
template <class V>
std::vector<std::vector<llm::request>> one_step(scripted::backend& backend, jg::memory_sink& sink) {
  using Set = typename V::criteria;
  jg::run_settings s;
  s.steps = 1;
  s.batch = 3;
  auto result = jg::optimize<V>(backend, seed_prompt<Set>(), data<Set>(), s, sink);
  REQUIRE(result.error.empty());
  return backend.batches;
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

}  // namespace

using halves = jg::grouped<jg::partition<jg::group<se_::fluency, se_::coherence>, jg::group<se_::consistency, se_::relevance>>>;
using emotions = jg::grouped<jg::partition<jg::group<br_::joy, br_::surprise>, jg::group<br_::anger, br_::fear>, jg::group<br_::sadness>>>;
using se_singletons = jg::grouped<jg::partition<jg::group<se_::fluency>, jg::group<se_::relevance>, jg::group<se_::coherence>, jg::group<se_::consistency>>>;
using se_one = jg::grouped<jg::partition<jg::group<se_::fluency, se_::relevance, se_::coherence, se_::consistency>>>;

static_assert(jg::stage_policy<halves> && halves::letter == 'G');
static_assert(halves::name == "(fluency+coherence)(consistency+relevance)");
static_assert(jg::decomposition<jg::separate, halves, jg::combined>::name == "S(fluency+coherence)(consistency+relevance)C");
static_assert(jg::variant<se, jg::decomposition<halves, halves, halves>>::name() ==
              "(fluency+coherence)(consistency+relevance)(fluency+coherence)(consistency+relevance)(fluency+coherence)(consistency+relevance)");
static_assert(!jg::decomposition<jg::separate, halves, jg::combined>::in_paper);
static_assert(halves::partitions<se> && !halves::partitions<br> && emotions::partitions<br>);
static_assert(!jg::grouped<jg::partition<jg::group<se_::fluency, se_::fluency>, jg::group<se_::coherence, se_::consistency, se_::relevance>>>::partitions<se>);
static_assert(!jg::grouped<jg::partition<jg::group<se_::fluency>, jg::group<se_::coherence>>>::partitions<se>);

TEST_CASE("grouped stages: calls per step for K = 4 and K = 5 partitions") {
  CHECK(jg::decomposition<jg::separate, halves, jg::combined>::calls(4, 3) == jg::stage_calls{12, 6, 1});
  CHECK(jg::decomposition<halves, halves, halves>::calls(4, 3) == jg::stage_calls{6, 6, 2});
  CHECK(jg::decomposition<emotions, emotions, jg::separate>::calls(5, 3) == jg::stage_calls{9, 9, 5});
  CHECK(jg::decomposition<se_singletons, se_singletons, se_singletons>::calls(4, 3) == jg::sss::calls(4, 3));
  CHECK(jg::decomposition<se_one, se_one, se_one>::calls(4, 3) == jg::ccc::calls(4, 3));
  CHECK(halves::groups<se>() == std::vector<std::vector<std::size_t>>{{0, 2}, {3, 1}});
}

TEST_CASE("grouped stages: one call per group, each seeing its group's criteria and nothing else") {
  auto check = [](auto variant_type, std::vector<std::set<std::string>> groups) {
    using V = typename decltype(variant_type)::type;
    using Set = typename V::criteria;
    CAPTURE(V::name());
    scripted::backend backend;
    jg::memory_sink sink;
    auto batches = one_step<V>(backend, sink);
    const std::size_t B = 3;
    REQUIRE(batches.size() == 6);
    CHECK(batches[2].size() == groups.size() * B);  // loss
    CHECK(batches[3].size() == groups.size() * B);  // gradient
    CHECK(batches[4].size() == groups.size());      // update
    for (std::size_t k = 0; k < groups.size(); ++k) {
      for (std::size_t i = 0; i < B; ++i) {
        const auto& loss = batches[2][k * B + i];
        CHECK(as_set(scripted::entry_names(loss, "Scores")) == groups[k]);
        const auto& g = batches[3][k * B + i];
        CHECK(as_set(scripted::entry_names(g, "Instructions")) == groups[k]);
        std::string critique = scripted::section_text(g, "Critique");
        std::string judge_prompt = scripted::section_body(g, "Judge prompt");
        for (auto n : Set::names) {
          bool mine = groups[k].count(std::string(n)) > 0;
          CHECK((judge_prompt.find(fmt::format(" - {}: ", n)) != std::string::npos) == mine);
          CHECK((critique.find(std::string(n)) != std::string::npos) == mine);
        }
      }
      const auto& u = batches[4][k];
      CHECK(as_set(scripted::entry_names(u, "Instructions")) == groups[k]);
      std::string feedback = scripted::section_text(u, "Feedback");
      for (auto n : Set::names) CHECK((feedback.find(std::string(n)) != std::string::npos) == (groups[k].count(std::string(n)) > 0));
    }
    // Every instruction was rewritten, each by its group's call.
    const auto& step = sink.steps.back();
    for (std::size_t c = 0; c < Set::size; ++c) CHECK(step.candidate[c].text == fmt::format("new {}", Set::names[c]));
  };
  check(boost::hana::type_c<jg::variant<se, jg::decomposition<halves, halves, halves>>>,
        {{"fluency", "coherence"}, {"consistency", "relevance"}});
  check(boost::hana::type_c<jg::variant<br, jg::decomposition<emotions, emotions, emotions>, jg::merge::structured>>,
        {{"joy", "surprise"}, {"anger", "fear"}, {"sadness"}});
}

TEST_CASE("grouped stages: the singleton and one-group partitions make exactly SSS's and CCC's calls") {
  auto same_calls = [](auto a, auto b) {
    using A = typename decltype(a)::type;
    using B = typename decltype(b)::type;
    CAPTURE(A::name());
    scripted::backend x, y;
    jg::memory_sink sx, sy;
    auto one = one_step<A>(x, sx);
    auto two = one_step<B>(y, sy);
    REQUIRE(one.size() == two.size());
    for (std::size_t k = 0; k < one.size(); ++k) {
      REQUIRE(one[k].size() == two[k].size());
      for (std::size_t i = 0; i < one[k].size(); ++i) {
        CHECK(one[k][i].messages.front().content == two[k][i].messages.front().content);
        CHECK(one[k][i].tag.criterion == two[k][i].tag.criterion);
        CHECK(one[k][i].tag.example == two[k][i].tag.example);
        CHECK(one[k][i].format.type == two[k][i].format.type);
      }
    }
    CHECK(sx.steps.back().candidate == sy.steps.back().candidate);
  };
  same_calls(boost::hana::type_c<jg::variant<se, jg::decomposition<se_singletons, se_singletons, se_singletons>>>,
             boost::hana::type_c<jg::variant<se, jg::sss>>);
  same_calls(boost::hana::type_c<jg::variant<se, jg::decomposition<se_one, se_one, se_one>>>, boost::hana::type_c<jg::variant<se, jg::ccc>>);
  same_calls(boost::hana::type_c<jg::variant<se, jg::decomposition<se_singletons, se_one, se_one>, jg::merge::structured>>,
             boost::hana::type_c<jg::variant<se, jg::scc, jg::merge::structured>>);
}

using routed_by_evaluator = jg::decomposition<jg::separate, jg::routed<jg::specificity::evaluator, 6>, jg::combined>;
using routed_lexically = jg::decomposition<jg::separate, jg::routed<>, jg::combined>;
static_assert(routed_by_evaluator::name == "SR(evaluator:6)C" && routed_lexically::name == "SR(lexical:6)C");
static_assert(jg::decomposition<jg::combined, jg::routed<jg::specificity::lexical, 10>, jg::combined>::name == "CR(lexical:10)C");
static_assert(routed_lexically::calls(4, 3) == jg::scc::calls(4, 3));  // the first round; routing adds to it

TEST_CASE("routing: with a scripted evaluator, exactly the low-specificity criteria get separate gradient calls") {
  using V = jg::variant<se, routed_by_evaluator>;
  // The evaluator rates fluency and coherence low on the first example, consistency low on the
  // last, everything else high; one reply holds no rating.
  std::set<std::pair<std::string, std::string>> low{{"fluency", "train"}, {"coherence", "train"}, {"consistency", "last"}};
  std::vector<std::string> batch_ids;
  scripted::backend backend;
  backend.override = [&](const llm::request& r) -> std::optional<llm::result> {
    if (r.role != llm::role::evaluator) return std::nullopt;
    bool first = r.tag.example == batch_ids.front(), last = r.tag.example == batch_ids.back();
    if (r.tag.criterion == "relevance" && last) return scripted::text("I cannot tell.");
    if (low.count({r.tag.criterion, first ? "train" : last ? "last" : ""})) return scripted::text("Rating: 3");
    return scripted::text("8");
  };
  jg::memory_sink sink;
  // The batch of step 1 is known before the step runs: the scripted judge answers first.
  auto ids_override = backend.override;
  backend.override = [&](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::loss && batch_ids.empty()) {
      for (const auto& b : backend.batches.back()) batch_ids.push_back(b.tag.example);
    }
    return ids_override(r);
  };
  auto batches = one_step<V>(backend, sink);
  REQUIRE(batches.size() == 8);  // test, judge, loss, gradient, ratings, routed gradients, update, test
  CHECK(batches[3].size() == 3);
  REQUIRE(batches[4].size() == 12);
  for (const auto& r : batches[4]) CHECK(r.role == llm::role::evaluator);
  // Routed: the three low ones and the unrated one.
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& r : batches[5]) {
    CHECK(r.role == llm::role::gradient);
    auto names = scripted::entry_names(r, "Instructions");
    REQUIRE(names.size() == 1);
    CHECK(r.tag.criterion == names[0]);
    routed.insert({names[0], r.tag.example});
    // A separate call sees its criterion's own critique.
    CHECK(scripted::section_text(r, "Critique").find("critique of " + names[0] + " on") != std::string::npos);
  }
  CHECK(routed == std::set<std::pair<std::string, std::string>>{{"fluency", batch_ids[0]},
                                                                {"coherence", batch_ids[0]},
                                                                {"consistency", batch_ids[2]},
                                                                {"relevance", batch_ids[2]}});
  const auto& step = sink.steps.back();
  REQUIRE(step.routing.size() == 12);
  std::size_t n_routed = 0;
  for (const auto& x : step.routing) {
    n_routed += x.routed;
    CHECK(x.scorer == "evaluator");
    CHECK(x.threshold == 6);
    if (x.criterion == "relevance" && x.example == batch_ids[2]) CHECK(x.reason == "no rating: the evaluator's reply held none");
    else if (x.routed) CHECK(x.reason == "3 < 6");
    else CHECK(x.reason == "8 >= 6");
  }
  CHECK(n_routed == 4);
  // The update sees the joint gradient for the criteria that kept it, and the routed ones' own.
  std::string feedback = scripted::section_text(batches[6][0], "Feedback");
  CHECK(feedback.find("gradient for fluency on " + batch_ids[0]) != std::string::npos);
  CHECK(feedback.find("gradient for relevance on " + batch_ids[2]) != std::string::npos);
  // The records: gradients as each criterion received them.
  std::map<std::string, std::set<std::string>> received;  // example -> criterion labels
  for (const auto& g : step.gradients) received[g.example].insert(jg::criteria_label(step.criteria, g.criteria) + "|" + g.source);
  CHECK(received[batch_ids[0]] == std::set<std::string>{"relevance, consistency|joint", "fluency|own", "coherence|own"});
  CHECK(received[batch_ids[1]] == std::set<std::string>{"fluency, relevance, coherence, consistency|joint"});
  CHECK(received[batch_ids[2]] == std::set<std::string>{"fluency, coherence|joint", "relevance|own", "consistency|own"});
  CHECK(jg::to_jsonl(step).find("\"routing\":[{\"criterion\":\"fluency\"") != std::string::npos);
}

TEST_CASE("routing: the lexical proxy routes a joint text that names every criterion, keeps keyed parts that name their own") {
  {
    scripted::backend backend;
    jg::memory_sink sink;
    auto batches = one_step<jg::variant<se, routed_lexically>>(backend, sink);
    // "gradient for fluency+relevance+coherence+consistency on ...": each criterion's share is a
    // quarter of its criterion words: 1 + 9/4 = 3.25 < 6, every criterion routed, no evaluator call.
    REQUIRE(batches.size() == 7);
    CHECK(batches[4].size() == 12);
    for (const auto& r : batches[4]) CHECK(r.role == llm::role::gradient);
    for (const auto& x : sink.steps.back().routing) {
      CHECK(x.routed);
      CHECK(x.specificity == doctest::Approx(3.25));
      CHECK(x.reason == "3.2 < 6");
    }
  }
  {
    scripted::backend backend;
    jg::memory_sink sink;
    // Keyed parts: "gradient for fluency on ..." names its criterion alone (10); relevance's part
    // talks of fluency instead (1): only relevance is routed.
    backend.override = [](const llm::request& r) -> std::optional<llm::result> {
      if (r.role != llm::role::gradient || r.format.type != llm::response_format::kind::json_object) return std::nullopt;
      std::vector<jg::protocol::named_text> parts{{"fluency", "fluency: fix grammar"},
                                                   {"relevance", "talk about fluency"},
                                                   {"coherence", "coherence first"},
                                                   {"consistency", "check consistency"}};
      return scripted::text(jg::protocol::write_keyed_json(parts));
    };
    auto batches = one_step<jg::variant<se, routed_lexically, jg::merge::structured>>(backend, sink);
    REQUIRE(batches.size() == 7);
    CHECK(batches[4].size() == 3);
    for (const auto& r : batches[4]) CHECK(r.tag.criterion == "relevance");
    std::size_t n = 0;
    for (const auto& x : sink.steps.back().routing) n += x.routed;
    CHECK(n == 3);
  }
}

TEST_CASE("length balance: limits, and cuts at a sentence boundary") {
  jg::length::limits l{40, 2, 8};
  std::vector<std::size_t> tokens{100, 10, 10, 10};
  CHECK(l.limit_for(0, tokens) == 20);   // 2 x mean(10, 10, 10)
  CHECK(l.limit_for(1, tokens) == 40);   // 2 x mean(100, 10, 10) = 80, over the budget
  std::vector<std::size_t> small{2, 2, 2, 2};
  CHECK(l.limit_for(0, small) == 8);     // the floor
  // 4 characters a token: at most 12 tokens = 48 characters.
  CHECK(jg::length::cut_at_sentence("Check grammar. Check spelling and punctuation. Then weigh word choice and style.", 12) ==
        "Check grammar. Check spelling and punctuation.");
  CHECK(jg::length::cut_at_sentence("Short enough.", 12) == "Short enough.");
  CHECK(jg::length::cut_at_sentence("no sentence end in sight but many words to read through here", 5) == "no sentence end in.");
  std::vector<std::string> instr{std::string(400, 'a'), "one two three four five six.", "Rate it.", "Rate it well."};
  std::vector<std::string_view> names{"fluency", "relevance", "coherence", "consistency"};
  auto log = jg::length::enforce(std::span<std::string>(instr), std::span<const std::string_view>(names), l);
  CHECK(jg::length::over_limit(std::span<const std::string>(instr), l).empty());
  REQUIRE(log.size() == 1);
  CHECK(log[0] == "fluency: 100 -> 8 tokens");
}

using balanced = jg::length::balanced<40, 2, 8>;
static_assert(balanced::name == "balanced(40:2:8)" && jg::length::balanced<>::name == "balanced(200:3:32)");
static_assert(jg::variant<se, jg::ssc, balanced>::name() == "SSC/length=balanced(40:2:8)");

TEST_CASE("length balance: the optimizer is told the limits; an over-long reply is repaired, or cut, never passed on") {
  using V = jg::variant<se, jg::ssc, balanced>;
  std::string essay;
  for (int i = 0; i < 40; ++i) essay += fmt::format("Point {} about grammar and spelling. ", i);
  for (bool repair_works : {true, false}) {
    CAPTURE(repair_works);
    scripted::backend backend;
    backend.override = [&](const llm::request& r) -> std::optional<llm::result> {
      if (r.role != llm::role::optimizer) return std::nullopt;
      bool repair = r.messages.size() > 1;
      std::string fluency = repair && repair_works ? std::string("Judge grammar and spelling only.") : essay;
      std::vector<jg::protocol::named_text> set{{"fluency", fluency}, {"relevance", "new relevance"}, {"coherence", "new coherence"},
                                                {"consistency", "new consistency"}};
      return scripted::text(jg::protocol::write_instructions_json(set));
    };
    jg::memory_sink sink;
    auto batches = one_step<V>(backend, sink);
    REQUIRE(batches.size() == 7);  // test, judge, loss, gradient, update, length repair, test
    const auto& update = batches[4][0];
    if (repair_works) golden::check("length_balanced_update", update.messages[0].content);
    CHECK(update.messages[0].content.find("Keep each instruction under about 30 words (40 tokens), and none more than 2 times as long as "
                                          "the others on average.") != std::string::npos);
    REQUIRE(batches[5].size() == 1);
    const auto& repair = batches[5][0];
    REQUIRE(repair.messages.size() == 3);
    CHECK(repair.messages[2].content.starts_with("Too long: fluency has about"));
    const auto& step = sink.steps.back();
    std::string fluency = step.candidate[0].text;
    CHECK(jg::length::tokens_of(fluency) <= 8);  // 2 x the others' mean (about 3 tokens) is under the floor of 8
    std::string notes = fmt::format("{}", fmt::join(step.notes, "\n"));
    if (repair_works) {
      CHECK(fluency == "Judge grammar and spelling only.");
      CHECK(notes.find("length: fluency was over its limit (368 tokens); the optimizer shortened it to 8 tokens") != std::string::npos);
      CHECK(notes.find("cut at") == std::string::npos);
      CHECK(std::count_if(step.calls.begin(), step.calls.end(), [](const auto& c) { return c.outcome == "answered for fluency"; }) == 1);
    } else {
      // The first sentence (36 characters, 9 tokens) does not fit in 8 tokens: cut at a word.
      CHECK(fluency == "Point 0 about grammar and.");
      CHECK(notes.find("length: fluency was over its limit (368 tokens); after the repair it still has 368 tokens") != std::string::npos);
      CHECK(notes.find("length: cut at a sentence boundary, fluency: 368 -> 7 tokens") != std::string::npos);
    }
    for (const auto& t : step.candidate) CHECK(jg::length::tokens_of(t.text) <= 40);
  }
}

static_assert(jg::merge::conflict_resolving<>::name == "conflict_resolving");
static_assert(jg::merge::conflict_resolving<jg::merge::structured>::name == "conflict_resolving(structured)");
static_assert(jg::resolves_conflicts<jg::merge::conflict_resolving<>> && !jg::resolves_conflicts<jg::merge::structured>);
static_assert(jg::merge_policy<jg::merge::conflict_resolving<>>);

TEST_CASE("conflict resolution: one call reads every criterion's advice; the update reads the rewritten advice; the records keep both") {
  using V = jg::variant<se, jg::ssc, jg::merge::conflict_resolving<>>;
  CHECK(V::name() == "SSC/merge=conflict_resolving");
  scripted::backend backend;
  backend.override = [](const llm::request& r) -> std::optional<llm::result> {
    if (r.tag.stage != "resolve") return std::nullopt;
    return scripted::text(R"({"conflicts": ["fluency says be stricter on length, coherence says ignore length"],
                              "fluency": "Be moderately strict on length.", "relevance": "Keep the main points.",
                              "coherence": "Length aside, follow the order of ideas."})");
  };
  jg::memory_sink sink;
  auto batches = one_step<V>(backend, sink);
  REQUIRE(batches.size() == 7);  // test, judge, loss, gradient, resolve, update, test
  REQUIRE(batches[4].size() == 1);
  const auto& resolve = batches[4][0];
  CHECK(resolve.role == llm::role::gradient);
  CHECK(resolve.format.type == llm::response_format::kind::json_object);
  // It sees every criterion's advice, under its name, and every instruction.
  CHECK(scripted::entry_names(resolve, "Instructions") == std::vector<std::string>{"fluency", "relevance", "coherence", "consistency"});
  std::string advice = scripted::section_body(resolve, "Advice");
  for (auto n : se::names) CHECK(advice.find(fmt::format("gradient for {} on", n)) != std::string::npos);
  // The golden prompt, with the run's example ids replaced by their positions.
  std::string prompt = resolve.messages[0].content;
  const auto& step = sink.steps.back();
  for (std::size_t i = 0; i < step.batch.size(); ++i)
    for (auto at = prompt.find(step.batch[i]); at != std::string::npos; at = prompt.find(step.batch[i]))
      prompt.replace(at, step.batch[i].size(), fmt::format("<example {}>", i + 1));
  golden::check("conflict_resolving_prompt", prompt);
  // The update reads the rewritten advice, and consistency's own gradients (the reply left it out).
  std::string feedback = scripted::section_text(batches[5][0], "Feedback");
  CHECK(feedback.find("Be moderately strict on length.") != std::string::npos);
  CHECK(feedback.find("Length aside, follow the order of ideas.") != std::string::npos);
  CHECK(feedback.find("gradient for fluency on") == std::string::npos);
  CHECK(feedback.find("gradient for consistency on") != std::string::npos);
  // The records: the gradients as they were, the rewritten advice, the conflicts, the gap.
  CHECK(step.gradients.size() == 12);
  REQUIRE(step.resolved.size() == 3);
  CHECK(step.resolved[0].criteria == std::vector<std::size_t>{0});
  CHECK(step.criteria[0] == "fluency");
  CHECK(step.resolved[0].text == "Be moderately strict on length.");
  CHECK(step.conflicts == std::vector<std::string>{"fluency says be stricter on length, coherence says ignore length"});
  CHECK(fmt::format("{}", fmt::join(step.notes, "\n")).find("resolve: the reply had no advice for consistency; it keeps the gradients as they were") !=
        std::string::npos);
  std::string line = jg::to_jsonl(step);
  CHECK(line.find(R"("conflicts":["fluency says be stricter on length, coherence says ignore length"])") != std::string::npos);
  CHECK(line.find(R"("resolved":[{"criterion":"fluency")") != std::string::npos);
}

TEST_CASE("pareto: frontier maintenance equals a brute-force non-dominated filter on random score vectors") {
  struct point {
    std::vector<double> values;
    int id = 0;
  };
  std::mt19937_64 g(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::size_t dims = 2 + static_cast<std::size_t>(trial % 4), n = 1 + static_cast<std::size_t>(g() % 40);
    std::vector<point> all, front;
    for (std::size_t i = 0; i < n; ++i) {
      point p{{}, static_cast<int>(i)};
      for (std::size_t d = 0; d < dims; ++d) p.values.push_back(static_cast<double>(g() % 5));  // ties and duplicates
      all.push_back(p);
      jg::pareto::add(front, p);
    }
    // Brute force: the points no other point dominates, the first of each group of equal ones.
    std::set<int> expected, got;
    for (std::size_t i = 0; i < n; ++i) {
      bool keep = true;
      for (std::size_t j = 0; j < n && keep; ++j)
        keep = !jg::pareto::dominates(all[j].values, all[i].values) && !(j < i && all[j].values == all[i].values);
      if (keep) expected.insert(all[i].id);
    }
    for (const auto& p : front) got.insert(p.id);
    CHECK(got == expected);
    for (const auto& a : front)
      for (const auto& b : front) CHECK(!jg::pareto::dominates(a.values, b.values));
  }
  CHECK(jg::pareto::dominates(std::vector<double>{1, 2}, std::vector<double>{1, 1}));
  CHECK(!jg::pareto::dominates(std::vector<double>{1, 1}, std::vector<double>{1, 1}));
  CHECK(!jg::pareto::dominates(std::vector<double>{2, 0}, std::vector<double>{1, 1}));
}

TEST_CASE("pareto: wins, the seeded draw, and the merge of each criterion's best specialist") {
  std::vector<jg::pareto::member<se>> front(3);
  front[0].values = {-0.5, -1.0, -1.0, -0.2};  // best on fluency; ties on consistency
  front[1].values = {-1.0, -0.4, -0.3, -0.2};  // best on relevance and coherence; ties on consistency
  front[2].values = {-0.9, -0.9, -0.9, -0.9};
  for (std::size_t m = 0; m < 3; ++m)
    for (std::size_t c = 0; c < se::size; ++c) front[m].instructions[c] = fmt::format("{} of member {}", se::names[c], m);
  CHECK(jg::pareto::wins(front) == std::vector<std::size_t>{2, 3, 0});
  CHECK(jg::pareto::specialists(front) == std::vector<std::size_t>{0, 1, 1, 0});
  auto merged = jg::pareto::merged(front);
  CHECK(merged[0] == "fluency of member 0");
  CHECK(merged[1] == "relevance of member 1");
  CHECK(merged[2] == "coherence of member 1");
  CHECK(merged[3] == "consistency of member 0");
  std::map<std::size_t, int> drawn;
  for (std::uint64_t s = 0; s < 5000; ++s) ++drawn[jg::pareto::pick(front, s)];
  CHECK(drawn[2] == 0);
  CHECK(drawn[0] > 1700);  // 2 of 5
  CHECK(drawn[0] < 2300);
  CHECK(jg::pareto::pick(front, 11) == jg::pareto::pick(front, 11));
  // Hypervolume against the worst point -4 (MAE on 1-5), by hand for one member: the product of gains.
  std::vector<double> worst(4, -4.0);
  std::vector<jg::pareto::member<se>> one{front[2]};
  CHECK(jg::pareto::hypervolume(one, worst) == doctest::Approx(3.1 * 3.1 * 3.1 * 3.1));
}

using pareto_v = jg::variant<se, jg::ssc, jg::algorithm::pareto<>>;
static_assert(pareto_v::name() == "SSC/algorithm=pareto");
static_assert(jg::algorithm::pareto<jg::metric::spearman, 3>::name == "pareto(spearman:3)");

TEST_CASE("pareto: the loop keeps a frontier, merges the specialists, and runs the prompt the scalarizer picks") {
  // The scripted judge scores each criterion from its instruction's length, so that rewritten
  // instructions change the validation values: fluency is best with short instructions, the others
  // with long ones.
  scripted::backend backend;
  backend.override = [&](const llm::request& r) -> std::optional<llm::result> {
    if (r.role == llm::role::optimizer) {  // every rewrite makes each instruction longer
      std::vector<jg::protocol::named_text> grown;
      for (const auto& e : scripted::entry_names(r, "Instructions"))
        grown.push_back({e, fmt::format("Judge the {} of the summary with care and detail.", e)});
      return scripted::text(jg::protocol::write_instructions_json(grown));
    }
    if (r.role != llm::role::judge) return std::nullopt;
    auto sections = jg::protocol::split_sections(r.messages.front().content);
    const auto* instr = jg::protocol::find_section(sections, "Instructions");
    std::string json = "{";
    for (const auto& e : jg::protocol::read_entries(instr->body)) {
      std::size_t n = e.text.size();
      int score = e.name == "fluency" ? (n < 30 ? 2 : 4) : (n < 30 ? 4 : 2);
      json += fmt::format("{}\"{}\": {}", json.size() > 1 ? ", " : "", e.name, score);
    }
    return scripted::text(json + "}");
  };
  jg::memory_sink sink;
  jg::run_settings s;
  s.steps = 4;
  s.batch = 3;
  auto result = jg::optimize<pareto_v>(backend, seed_prompt<se>(), data<se>(), s, sink);
  REQUIRE(result.error.empty());
  REQUIRE(sink.steps.size() == 5);
  double hv = -1;
  for (std::size_t k = 1; k < sink.steps.size(); ++k) {
    const auto& step = sink.steps[k];
    REQUIRE(step.pareto);
    CHECK(step.pareto->hypervolume >= hv);  // never decreases
    hv = step.pareto->hypervolume;
    std::size_t chosen = 0;
    for (const auto& e : step.pareto->frontier) chosen += e.chosen;
    CHECK(chosen == 1);
    CHECK(step.pareto->merge == (k == 4));
    CHECK(jg::to_jsonl(step).find("\"pareto\":{\"hypervolume\":") != std::string::npos);
  }
  // The first step judged the seed prompt and the child on validation.
  std::size_t validations = 0;
  for (const auto& e : sink.steps[1].evaluations) validations += e.split == "validation";
  CHECK(validations == 2);
  // Step 1's child (long instructions: better on three criteria, worse on fluency) joins the seed
  // prompt; step 4 merges fluency's specialist (the seed) with the others' (the child), which
  // dominates both.
  CHECK(sink.steps[1].pareto->frontier.size() == 2);
  CHECK(sink.steps[1].gate.reason == "joins the frontier (2 members)");
  const auto& merge = sink.steps[4];
  CHECK(merge.candidate[0].text == "Rate from 1 to 5.");
  CHECK(merge.candidate[1].text == "Judge the relevance of the summary with care and detail.");
  CHECK(merge.gate.reason == "joins the frontier (1 member, 2 displaced)");
  CHECK(merge.pareto->frontier.size() == 1);
  CHECK(merge.pareto->hypervolume > sink.steps[3].pareto->hypervolume);
  CHECK(result.final_instructions()[0] == "Rate from 1 to 5.");
  // The prompt in force is the frontier's best by the mean of values.
  const auto& last = *sink.steps.back().pareto;
  double best = -1e9;
  for (const auto& e : last.frontier) best = std::max(best, e.scalar);
  for (const auto& e : last.frontier)
    if (e.chosen) CHECK(e.scalar == best);
}
}  // namespace test_optim_remedies
