// Observations as data: the shipped files hold the paper's published numbers (checked here against
// the reference notes' Appendix C, typed again by hand), the format round-trips and refuses what
// is malformed naming the entry and field, and a run directory's observations carry the values and
// standard errors computed by hand for a directory written by hand.
#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/calibration/observe.hpp>

#include <doctest/doctest.h>

#include "../support/scratch.hpp"
#include "../support/tiny_directory.hpp"

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

namespace test_calibration_observations {

namespace jg = judgegrad;
namespace cal = judgegrad::calibration;

namespace {
const std::filesystem::path shipped = std::filesystem::path(JUDGEGRAD_TEST_SOURCE_DIR) / ".." / "data" / "observations";

const cal::observation& get(const cal::observation_set& s, std::string_view id) {
  const auto* o = s.find(id);
  INFO(id);
  REQUIRE(o != nullptr);
  return *o;
}
}  // namespace

TEST_CASE("the shipped paper observations: every published number with its source and a standard error") {
  auto s = cal::read_observations(shipped / "paper-qwen3.json");
  CHECK(s.dataset == "summeval");
  CHECK_FALSE(s.simulated);
  CHECK(s.observations.size() == 43);
  for (const auto& o : s.observations) {
    INFO(o.id);
    CHECK_FALSE(o.source.empty());
    CHECK((o.source.find("arXiv 2605.26046") != std::string::npos || o.source.find("smoke run") != std::string::npos));
    REQUIRE(o.uncertainty.sigma());
    CHECK(*o.uncertainty.sigma() > 0);
    CHECK_FALSE(o.uncertainty.basis.empty());
  }
  // Appendix C, Table 1 (MAE gate): initial, best (step), HVI.
  const struct {
    const char* mode;
    double initial, best;
    int step;
    double hvi;
  } table1[] = {{"single-task", 0.274, 0.305, 2, NAN}, {"SSS", 0.284, 0.284, 0, 2.749}, {"SSC", 0.289, 0.289, 0, 2.832},
                {"SCC", 0.282, 0.282, 0, 2.801},      {"CCC", 0.285, 0.296, 9, 2.900}};
  for (const auto& row : table1) {
    const std::string key = std::string("table1/") + row.mode + "/mae/";
    CHECK(get(s, key + "initial").value == row.initial);
    CHECK(get(s, key + "initial").step == 0);
    CHECK(get(s, key + "initial").what == cal::quantity::test_spearman);
    CHECK(get(s, key + "best").value == row.best);
    CHECK(get(s, key + "best_step").value == row.step);
    if (!std::isnan(row.hvi)) CHECK(get(s, key + "hvi").value == row.hvi);
    CHECK(get(s, key + "initial").mode == row.mode);
    CHECK(get(s, key + "initial").gate == "mae");
  }
  CHECK(s.find("table1/single-task/mae/hvi") == nullptr);  // the paper gives none
  // The text on the runs without a gate, marked approximate where it is read from prose.
  CHECK(get(s, "nogate/SSC/none/step7").value == 0.184);
  CHECK(get(s, "nogate/SSC/none/step7").approximate);
  for (const char* mode : {"SSS", "SCC", "CCC"}) CHECK(get(s, std::string("nogate/") + mode + "/none/best_step").value == 0);
  // Gradient dilution, adherence, Table 2, the repeat spread, the lengths.
  CHECK(get(s, "specificity/per-criterion-gradients").value == 9.0);
  CHECK(get(s, "specificity/joint-gradients").value == 3.7);
  CHECK(*get(s, "specificity/joint-gradients").uncertainty.standard_error == 0.5);
  CHECK(get(s, "specificity/CCC/consistency").value == 2.4);
  CHECK(get(s, "specificity/SCC/coherence").value == 4.8);
  CHECK(get(s, "adherence/SSS/mae").value == 8.84);
  CHECK(get(s, "adherence/CCC/none").value == 8.01);
  CHECK(get(s, "table2/seed").value == 0.284);
  CHECK(get(s, "table2/alone").value == 0.305);
  CHECK(get(s, "table2/together").value == 0.220);
  CHECK(get(s, "repeat/coherence").value == 0.094);
  CHECK(get(s, "repeat/mean").value == 0.04);
  CHECK(get(s, "length/fluency").approximate);
  // Rule R1: 0.04 / 1.693 / sqrt(3), rounded to three places.
  CHECK(*get(s, "table1/SSS/mae/initial").uncertainty.standard_error == doctest::Approx(0.04 / 1.693 / std::sqrt(3.0)).epsilon(0.03));

  auto deepseek = cal::read_observations(shipped / "paper-deepseek-v4.json");
  CHECK(get(deepseek, "specificity/per-criterion-gradients").value == 8.8);
  CHECK(get(deepseek, "specificity/joint-gradients").value == 4.25);
}

TEST_CASE("an observation set round-trips through its JSON") {
  cal::observation_set s;
  s.name = "rt";
  s.dataset = "brighter";
  s.model = "m";
  s.description = "a \"quoted\" description";
  s.simulated = true;
  cal::observation a;
  a.id = "x/step3/joy";
  a.what = cal::quantity::test_spearman;
  a.mode = "SSC", a.gate = "mae", a.criterion = "joy", a.step = 3;
  a.value = 0.123456789012345;
  a.uncertainty.standard_error = 0.0125;
  a.uncertainty.n = 3;
  a.uncertainty.basis = "rule O1";
  a.source = "here";
  cal::observation b;
  b.id = "y";
  b.what = cal::quantity::specificity;
  b.value = 7.5;
  b.uncertainty.lower = 7.0, b.uncertainty.upper = 8.25;
  b.source = "there";
  b.approximate = true;
  b.note = "a note";
  s.observations = {a, b};
  auto back = cal::parse_observations(cal::to_json(s), "rt.json");
  CHECK(back.name == "rt");
  CHECK(back.dataset == "brighter");
  CHECK(back.description == s.description);
  CHECK(back.simulated);
  REQUIRE(back.observations.size() == 2);
  const auto& x = back.observations[0];
  CHECK(x.id == a.id);
  CHECK(x.what == a.what);
  CHECK(x.mode == "SSC");
  CHECK(x.criterion == "joy");
  CHECK(x.step == 3);
  CHECK(x.value == a.value);  // shortest round-trip digits
  CHECK(*x.uncertainty.sigma() == 0.0125);
  CHECK(x.uncertainty.n == 3);
  const auto& y = back.observations[1];
  CHECK_FALSE(y.step);
  CHECK(y.approximate);
  CHECK(y.note == "a note");
  CHECK(*y.uncertainty.sigma() == doctest::Approx(1.25 / (2 * 1.959963984540054)));
  for (auto q : {cal::quantity::test_spearman, cal::quantity::hvi, cal::quantity::instruction_tokens})
    CHECK(cal::quantity_named(cal::to_string(q)) == q);
}

TEST_CASE("a malformed observations file is refused naming the file, the entry and the field") {
  auto error = [](std::string entry, std::string top = R"("format": "judgegrad-observations", "format_version": 1, "name": "t", "dataset": "summeval")") {
    return judgegrad_test::error_of([&] { (void)cal::parse_observations("{" + top + R"(, "observations": [)" + entry + "]}", "obs.json"); });
  };
  const std::string ok = R"({"id": "a", "quantity": "hvi", "value": 2.5, "uncertainty": {"standard_error": 0.1}, "source": "s"})";
  CHECK(error(ok).empty());
  CHECK(error(R"({"id": "a", "quantity": "hvj", "value": 2.5, "uncertainty": {}, "source": "s"})") ==
        "obs.json: observation \"a\".quantity: \"hvj\" is not one of the quantities judgegrad knows (docs/calibration.md)");
  CHECK(error(R"({"id": "a", "quantity": "hvi", "value": "high", "uncertainty": {}, "source": "s"})") ==
        "obs.json: observation \"a\".value: expected a finite number");
  CHECK(error(R"({"id": "a", "quantity": "hvi", "value": 2.5, "uncertainty": {"interval": [2.6, 3]}, "source": "s"})") ==
        "obs.json: observation \"a\".uncertainty.interval: [2.6, 3] does not hold the value 2.5");
  CHECK(error(R"({"id": "a", "quantity": "hvi", "value": 2.5, "uncertainty": {"standard_error": -1}, "source": "s"})") ==
        "obs.json: observation \"a\".uncertainty.standard_error: must not be negative");
  CHECK(error(R"({"id": "a", "quantity": "hvi", "value": 2.5, "uncertainty": {}})") == "obs.json: observation \"a\".source: missing");
  CHECK(error(R"({"quantity": "hvi"})") == "obs.json: observations[0].id: missing");
  CHECK(error(ok + "," + ok) == "obs.json: observation \"a\".id: appears twice");
  CHECK(error(ok, R"("format": "judgegrad-observations", "format_version": 2, "name": "t", "dataset": "summeval")") ==
        "obs.json: format_version: 2 is not a version this judgegrad reads (1)");
  CHECK(error(ok, R"("format": "judgegrad-observations", "format_version": 1, "name": "t", "dataset": "wildguard")") ==
        "obs.json: dataset: \"wildguard\": expected summeval or brighter");
  CHECK(judgegrad_test::error_of([] { (void)cal::parse_observations("{", "obs.json"); }) == "obs.json: not valid JSON");
  CHECK(judgegrad_test::error_of([] { (void)cal::read_observations("/nonexistent/obs.json"); }) ==
        "/nonexistent/obs.json: cannot read this observations file");
}

TEST_CASE("a run directory's observations: Table 1's values per step with standard errors by rule O1, computed by hand") {
  judgegrad_test::temp_dir dir("jg-observe");
  judgegrad_test::write_tiny_directory(dir.path);
  auto s = cal::observations_of(dir.path);
  CHECK(s.dataset == "summeval");
  CHECK(s.simulated);
  for (const auto& o : s.observations) {
    INFO(o.id);
    CHECK(o.source == "run directory " + dir.path.string());
  }
  // Step 0: both seeds 0.1 and 0.2, no spread: the item-level error (1 - rho^2) / sqrt(477).
  const auto& a0 = get(s, "SSC/mae/step0/a");
  CHECK(a0.value == doctest::Approx(0.1));
  CHECK(a0.criterion == "a");
  CHECK(*a0.uncertainty.standard_error == doctest::Approx(0.045328986103067376));
  const auto& m0 = get(s, "SSC/mae/step0");
  CHECK(m0.value == doctest::Approx(0.15));
  CHECK(m0.criterion.empty());
  CHECK(*m0.uncertainty.standard_error == doctest::Approx(0.031570526020444245));  // sqrt(0.0453^2 + 0.0440^2) / 2
  // Step 1: b is 0.5 and 0.3 over the seeds: SD 0.1414 / sqrt(2) = 0.1 beats the item error 0.0385.
  const auto& b1 = get(s, "SSC/mae/step1/b");
  CHECK(b1.value == doctest::Approx(0.4));
  CHECK(*b1.uncertainty.standard_error == doctest::Approx(0.1));
  CHECK(b1.uncertainty.n == 2);
  const auto& m1 = get(s, "SSC/mae/step1");
  CHECK(m1.value == doctest::Approx(0.4));
  CHECK(*m1.uncertainty.standard_error == doctest::Approx(0.05));  // seeds 0.45 and 0.35
  CHECK(get(s, "SSC/mae/best").value == doctest::Approx(0.4));
  CHECK(get(s, "SSC/mae/best_step").value == 1);
  CHECK(get(s, "SSC/mae/final").step == 1);
  // The archive's hypervolume against -1: (1.4)(1.4); its error from each criterion's at the last step.
  const auto& hvi = get(s, "SSC/mae/hvi");
  CHECK(hvi.value == doctest::Approx(1.96));
  CHECK(*hvi.uncertainty.standard_error == doctest::Approx(0.14999773583196843));
  // Lengths: the instructions are empty.
  CHECK(get(s, "SSC/mae/length/a").value == 0);
  CHECK(*get(s, "SSC/mae/length/a").uncertainty.standard_error == 1);
  // Diagnostics: the command's bootstrap interval where it gave one.
  const auto& spec = get(s, "specificity/SSC/mae");
  CHECK(spec.value == 9.0);
  CHECK(*spec.uncertainty.lower == 8.5);
  CHECK(spec.uncertainty.n == 4);
  CHECK(get(s, "specificity/SSC/mae/a").value == 9.5);
  CHECK_FALSE(get(s, "adherence/SSC/mae").uncertainty.sigma());  // the command gave no interval
  // Interference on its 4 test items: (1 - rho^2) / sqrt(1) per criterion.
  const auto& seed = get(s, "table2/seed");
  CHECK(seed.value == doctest::Approx(0.15));
  CHECK(*seed.uncertainty.standard_error == doctest::Approx(0.6895106960736722));
  CHECK(get(s, "table2/alone").value == doctest::Approx(0.35));
  CHECK(get(s, "table2/together").value == doctest::Approx(0.25));
  CHECK(get(s, "table2/together/a").value == doctest::Approx(0.3));
  // Ids are unique, and the set survives its own format.
  std::set<std::string> ids;
  for (const auto& o : s.observations) CHECK(ids.insert(o.id).second);
  auto back = cal::parse_observations(cal::to_json(s), "o.json");
  CHECK(back.observations.size() == s.observations.size());
  // A prefix keeps the ids of several directories apart.
  CHECK(cal::observations_of(dir.path, "d1:").observations.front().id.starts_with("d1:"));
}

}  // namespace test_calibration_observations
