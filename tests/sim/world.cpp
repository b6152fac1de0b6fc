// The simulated world: protocol, rubric, knobs, determinism, and the mechanisms behind the paper's
// two failure modes, measured on the real SummEval paper split.
#include "support.hpp"

#include <judgegrad/data/brighter.hpp>

#include <doctest/doctest.h>

#include <judgegrad/sim.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace test_sim_world {

namespace jg = judgegrad;
namespace sim = judgegrad::sim;
using simtest::instructions;
using simtest::judge_prompt;
using simtest::request;
using jg::llm::role;

namespace {

const sim::world& paper_world() {
  static const sim::world w = sim::world::of(sim::preset("paper"), simtest::paper_train(), simtest::paper_test());
  return w;
}

std::string reply(const sim::world& w, role r, std::string prompt, std::uint32_t repeat = 0) {
  return w.respond(request(r, std::move(prompt), repeat)).content;
}

// Judges the 480 test rows with `instr` (one pass) and parses the replies with the judge code's
// parser: per criterion, gold and predicted (NaN where the reply gave no usable score).
struct judged {
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> pairs;
};
judged judge_test(const sim::world& w, const instructions& instr, std::uint32_t repeat = 0) {
  const auto& test = simtest::paper_test();
  std::vector<jg::llm::request> batch;
  for (const auto& e : test) batch.push_back(request(role::judge, judge_prompt(instr, e), repeat));
  auto replies = w.complete(batch);
  judged out;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    auto parsed = jg::judge::parse_reply<simtest::summeval>(replies[i].value().content);
    for (const auto& in : instr) {
      auto c = simtest::summeval::index_of(in.name);
      auto& [gold, pred] = out.pairs[in.name];
      gold.push_back(*test[i].gold[c]);
      pred.push_back(parsed.scores[c].score().value_or(std::numeric_limits<double>::quiet_NaN()));
    }
  }
  return out;
}

// Per-criterion Spearman (stats::spearman, SciPy's) and their mean.
std::pair<double, std::map<std::string, double>> test_spearman(const sim::world& w, const instructions& instr,
                                                               std::uint32_t repeat = 0) {
  std::map<std::string, double> per;
  double mean = 0;
  for (auto& [k, p] : judge_test(w, instr, repeat).pairs) mean += per[k] = jg::stats::spearman(p.first, p.second).value;
  return {mean / static_cast<double>(per.size()), per};
}

// Mean absolute error of one criterion over the test rows, judged with `instr`.
double test_mae(const sim::world& w, const instructions& instr, std::string_view criterion) {
  auto j = judge_test(w, instr);
  const auto& [gold, pred] = j.pairs.at(std::string(criterion));
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < gold.size(); ++i)
    if (!std::isnan(pred[i])) sum += std::abs(pred[i] - gold[i]), ++n;
  return sum / static_cast<double>(n);
}

// An instruction for `criterion` stating its first `n` facets.
std::string with_facets(const sim::world& w, std::string_view criterion, std::size_t n) {
  std::string out = "Rate from 1 to 5.";
  const auto& m = w.criteria()[w.index_of(criterion)];
  for (std::size_t i = 0; i < n && i < m.facets.size(); ++i) out += " Check " + m.facets[i].phrase + ".";
  return out;
}

}  // namespace

TEST_CASE("sections and entries follow the prompt contract") {
  std::string prompt =
      "Skeleton line.\n\n## Output format\nJSON only.\n{\"fluency\": 1|2|3|4|5}\n\n## Instructions\n"
      "- fluency: Rate from 1 to 5.\n  Check grammar.\n- coherence: Look at order.\n- unknown: not an entry\n\n"
      "## Sample\nSource text: a\nb\nSummary: c\n\n## Response\n";
  auto s = sim::split_sections(prompt);
  REQUIRE(s.size() == 5);
  CHECK(s[0].title == "");
  CHECK(s[1].title == "Output format");
  CHECK(s[4].title == "Response");
  std::string_view names[] = {"fluency", "coherence"};
  auto e = jg::protocol::read_entries(sim::find_section(s, "instructions")->body, names);
  REQUIRE(e.size() == 2);
  CHECK(e[0].text == "Rate from 1 to 5.\n Check grammar.");  // a reader removes one leading space
  CHECK(e[1].text == "Look at order.\n- unknown: not an entry");
  CHECK(sim::infer_role(s) == role::judge);

  // Builders render the sections the simulator reads, and guard embedded headers.
  std::vector<simtest::score_line> lines{{"fluency", 4.0, 5.0}, {"coherence", std::nullopt, 2.0}};
  std::string loss_text = simtest::loss_prompt(lines);  // sections are views: keep the text alive
  auto loss = sim::split_sections(loss_text);
  CHECK(sim::infer_role(loss) == role::loss);
  auto le = jg::protocol::read_entries(sim::find_section(loss, "Scores")->body);
  REQUIRE(le.size() == 2);
  CHECK(le[0].text == "predicted 4, human 5");
  CHECK(le[1].text == "predicted none, human 2");
  instructions one{{"fluency", "Rate."}};
  std::string grad_text = simtest::gradient_prompt(one, {{"Text", "## not a header"}}, "{}", "- fluency: fine");
  auto grad = sim::split_sections(grad_text);
  CHECK(sim::infer_role(grad) == role::gradient);
  CHECK(sim::find_section(grad, "not a header") == nullptr);
  auto role_of = [](const std::string& text) { return sim::infer_role(sim::split_sections(text)); };
  CHECK(role_of(simtest::optimizer_prompt(one, "", {{"", "advice"}})) == role::optimizer);
  CHECK(role_of(simtest::specificity_prompt("fluency", "text")) == role::evaluator);
  std::vector<simtest::scored_set> past{{0.3, one}};
  CHECK(role_of(simtest::opro_prompt(past)) == role::optimizer);
}

