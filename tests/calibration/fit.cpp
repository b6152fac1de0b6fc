// Fitting knobs to observations, on a world whose answer is known: a stand-in simulator whose
// observations are a known function of two knobs plus seeded noise of a known size. The fit must
// find the knobs it was generated with, predict held-out values, refuse shuffled values, name the
// knobs the data cannot tell apart, and answer a repeated calibration from its evaluation file.
// The calibration file's format and the matching of observations are checked by hand.
#include <judgegrad/calibration/fit.hpp>

#include <doctest/doctest.h>

#include "../support/scratch.hpp"

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

namespace test_calibration_fit {

namespace jg = judgegrad;
namespace cal = judgegrad::calibration;

namespace {

cal::observation make(std::string id, std::string mode, std::string criterion, std::int64_t step, double value, double se = 0.01) {
  cal::observation o;
  o.id = std::move(id);
  o.what = cal::quantity::test_spearman;
  o.mode = std::move(mode);
  o.gate = "none";
  o.criterion = std::move(criterion);
  o.step = step;
  o.value = value;
  o.uncertainty.standard_error = se;
  return o;
}

// The stand-in world: at step s of 0..11, mode "single-task" observes 0.6 - 0.4 lapse + 0.3
// coverage_gain s / 11, mode "SSS" the same with half the slope, each plus N(0, 0.01) drawn from the world seed.
// With `sum_only`, only lapse + coverage_gain matters (the two cannot be told apart).
cal::observation_set world(const jg::sim::params& p, bool sum_only = false) {
  std::mt19937_64 rng(p.seed * 7919 + 1);
  std::normal_distribution<double> noise(0, 0.01);
  cal::observation_set out;
  const double lapse = p.judge.lapse, gain = p.judge.coverage_gain;
  for (std::int64_t s = 0; s <= 11; ++s) {
    const double base = sum_only ? 0.9 - 0.3 * (lapse + gain) : 0.6 - 0.4 * lapse;
    const double slope = sum_only ? 0.0 : 0.3 * gain;
    out.observations.push_back(make("a", "single-task", "", s, base + slope * static_cast<double>(s) / 11 + noise(rng)));
    out.observations.push_back(make("b", "SSS", "", s, base + slope * static_cast<double>(s) / 22 + noise(rng)));
  }
  return out;
}

// What the world with lapse 0.3 and coverage_gain 0.8 observed, through world seed 977.
cal::observation_set observed(bool sum_only = false) {
  jg::sim::params truth;
  truth.judge.lapse = 0.3, truth.judge.coverage_gain = 0.8, truth.seed = 977;
  auto made = world(truth, sum_only);
  cal::observation_set out;
  out.name = "stand-in";
  out.dataset = "summeval";
  for (auto o : made.observations) {
    o.id = fmt::format("{}/step{}", o.mode, *o.step);
    out.observations.push_back(o);
  }
  return out;
}

cal::calibration_spec spec() {
  cal::calibration_spec s;
  s.name = "stand-in";
  s.source = "stand-in.json";
  s.train = {"single-task/*"};
  s.held_out = {"SSS/*"};
  s.knobs = {cal::fittable_knob("judge.lapse"), cal::fittable_knob("judge.coverage_gain")};
  s.world_seeds = {1, 2, 3};
  s.evaluations = 80;
  return s;
}

}  // namespace

TEST_CASE("a fit recovers the knobs a stand-in world was made with, and predicts the held-out rows") {
  judgegrad_test::temp_dir dir("calibration-fit");
  std::size_t runs = 0;
  auto run = [&](const jg::sim::params& p) { return ++runs, world(p); };
  auto r = cal::calibrate(spec(), observed(), run, dir.path / "evaluations.jsonl");
  REQUIRE(r.knobs.size() == 2);
  INFO(cal::to_markdown(r));
  // Truth 0.3 and 0.8. By least squares, 12 observations with N(0, 0.01) noise (and the simulated
  // means' own, over 3 seeds) determine lapse to about 0.013 and coverage_gain to about 0.03.
  CHECK(std::abs(r.knobs[0].value - 0.3) < 0.05);
  CHECK(std::abs(r.knobs[1].value - 0.8) < 0.12);
  for (const auto& k : r.knobs) {
    INFO(k.range.path);
    CHECK(std::isfinite(k.standard_error));
    CHECK(std::abs(k.value - (k.range.path == "judge.lapse" ? 0.3 : 0.8)) <= 4 * k.standard_error + 1e-3);
    CHECK_FALSE(k.at_bound);
  }
  CHECK(r.fits());
  CHECK(r.unidentified.empty());
  CHECK(r.train == 12);
  CHECK(r.held_out == 12);
  CHECK(r.held_out_inside >= 10.0 / 12);
  CHECK(r.loss < r.start_loss);
  CHECK(r.simulations == runs);
  CHECK(jg::sim::knob_value(r.fitted, "judge.lapse") == r.knobs[0].value);
  // The report says it all, held-out rows first.
  auto md = cal::to_markdown(r);
  CHECK(md.find("| `judge.lapse` | [0, 0.95] | 0.6 |") != std::string::npos);
  CHECK(md.find("| SSS/step0 | test_spearman | held out |") < md.find("| single-task/step0 | test_spearman | train |"));
  auto json = cal::to_json(r);
  CHECK(json.find("\"fitted\":{\"seed\":") != std::string::npos);

  SUBCASE("run again, every evaluation comes from the file and the fit is the same") {
    std::size_t again = 0;
    auto counted = [&](const jg::sim::params& p) { return ++again, world(p); };
    auto r2 = cal::calibrate(spec(), observed(), counted, dir.path / "evaluations.jsonl");
    CHECK(again == 0);
    CHECK(r2.simulations == 0);
    CHECK(r2.cached == r.simulations + r.cached);
    CHECK(r2.knobs[0].value == r.knobs[0].value);
    CHECK(r2.knobs[1].value == r.knobs[1].value);
  }
  SUBCASE("the file of another calibration is refused") {
    auto other = spec();
    other.world_seeds = {4, 5, 6};
    CHECK_THROWS_WITH_AS(cal::calibrate(other, observed(), run, dir.path / "evaluations.jsonl"),
                         doctest::Contains("holds the evaluations of another calibration"), cal::calibration_error);
  }
}

TEST_CASE("shuffled observations do not fit") {
  judgegrad_test::temp_dir dir("calibration-shuffled");
  auto shuffled = observed();
  // The single-task trajectory reversed: it falls where every world's rises.
  std::vector<double> values;
  for (const auto& o : shuffled.observations)
    if (o.mode == "single-task") values.push_back(o.value);
  for (auto& o : shuffled.observations)
    if (o.mode == "single-task") o.value = values.back(), values.pop_back();
  auto r = cal::calibrate(spec(), shuffled, [](const jg::sim::params& p) { return world(p); }, dir.path / "evaluations.jsonl");
  CHECK_FALSE(r.fits());
  CHECK(r.fit_p < 0.001);
  CHECK(cal::to_markdown(r).find("the world does not fit the training observations") != std::string::npos);
}

TEST_CASE("knobs that only act together are reported as not determined") {
  judgegrad_test::temp_dir dir("calibration-sum");
  auto s = spec();
  s.evaluations = 40;
  auto r = cal::calibrate(s, observed(true), [](const jg::sim::params& p) { return world(p, true); }, dir.path / "evaluations.jsonl");
  CHECK(r.fits());
  // The data fix lapse + coverage_gain = 1.1, not each.
  CHECK(std::abs(r.knobs[0].value + r.knobs[1].value - 1.1) < 0.05);
  REQUIRE(r.unidentified.size() == 1);
  CHECK(r.unidentified[0].find("judge.lapse") != std::string::npos);
  CHECK(r.unidentified[0].find("judge.coverage_gain") != std::string::npos);
  CHECK(std::isinf(r.knobs[0].standard_error));
  CHECK(std::isinf(r.knobs[1].standard_error));
}

TEST_CASE("an observation the study cannot make stops the calibration, naming it") {
  judgegrad_test::temp_dir dir("calibration-missing");
  auto obs = observed();
  obs.observations.push_back(make("single-task/step19", "single-task", "", 19, 0.5));
  CHECK_THROWS_WITH_AS(cal::calibrate(spec(), obs, [](const jg::sim::params& p) { return world(p); }, dir.path / "evaluations.jsonl"),
                       doctest::Contains("cannot simulate observation 'single-task/step19' (test_spearman, mode single-task, gate none, step 19)"),
                       cal::calibration_error);
}

TEST_CASE("a simulated value: same quantity and criterion, the fields an observation leaves empty averaged over") {
  cal::observation_set sim;
  auto add = [&](std::string mode, std::string gate, std::string criterion, double v) {
    auto o = make("x", std::move(mode), std::move(criterion), 0, v);
    o.gate = std::move(gate);
    o.what = cal::quantity::specificity;
    o.step.reset();
    sim.observations.push_back(o);
  };
  add("single-task", "none", "", 9);
  add("single-task", "mae", "", 8);
  add("SSS", "none", "", 7);
  add("CCC", "none", "", 3);
  add("CCC", "none", "coherence", 5);
  auto want = [](std::string mode, std::string gate, std::string criterion) {
    auto o = make("w", std::move(mode), std::move(criterion), 0, 0);
    o.gate = std::move(gate);
    o.what = cal::quantity::specificity;
    o.step.reset();
    return o;
  };
  CHECK(*cal::simulated_value(want("single-task", "none", ""), sim) == 9);
  CHECK(*cal::simulated_value(want("single-task", "", ""), sim) == 8.5);             // any gate
  CHECK(*cal::simulated_value(want("single-task+SSS", "none", ""), sim) == 8);        // either mode
  CHECK(*cal::simulated_value(want("CCC", "", ""), sim) == 3);                        // the mean, not the criterion
  CHECK(*cal::simulated_value(want("CCC", "", "coherence"), sim) == 5);
  CHECK_FALSE(cal::simulated_value(want("SCC", "", ""), sim));
  auto other = want("single-task", "none", "");
  other.what = cal::quantity::adherence;
  CHECK_FALSE(cal::simulated_value(other, sim));
}

TEST_CASE("ids match patterns with *") {
  CHECK(cal::id_matches("*", "anything/at/all"));
  CHECK(cal::id_matches("single-task/*", "single-task/none/step0"));
  CHECK_FALSE(cal::id_matches("single-task/*", "SSS/none/step0"));
  CHECK(cal::id_matches("*/step0/*", "SSS/none/step0/fluency"));
  CHECK_FALSE(cal::id_matches("*/step0/*", "SSS/none/step0"));
  CHECK(cal::id_matches("a*b*c", "aXXbYYc"));
  CHECK_FALSE(cal::id_matches("a*b*c", "aXXbYY"));
  CHECK(cal::id_matches("exact", "exact"));
  CHECK_FALSE(cal::id_matches("exact", "exactly"));
}

TEST_CASE("a calibration file: what it declares, and what is wrong with a bad one, named") {
  const std::string good = R"({"format": "judgegrad-calibration", "format_version": 1, "name": "n", "observations": "o.json",
    "train": ["single-task/*"], "knobs": {"judge.lapse": {}, "judge.noise": {"lower": 0.1, "upper": 0.3}},
    "start": {"judge": {"leniency": 0.1}}, "study": {"modes": ["single-task"], "gates": ["none"], "steps": 2, "seeds": [1]},
    "world_seeds": [4, 5], "evaluations": 30})";
  auto s = cal::parse_spec(good, "c.json", "/some/dir");
  CHECK(s.name == "n");
  CHECK(s.observations == std::filesystem::path("/some/dir/o.json"));
  CHECK(s.train == std::vector<std::string>{"single-task/*"});
  CHECK(s.held_out.empty());
  REQUIRE(s.knobs.size() == 2);
  CHECK(s.knobs[0].path == "judge.lapse");  // in the file's order
  CHECK(s.knobs[0].lower == 0);
  CHECK(s.knobs[0].upper == 0.95);
  CHECK(s.knobs[1].lower == 0.1);
  CHECK(s.knobs[1].upper == 0.3);
  CHECK(s.start.judge.leniency == 0.1);
  CHECK(s.start.judge.lapse == 0.6);  // the paper preset's, under the start's own knobs
  CHECK(s.study.steps == 2);
  CHECK(s.study.modes == std::vector<std::string>{"single-task"});
  CHECK(s.world_seeds == std::vector<std::uint64_t>{4, 5});
  CHECK(s.evaluations == 30);

  auto refused = [&](std::string from, std::string to, std::string said) {
    auto text = good;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    INFO(to);
    CHECK_THROWS_WITH_AS(cal::parse_spec(text, "c.json"), doctest::Contains(said.c_str()), cal::calibration_error);
  };
  refused("\"judge.lapse\": {}", "\"judge.lapse\": {}, \"gradient.budget\": {}", "'gradient.budget' is not a knob a calibration can fit");
  refused("\"lower\": 0.1", "\"lower\": 0.7", "[0.7, 0.3] must be a range inside [0.02, 0.6]");
  refused("\"upper\": 0.3", "\"upper\": 0.9", "[0.1, 0.9] must be a range inside [0.02, 0.6]");
  refused("\"format_version\": 1", "\"format_version\": 2", "\"format_version\": this judgegrad reads version 1");
  refused("\"evaluations\": 30", "\"evaluations\": 0", "\"evaluations\": expected an integer in 1..100000");
  refused("\"world_seeds\": [4, 5]", "\"world_seeds\": []", "give at least one world seed");
  refused("\"train\": [\"single-task/*\"]", "\"trian\": []", "\"trian\": unknown key");
  refused("\"start\": {\"judge\": {\"leniency\": 0.1}}", "\"start\": {\"judge\": {\"lenience\": 0.1}}", "unknown knob 'judge.lenience'");
  refused("\"steps\": 2", "\"steps\": 0", "c.json: \"study\"");
  refused("\"knobs\": {", "\"knobs\": {\"judge.lapse\": {}, ", "'judge.lapse' is given twice");
}

TEST_CASE("roles: train, held out (every other, when none are named), and an id in both refused") {
  auto obs = observed();
  auto s = spec();
  s.held_out.clear();
  auto roles = cal::roles_of(s, obs);
  for (std::size_t i = 0; i < roles.size(); ++i)
    CHECK(roles[i] == (obs.observations[i].mode == "single-task" ? cal::fit_role::train : cal::fit_role::held_out));
  s.held_out = {"*/step0"};
  CHECK_THROWS_WITH_AS(cal::roles_of(s, obs), doctest::Contains("observation 'single-task/step0' is both in train and held out"), cal::calibration_error);
  s.train = {"nothing*"};
  s.held_out = {};
  CHECK_THROWS_WITH_AS(cal::roles_of(s, obs), doctest::Contains("matches \"train\""), cal::calibration_error);
}

}  // namespace test_calibration_fit
