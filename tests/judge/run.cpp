// Running a judge through a scripted backend (deterministic replies computed from the request):
// one batch per evaluation, judge role on every request, repair rounds, failure policies, and
// metrics on the SummEval paper test split equal to metrics computed directly from the script.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/sim/world.hpp>

#include "../data/test_data_dir.hpp"
#include "../support/halves_layout.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace test_judge_run {

namespace jg = judgegrad;
namespace judge = jg::judge;
namespace llm = jg::llm;
using se = jg::summeval::all;

namespace {

/// A backend whose reply to each request is `script(request)`; it records every batch.
struct scripted_backend {
  explicit scripted_backend(std::function<llm::result(const llm::request&)> f) : script(std::move(f)) {}
  std::function<llm::result(const llm::request&)> script;
  std::vector<std::vector<llm::request>> batches{};
  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    batches.emplace_back(batch.begin(), batch.end());
    std::vector<llm::result> out;
    for (const auto& r : batch) out.push_back(script(r));
    return out;
  }
};
static_assert(llm::chat_backend<scripted_backend>);

llm::result reply(std::string text) {
  llm::response r;
  r.content = std::move(text);
  return r;
}

/// The Summary line of a rendered prompt: the script keys its answers on it.
std::string summary_of(const llm::request& r) {
  const std::string& p = r.messages.front().content;
  auto at = p.find("\nSummary: ");
  return p.substr(at + 10, p.find("\n\n## Response", at) - at - 10);
}

/// The script's score for criterion c of an example: the gold score moved by a fixed pattern,
/// clamped to 1..5, so it agrees with humans only partly.
int scripted_score(const jg::example<se>& e, std::size_t c) {
  std::uint64_t h = jg::text::fnv1a64(e.id) + c * 7919;
  int g = static_cast<int>(*e.gold[c]);
  int shift = static_cast<int>(h % 5) - 2;  // -2..2
  return std::clamp(g + (h % 3 == 0 ? shift : 0), 1, 5);
}

// Independent truth for the metrics: brute-force Spearman (ranks by counting) and MAE.
double brute_spearman(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& x) {
    std::vector<double> r(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      double less = 0, equal = 0;
      for (double y : x) less += y < x[i], equal += y == x[i];
      r[i] = less + (equal + 1) / 2;
    }
    return r;
  };
  auto ra = ranks(a), rb = ranks(b);
  double n = static_cast<double>(a.size()), ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += ra[i] / n, mb += rb[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

/// Kendall's tau-b by counting every pair.
double brute_kendall(const std::vector<double>& a, const std::vector<double>& b) {
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0, n0 = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      ++n0;
      double s = (a[i] - a[j]) * (b[i] - b[j]);
      concordant += s > 0;
      discordant += s < 0;
      ties_a += a[i] == a[j];
      ties_b += b[i] == b[j];
    }
  return (concordant - discordant) / std::sqrt((n0 - ties_a) * (n0 - ties_b));
}

}  // namespace