TEST_CASE("facets: every phrase states its own facet and no other; advice and templates state none") {
  const auto& w = paper_world();
  for (std::size_t c = 0; c < w.criteria().size(); ++c)
    for (const auto& f : w.criteria()[c].facets) {
      auto r = w.read_instruction(c, f.phrase);
      INFO(w.criteria()[c].name << ": " << f.phrase);
      CHECK(r.own_facets == 1);
      CHECK(r.foreign_facets == 0);
    }
  std::vector<sim::criterion_model> emotions;
  jg::brighter::all::for_each([&](auto c) { emotions.push_back(sim::model_of<typename decltype(c)::type>()); });
  sim::world brighter(emotions);
  for (std::size_t c = 0; c < brighter.criteria().size(); ++c) {
    CHECK(brighter.criteria()[c].facets.size() >= 6);
    for (const auto& f : brighter.criteria()[c].facets) {
      auto r = brighter.read_instruction(c, f.phrase);
      INFO(brighter.criteria()[c].name << ": " << f.phrase);
      CHECK(r.own_facets == 1);
      CHECK(r.foreign_facets == 0);
    }
  }
  for (const auto& g : sim::generic_advice_list)
    for (std::size_t c = 0; c < w.criteria().size(); ++c) {
      CHECK(w.read_instruction(c, g.advice).own_facets + w.read_instruction(c, g.advice).foreign_facets == 0);
      CHECK(w.read_instruction(c, g.rule).own_facets + w.read_instruction(c, g.rule).foreign_facets == 0);
      CHECK(sim::has_cue(sim::to_lower(g.rule), g.cue));
      CHECK(sim::has_cue(sim::to_lower(g.advice), g.cue));
    }
  for (std::size_t c = 0; c < w.criteria().size(); ++c) {
    CHECK(w.criteria()[c].facets.size() >= 6);
    CHECK(w.criteria()[c].facets.size() <= 12);
    CHECK(w.read_instruction(c, "Rate from 1 to 5.").own_facets == 0);
  }
  // Facets of a user-defined criterion come from its definition.
  auto derived = sim::derive_facets("tone", "Whether the reply keeps a polite, respectful and friendly tone toward the customer.");
  REQUIRE(derived.size() == 6);
  CHECK(derived[0].phrase == "reply");
  CHECK(derived[1].phrase == "keeps");
  CHECK(derived[3].cues.front() == "respec");
  CHECK(derived[5].phrase == "customer");
}

TEST_CASE("knobs: presets, JSON overrides and clear errors") {
  auto p = sim::from_json(R"({"preset": "paper", "seed": 7, "judge": {"noise": 0.3, "noise_by_criterion": {"fluency": 0.1}}, "gradient": {"budget": 6}})");
  CHECK(p.seed == 7);
  CHECK(p.judge.noise == 0.3);
  CHECK(p.judge.noise_by_criterion.at("fluency") == 0.1);
  CHECK(p.gradient.budget == 6);
  CHECK(p.judge.lapse == sim::params{}.judge.lapse);
  auto round = sim::from_json(sim::to_json(p));
  CHECK(sim::to_json(round) == sim::to_json(p));
  CHECK(sim::from_json(R"({"preset": "noiseless"})").judge.noise == 0);
  CHECK_THROWS_WITH_AS(sim::from_json(R"({"judge": {"nosie": 1}})", "sim.json"), "judgegrad::sim: unknown knob 'judge.nosie' (in sim.json)",
                       sim::config_error);
  CHECK_THROWS_WITH_AS(sim::from_json(R"({"gradient": {"budget": "four"}})"),
                       "judgegrad::sim: knob 'gradient.budget' has the wrong type (in <configuration>)", sim::config_error);
  CHECK_THROWS_WITH_AS(sim::from_json(R"({"optimizer": {"adherence": 1.5}})"),
                       doctest::Contains("'optimizer.adherence' = 1.5 is a probability"), sim::config_error);
  CHECK_THROWS_WITH_AS(sim::from_json(R"({"preset": "nope"})"), doctest::Contains("unknown preset 'nope'"), sim::config_error);
  CHECK_THROWS_WITH_AS(sim::from_json("{"), doctest::Contains("not valid JSON"), sim::config_error);
}

