// Diagnostics: the evaluator's replies read both ways (digits, words, ranges, junk); the lexical
// proxy computed by hand; the ratings a hand-made run directory asks for under each protocol (call
// counts counted by hand), their requests, scripted replies read back and the means; and the
// controlled interference design on the simulator: a joint-minus-alone drop whose interval
// excludes zero when one instruction is made about 800 tokens long, none for the seed prompt.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/diagnostics/interference.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/sim/world.hpp>

#include "../data/test_data_dir.hpp"
#include "../support/scratch.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>

namespace test_experiment_diagnostics {

namespace jg = judgegrad;
namespace dx = judgegrad::experiment::diagnostics;
namespace fs = std::filesystem;
using se = jg::summeval::all;

TEST_CASE("ratings read from the evaluator's reply: judgegrad's reading and the reference's") {
  using dx::parse_rating;
  auto standard = [](std::string_view s) { return parse_rating(s, dx::protocol::standard); };
  auto faithful = [](std::string_view s) { return parse_rating(s, dx::protocol::faithful); };
  CHECK(standard("7") == 7.0);
  CHECK(standard("Rating: 8/10") == 8.0);
  CHECK(standard("  10\n") == 10.0);
  CHECK(standard("7.5") == 7.5);
  CHECK(standard("Seven.") == 7.0);
  CHECK(standard("I would say six out of ten") == 6.0);
  CHECK(standard("7-8") == 7.5);
  CHECK(standard("7 – 8") == 7.5);
  CHECK(standard("between 6 to 9") == 7.5);
  CHECK_FALSE(standard("junk"));
  CHECK_FALSE(standard(""));
  CHECK_FALSE(standard("0"));
  CHECK_FALSE(standard("11"));
  CHECK_FALSE(standard("often"));  // "ten" inside a word is no number
  // The reference: the first integer of one or two digits in 1..10; words and decimals it cannot read.
  CHECK(faithful("7") == 7.0);
  CHECK(faithful("7.5") == 7.0);
  CHECK(faithful("7-8") == 7.0);
  CHECK(faithful("0 of 10") == 10.0);
  CHECK(faithful("score 123 then 4") == 4.0);  // three digits are no score
  CHECK_FALSE(faithful("Seven"));
  CHECK_FALSE(faithful("junk"));
  CHECK_FALSE(faithful("11"));
}

TEST_CASE("the lexical proxy: the share of criterion words that are the target's, by hand") {
  auto words = dx::lexicon::of<se>();
  auto fluency = se::index_of("fluency"), coherence = se::index_of("coherence");
  // "grammar", "spelling" are fluency's definition words, "order" and "sensible" coherence's;
  // "summary" is common and counts for nobody.
  CHECK(words.specificity(fluency, "Check grammar and spelling in the summary.") == doctest::Approx(10.0));
  CHECK(words.specificity(fluency, "Grammar, spelling and a sensible order.") == doctest::Approx(1.0 + 9.0 * 2.0 / 4.0));
  CHECK(words.specificity(coherence, "Grammar, spelling and a sensible order.") == doctest::Approx(1.0 + 9.0 * 2.0 / 4.0));
  CHECK(words.specificity(coherence, "Grammatical errors.") == doctest::Approx(1.0));  // "gramma" is fluency's stem
  CHECK(std::isnan(words.specificity(fluency, "Be more careful.")));
  // A word two definitions share belongs to neither ("summary" aside, "source" is common).
  for (std::size_t c = 0; c < se::size; ++c) {
    auto mine = words.words_of(c);
    for (std::size_t d = 0; d < se::size; ++d)
      if (d != c)
        for (const auto& w : words.words_of(d)) CHECK(std::find(mine.begin(), mine.end(), w) == mine.end());
  }
}

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

/// Two runs: SSC with per-criterion gradients (fluency's given twice in one step), and SCC with
/// joint gradients; a step that stopped a run and an OPRO run, which give nothing to rate. Each
/// summary.json has the fields the run reader requires of it (experiment/run_reader.hpp).
void write_runs(const fs::path& root) {
  write(root / "runs/SSC,seed=1/summary.json", R"({"run":"SSC,seed=1","mode":"SSC","gate":"mae","seed":1,"criterion":"","criteria":["fluency","relevance","coherence","consistency"],"finished":true,"aborted":null,"steps":[]})");
  write(root / "runs/SSC,seed=1/steps.jsonl",
        R"({"step":0,"critiques":[],"calls":[],"gradients":[],"incumbent":{},"candidate":{},"error":""})"
        "\n"
        R"({"step":1,"critiques":[],"calls":[],"gradients":[{"criterion":"fluency","text":"Name grammar errors."},{"criterion":"fluency","text":"Name grammar errors."},)"
        R"({"criterion":"coherence","text":"Check the order of sentences."}],)"
        R"("incumbent":{"fluency":"old f","coherence":"old c"},"candidate":{"fluency":"new f","coherence":"new c"},"error":""})"
        "\n"
        R"({"step":2,"critiques":[],"calls":[],"gradients":[{"criterion":"fluency","text":"x"}],"incumbent":{},"candidate":{},"error":"backend: down"})"
        "\n");
  write(root / "runs/SCC,seed=1/summary.json", R"({"run":"SCC,seed=1","mode":"SCC","gate":"none","seed":1,"criterion":"","criteria":["fluency","relevance","coherence","consistency"],"finished":true,"aborted":null,"steps":[]})");
  write(root / "runs/SCC,seed=1/steps.jsonl",
        R"({"step":1,"critiques":[],"calls":[],"gradients":[{"criterion":"fluency, relevance, coherence, consistency","text":"A: grammar and order."},)"
        R"({"criterion":"fluency, relevance, coherence, consistency","text":"B: invented facts."}],)"
        R"("incumbent":{"fluency":"f0","relevance":"r0","coherence":"c0","consistency":"k0"},)"
        R"("candidate":{"fluency":"f1","relevance":"r1","coherence":"c1","consistency":"k1"},"error":""})"
        "\n");
  write(root / "runs/opro,seed=1/summary.json", R"({"run":"opro,seed=1","mode":"opro","gate":"none","seed":1,"criterion":"","criteria":["fluency","relevance","coherence","consistency"],"finished":true,"aborted":null,"steps":[]})");
}

}  // namespace