TEST_CASE("a full evaluation of the SummEval paper test split through a scripted backend") {
  auto test = jg::data::summeval_paper(test_data_dir()).test;
  std::map<std::string, const jg::example<se>*> by_summary;
  // The prompt is all the script sees; identical summaries (the split has some) get the script's
  // answer for the last of them, and the truth below is computed the same way.
  for (const auto& e : test) by_summary[e.inputs[1].text] = &e;
  // Every 10th example answers in a fence with chatter, every 16th leaves out consistency (repaired on
  // request), every 97th answers with prose the first time and JSON when repaired.
  std::size_t asked = 0;
  scripted_backend backend([&](const llm::request& r) {
    const auto& e = *by_summary.at(summary_of(r));
    std::size_t pos = static_cast<std::size_t>(&e - test.examples.data());
    bool repair = r.messages.size() == 3;
    ++asked;
    std::string json = fmt::format(R"({{"fluency": {}, "relevance": {}, "coherence": {}, "consistency": {}}})", scripted_score(e, 0),
                                   scripted_score(e, 1), scripted_score(e, 2), scripted_score(e, 3));
    if (!repair && pos % 97 == 5) return reply("The summary is decent overall.");
    if (!repair && pos % 16 == 3)
      return reply(fmt::format(R"({{"fluency": {}, "relevance": {}, "coherence": {}}})", scripted_score(e, 0), scripted_score(e, 1),
                               scripted_score(e, 2)));
    if (pos % 10 == 0) return reply("Here you go:\n```json\n" + json + "\n```\nHope this helps.");
    return reply(json);
  });
  judge::judge_settings settings;
  settings.model = "scripted";
  settings.bootstrap.resamples = 200;
  auto ev = judge::evaluate(backend, judge::summeval_prompt(), test, settings);

  // One batch for all 480 first calls, then one repair batch; the judge role everywhere.
  REQUIRE(backend.batches.size() == 2);
  CHECK(backend.batches[0].size() == 480);
  std::size_t expected_repairs = 0;
  for (const auto& e : test) {
    auto pos = static_cast<std::size_t>(by_summary.at(e.inputs[1].text) - test.examples.data());
    expected_repairs += (pos % 97 == 5) || (pos % 16 == 3);
  }
  CHECK(backend.batches[1].size() == expected_repairs);
  CHECK(ev.calls == 480 + expected_repairs);
  CHECK(ev.repair_calls == expected_repairs);
  for (const auto& b : backend.batches)
    for (const auto& r : b) {
      CHECK(r.role == llm::role::judge);
      CHECK(r.model == "scripted");
      CHECK(!r.temperature);  // unset: the backend stack settles it (llm::role_defaults)
    }
  CHECK(backend.batches[1][0].messages[2].content.starts_with("Your answer could not be used: "));
  // Same items, same order as the data set.
  REQUIRE(ev.items.size() == 480);
  for (std::size_t i = 0; i < 480; ++i) {
    CHECK(ev.items[i].id == test[i].id);
    CHECK(summary_of(backend.batches[0][i]) == test[i].inputs[1].text);
  }
  CHECK(ev.failed_items == 0);
  CHECK(ev.items[5].calls.size() == 2);
  CHECK(ev.items[5].calls[0].status == judge::reply_status::no_json);
  CHECK(ev.items[5].raw_reply() == "The summary is decent overall.");

  // Metrics equal the ones computed straight from the scripted scores.
  for (std::size_t c = 0; c < se::size; ++c) {
    std::vector<double> gold, pred;
    double abs_sum = 0, exact = 0, near = 0;
    for (const auto& e : test) {
      gold.push_back(*e.gold[c]);
      pred.push_back(scripted_score(*by_summary.at(e.inputs[1].text), c));
      abs_sum += std::abs(gold.back() - pred.back());
      exact += gold.back() == pred.back();
      near += std::abs(gold.back() - pred.back()) <= 1;
    }
    const auto& r = ev.criteria[c];
    INFO("criterion " << se::names[c]);
    CHECK(r.items == 480);
    CHECK(r.scored == 480);
    CHECK(r.coverage == 1.0);
    REQUIRE(r.find("spearman") != nullptr);
    CHECK(r.find("spearman")->value == doctest::Approx(brute_spearman(gold, pred)).epsilon(1e-12));
    CHECK(r.find("mae")->value == doctest::Approx(abs_sum / 480).epsilon(1e-12));
    CHECK(r.find("kendall")->value == doctest::Approx(brute_kendall(gold, pred)).epsilon(1e-12));
    CHECK(r.find("accuracy")->value == doctest::Approx(exact / 480).epsilon(1e-12));
    CHECK(r.find("off_by_one")->value == doctest::Approx(near / 480).epsilon(1e-12));
    REQUIRE(r.metrics.size() == 7);
    for (const auto& m : r.metrics) {
      INFO(m.name);
      CHECK(m.low <= m.value);
      CHECK(m.high >= m.value);
      CHECK(m.standard_error > 0);
    }
    CHECK(r.find("spearman")->low < r.find("spearman")->value);
    CHECK(r.find("spearman")->high > r.find("spearman")->value);
    CHECK(r.find("mae")->low <= r.find("mae")->value);
    CHECK(r.find("mae")->high >= r.find("mae")->value);
  }
  // The same evaluation again: identical numbers, intervals included (seeded bootstrap).
  auto again = judge::evaluate(backend, judge::summeval_prompt(), test, settings);
  for (std::size_t c = 0; c < se::size; ++c) {
    CHECK(again.criteria[c].find("spearman")->low == ev.criteria[c].find("spearman")->low);
    CHECK(again.criteria[c].find("mae")->high == ev.criteria[c].find("mae")->high);
  }
}

