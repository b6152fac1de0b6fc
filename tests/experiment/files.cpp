// Run directory storage: durable appends, atomic replacement, logs cut back to a finished step, the
// directory lock, the manifest's format check; and a run state written as JSON and read back
// exactly (shortest round-trip doubles, test predictions with failed items).
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/merge.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/run_directory.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/experiment/state.hpp>
#include <judgegrad/judge/prompts.hpp>

#include <doctest/doctest.h>

#include "../support/scratch.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <fstream>
#include <string>

namespace test_experiment_files {

namespace fs = std::filesystem;
namespace jg = judgegrad;
namespace ex = judgegrad::experiment;
namespace files = judgegrad::experiment::files;

namespace {
struct temp_dir : judgegrad_test::temp_dir {
  temp_dir() : judgegrad_test::temp_dir("jg-files") {}
};
using judgegrad_test::error_of;
}  // namespace

TEST_CASE("appends accumulate; keep_lines cuts back to whole lines") {
  temp_dir t;
  auto f = t.path / "log.jsonl";
  files::append_durable(f, "one\n");
  files::append_durable(f, "two\nthree\n");
  files::append_durable(f, "four (cut by a kill, no newline)");
  CHECK(files::read_all(f) == "one\ntwo\nthree\nfour (cut by a kill, no newline)");
  files::keep_lines(f, 3);
  CHECK(files::read_all(f) == "one\ntwo\nthree\n");
  files::keep_lines(f, 1);
  CHECK(files::read_all(f) == "one\n");
  files::keep_lines(f, 0);
  CHECK(files::read_all(f).empty());
  files::keep_lines(t.path / "missing.jsonl", 0);  // nothing to cut, nothing created
  CHECK_FALSE(fs::exists(t.path / "missing.jsonl"));
  // A state that counts more lines than the file holds is a damaged directory, not silently accepted.
  files::append_durable(f, "a\n");
  CHECK(error_of([&] { files::keep_lines(f, 5); }).find(f.string()) != std::string::npos);
}

TEST_CASE("write_atomic replaces the whole file and leaves no temporary") {
  temp_dir t;
  auto f = t.path / "summary.json";
  files::write_atomic(f, "old");
  files::write_atomic(f, "new content");
  CHECK(files::read_all(f) == "new content");
  CHECK_FALSE(fs::exists(t.path / "summary.json.tmp"));
  CHECK(error_of([&] { files::write_atomic(t.path / "no" / "such" / "dir.json", "x"); }).find("dir.json") != std::string::npos);
  CHECK(error_of([&] { files::read_all(t.path / "absent.json"); }).find("absent.json") != std::string::npos);
}

TEST_CASE("a second lock on a directory is refused with the holder's pid, and granted once released") {
  temp_dir t;
  {
    files::directory_lock first(t.path);
    std::string e = error_of([&] { files::directory_lock second(t.path); });
    CHECK(e.find("in use by another judgegrad process (pid " + std::to_string(::getpid()) + ")") != std::string::npos);
    CHECK(e.find(t.path.string()) != std::string::npos);
  }
  files::directory_lock again(t.path);  // the first was released with its object
}

TEST_CASE("a directory of another format version is refused, naming both versions") {
  temp_dir t;
  std::ofstream(t.path / "experiment.json") << R"({"format": "judgegrad-run-directory", "format_version": 99, "judgegrad_version": "9.9.9"})";
  std::string e = error_of([&] { ex::read_manifest(t.path); });
  CHECK(e.find("judgegrad 9.9.9 in run-directory format 99") != std::string::npos);
  CHECK(e.find("experiment.json") != std::string::npos);
  std::ofstream(t.path / "experiment.json") << "{ not json";
  CHECK(error_of([&] { ex::read_manifest(t.path); }).find("experiment.json") != std::string::npos);
}

TEST_CASE("a run state reads back exactly") {
  using set = jg::summeval::all;
  jg::run_state<set> s;
  s.step = 7;
  s.instructions = {"Rate fluency: grammar and \"flow\".\nLine two.", "", "coherence \u00e9", "consistency"};
  s.output_format = false;
  s.bar = 0.1 + 0.2;  // 0.30000000000000004 must survive
  s.tested = "ab12";
  s.test_repeats = 3;
  jg::judge::predictions<set> p;
  p.layout = "per_criterion";
  p.prompt = "ab12";
  p.calls = 9;
  p.repair_calls = 1;
  p.failed_items = 1;
  jg::judge::prediction<set> a, b;
  a.id = "M11";
  a.index = 0;
  for (auto& o : a.scores) o = {jg::judge::score_status::ok, 1.0 / 3.0, ""};
  b.id = "M12";
  b.index = 1;
  b.scores[0] = {jg::judge::score_status::ok, 5.0, ""};
  b.scores[1] = {jg::judge::score_status::out_of_range, 9.0, "9 is outside 1..5"};
  b.scores[2] = {jg::judge::score_status::missing, std::nullopt, "no key"};
  b.scores[3] = {jg::judge::score_status::ok, 2.5, ""};
  p.items = {a, b};
  s.test = p;
  s.history = {{s.instructions, -0.25}};
  s.batch_score = std::nullopt;

  std::string text = ex::to_json(s);
  simdjson::dom::parser parser;
  auto doc = parser.parse(text).value();
  auto back = ex::state_from<set>(doc, "state.json");
  CHECK(back.step == 7);
  CHECK(back.instructions == s.instructions);
  CHECK_FALSE(back.output_format);
  CHECK(*back.bar == 0.1 + 0.2);
  CHECK(back.tested == "ab12");
  CHECK(back.test_repeats == 3);
  REQUIRE(back.test);
  CHECK(back.test->layout == "per_criterion");
  CHECK(back.test->calls == 9);
  CHECK(back.test->failed_items == 1);
  REQUIRE(back.test->items.size() == 2);
  CHECK(back.test->items[0].scores[0].value == 1.0 / 3.0);
  CHECK(back.test->items[1].scores[1] == b.scores[1]);
  CHECK(back.test->items[1].scores[2] == b.scores[2]);
  CHECK(back.history.size() == 1);
  CHECK(back.history[0].second == -0.25);
  CHECK_FALSE(back.batch_score);
  CHECK(ex::to_json(back) == text);

  // A damaged state names the file.
  auto broken = parser.parse(std::string(R"({"step": 1})")).value();
  CHECK(error_of([&] { ex::state_from<set>(broken, "runs/x/state.json"); }).find("runs/x/state.json") != std::string::npos);
}

TEST_CASE("events: what log_event appends, read_events reads back in order, with the writing process") {
  temp_dir t;
  simdjson::dom::parser parser;
  CHECK(ex::read_events(t.path, parser).empty());  // no events.jsonl: no events
  ex::log_event(t.path, "start", "2 runs, the simulator");
  ex::log_event(t.path, "interrupted", "SIGINT; a \"quoted\" | detail");
  auto events = ex::read_events(t.path, parser);
  REQUIRE(events.size() == 2);
  CHECK(events[0].event == "start");
  CHECK(events[0].detail == "2 runs, the simulator");
  CHECK(events[1].event == "interrupted");
  CHECK(events[1].detail == "SIGINT; a \"quoted\" | detail");
  CHECK(events[0].pid == ::getpid());
  CHECK(events[0].at.size() == 20);  // 2026-12-07T21:42:43Z
  CHECK(events[0].at <= events[1].at);
  // A line that is not JSON is an error naming the file and the line.
  files::append_durable(t.path / ex::run_files::events, "{\"event\": \n");
  auto e = error_of([&] { (void)ex::read_events(t.path, parser); });
  CHECK(e.find("events.jsonl") != std::string::npos);
  CHECK(e.find("line 3") != std::string::npos);
}

TEST_CASE("the run reader: runs listed in id order, a summary as a typed row, JSON Lines record by record with errors naming file and line") {
  temp_dir t;
  auto write = [&](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  };
  const fs::path runs = t.path / "runs";
  CHECK(ex::list_runs(t.path).empty());  // no runs/ yet: nothing to read, not an error
  write(runs / "SSC,gate=mae,seed=2" / "summary.json",
        R"({"run":"SSC,gate=mae,seed=2","variant":"SSC/layout=prefix_shared","mode":"SSC","gate":"mae","merge":"labeled_sections",)"
        R"("layout":"prefix_shared","length":"unbounded","seed":2,"criterion":"","criteria":["fluency","coherence"],"finished":true,)"
        R"("aborted":null,"steps":[{"step":0,"changed":false,"instructions":{"fluency":"","coherence":""},"output_format":true,"test":null}]})");
  write(runs / "CCC,gate=none,seed=1" / "summary.json",
        R"({"run":"CCC,gate=none,seed=1","mode":"CCC","gate":"none","seed":1,"criterion":"","criteria":["fluency"],"finished":false,)"
        R"("aborted":"5% of the batch without a score","steps":[]})");
  write(runs / "SSS,gate=none,seed=1" / "state.json", "{}");
  fs::create_directories(runs / "empty");
  std::vector<fs::path> listed = ex::list_runs(t.path), begun = ex::list_runs(t.path, true);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].filename() == "CCC,gate=none,seed=1");
  CHECK(listed[1].filename() == "SSC,gate=mae,seed=2");
  REQUIRE(begun.size() == 3);
  CHECK(begun[2].filename() == "SSS,gate=none,seed=1");

  simdjson::dom::parser parser;
  auto r = ex::read_summary(listed[1], parser);
  CHECK(r.id == "SSC,gate=mae,seed=2");
  CHECK(r.mode == "SSC");
  CHECK(r.gate == "mae");
  CHECK(r.seed == 2);
  CHECK(r.finished);
  CHECK(r.aborted.empty());
  CHECK(r.criteria == std::vector<std::string>{"fluency", "coherence"});
  CHECK(r.configuration() == "SSC/layout=prefix_shared");
  REQUIRE(r.steps.size() == 1);
  CHECK(!r.steps[0].test);
  // An older summary, without the merge, layout and length slots: their defaults.
  auto old = ex::read_summary(listed[0], parser);
  CHECK(old.merge.empty());
  CHECK(old.length == "unbounded");
  CHECK(old.aborted == "5% of the batch without a score");
  CHECK(old.configuration() == "CCC");
  write(runs / "bad" / "summary.json", R"({"run":"bad","mode":"SSS","gate":"none","criterion":"","criteria":[],"finished":true})");
  CHECK(error_of([&] { ex::read_summary(runs / "bad", parser); }) == (runs / "bad" / "summary.json").string() + ": missing \"seed\"");

  const fs::path log = runs / "SSC,gate=mae,seed=2" / "steps.jsonl";
  write(log, "{\"step\":0,\"split\":\"test\"}\n\n{\"step\":1,\"split\":\"train\"}\n{\"step\":2,\"split\":\"test\"}\n");
  std::vector<std::pair<std::int64_t, std::size_t>> seen;
  ex::for_each_line(log, parser, [&](simdjson::dom::element e, std::size_t line) { seen.emplace_back(std::int64_t(e["step"]), line); });
  CHECK(seen == std::vector<std::pair<std::int64_t, std::size_t>>{{0, 1}, {1, 3}, {2, 4}});  // the empty line 2 skipped
  seen.clear();
  auto tests_only = [](std::string_view text) { return text.find(R"("split":"test")") != std::string_view::npos; };
  ex::for_each_line(log, parser, tests_only, [&](simdjson::dom::element e, std::size_t line) { seen.emplace_back(std::int64_t(e["step"]), line); });
  CHECK(seen == std::vector<std::pair<std::int64_t, std::size_t>>{{0, 1}, {2, 4}});
  write(log, "{\"step\":0}\n{\"step\":1}\n{\"step\":2,\n");
  CHECK(error_of([&] { ex::for_each_line(log, parser, [](simdjson::dom::element, std::size_t) {}); }) == log.string() + ": line 3 is not valid JSON");
}