TEST_CASE("the world recognises every known example inside a prompt") {
  const auto& w = paper_world();
  // Rows with identical inputs (the same summary of the same article, in both splits or twice in
  // one) are one example to the simulator.
  std::set<std::pair<std::string, std::string>> distinct;
  for (const auto* d : {&simtest::paper_train(), &simtest::paper_test()})
    for (const auto& e : *d) distinct.insert({e.inputs[0].text, e.inputs[1].text});
  CHECK(w.size() == distinct.size());
  std::size_t found = 0;
  for (const auto& e : simtest::paper_test()) {
    auto prompt = judge_prompt(simtest::seed_instructions(), e);
    auto sections = sim::split_sections(prompt);
    auto body = sim::find_section(sections, "Sample")->body;
    if (auto id = w.recognise(body)) found += 1;
  }
  CHECK(found == simtest::paper_test().size());
  // A text containing a line that looks like a label still resolves (slow path); an unknown one
  // does not.
  sim::world small(w.criteria());
  std::vector<std::string> inputs{"Line one\nNote: line two", "Short summary."};
  small.add_example("tricky", inputs, std::vector<std::optional<double>>(4, 3.0));
  CHECK(small.recognise("Source text: Line one\nNote: line two\nSummary: Short summary.\n") == "tricky");
  CHECK_FALSE(small.recognise("Source text: Line one\nSummary: Short summary.\n").has_value());
}

TEST_CASE("determinism: a golden digest of replies of every role; seeds and repeats differ") {
  auto digest_of = [](const sim::world& w) {
    std::uint64_t h = sim::fnv1a64("");
    const auto& test = simtest::paper_test();
    instructions rich = simtest::seed_instructions();
    rich[0].text = with_facets(w, "fluency", 3);
    rich[2].text = with_facets(w, "coherence", 5) + " Check the main points of the source.";
    for (std::size_t i = 0; i < 40; ++i) {
      std::string judged = reply(w, role::judge, judge_prompt(i % 2 ? rich : simtest::seed_instructions(), test[i]), i % 3);
      h = sim::fnv1a64(judged, h);
      auto scores = simtest::read_scores(judged);
      std::vector<simtest::score_line> lines;
      for (auto& [k, v] : scores) lines.push_back({k, v, *test[i].gold[simtest::summeval::index_of(k)]});
      std::string loss = reply(w, role::loss, simtest::loss_prompt(lines));
      h = sim::fnv1a64(loss, h);
      std::string grad = reply(w, role::gradient, simtest::gradient_prompt(rich, {{"Source text", test[i].inputs[0].text}}, judged, loss));
      h = sim::fnv1a64(grad, h);
      std::string opt = reply(w, role::optimizer, simtest::optimizer_prompt(rich, "", {{"", grad}}));
      h = sim::fnv1a64(opt, h);
      h = sim::fnv1a64(reply(w, role::evaluator, simtest::specificity_prompt("coherence", grad)), h);
      h = sim::fnv1a64(reply(w, role::evaluator, simtest::adherence_prompt("fluency", rich[0].text, opt, grad)), h);
    }
    std::vector<simtest::scored_set> past{{0.25, simtest::seed_instructions()}, {0.31, rich}};
    h = sim::fnv1a64(reply(w, role::optimizer, simtest::opro_prompt(past)), h);
    return h;
  };
  std::uint64_t a = digest_of(paper_world());
  CHECK(a == digest_of(sim::world::of(sim::preset("paper"), simtest::paper_train(), simtest::paper_test())));
  // Pinned: the same bytes from GCC and Clang, libstdc++ and libc++, any process.
  CHECK(fmt::format("{:016x}", a) == "9f888dd8f778fb48");
  auto other = sim::preset("paper");
  other.seed = 43;
  CHECK(a != digest_of(sim::world::of(other, simtest::paper_train(), simtest::paper_test())));
  // A repeat of an identical request is a fresh sample.
  const auto& e = simtest::paper_test()[0];
  std::set<std::string> replies;
  for (std::uint32_t r = 0; r < 20; ++r) replies.insert(reply(paper_world(), role::judge, judge_prompt(simtest::seed_instructions(), e), r));
  CHECK(replies.size() > 1);
}

TEST_CASE("calibration: the paper preset's seed prompt scores a mean test Spearman of 0.28 +- 0.04") {
  auto [mean, per] = test_spearman(paper_world(), simtest::seed_instructions());
  MESSAGE("seed prompt, test Spearman: mean " << mean << "; fluency " << per["fluency"] << ", relevance " << per["relevance"]
                                              << ", coherence " << per["coherence"] << ", consistency " << per["consistency"]);
  CHECK(std::abs(mean - 0.28) <= 0.04);
  // Fresh sampling passes (repeat indices) stay in the band: the target is not one lucky draw.
  std::string passes;
  for (std::uint32_t r = 1; r <= 4; ++r) {
    double m = test_spearman(paper_world(), simtest::seed_instructions(), r).first;
    passes += fmt::format(" {:.3f}", m);
    CHECK(std::abs(m - 0.28) <= 0.04);
  }
  MESSAGE("repeats 1-4:" << passes);
}