namespace {
jg::dataset<se> small(std::size_t n) {
  jg::dataset<se> d;
  for (std::size_t i = 0; i < n; ++i) {
    jg::example<se> e;
    e.id = fmt::format("s{}", i);
    e.inputs = {{"text", fmt::format("source {}", i)}, {"machine_summary", fmt::format("summary {}", i)}};
    for (std::size_t c = 0; c < se::size; ++c) e.gold[c] = static_cast<double>(1 + (i + c) % 5);
    d.examples.push_back(e);
  }
  return d;
}
}  // namespace

TEST_CASE("the first request, probed alone: the judge's joint request for the first item; its error, or nothing") {
  auto d = small(3);
  std::span<const jg::example<se>> items(d.examples);
  auto first = judge::first_request(judge::summeval_prompt(), items);
  REQUIRE(first);
  auto pass = judge::plan<jg::layout::joint>(judge::summeval_prompt(), items);
  CHECK(first->messages.back().content == pass.pending().front().messages.back().content);
  CHECK(summary_of(*first) == "summary 0");
  CHECK_FALSE(judge::first_request(judge::summeval_prompt(), items.first(0)));

  scripted_backend fine([](const llm::request&) -> llm::result { return reply("{}"); });
  CHECK_FALSE(llm::probe(fine, *first));
  REQUIRE(fine.batches.size() == 1);
  CHECK(fine.batches[0].size() == 1);  // alone
  scripted_backend dead([](const llm::request&) -> llm::result { return llm::error{llm::error_kind::transport, 0, "refused", "", 2}; });
  auto e = llm::probe(dead, *first);
  REQUIRE(e);
  CHECK(e->kind == llm::error_kind::transport);
  CHECK(e->message == "refused");
}

TEST_CASE("bad replies lower coverage and never stop the run by default") {
  auto d = small(20);
  scripted_backend backend([](const llm::request& r) -> llm::result {
    std::string s = summary_of(r);
    int i = std::stoi(s.substr(8));
    if (i == 3) return llm::error{llm::error_kind::timeout, 0, "took too long", "", 3};
    if (i % 5 == 0) return reply(R"({"fluency": 9, "relevance": 3, "coherence": 3, "consistency": 3})");
    return reply(R"({"fluency": 4, "relevance": 3, "coherence": 3, "consistency": 3})");
  });
  judge::judge_settings s;
  s.repair_rounds = 2;
  s.bootstrap.resamples = 0;
  auto ev = judge::evaluate(backend, judge::summeval_prompt(), d, s);
  CHECK(backend.batches.size() == 3);        // first round + two repair rounds for the stubborn ones
  CHECK(backend.batches[1].size() == 4);     // items 0, 5, 10, 15; the failed call is not re-asked
  CHECK(backend.batches[2].size() == 4);
  CHECK(backend.batches[2][0].messages.size() == 5);  // the conversation grows with each repair
  CHECK(ev.failed_items == 5);
  CHECK(ev.items[3].scores[0].status == judge::score_status::call_failed);
  CHECK(ev.items[3].calls[0].error == "timeout: took too long");
  CHECK(ev.items[5].scores[0].status == judge::score_status::out_of_range);
  CHECK(ev.items[5].scores[1].ok());
  CHECK(ev.criteria[0].coverage == doctest::Approx(15.0 / 20));
  CHECK(ev.criteria[1].coverage == doctest::Approx(19.0 / 20));
  CHECK(std::isnan(ev.criteria[1].find("spearman")->low));  // intervals off

  // The reference's policy: no repair, abort at 5% failed items, with everything kept.
  scripted_backend again{backend.script};
  try {
    (void)judge::evaluate(again, judge::summeval_prompt(), d, judge::judge_settings::faithful());
    FAIL("expected judge_failure");
  } catch (const judge::judge_failure<se>& f) {
    CHECK(std::string(f.what()).find("5 of 20 judged items") != std::string::npos);
    CHECK(f.evaluation_so_far().items.size() == 20);
    CHECK(f.evaluation_so_far().criteria[2].coverage == doctest::Approx(19.0 / 20));
  }
  CHECK(again.batches.size() == 1);
}