TEST_CASE("the run reader reads back what the run writer wrote: summary, step rows, predictions with gold, reused test items expanded") {
  using set = jg::summeval::all;  // fluency, relevance, coherence, consistency
  temp_dir t;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  jg::data::splits<set> data;
  for (int i = 0; i < 3; ++i) {
    jg::example<set> e;
    e.id = "d" + std::to_string(i);
    e.gold = {1.0 + i, 2.0, i == 2 ? std::optional<double>() : std::optional<double>(3.0 - i), 4.0};  // d2 has no coherence gold
    data.test.examples.push_back(e);
  }
  ex::job j;
  j.id = "SSC,gate=mae,seed=3";
  j.spec.mode = "SSC", j.spec.gate = "mae";
  j.variant = "SSC";
  j.seed = 3;
  ex::run_writer<set> w(t.path / "runs" / j.id, j, 2, jg::judge::summeval_prompt<set>(jg::prompt_style::standard), data);
  REQUIRE(!w.restore());

  auto metrics = [](double rho) {
    std::vector<jg::criterion_metrics> out;
    for (auto n : set::names) out.push_back({std::string(n), 3, 3, rho, rho / 2, 0.5, 1.0, 0.25});
    return out;
  };
  auto evaluation = [&](std::string prompt, bool reused, double rho, double shift) {
    jg::evaluation_record e;
    e.split = "test", e.role = "accepted", e.prompt = std::move(prompt), e.reused = reused, e.metrics = metrics(rho);
    if (!reused)
      for (int i = 0; i < 3; ++i)
        e.items.push_back({"d" + std::to_string(i), "d" + std::to_string(i), {1.0 + i + shift, i == 1 ? nan : 2.0, 3.0, 4.0},
                           {"ok", i == 1 ? "missing" : "ok", "ok", "ok"}});
    return e;
  };
  auto call = [](jg::llm::role role, bool hit, double usd) {
    jg::call_record c;
    c.role = role, c.cache_hit = hit, c.usd = usd, c.prompt_tokens = 100, c.completion_tokens = 10, c.model = "m";
    return c;
  };
  auto state = [](std::int64_t step, const char* fluency) {
    jg::run_state<set> s;
    s.step = step;
    s.instructions[0] = fluency;
    return s;
  };
  jg::step_record s0;
  s0.run = j.id, s0.criteria = set::names, s0.step = 0;
  s0.evaluations.push_back(evaluation("p0", false, 0.5, 0));
  s0.calls = {call(jg::llm::role::judge, false, 0.25), call(jg::llm::role::judge, true, 0.5)};
  w.on_step(s0);
  w.on_state(state(0, ""));
  // Step 1: two gradients (one for fluency and coherence, one for all); the candidate is
  // rejected, so test judges p0 again: a reused evaluation, no prediction lines.
  jg::step_record s1;
  s1.run = j.id, s1.criteria = set::names, s1.step = 1;
  s1.gradients = {{{0, 2}, "e1", "be concrete", "own"}, {{}, "", "for all", "joint"}};
  s1.incumbent = {{"fluency", ""}}, s1.candidate = {{"fluency", "Read twice."}};
  s1.gate.accepted = false;
  s1.evaluations.push_back(evaluation("p0", true, 0.5, 0));
  s1.calls = {call(jg::llm::role::gradient, false, 0.125)};
  w.on_step(s1);
  w.on_state(state(1, ""));
  jg::step_record s2;
  s2.run = j.id, s2.criteria = set::names, s2.step = 2;
  s2.gate.accepted = true;
  s2.evaluations.push_back(evaluation("p2", false, 0.75, 1));
  w.on_step(s2);
  w.on_state(state(2, "Read twice."));
  CHECK(w.usd() == 0.25 + 0.125);

  auto listing = ex::read_runs(t.path);
  REQUIRE(listing.damaged.empty());
  REQUIRE(listing.runs.size() == 1);
  const auto& run = listing.runs[0];
  CHECK(run.id == j.id);
  CHECK(run.seed == 3);
  CHECK(run.finished);
  CHECK(run.usd == 0.375);
  CHECK(run.criteria == std::vector<std::string>{"fluency", "relevance", "coherence", "consistency"});
  REQUIRE(run.steps.size() == 3);
  CHECK(run.steps[2].changed);
  CHECK(run.steps[2].instructions.at("fluency") == "Read twice.");
  REQUIRE(run.steps[1].test);
  CHECK(run.steps[1].test->reused);
  CHECK(run.steps[1].test->prompt == "p0");
  REQUIRE(run.steps[2].test->metrics.size() == 4);
  CHECK(run.steps[2].test->metrics[3].criterion == "consistency");
  CHECK(run.steps[2].test->metrics[3].spearman == 0.75);
  CHECK(run.steps[2].test->metrics[3].kendall == 0.375);
  CHECK(run.steps[2].test->metrics[3].accuracy == 0.25);

  const auto commit = ex::read_commit(run.dir);
  REQUIRE(commit);
  CHECK(commit->step == 2);
  CHECK(commit->standing() == "finished");
  CHECK(commit->usd == 0.375);
  CHECK(commit->steps_lines == 3);
  CHECK(commit->predictions_lines == 6);
  CHECK(ex::run_standing(t.path, j.id) == "finished");
  CHECK(!ex::read_commit(t.path / "runs" / "none"));

  simdjson::dom::parser parser;
  std::vector<ex::step_row> steps;
  ex::for_each_step(run, parser, [&](const ex::step_row& r) { steps.push_back(r); });
  REQUIRE(steps.size() == 3);
  REQUIRE(steps[0].calls.size() == 2);
  CHECK(steps[0].calls[0].role == "judge");
  CHECK(!steps[0].calls[0].cache_hit);
  CHECK(steps[0].calls[1].cache_hit);
  CHECK(steps[0].calls[1].usd == 0.5);
  CHECK(steps[0].calls[1].prompt_tokens == 100);
  REQUIRE(steps[1].gradients.size() == 2);
  CHECK(steps[1].gradients[0].criteria == std::vector<std::string>{"fluency", "coherence"});
  CHECK(steps[1].gradients[0].example == "e1");
  CHECK(steps[1].gradients[1].criteria.empty());
  CHECK(steps[1].candidate.at("fluency") == "Read twice.");
  CHECK(!steps[1].accepted);
  CHECK(steps[2].accepted);

  std::vector<ex::prediction_row> predictions;
  ex::for_each_prediction(run, parser, "test", [&](ex::prediction_row p) { predictions.push_back(std::move(p)); });
  REQUIRE(predictions.size() == 6);  // steps 0 and 2, three items each; step 1 reused step 0's
  CHECK(predictions[1].problems[1] == "missing");
  CHECK(std::isnan(predictions[1].scores[1]));
  CHECK(predictions[4].step == 2);
  CHECK(predictions[4].scores[0] == 3.0);   // d1 at step 2: 1 + 1 + shift 1
  CHECK(predictions[4].gold[0] == 2.0);     // the data's gold, carried beside
  CHECK(std::isnan(predictions[5].gold[2]));  // d2 has no coherence gold
  ex::for_each_prediction(run, parser, "validation", [&](ex::prediction_row) { FAIL("no validation lines were written"); });

  auto tested = ex::read_test_items(run, parser);
  REQUIRE(tested.size() == 3);
  CHECK(tested[0].examples == std::vector<std::string>{"d0", "d1", "d2"});
  CHECK(tested[1].examples == tested[0].examples);  // reused: step 0's items
  CHECK(tested[1].scores[0] == tested[0].scores[0]);
  CHECK(tested[2].scores[0] == std::vector<double>{2.0, 3.0, 4.0});
  CHECK(tested[2].gold[0] == std::vector<double>{1.0, 2.0, 3.0});

  // Lines of a step in progress (or cut short by a kill, before resume removes them) are not read.
  files::append_durable(run.dir / "predictions.jsonl",
                        R"({"run":"r","step":3,"split":"test","example":"d0","scores":{"fluency":5},"gold":{"fluency":1}})" "\n");
  CHECK(ex::read_test_items(run, parser).size() == 3);
  CHECK(ex::read_runs(t.path).damaged.empty());

  // A damaged summary is left out and named; the run's logs are still whole.
  files::write_atomic(run.dir / "summary.json", "{\"run\": ");
  listing = ex::read_runs(t.path);
  CHECK(listing.runs.empty());
  REQUIRE(listing.damaged.size() == 1);
  CHECK(listing.damaged[0].summary);
  CHECK(listing.damaged[0].problems[0].find("summary.json: not a whole summary") == 0);
}
}  // namespace test_experiment_files