TEST_CASE("BRIGHTER: emotions judged from the paper copy, recognised and correlated with gold") {
  auto data = jg::data::brighter_paper<jg::brighter::all>(simtest::data_dir());
  auto w = sim::world::of(sim::preset("paper"), data.test);
  auto prompt = jg::judge::brighter_prompt<jg::brighter::all>();
  std::vector<double> gold, pred;
  for (std::size_t i = 0; i < 400; ++i) {
    const auto& e = data.test[i];
    auto text = jg::judge::render(prompt, e);
    auto sections = sim::split_sections(text);
    CHECK(w.recognise(sim::find_section(sections, "Sample")->body) == e.id);
    auto parsed = jg::judge::parse_reply<jg::brighter::all>(reply(w, role::judge, text));
    for (std::size_t c = 0; c < jg::brighter::all::size; ++c) {
      gold.push_back(*e.gold[c]);
      pred.push_back(parsed.scores[c].score().value_or(std::numeric_limits<double>::quiet_NaN()));
    }
  }
  double rho = jg::stats::spearman(gold, pred).value;
  MESSAGE("BRIGHTER, seed prompt, pooled Spearman over 400 texts x 5 emotions: " << rho);
  CHECK(rho > 0.2);
  CHECK(rho < 0.8);
}

TEST_CASE("judge: more facets, lower error; foreign facets and length imbalance raise it") {
  const auto& w = paper_world();
  for (std::string_view c : {"coherence", "relevance"}) {
    auto instr = simtest::seed_instructions();
    std::vector<double> mae;
    for (std::size_t n : {0u, 3u, 6u}) {
      instr[simtest::summeval::index_of(c)].text = with_facets(w, c, n);
      mae.push_back(test_mae(w, instr, c));
    }
    MESSAGE(c << " MAE with 0, 3, 6 facets: " << mae[0] << ", " << mae[1] << ", " << mae[2]);
    CHECK(mae[1] < mae[0] - 0.05);
    CHECK(mae[2] < mae[1] - 0.05);
  }
  auto full = simtest::seed_instructions();
  for (auto& i : full) i.text = with_facets(w, i.name, 5);
  double full_rho = test_spearman(w, full).first;
  CHECK(full_rho > test_spearman(w, simtest::seed_instructions()).first + 0.1);

  // Interference: coherence facets written into the relevance instruction hurt relevance.
  auto polluted = full;
  polluted[1].text += " Check " + w.criteria()[2].facets[6].phrase + ". Check " + w.criteria()[2].facets[7].phrase + ". Check " +
                      w.criteria()[0].facets[6].phrase + ".";
  CHECK(test_mae(w, polluted, "relevance") > test_mae(w, full, "relevance") + 0.03);

  // Length imbalance: a fluency instruction of ~800 tokens starves the others of the prompt.
  auto long_fluency = full;
  for (int i = 0; i < 60; ++i) long_fluency[0].text += " Read every sentence slowly and carefully before deciding anything about it.";
  auto [imb, per_imb] = test_spearman(w, long_fluency);
  auto [bal, per_bal] = test_spearman(w, full);
  MESSAGE("balanced " << bal << ", one long instruction " << imb);
  CHECK(per_imb["relevance"] < per_bal["relevance"] - 0.05);
  CHECK(imb < bal - 0.05);
  // Judged alone (per-criterion layout), a long instruction interferes with nothing.
  instructions alone{long_fluency[1]};
  CHECK(test_mae(w, alone, "relevance") < test_mae(w, {long_fluency[0], long_fluency[1]}, "relevance") - 0.05);
}

TEST_CASE("judge: answers the requested JSON, with format faults at the configured rate") {
  auto p = sim::preset("paper");
  p.judge.format_fault_rate = 0.2;
  auto w = sim::world::of(p, simtest::paper_test());
  std::map<std::string, int> kinds;
  int n = 0;
  for (std::uint32_t r = 0; r < 3; ++r)
    for (const auto& e : simtest::paper_test()) {
      auto text = reply(w, role::judge, judge_prompt(simtest::seed_instructions(), e), r);
      ++n;
      auto scores = simtest::read_scores(text);
      bool out_of_range = false;
      for (auto& [k, v] : scores) out_of_range |= v < 1 || v > 5;
      if (text.starts_with("```json\n")) ++kinds["fence"];
      else if (text.starts_with("Here are")) ++kinds["preamble"];
      else if (scores.size() == 3) ++kinds["missing"];
      else if (out_of_range) ++kinds["range"];
      else {
        REQUIRE(scores.size() == 4);
        CHECK(text.starts_with("{\"fluency\": "));
        ++kinds["clean"];
      }
    }
  double faults = 1.0 - kinds["clean"] / static_cast<double>(n);
  MESSAGE("fault share " << faults << " (fence " << kinds["fence"] << ", preamble " << kinds["preamble"] << ", missing "
                         << kinds["missing"] << ", range " << kinds["range"] << ")");
  CHECK(faults == doctest::Approx(0.2).epsilon(0.2));
  for (auto k : {"fence", "preamble", "missing", "range"}) CHECK(kinds[k] > n / 40);
  // With a JSON response format requested, no fences and no preambles.
  auto req = request(role::judge, judge_prompt(simtest::seed_instructions(), simtest::paper_test()[0]));
  req.format.type = jg::llm::response_format::kind::json_object;
  for (std::uint32_t r = 0; r < 100; ++r) {
    req.repeat = r;
    CHECK(w.respond(req).content.front() == '{');
  }
}