TEST_CASE("per-criterion layout: K calls per example in one batch, each showing one criterion") {
  auto d = small(6);
  scripted_backend backend([](const llm::request& r) {
    const std::string& p = r.messages.front().content;
    for (std::size_t c = 0; c < se::size; ++c)
      if (p.find(fmt::format("- {}: ", se::names[c])) != std::string::npos) return reply(fmt::format("{}", 1 + c));
    return reply("?");
  });
  judge::judge_settings s;
  s.schema = true;
  s.suffix = "\n/no_think";
  s.bootstrap.resamples = 0;
  auto ev = judge::evaluate<jg::layout::per_criterion>(backend, judge::summeval_prompt(), d, s);
  CHECK(backend.batches[0][0].messages[0].content.ends_with("## Response\n\n/no_think"));
  REQUIRE(backend.batches.size() == 1);
  REQUIRE(backend.batches[0].size() == 24);
  CHECK(backend.batches[0][5].messages[0].content.find("- relevance: Rate from 1 to 5.") != std::string::npos);
  CHECK(backend.batches[0][5].messages[0].content.find("- fluency:") == std::string::npos);
  CHECK(backend.batches[0][5].format.schema.find(R"("required":["relevance"])") != std::string::npos);
  for (const auto& p : ev.items) {
    CHECK(p.complete());
    CHECK(p.calls.size() == 4);
    for (std::size_t c = 0; c < se::size; ++c) CHECK(*p.scores[c].score() == 1.0 + static_cast<double>(c));
  }
}

TEST_CASE("prefix-shared layout: the sample first, one criterion last; the K calls of an example share everything before it") {
  auto d = small(3);
  scripted_backend backend([](const llm::request& r) {
    const std::string& p = r.messages.front().content;
    for (std::size_t c = 0; c < se::size; ++c)
      if (p.find(fmt::format("- {}: ", se::names[c])) != std::string::npos) return reply(fmt::format("{{\"{}\": {}}}", se::names[c], 1 + c));
    return reply("?");
  });
  judge::judge_settings s;
  s.bootstrap.resamples = 0;
  auto prompt = judge::summeval_prompt();
  auto ev = judge::evaluate<jg::layout::prefix_shared>(backend, prompt, d, s);
  REQUIRE(backend.batches.size() == 1);
  REQUIRE(backend.batches[0].size() == 12);
  for (std::size_t i = 0; i < d.size(); ++i) {
    std::string shared = judge::render_shared_prefix(prompt, d.examples[i]);
    for (std::size_t c = 0; c < se::size; ++c) {
      const std::string& text = backend.batches[0][i * se::size + c].messages[0].content;
      std::size_t one[1] = {c};
      // Exactly: the shared prefix, then what the per-criterion layout shows before the sample
      // minus the preamble, then the Response section.
      CHECK(text == shared + judge::render_criteria(prompt, std::span<const std::size_t>(one)) + "\n\n## Response\n");
      CHECK(text.starts_with(std::string(jg::text::trim(prompt.skeleton().preamble)) + "\n\n## Sample\n"));
      CHECK(text.find("## Sample") < text.find("## Output format"));
      for (std::size_t o = 0; o < se::size; ++o) CHECK((text.find(fmt::format("- {}: ", se::names[o])) != std::string::npos) == (o == c));
    }
  }
  CHECK(ev.layout == "prefix_shared");
  for (const auto& p : ev.items) {
    CHECK(p.complete());
    for (std::size_t c = 0; c < se::size; ++c) CHECK(*p.scores[c].score() == 1.0 + static_cast<double>(c));
  }
}

