// The optimizer on the simulator's paper preset, SummEval paper split, 12 steps: every mode and
// algorithm runs to the end; single-task raises its criterion's validation agreement; the evaluator
// rates joint gradients less specific than per-criterion ones; one seed gives byte-identical records
// (pinned, so GCC and Clang are held to the same bytes). Every decomposition mode, algorithm, judge
// layout and remedy is pinned the same way on 2 steps; beside each pinned digest, a golden file
// (tests/optim/golden/records_<name>.txt) holds one line per record (its index, its step, the
// fnv1a64 of its bytes), so that a moved digest names the first record that differs. Simulated
// results, not a model's.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/optim.hpp>
#include <judgegrad/sim.hpp>

#include "golden.hpp"
#include "paper_fixture.hpp"

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace test_optim_simulated {

namespace jg = judgegrad;
namespace hana = boost::hana;
namespace llm = jg::llm;
using se = jg::summeval::all;

namespace {

using paper::f;

/// One step's JSON line with its durations zeroed, and a short label: "step 3", or "fluency step 3"
/// when the variant makes one run per criterion (single-task; `variant` is the variant's name).
struct record_text {
  std::string label;
  std::string text;
};
std::vector<record_text> records_by_step(const jg::memory_sink& sink, std::string_view variant = {}) {
  std::vector<record_text> out;
  for (auto r : sink.steps) {
    r.duration_seconds = 0;
    for (auto& c : r.calls) c.latency_seconds = 0;
    std::string label = fmt::format("step {}", r.step);
    std::string_view run_name = r.run;
    if (!variant.empty() && run_name.size() > variant.size() + 1 && run_name.substr(0, variant.size()) == variant &&
        run_name[variant.size()] == '/')
      label = fmt::format("{} {}", run_name.substr(variant.size() + 1), label);
    if (!r.error.empty()) label += " (stopped)";
    out.push_back({std::move(label), jg::to_jsonl(r)});
  }
  return out;
}

/// Every step's JSON line with its durations zeroed: what must be identical between two runs.
std::string records_of(const jg::memory_sink& sink) {
  std::string out;
  for (const auto& r : records_by_step(sink)) out += r.text;
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto eol = text.find('\n');
    out.emplace_back(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
  return out;
}

/// Holds a run's records to `digest`, the fnv1a64 of all their bytes pinned in this file, and each
/// record to its line in the golden file records_<name>.txt: "<index> <label> <fnv1a64 of the
/// record>". When either moves, says which record differs first: the golden file's line, the
/// current one and the record's current text. JUDGEGRAD_UPDATE_GOLDEN=1 rewrites the golden file
/// (the pinned digest stays as written here: a changed one is edited by hand).
void pin(std::string_view name, const std::vector<record_text>& records, std::string_view digest) {
  std::string all, lines;
  std::vector<std::string> got;
  for (std::size_t i = 0; i < records.size(); ++i) {
    all += records[i].text;
    got.push_back(fmt::format("{} {} {:016x}", i, records[i].label, jg::text::fnv1a64(records[i].text)));
    lines += got.back() + "\n";
  }
  const std::string whole = fmt::format("{:016x}", jg::text::fnv1a64(all));
  const std::string file = fmt::format("records_{}", name);
  if (golden::updating()) {
    golden::write(file, lines);
    CHECK_MESSAGE(whole == digest,
                  file << ": the records' digest is " << whole << ", pinned " << digest << "; edit the pinned value if the change is meant");
    return;
  }
  auto text = golden::read(file);
  REQUIRE_MESSAGE(text.has_value(), "missing golden file " << golden::path(file) << " (JUDGEGRAD_UPDATE_GOLDEN=1 writes it)");
  auto want = lines_of(*text);
  std::size_t first = 0;
  while (first < got.size() && first < want.size() && got[first] == want[first]) ++first;
  const bool records_match = first == got.size() && first == want.size();
  const std::string_view why = records_match ? "every record matches the golden file, so the file was rewritten from the changed code "
                                                "(or the pinned value edited): the pinned digest is the reference"
                                              : "the first record that differs follows";
  CHECK_MESSAGE(whole == digest, file << ": the records' digest is " << whole << ", pinned " << digest << "; " << why);
  if (records_match) return;
  std::string expected = first < want.size() ? want[first] : fmt::format("(none: the golden file holds {} records)", want.size());
  std::string current = first < got.size() ? got[first] : fmt::format("(none: the run made {} records)", got.size());
  std::string label = first < records.size() ? records[first].label : (first < want.size() ? want[first] : std::string());
  FAIL_CHECK(golden::path(file) << ": first differing record #" << first << " (" << label << ")"
                                << std::string_view(whole == digest ? ", though the pinned digest holds: the golden file is stale" : "")
                                << "\n  expected: " << expected << "\n  current:  " << current << "\n"
                                << (first < records.size() ? "current text of the record:\n" + records[first].text : std::string()));
}

template <class V>
std::pair<jg::run_result<se>, jg::memory_sink> run(jg::run_settings s = {}, std::size_t steps = 12) {
  s.steps = steps;
  jg::memory_sink sink;
  auto r = jg::optimize<V>(f().world, jg::judge::summeval_prompt<se>(), f().data, s, sink);
  return {std::move(r), std::move(sink)};
}

double mean_test_spearman(const jg::step_result<se>& s) {
  double sum = 0;
  for (const auto& m : s.test->metrics) sum += m.spearman;
  return sum / static_cast<double>(s.test->metrics.size());
}

}  // namespace

TEST_CASE("every mode and algorithm runs 12 steps to the end (simulated)") {
  using mae_gate = jg::gate::non_regression<jg::metric::mae>;
  auto variants = hana::tuple_t<jg::variant<se, jg::sss, mae_gate>, jg::variant<se, jg::ssc, mae_gate>, jg::variant<se, jg::scc, mae_gate>,
                                jg::variant<se, jg::ccc, mae_gate>, jg::variant<se, jg::css>, jg::variant<se, jg::csc, jg::merge::structured>,
                                jg::variant<se, jg::ccs, jg::merge::concatenate>, jg::variant<se, jg::scs, jg::gate::paired<jg::metric::mae>>,
                                jg::variant<se, jg::algorithm::opro<jg::metric::mae>>,
                                jg::variant<se, jg::ssc, jg::layout::per_criterion, jg::gate::paired_bootstrap<jg::metric::spearman>>>;
  hana::for_each(variants, [&](auto v) {
    using V = typename decltype(v)::type;
    auto [r, sink] = run<V>();
    CAPTURE(V::name());
    CHECK(r.error.empty());
    REQUIRE(r.steps.size() == 13);
    CHECK(sink.steps.size() == 13);
    MESSAGE(V::name() << ": mean test Spearman " << mean_test_spearman(r.steps.front()) << " -> " << mean_test_spearman(r.steps.back())
                      << " (simulated)");
    for (const auto& s : r.steps)
      for (const auto& i : s.instructions) CHECK_FALSE(jg::text::trim(i).empty());
  });
}

TEST_CASE("single-task: each criterion's run raises its validation agreement (simulated)") {
  using V = jg::variant<se, jg::ccc, jg::algorithm::single_task, jg::gate::non_regression<jg::metric::mae>>;
  auto [r, sink] = run<V>();
  CHECK(r.error.empty());
  REQUIRE(r.steps.size() == 13);
  CHECK(r.steps.back().test->metrics.size() == 4);  // each criterion from its own run
  // Per criterion, the bar (validation MAE, negated) after the last step against the seed's.
  std::map<std::string, std::pair<double, double>> bars;
  for (const auto& rec : sink.steps) {
    if (!rec.gate.evaluated) continue;
    auto& [first, last] = bars.try_emplace(rec.run, rec.gate.incumbent, rec.gate.incumbent).first->second;
    last = rec.gate.accepted ? rec.gate.candidate : rec.gate.incumbent;
    (void)first;
  }
  REQUIRE(bars.size() == 4);
  double gain = 0;
  for (const auto& [run, b] : bars) {
    MESSAGE(run << ": validation MAE " << -b.first << " -> " << -b.second << " (simulated)");
    CHECK(b.second >= b.first);  // the gate's bar never falls
    gain += b.second - b.first;
  }
  CHECK(gain > 0.05);
}

TEST_CASE("gradient dilution through the loop: the evaluator rates joint gradients less specific (simulated)") {
  using mae_gate = jg::gate::non_regression<jg::metric::mae>;
  auto [sep, sep_sink] = run<jg::variant<se, jg::ssc, mae_gate>>();
  auto [joint, joint_sink] = run<jg::variant<se, jg::scc, mae_gate>>();
  auto rate = [&](const jg::memory_sink& sink) {
    std::vector<llm::request> batch;
    for (const auto& rec : sink.steps)
      for (const auto& g : rec.gradients)
        for (auto c : g.criteria) {  // per-criterion gradients: their own target only
          auto target = se::names[c];
          llm::request q;
          q.role = llm::role::evaluator;
          q.messages = {{"user", jg::prompts::specificity(jg::prompt_style::standard, target, g.text, se::names)}};
          batch.push_back(std::move(q));
        }
    double sum = 0;
    auto replies = f().world.complete(batch);
    for (const auto& r : replies) sum += std::stod(r.value().content);
    return sum / static_cast<double>(replies.size());
  };
  double per = rate(sep_sink), all = rate(joint_sink);
  MESSAGE("specificity of gradients, 12 steps: per-criterion (SSC) " << per << ", joint (SCC) " << all << " (simulated)");
  CHECK(per > all + 3);
}

TEST_CASE("determinism: one seed, byte-identical records; a pinned digest holds GCC and Clang to the same bytes") {
  using V = jg::variant<se, jg::ssc, jg::gate::non_regression<jg::metric::mae>, jg::merge::concatenate>;
  auto [a, sa] = run<V>();
  auto [b, sb] = run<V>();
  std::string ra = records_of(sa), rb = records_of(sb);
  CHECK(ra == rb);
  CHECK(ra.size() > 100000);
  pin("ssc_mae_concatenate", records_by_step(sa, V::name()), "3e1b2461191b9b93");
  jg::run_settings other;
  other.seed = 43;  // other batches
  auto [c, sc] = run<V>(other);
  CHECK(records_of(sc) != ra);
}

namespace {

/// Runs V on the simulator for 2 steps with the default settings, test judged at the seed prompt and
/// the last step only, and pins its records (see pin).
template <class V>
void pinned(std::string_view name, std::string_view digest) {
  const std::string variant(V::name());
  CAPTURE(variant);
  jg::run_settings s;
  s.test_every = 0;
  auto [r, sink] = run<V>(s, 2);
  CHECK(r.error.empty());
  CHECK(r.steps.size() == 3);  // the seed prompt's step and two
  pin(name, records_by_step(sink, V::name()), digest);
}

using mae_gate = jg::gate::non_regression<jg::metric::mae>;
using halves = jg::grouped<jg::partition<jg::group<jg::summeval::fluency, jg::summeval::coherence>,
                                         jg::group<jg::summeval::consistency, jg::summeval::relevance>>>;

}  // namespace

TEST_CASE("pinned digests, 2 steps: the default merge and every decomposition mode (simulated)") {
  // The pinned variant above with no merge named (labeled_sections); then each mode with every
  // other slot at its default: the paper's four, and the four it did not run.
  SUBCASE("SSC/gate=mae with the default merge") { pinned<jg::variant<se, jg::ssc, mae_gate>>("ssc_mae_default_merge", "6003c2e64801adf3"); }
  SUBCASE("SSS") { pinned<jg::variant<se, jg::sss>>("sss", "f153c89840e75832"); }
  SUBCASE("SSC") { pinned<jg::variant<se, jg::ssc>>("ssc", "472ede1442a27829"); }
  SUBCASE("SCC") { pinned<jg::variant<se, jg::scc>>("scc", "9d3dd09a33d75725"); }
  SUBCASE("CCC") { pinned<jg::variant<se, jg::ccc>>("ccc", "6c8f414797e5adbc"); }
  SUBCASE("CSS") { pinned<jg::variant<se, jg::css>>("css", "3db0ce4b147773f5"); }
  SUBCASE("CSC") { pinned<jg::variant<se, jg::csc>>("csc", "2b2570c34ca07ede"); }
  SUBCASE("CCS") { pinned<jg::variant<se, jg::ccs>>("ccs", "81a79d7755e3672e"); }
  SUBCASE("SCS") { pinned<jg::variant<se, jg::scs>>("scs", "0764626c90a59215"); }
}

TEST_CASE("pinned digests, 2 steps: OPRO, single-task and the per-criterion layout (simulated)") {
  SUBCASE("OPRO") { pinned<jg::variant<se, jg::algorithm::opro<jg::metric::mae>>>("opro_mae", "6091ff36e4d3f027"); }
  SUBCASE("single-task") { pinned<jg::variant<se, jg::ccc, jg::algorithm::single_task, mae_gate>>("single_task", "7eef32a7ab7fd331"); }
  SUBCASE("per-criterion layout") { pinned<jg::variant<se, jg::ssc, jg::layout::per_criterion>>("ssc_per_criterion", "3f7bc539307fdd98"); }
}

TEST_CASE("pinned digests, 2 steps: the remedies (simulated)") {
  SUBCASE("routing by the lexical proxy") {
    pinned<jg::variant<se, jg::decomposition<jg::separate, jg::routed<jg::specificity::lexical, 6>, jg::combined>>>("routed_lexical",
                                                                                                                    "55ba994b1adbe8db");
  }
  SUBCASE("routing by the evaluator") {
    pinned<jg::variant<se, jg::decomposition<jg::separate, jg::routed<jg::specificity::evaluator, 6>, jg::combined>>>("routed_evaluator",
                                                                                                                      "25d6c57767162b8d");
  }
  SUBCASE("grouped gradients") {
    pinned<jg::variant<se, jg::decomposition<jg::separate, halves, jg::combined>>>("grouped", "0faacb49d9742c4d");
  }
  SUBCASE("structured merge") { pinned<jg::variant<se, jg::scc, jg::merge::structured>>("scc_structured", "020041a58a4a1142"); }
  SUBCASE("conflict-resolving merge") {
    pinned<jg::variant<se, jg::ssc, jg::merge::conflict_resolving<>>>("conflict_resolving", "bf83e30f2b34565a");
  }
  SUBCASE("length balance") { pinned<jg::variant<se, jg::ssc, jg::length::balanced<>>>("length_balanced", "e3ddc631572f5123"); }
  // A budget the simulated update exceeds within 2 steps: its repair and cut are in the records.
  SUBCASE("length balance with a tight budget") {
    pinned<jg::variant<se, jg::ssc, jg::length::balanced<40, 2, 8>>>("length_balanced_tight", "54ebb5c47a3c6495");
  }
  // Merging every 2nd step, so that the second step is a merge step.
  SUBCASE("Pareto search") { pinned<jg::variant<se, jg::ssc, jg::algorithm::pareto<jg::metric::mae, 2>>>("pareto", "54ee46d0723bc2d7"); }
  SUBCASE("prefix-shared layout") { pinned<jg::variant<se, jg::ssc, jg::layout::prefix_shared>>("prefix_shared", "166f3de5217d6b73"); }
}
}  // namespace test_optim_simulated