TEST_CASE("judge: the faithful layout and shown definitions are read too") {
  const auto& w = paper_world();
  const auto& e = simtest::paper_test()[5];
  auto faithful = jg::judge::summeval_prompt<simtest::summeval>(jg::prompt_style::faithful);
  auto text = jg::judge::render(faithful, e);
  auto sections = sim::split_sections(text);
  CHECK(w.recognise(sim::find_section(sections, "Sample")->body) == e.id);
  auto parsed = jg::judge::parse_reply<simtest::summeval>(reply(w, role::judge, text));
  CHECK(parsed.status == jg::judge::reply_status::ok);
  // Definitions state facets (fluency's names five of them): shown, they lower the judge's error.
  auto with_defs = jg::judge::summeval_prompt<simtest::summeval>();
  auto skeleton = with_defs.skeleton();
  skeleton.show_definitions = true;
  with_defs = with_defs.with_skeleton(skeleton);
  double plain = 0, defs = 0;
  for (const auto& ex : simtest::paper_test()) {
    auto c = simtest::summeval::index_of("coherence");
    auto a = jg::judge::parse_reply<simtest::summeval>(reply(w, role::judge, jg::judge::render(jg::judge::summeval_prompt<simtest::summeval>(), ex)));
    auto b = jg::judge::parse_reply<simtest::summeval>(reply(w, role::judge, jg::judge::render(with_defs, ex)));
    plain += std::abs(a.scores[c].score().value_or(3) - *ex.gold[c]);
    defs += std::abs(b.scores[c].score().value_or(3) - *ex.gold[c]);
  }
  CHECK(defs < plain - 20);  // summed over 480 rows
}

TEST_CASE("robustness: any prompt for any role gets a reply, never an exception") {
  const auto& w = paper_world();
  std::vector<std::string> prompts{"", "## ", "##", "## Instructions\n- fluency:", "## Sample\n: \n:::", "## Scores\n- fluency: predicted , human",
                                   "## Scores\n- : predicted 1e999, human -inf", "## Critique\nscored where the human score is ",
                                   "## Instructions\n- coherence: x\n## Critique\n- coherence: The judge scored 9 where the human score is ",
                                   "## Past instructions\n### Set 1 (score abc)\n- fluency: \n### \n",
                                   "## Target criterion\nnone\n## Gradient\n", "## Target criterion\nfluency\n## New instruction\n## Gradient\nFor fluency, check spelling.",
                                   std::string(5000, '#'), std::string("\xff\xfe\x00 binary", 10)};
  for (const auto& p : prompts)
    for (auto r : {role::judge, role::loss, role::gradient, role::optimizer, role::evaluator, role::other}) {
      INFO(jg::llm::to_string(r) << ": " << p.substr(0, 60));
      jg::llm::request req = request(r, p);
      CHECK_NOTHROW(CHECK_FALSE(w.respond(req).content.empty()));
    }
  // A criterion without facets gets them from its definition.
  sim::world custom({sim::criterion_model{"tone", "Whether the reply stays polite and friendly.", {1, 5, 1}, {}}});
  CHECK(custom.criteria()[0].facets.size() == 4);  // reply, stays, polite, friendly
  std::vector<simtest::scored_set> past{{0.1, {{"tone", "Rate."}}}};
  CHECK(reply(custom, role::optimizer, simtest::opro_prompt(past)).starts_with("{\"instructions\":{\"tone\":"));
}

TEST_CASE("loss and usage: the critique states direction and size; tokens are estimated") {
  const auto& w = paper_world();
  std::vector<simtest::score_line> lines{{"fluency", 3.0, 5.0}, {"relevance", 4.0, 4.0}, {"coherence", 5.0, 2.0}, {"consistency", std::nullopt, 5.0}};
  auto req = request(role::loss, simtest::loss_prompt(lines));
  auto r = w.respond(req);
  auto e = jg::protocol::read_entries(r.content);
  REQUIRE(e.size() == 4);
  CHECK(e[0].text.starts_with("The judge scored 3 where the human score is 5: too low, so the judge was too harsh by 2 points (a clear miss)."));
  CHECK(e[1].text.find("correct") != std::string_view::npos);
  CHECK(e[2].text.find("too high") != std::string_view::npos);
  CHECK(e[2].text.find("a large miss") != std::string_view::npos);
  CHECK(e[3].text.starts_with("The judge gave no score"));
  CHECK(r.usage.prompt_tokens == (req.messages[0].content.size() + 3) / 4 + 4);
  CHECK(r.usage.completion_tokens == (r.content.size() + 3) / 4);
  CHECK(r.model == "simulated:sim");
  req.max_tokens = 10;
  auto cut = w.respond(req);
  CHECK(cut.finish_reason == "length");
  CHECK(cut.content.size() <= 40);
  // Without a role, the sections tell it.
  req.role = role::other;
  req.max_tokens.reset();
  CHECK(w.respond(req).content == r.content);
}