TEST_CASE("a layout of one's own plans the calls: two per example, each asking for half the criteria, scores parsed per half") {
  auto d = small(5);
  scripted_backend backend([](const llm::request& r) {
    const std::string& p = r.messages.front().content;
    std::string out = "{";
    for (std::size_t c = 0; c < se::size; ++c)
      if (p.find(fmt::format("- {}: ", se::names[c])) != std::string::npos)
        out += fmt::format("{}\"{}\": {}", out.size() > 1 ? ", " : "", se::names[c], 1 + c);
    return reply(out + "}");
  });
  judge::judge_settings s;
  s.schema = true;
  s.bootstrap.resamples = 0;
  auto prompt = judge::summeval_prompt();
  auto ev = judge::evaluate<test_layouts::halves>(backend, prompt, d, s);
  REQUIRE(backend.batches.size() == 1);
  REQUIRE(backend.batches[0].size() == 10);
  for (std::size_t i = 0; i < d.size(); ++i)
    for (std::size_t h = 0; h < 2; ++h) {
      const auto& r = backend.batches[0][2 * i + h];
      std::vector<std::size_t> half = h == 0 ? std::vector<std::size_t>{0, 1} : std::vector<std::size_t>{2, 3};
      CHECK(r.messages[0].content == judge::render_head(prompt, std::span<const std::size_t>(half)) + judge::render_sample(prompt, d.examples[i]));
      CHECK(r.tag.example == d.examples[i].id);
      CHECK(r.tag.criterion.empty());
      CHECK(r.format.schema.find(fmt::format(R"("required":["{}","{}"])", se::names[half[0]], se::names[half[1]])) != std::string::npos);
    }
  CHECK(ev.layout == "halves");
  for (const auto& p : ev.items) {
    CHECK(p.complete());
    CHECK(p.calls.size() == 2);
    for (std::size_t c = 0; c < se::size; ++c) CHECK(*p.scores[c].score() == 1.0 + static_cast<double>(c));
  }
}