TEST_CASE("the ratings a run directory asks for, under each protocol; scripted replies read back") {
  judgegrad_test::temp_dir dir("jg-diagnose");
  write_runs(dir.path);
  std::vector<fs::path> dirs{dir.path};
  auto words = dx::lexicon::of<se>();
  auto names = std::span<const std::string_view>(se::names);

  SUBCASE("judgegrad's protocol: each distinct gradient of a unit alone") {
    auto r = dx::collect(dirs, dx::protocol::standard, words, names);
    // SSC step 1: fluency (one distinct text) and coherence, each one specificity and one
    // adherence call; SCC step 1: two joint texts for each of 4 targets, one adherence each.
    std::size_t spec = 0, adh = 0;
    for (const auto& x : r) (x.kind == "specificity" ? spec : adh) += 1;
    CHECK(spec == 2 + 8);
    CHECK(adh == 2 + 4);
    auto q = dx::requests(r, dx::protocol::standard, names);
    REQUIRE(q.size() == r.size());
    for (const auto& one : q) CHECK(one.role == jg::llm::role::evaluator);
    // The SCC run sorts first: its first request rates text A for coherence (targets by name).
    CHECK(r.front().run == "SCC,seed=1");
    CHECK(r.front().criterion == "coherence");
    CHECK(r.front().joint_gradient);
    CHECK(q.front().messages.front().content.find("A: grammar and order.") != std::string::npos);
    CHECK(q.front().messages.front().content.find("fluency, relevance, coherence, consistency") != std::string::npos);

    // Scripted replies: SCC gets 3 for every specificity, 8 for adherence except one in words;
    // SSC's ratings are 9, "nine", "8-10", and junk for one adherence.
    std::vector<jg::llm::result> replies;
    for (const auto& x : r) {
      jg::llm::response resp;
      if (x.run == "SCC,seed=1") resp.content = x.kind == "adherence" ? (x.criterion == "fluency" ? "eight" : "8") : "3";
      else if (x.kind == "specificity") resp.content = x.criterion == "fluency" ? "9" : "nine";
      else resp.content = x.criterion == "fluency" ? "8-10" : "no idea";
      replies.emplace_back(std::move(resp));
    }
    CHECK(dx::absorb(r, replies, dx::protocol::standard) == 1);
    auto d = dx::summarize(r, dx::protocol::standard, 0, 1);
    REQUIRE(d.by_mode.size() == 2);
    CHECK(d.by_mode[0].mode == "SSC");  // per-criterion modes first
    CHECK(d.by_mode[0].specificity.mean == doctest::Approx(9.0));
    CHECK(d.by_mode[0].specificity.n == 2);
    CHECK(d.by_mode[0].adherence.mean == doctest::Approx(9.0));  // 8-10; the junk reply is left out
    CHECK(d.by_mode[0].adherence.n == 1);
    CHECK(d.by_mode[1].mode == "SCC");
    CHECK(d.by_mode[1].specificity.mean == doctest::Approx(3.0));
    CHECK(d.by_mode[1].specificity.n == 4);  // units: one per target, its two texts averaged
    CHECK(d.by_mode[1].adherence.mean == doctest::Approx(8.0));
    CHECK(d.by_mode_criterion.size() == 2 + 4);
    // The lexical proxy: "Name grammar errors." is all fluency; "A: grammar and order." half
    // fluency, half coherence; "B: invented facts." is consistency's ("invent", "facts").
    for (const auto& x : r) {
      if (x.kind != "specificity") continue;
      if (x.text == "Name grammar errors.") CHECK(x.lexical == doctest::Approx(10.0));
      if (x.text == "A: grammar and order." && (x.criterion == "fluency" || x.criterion == "coherence")) CHECK(x.lexical == doctest::Approx(5.5));
      if (x.text == "A: grammar and order." && x.criterion == "relevance") CHECK(x.lexical == doctest::Approx(1.0));
      if (x.text == "B: invented facts." && x.criterion == "consistency") CHECK(x.lexical == doctest::Approx(10.0));
    }
    // Read back from JSON, the same table.
    write(dir.path / "d.json", dx::to_json(d, r));
    auto back = dx::read_diagnostics(dir.path / "d.json");
    CHECK(dx::to_markdown(back) == dx::to_markdown(d));
  }

  SUBCASE("the reference's protocol: one call per run, step and criterion, the gradients joined") {
    auto r = dx::collect(dirs, dx::protocol::faithful, words, names);
    std::size_t spec = 0, adh = 0;
    for (const auto& x : r) (x.kind == "specificity" ? spec : adh) += 1;
    CHECK(spec == 2 + 4);
    CHECK(adh == 2 + 4);
    auto joined = std::find_if(r.begin(), r.end(), [](const dx::rating& x) { return x.run == "SCC,seed=1" && x.kind == "specificity"; });
    REQUIRE(joined != r.end());
    CHECK(joined->text == "A: grammar and order.\n\nB: invented facts.");
    auto q = dx::requests(r, dx::protocol::faithful, names);
    CHECK(q.front().messages.front().content.find("fluency, relevance, coherence and consistency") != std::string::npos);  // its SummEval wording
    std::vector<jg::llm::result> replies;
    for (std::size_t i = 0; i < r.size(); ++i) {
      jg::llm::response resp;
      resp.content = i == 0 ? "Seven" : "7.5";  // the reference reads no word, and 7 of 7.5
      replies.emplace_back(std::move(resp));
    }
    replies.back() = jg::llm::error{jg::llm::error_kind::transport, 0, "refused", "", 1};
    CHECK(dx::absorb(r, replies, dx::protocol::faithful) == 2);
    CHECK_FALSE(r.front().llm);
    CHECK(r[1].llm == 7.0);
  }
}