namespace {

struct diagnostics {
  double specificity = 0;
  double adherence = 0;
};

// The paper's per-step diagnostics over `steps` batches of 3 training examples with the seed
// prompt: per-criterion gradients (one call per criterion and example, K = 1) or joint gradients
// (one call per example, K = 4); specificity rated per target criterion on the concatenated
// gradients of the batch, adherence on the optimizer's combined rewrite.
diagnostics measure(const sim::world& w, bool joint, int steps) {
  const auto& train = simtest::paper_train();
  auto seed = simtest::seed_instructions();
  double spec = 0, adh = 0;
  int ns = 0, na = 0;
  for (int s = 0; s < steps; ++s) {
    std::map<std::string, std::string> grads;  // per target criterion, concatenated
    std::string all_grads;
    for (int b = 0; b < 3; ++b) {
      const auto& e = train[static_cast<std::size_t>((s * 7 + b * 53) % 160)];
      std::vector<simtest::named_text> sample{{"Source text", e.inputs[0].text}, {"Summary", e.inputs[1].text}};
      std::string judged = reply(w, role::judge, judge_prompt(seed, e), static_cast<std::uint32_t>(s));
      auto scores = simtest::read_scores(judged);
      auto predicted = [&](std::string_view k) -> std::optional<double> {
        for (auto& [n, v] : scores)
          if (n == k) return v;
        return std::nullopt;
      };
      if (joint) {
        std::vector<simtest::score_line> lines;
        for (auto n : simtest::summeval::names) lines.push_back({std::string(n), predicted(n), *e.gold[simtest::summeval::index_of(n)]});
        auto loss = reply(w, role::loss, simtest::loss_prompt(lines));
        auto g = reply(w, role::gradient, simtest::gradient_prompt(seed, sample, judged, loss));
        for (auto n : simtest::summeval::names) grads[std::string(n)] += g + "\n\n";
        all_grads += g + "\n\n";
      } else {
        for (auto n : simtest::summeval::names) {
          std::vector<simtest::score_line> lines{{std::string(n), predicted(n), *e.gold[simtest::summeval::index_of(n)]}};
          auto loss = reply(w, role::loss, simtest::loss_prompt(lines));
          instructions one{{std::string(n), "Rate from 1 to 5."}};
          auto g = reply(w, role::gradient, simtest::gradient_prompt(one, sample, fmt::format("{}: {}", n, predicted(n).value_or(0)), loss));
          grads[std::string(n)] += g + "\n\n";
        }
      }
    }
    // Optimizer: combined update, feedback grouped per criterion (joint gradients copied to each).
    std::vector<simtest::named_text> feedback;
    for (auto n : simtest::summeval::names) feedback.push_back({std::string(n), grads[std::string(n)]});
    auto opt = reply(w, role::optimizer, simtest::optimizer_prompt(seed, "", feedback));
    for (auto n : simtest::summeval::names) {
      auto spec_reply = reply(w, role::evaluator, simtest::specificity_prompt(n, grads[std::string(n)]));
      spec += std::stod(spec_reply), ++ns;
      // The new instruction for n, from the optimizer's JSON.
      simdjson::dom::parser parser;
      simdjson::padded_string ps(opt);
      std::string_view new_text = parser.parse(ps)["instructions"][n].get_string().value();
      adh += std::stod(reply(w, role::evaluator, simtest::adherence_prompt(n, "Rate from 1 to 5.", new_text, grads[std::string(n)]))), ++na;
    }
  }
  return {spec / ns, adh / na};
}

}  // namespace

TEST_CASE("gradient dilution: per-criterion gradients are specific, joint ones are not") {
  const auto& w = paper_world();
  auto per = measure(w, false, 30);
  auto joint = measure(w, true, 30);
  MESSAGE("specificity: per-criterion " << per.specificity << ", joint " << joint.specificity << "; adherence: per-criterion "
                                        << per.adherence << ", joint " << joint.adherence);
  CHECK(per.specificity > joint.specificity + 3);
  CHECK(std::abs(per.specificity - 9.0) <= 0.6);
  CHECK(std::abs(joint.specificity - 3.7) <= 0.6);
  // The optimizer follows whatever gradient it gets: adherence stays high in both.
  CHECK(per.adherence >= 7.5);
  CHECK(joint.adherence >= 7.5);
  // With no dilution knobs, joint gradients are as focused as the budget split allows.
  CHECK(measure(sim::world::of(sim::preset("noiseless"), simtest::paper_train()), false, 5).specificity == doctest::Approx(10));
}