TEST_CASE("the simulated provider's prompt cache: K-1 of the K prefix-shared calls of an example are served from it") {
  auto test = jg::data::summeval_paper(test_data_dir()).test;
  jg::dataset<se> few;  // 20 distinct inputs (the split repeats some: an identical prompt is cached whole)
  for (const auto& e : test.examples) {
    bool seen = std::any_of(few.examples.begin(), few.examples.end(), [&](const auto& x) { return x.inputs == e.inputs; });
    if (!seen && few.size() < 20) few.examples.push_back(e);
  }
  auto knobs = jg::sim::preset("paper");
  auto off = jg::sim::world::of(knobs, few);
  knobs.provider.prefix_cache_block = 16;
  auto on = jg::sim::world::of(knobs, few);
  auto prompt = judge::summeval_prompt();
  auto pass = judge::plan<jg::layout::prefix_shared>(prompt, std::span<const jg::example<se>>(few.examples));
  auto replies = on.complete(pass.pending());
  auto plain = off.complete(pass.pending());
  REQUIRE(replies.size() == 80);
  for (std::size_t i = 0; i < few.size(); ++i) {
    auto shared = jg::llm::estimate_tokens(std::string("user") + '\x1f' + judge::render_shared_prefix(prompt, few.examples[i]));
    for (std::size_t c = 0; c < se::size; ++c) {
      const auto& r = replies[i * se::size + c].value();
      CHECK(plain[i * se::size + c].value().usage.cached_tokens == 0);  // off by default
      CHECK(r.content == plain[i * se::size + c].value().content);     // the cache changes no answer
      if (c == 0 && i == 0) CHECK(r.usage.cached_tokens == 0);
      if (c == 0) continue;
      // The shared prefix, in whole blocks of 16.
      CHECK(r.usage.cached_tokens == shared / 16 * 16);
      CHECK(r.usage.cached_tokens > 100);  // a SummEval article is hundreds of tokens
    }
  }
  // The joint layout shares its head (preamble and instructions) across examples instead.
  auto joint = judge::plan<jg::layout::joint>(prompt, std::span<const jg::example<se>>(few.examples));
  auto jr = on.complete(joint.pending());
  CHECK(jr[0].value().usage.cached_tokens == 0);
  CHECK(jr[1].value().usage.cached_tokens > 0);
  CHECK(jr[1].value().usage.cached_tokens < replies[1].value().usage.cached_tokens);
  // A minimum above the shared prefix turns it off (OpenAI caches prompts of 1024 tokens or more).
  knobs.provider.prefix_cache_min = 5000;
  auto high = jg::sim::world::of(knobs, few);
  for (const auto& r : high.complete(pass.pending())) CHECK(r.value().usage.cached_tokens == 0);
}

TEST_CASE("compare: two prompts on the same items, paired") {
  auto d = small(60);
  auto answer = [&](int noise) {
    return [noise, &d](const llm::request& r) {
      int i = std::stoi(summary_of(r).substr(8));
      const auto& e = d[static_cast<std::size_t>(i)];
      auto score = [&](std::size_t c) { return std::clamp(static_cast<int>(*e.gold[c]) + ((i * 7 + static_cast<int>(c)) % 3 == 0 ? noise : 0), 1, 5); };
      return reply(fmt::format(R"({{"fluency": {}, "relevance": {}, "coherence": {}, "consistency": {}}})", score(0), score(1), score(2), score(3)));
    };
  };
  scripted_backend good(answer(0)), bad(answer(3));
  judge::judge_settings s;
  s.bootstrap.resamples = 500;
  auto prompt = judge::summeval_prompt();
  auto a = judge::predict(good, prompt, d, s);
  auto b = judge::predict(bad, prompt, d, s);
  std::span<const jg::example<se>> items(d.examples);
  auto c = judge::compare<jg::metric::mae>(items, a, b, 0, s.bootstrap);
  CHECK(c.used == 60);
  CHECK(c.difference > 0);  // A (exact) has the lower MAE: positive means A is better
  CHECK(c.ci.lower > 0);
  auto same = judge::compare<jg::metric::spearman>(items, a, a, 1, s.bootstrap);
  CHECK(same.difference == 0);
  // No resamples: the difference alone, as the two Spearman correlations computed apart give it.
  auto point = judge::compare<jg::metric::spearman>(items, a, b, 1, {.resamples = 0});
  const auto gold = judge::gold_column(items, 1);
  const double by_hand = jg::stats::spearman(gold, judge::score_column(a, 1)).value - jg::stats::spearman(gold, judge::score_column(b, 1)).value;
  CHECK(point.difference == doctest::Approx(by_hand).epsilon(1e-12));
  CHECK(point.difference > 0);
  CHECK(point.used == 60);
  CHECK(std::isnan(point.ci.lower));
  CHECK(point.resamples == 0);
  b.items[3].id = "other";
  CHECK_THROWS_AS(judge::compare<jg::metric::mae>(items, a, b, 0), std::invalid_argument);
}