namespace {
struct sim_fixture {
  jg::data::train_test<se> paper = jg::data::summeval_paper<se>(test_data_dir());
  jg::sim::world world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
};
const sim_fixture& sim() {
  static const sim_fixture x;
  return x;
}
}  // namespace

TEST_CASE("interference, controlled, on the simulator: an 800-token instruction costs the others in one prompt (simulated)") {
  auto seed = jg::judge::summeval_prompt<se>();
  std::span<const jg::example<se>> test(sim().paper.test.examples);
  jg::judge::judge_settings settings;
  settings.bootstrap.resamples = 1000;
  settings.bootstrap.seed = 5;
  // Fluency's instruction grown to about 800 tokens of its own advice.
  std::string lengthy = seed.instruction("fluency");
  while (jg::llm::estimate_tokens(lengthy) < 800)
    lengthy += " Check every sentence for grammar, spelling, punctuation and word choice, and lower the score for each error that makes it hard to read.";
  auto unbalanced = seed.with_instruction("fluency", lengthy);
  const auto& world = sim().world;
  auto control = dx::compare_layouts(world, seed, test, 2, settings, "control");
  auto treated = dx::compare_layouts(world, unbalanced, test, 2, settings, "treated");
  std::size_t drops = 0, control_drops = 0;
  for (std::size_t c = 0; c < se::size; ++c) {
    const auto &t = treated[c].joint_minus_alone, &k = control[c].joint_minus_alone;
    MESSAGE(se::names[c] << ": joint - alone " << t.difference << " [" << t.ci.lower << ", " << t.ci.upper << "]; seed prompt " << k.difference
                         << " [" << k.ci.lower << ", " << k.ci.upper << "] (simulated)");
    drops += t.ci.upper < 0;
    control_drops += k.ci.upper < 0;
  }
  CHECK(drops >= 2);           // the other criteria lose in the joint layout
  CHECK(control_drops == 0);   // a balanced prompt: no interval below zero
  // Alone, an instruction does not see the others: the per-criterion layout's coherence is the
  // same with and without fluency's long instruction.
  CHECK(treated[se::index_of("coherence")].alone == doctest::Approx(control[se::index_of("coherence")].alone));
}
}  // namespace test_experiment_diagnostics