TEST_CASE("gradient and optimizer: proposals go under the named criterion; misattribution pollutes") {
  auto p = sim::preset("noiseless");
  auto clean = sim::world::of(p, simtest::paper_train());
  p.gradient.misattribution = 50;  // nearly every joint proposal names another criterion
  auto confused = sim::world::of(p, simtest::paper_train());
  const auto& e = simtest::paper_train()[0];
  auto seed = simtest::seed_instructions();
  std::vector<simtest::score_line> lines;
  for (auto n : simtest::summeval::names) lines.push_back({std::string(n), 1.0, 5.0});
  auto critique = reply(clean, role::loss, simtest::loss_prompt(lines));
  auto pollution = [&](const sim::world& w) {
    std::size_t own = 0, foreign = 0;
    for (std::uint32_t r = 0; r < 10; ++r) {
      auto g = w.respond(request(role::gradient, simtest::gradient_prompt(seed, {{"Summary", e.inputs[1].text}}, "{}", critique), r)).content;
      auto opt = reply(w, role::optimizer, simtest::optimizer_prompt(seed, "", {{"", g}}));
      simdjson::dom::parser parser;
      simdjson::padded_string ps(opt);
      auto obj = parser.parse(ps)["instructions"];
      for (std::size_t c = 0; c < 4; ++c) {
        auto text = obj[simtest::summeval::names[c]].get_string().value();
        CHECK(text.starts_with("Rate from 1 to 5."));
        auto rd = w.read_instruction(c, text);
        own += rd.own_facets, foreign += rd.foreign_facets;
      }
    }
    return std::pair{own, foreign};
  };
  auto [clean_own, clean_foreign] = pollution(clean);
  auto [conf_own, conf_foreign] = pollution(confused);
  CHECK(clean_foreign == 0);
  CHECK(clean_own >= 30);
  CHECK(conf_foreign > conf_own);
  // A separate update answers with the instruction text alone.
  instructions one{{"coherence", "Rate from 1 to 5."}};
  auto g = reply(clean, role::gradient, simtest::gradient_prompt(one, {}, "coherence: 1", "- coherence: The judge scored 1 where the human score is 5: too low."));
  auto text = reply(clean, role::optimizer, simtest::optimizer_prompt(one, "", {{"coherence", g}}));
  CHECK(text.starts_with("Rate from 1 to 5. "));
  CHECK(clean.read_instruction(2, text).own_facets == 4);  // budget 4, all adopted
  CHECK(std::stoi(reply(clean, role::evaluator, simtest::adherence_prompt("coherence", "Rate from 1 to 5.", text, g))) == 10);
  CHECK(std::stoi(reply(clean, role::evaluator, simtest::adherence_prompt("coherence", "Rate from 1 to 5.", "Rate from 1 to 5.", g))) == 1);
}

TEST_CASE("OPRO: recombines facets of the best past instruction sets") {
  auto p = sim::preset("noiseless");
  p.opro.explore = 0;
  p.opro.confuse = 0;
  auto w = sim::world::of(p, simtest::paper_train());
  auto a = simtest::seed_instructions(), b = a, worst = a;
  a[2].text = with_facets(w, "coherence", 2);
  b[2].text = "Rate from 1 to 5. Check " + w.criteria()[2].facets[5].phrase + ".";
  worst[2].text = "Rate from 1 to 5. Check " + w.criteria()[2].facets[8].phrase + ".";
  p.opro.parents = 2;
  auto w2 = sim::world::of(p, simtest::paper_train());
  std::vector<simtest::scored_set> past{{0.20, worst}, {0.35, a}, {0.30, b}};
  auto out = reply(w2, role::optimizer, simtest::opro_prompt(past));
  simdjson::dom::parser parser;
  simdjson::padded_string ps(out);
  std::string_view coh = parser.parse(ps)["instructions"]["coherence"].get_string().value();
  CHECK(coh.starts_with(a[2].text));  // the best set is the base
  CHECK(w2.read_instruction(2, coh).own_facets == 3);  // plus the second best's facet, not the worst's
}