TEST_CASE("the simulated judge reads the rendered prompts in both layouts and styles") {
  auto test = jg::data::summeval_paper(test_data_dir()).test;
  auto world = jg::sim::world::of(jg::sim::preset("paper"), test);
  judge::judge_settings s;
  s.bootstrap.resamples = 0;
  for (auto style : {jg::prompt_style::standard, jg::prompt_style::faithful}) {
    auto prompt = judge::summeval_prompt(style);
    auto joint = judge::evaluate(world, prompt, test, s);
    auto single = judge::evaluate<jg::layout::per_criterion>(world, prompt, test, s);
    // The simulator injects a few bad scores (a missing key, a 0 or a 6) on purpose; every reply
    // is still JSON the parser reads, and repair recovers most of the bad scores.
    for (const auto* ev : {&joint, &single})
      for (const auto& p : ev->items)
        for (const auto& call : p.calls) CHECK(call.status == judge::reply_status::ok);
    for (std::size_t c = 0; c < se::size; ++c) {
      INFO("criterion " << se::names[c] << ", style " << static_cast<int>(style));
      CHECK(joint.criteria[c].coverage > 0.98);
      CHECK(single.criteria[c].coverage > 0.98);
      CHECK(joint.criteria[c].find("mae")->value < 2.0);
    }
    CHECK(joint.repair_calls < 48);
  }
}

TEST_CASE("predictions and reports as JSON: every line parses and holds what was judged") {
  auto d = small(4);
  scripted_backend backend([](const llm::request& r) {
    if (summary_of(r) == "summary 2") return reply("nope");
    return reply(R"({"fluency": 4, "relevance": 7, "coherence": "3", "consistency": 2})");
  });
  judge::judge_settings s;
  s.repair_rounds = 0;
  s.bootstrap.resamples = 50;
  auto ev = judge::evaluate(backend, judge::summeval_prompt(), d, s);
  std::string lines = judge::to_jsonl(ev);
  simdjson::dom::parser parser;
  int n = 0;
  for (auto doc : parser.parse_many(lines)) {
    REQUIRE(doc.error() == simdjson::SUCCESS);
    CHECK(std::string_view(doc["id"]) == d[static_cast<std::size_t>(n)].id);
    if (n == 2) {
      CHECK(std::string_view(doc["scores"]["fluency"]["status"]) == "unparsable");
      CHECK(doc["scores"]["fluency"]["value"].is_null());
      CHECK(std::string_view(doc["calls"].at(0)["reply"]) == "nope");
      CHECK(std::string_view(doc["calls"].at(0)["status"]) == "no_json");
    } else {
      CHECK(double(doc["scores"]["fluency"]["value"]) == 4);
      CHECK(std::string_view(doc["scores"]["relevance"]["status"]) == "out_of_range");
      CHECK(double(doc["scores"]["relevance"]["value"]) == 7);
      CHECK(double(doc["scores"]["coherence"]["value"]) == 3);
      CHECK(std::string_view(doc["calls"].at(0)["criteria"].at(3)) == "consistency");
    }
    ++n;
  }
  CHECK(n == 4);
  jg::json_writer w;
  judge::write_json(w, ev.criteria);
  auto report = parser.parse(simdjson::padded_string(w.str()));
  REQUIRE(report.error() == simdjson::SUCCESS);
  CHECK(double(report["fluency"]["coverage"]) == 0.75);
  CHECK(uint64_t(report["relevance"]["scored"]) == 0);
  CHECK(report["relevance"]["metrics"]["mae"]["value"].is_null());  // NaN: no pairs
  CHECK(double(report["fluency"]["metrics"]["mae"]["value"]) == doctest::Approx((3.0 + 2 + 0) / 3));  // gold 1, 2, 4 against 4
}
}  // namespace test_judge_run