namespace {

// A minimal TextGrad loop on the simulator (no gate): 12 steps of 3 training examples; loss and
// gradient per criterion (SSC-like) or joint (CCC-like); a combined update. Returns the final
// instructions' mean test Spearman.
double optimize(const sim::world& w, bool joint, std::uint32_t run) {
  const auto& train = simtest::paper_train();
  auto instr = simtest::seed_instructions();
  for (int step = 0; step < 12; ++step) {
    std::map<std::string, std::string> grads;
    for (int b = 0; b < 3; ++b) {
      const auto& e = train[(run * 31 + static_cast<std::uint32_t>(step) * 7 + static_cast<std::uint32_t>(b) * 53) % train.size()];
      std::string judged = reply(w, role::judge, judge_prompt(instr, e), run);
      auto scores = jg::judge::parse_reply<simtest::summeval>(judged);
      std::vector<simtest::named_text> sample{{"Summary", e.inputs[1].text}};
      auto line = [&](std::size_t c) { return simtest::score_line{instr[c].name, scores.scores[c].score(), *e.gold[c]}; };
      if (joint) {
        std::vector<simtest::score_line> lines;
        for (std::size_t c = 0; c < 4; ++c) lines.push_back(line(c));
        auto g = reply(w, role::gradient, simtest::gradient_prompt(instr, sample, judged, reply(w, role::loss, simtest::loss_prompt(lines))), run);
        for (const auto& i : instr) grads[i.name] += g + "\n\n";
      } else {
        for (std::size_t c = 0; c < 4; ++c) {
          instructions one{instr[c]};
          grads[instr[c].name] += reply(w, role::gradient, simtest::gradient_prompt(one, sample, judged, reply(w, role::loss, simtest::loss_prompt({line(c)}))), run) + "\n\n";
        }
      }
    }
    std::vector<simtest::named_text> feedback;
    for (const auto& i : instr) feedback.push_back({i.name, grads[i.name]});
    auto update = reply(w, role::optimizer, simtest::optimizer_prompt(instr, "", feedback), run);
    simdjson::dom::parser parser;
    simdjson::padded_string ps(update);
    for (auto& i : instr) i.text = std::string(parser.parse(ps)["instructions"][i.name].get_string().value());
  }
  return test_spearman(w, instr).first;
}

}  // namespace

TEST_CASE("downstream: a simulated optimization gains more from per-criterion gradients than from joint ones") {
  const auto& w = paper_world();
  double per = 0, joint = 0;
  for (std::uint32_t run = 0; run < 3; ++run) per += optimize(w, false, run) / 3, joint += optimize(w, true, run) / 3;
  double seed = test_spearman(w, simtest::seed_instructions()).first;
  MESSAGE("12 steps, mean final test Spearman over 3 runs: per-criterion " << per << ", joint " << joint << " (seed " << seed << ")");
  CHECK(per > seed + 0.05);
  CHECK(per > joint + 0.04);
}

TEST_CASE("resolver: a sentence given to one criterion but about another's facet moves to its owner, found at the recall's rate") {
  const auto& w = paper_world();
  auto phrase = [&](std::string_view criterion) { return w.criteria()[w.index_of(criterion)].facets[0].phrase; };
  // Fluency's advice holds one sentence about a coherence facet (misattributed), one of its own and
  // one that plainly belongs to relevance.
  std::string misattributed = fmt::format("For fluency, the judge needs to be told about {}.", phrase("coherence"));
  std::string own = fmt::format("For fluency, add a sentence asking the judge to weigh {}.", phrase("fluency"));
  std::string others = fmt::format("For relevance, the instruction should tell the judge to look at {}.", phrase("relevance"));
  std::vector<jg::protocol::group> advice{{"fluency", {misattributed + " " + own + " " + others}},
                                          {"coherence", {"For coherence, keep what already works."}}};
  auto instr = simtest::seed_instructions();
  jg::prompts::resolve_input in{instr, advice};
  auto ask = [&](const sim::world& world) {
    auto r = request(role::gradient, jg::prompts::resolve(jg::prompt_style::standard, in));
    r.format.type = jg::llm::response_format::kind::json_object;
    return world.respond(r).content;
  };
  std::vector<std::string_view> names(simtest::summeval::names.begin(), simtest::summeval::names.end());
  auto knobs = sim::preset("paper");
  knobs.resolver.recall = 1;
  auto found = sim::world::of(knobs, simtest::paper_test());
  auto reply = ask(found);
  auto parts = jg::protocol::read_texts_json(reply, names);
  REQUIRE(parts.missing.empty());
  CHECK(*parts.texts[0] == own);
  CHECK(parts.texts[2]->find(phrase("coherence")) != std::string::npos);  // moved to coherence, renamed
  CHECK(parts.texts[2]->find("For coherence, keep what already works.") != std::string::npos);
  CHECK(parts.texts[2]->find("For coherence, the judge needs to be told about") != std::string::npos);
  CHECK(*parts.texts[1] == others);  // relevance's, moved without a conflict
  CHECK(reply.find(R"("conflicts":["The advice for fluency concerns coherence)") != std::string::npos);
  knobs.resolver.recall = 0;
  auto missed = ask(sim::world::of(knobs, simtest::paper_test()));
  auto kept = jg::protocol::read_texts_json(missed, names);
  CHECK(kept.texts[0]->find(phrase("coherence")) != std::string::npos);  // left where it was
  CHECK(missed.find(R"("conflicts":[])") != std::string::npos);
  // Over many advice texts, recall 0.8 finds about 80% of the misattributed sentences.
  std::size_t hits = 0, n = 200;
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<jg::protocol::group> one{{"fluency", {fmt::format("{} Sample {}.", misattributed, k)}}};
    jg::prompts::resolve_input each{instr, one};
    auto r = request(role::gradient, jg::prompts::resolve(jg::prompt_style::standard, each));
    hits += w.respond(r).content.find("concerns coherence") != std::string::npos;
  }
  CHECK(hits > 140);
  CHECK(hits < 180);
}
}  // namespace test_sim_world
