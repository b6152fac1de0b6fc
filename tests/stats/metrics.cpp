// Metrics against hand-computed cases and against SciPy 1.10 / numpy reference formulas on
// thousands of generated cases (tests/stats/scipy_golden.py, run here with /usr/bin/python3).
#include <judgegrad/stats.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace test_stats_metrics {

namespace st = judgegrad::stats;
namespace metric = judgegrad::metric;
using vec = std::vector<double>;
constexpr double missing = std::numeric_limits<double>::quiet_NaN();

TEST_CASE("ranks: ties share the mean of the ranks they span") {
  CHECK(st::ranks(vec{10, 20, 20, 30}) == vec{1, 2.5, 2.5, 4});
  CHECK(st::ranks(vec{3, 1, 2}) == vec{3, 1, 2});
  CHECK(st::ranks(vec{5, 5, 5}) == vec{2, 2, 2});
  CHECK(st::ranks(vec{-1, 4, -1, 4, 0}) == vec{1.5, 4.5, 1.5, 4.5, 3});
  CHECK(st::ranks(vec{}).empty());
  auto r = st::ranks(vec{1, missing, 2});
  CHECK(std::isnan(r[0]));
  CHECK(std::isnan(r[2]));
}

TEST_CASE("correlations: hand-computed values") {
  // Spearman without ties: 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60.
  CHECK(st::spearman(vec{1, 2, 3, 4}, vec{1, 3, 2, 4}).value == doctest::Approx(0.8).epsilon(1e-15));
  // Kendall: 5 concordant, 1 discordant of 6 pairs, no ties.
  CHECK(st::kendall_tau_b(vec{1, 2, 3, 4}, vec{1, 3, 2, 4}).value == doctest::Approx(4.0 / 6).epsilon(1e-15));
  // Kendall tau-b with ties: x = (1,1,2), y = (1,2,3): n0 = 3, tx = 1, ty = 0, C = 2, D = 0.
  CHECK(st::kendall_tau_b(vec{1, 1, 2}, vec{1, 2, 3}).value == doctest::Approx(2 / std::sqrt(2.0 * 3)).epsilon(1e-15));
  // Pearson: perfectly linear, and a reversed line.
  CHECK(st::pearson(vec{1, 2, 3}, vec{2, 4, 6}).value == doctest::Approx(1.0));
  CHECK(st::pearson(vec{1, 2, 3}, vec{3, 2, 1}).value == doctest::Approx(-1.0));
  // x = (1,2,3,4), y = (2,1,4,3): cov sum = 3, each sum of squares = 5.
  CHECK(st::pearson(vec{1, 2, 3, 4}, vec{2, 1, 4, 3}).value == doctest::Approx(0.6).epsilon(1e-15));
  CHECK(st::pearson(vec{1, 2}, vec{5, 3}).value == -1);
}

TEST_CASE("degenerate inputs give NaN, never 0, and report coverage") {
  CHECK(std::isnan(st::spearman(vec{1}, vec{2}).value));
  CHECK(std::isnan(st::spearman(vec{}, vec{}).value));
  CHECK(std::isnan(st::spearman(vec{1, 2, 3}, vec{4, 4, 4}).value));
  CHECK(std::isnan(st::kendall_tau_b(vec{4, 4, 4}, vec{1, 2, 3}).value));
  CHECK(std::isnan(st::pearson(vec{1, 2, 3}, vec{4, 4, 4}).value));
  CHECK(std::isnan(st::mae(vec{missing}, vec{1}).value));
  CHECK(std::isnan(st::quadratic_weighted_kappa(vec{3, 3}, vec{3, 3}).value));
  CHECK(std::isnan(st::f1(vec{}, vec{}).value));
  CHECK_FALSE(st::mae(vec{}, vec{}).defined());
  CHECK(std::isnan(st::mae(vec{}, vec{}).coverage()));

  // NaN on either side is missing; so is a cleared mask entry.
  auto m = st::mae(vec{1, 2, missing, 4, 5}, vec{2, missing, 3, 4, 1});
  CHECK(m.value == doctest::Approx((1.0 + 0 + 4) / 3));
  CHECK(m.used == 3);
  CHECK(m.given == 5);
  CHECK(m.coverage() == doctest::Approx(0.6));
  std::vector<bool> present{true, true, false, true};
  auto s = st::spearman(vec{1, 2, 3, 4}, vec{1, 2, 9, 3}, present);
  CHECK(s.value == doctest::Approx(1.0));
  CHECK(s.used == 3);
  const bool flags[] = {true, false, true};
  CHECK(st::accuracy(vec{1, 2, 3}, vec{1, 1, 3}, std::span<const bool>(flags)).value == 1.0);
}

TEST_CASE("mismatched lengths are a clear error") {
  CHECK_THROWS_WITH_AS(st::spearman(vec{1, 2, 3}, vec{1, 2}),
                       "judgegrad::stats::spearman: gold has 3 values but pred has 2", std::invalid_argument);
  CHECK_THROWS_WITH_AS(st::mae(vec{1, 2}, vec{1, 2}, std::vector<bool>{true}),
                       "judgegrad::stats::mae: gold has 2 values but the mask has 1", std::invalid_argument);
  CHECK_THROWS_AS(st::kendall_tau_b(vec{1}, vec{}), std::invalid_argument);
  CHECK_THROWS_AS(st::f1(vec{1}, vec{}), std::invalid_argument);
}

TEST_CASE("error, hit-rate and agreement metrics: hand-computed values") {
  vec gold{1, 2, 3, 4, 5}, pred{1, 3, 5, 4, 1};
  CHECK(st::mae(gold, pred).value == doctest::Approx(7.0 / 5));
  CHECK(st::rmse(gold, pred).value == doctest::Approx(std::sqrt(21.0 / 5)));
  CHECK(st::accuracy(gold, pred).value == doctest::Approx(0.4));
  CHECK(st::off_by_k(gold, pred, 1).value == doctest::Approx(0.6));
  CHECK(st::off_by_k(gold, pred, 2).value == doctest::Approx(0.8));
  CHECK(st::accuracy(vec{4.0}, vec{4}).value == 1);
  // Kappa: perfect agreement is 1; gold (1,2,3) vs pred (1,3,2): observed sum 2, expected
  // sum = n (var g + var p) = 3 * (2/3 + 2/3) = 4, kappa = 1 - 2/4.
  CHECK(st::quadratic_weighted_kappa(vec{1, 2, 3}, vec{1, 2, 3}).value == 1);
  CHECK(st::quadratic_weighted_kappa(vec{1, 2, 3}, vec{1, 3, 2}).value == doctest::Approx(0.5));
  // Both constant but different: every disagreement is expected, kappa = 0.
  CHECK(st::quadratic_weighted_kappa(vec{2, 2}, vec{3, 3}).value == doctest::Approx(0.0));
  CHECK_THROWS_WITH_AS(st::quadratic_weighted_kappa(vec{1, 2}, vec{1, 6}, judgegrad::score_scale{1, 5, 1}),
                       "judgegrad::stats::quadratic_weighted_kappa: pred[1] = 6 is not on the scale 1..5 (step 1)",
                       std::domain_error);
  // Macro F1: labels {1,2,3}; label 1: tp 1, fp 0, fn 1 -> 2/3; label 2: tp 1, fp 1, fn 0 -> 2/3;
  // label 3: tp 0, fp 1 -> 0.
  CHECK(st::f1(vec{1, 1, 2}, vec{1, 2, 2}).value == doctest::Approx(2.0 / 3 * 2 / 2));
  CHECK(st::f1(vec{1, 1, 2, 3}, vec{1, 2, 2, 2}).value == doctest::Approx((2.0 / 3 + 2.0 / 4 + 0) / 3));
}

TEST_CASE("metric types compute, look up by the reference's names and normalise direction") {
  vec gold{1, 2, 3, 4, 5}, pred{1, 3, 5, 4, 1};
  CHECK(metric::mae::compute(gold, pred).value == st::mae(gold, pred).value);
  CHECK(metric::off_by_one::compute(gold, pred, judgegrad::score_scale{}).value == st::off_by_k(gold, pred, 1).value);
  CHECK(metric::spearman::compute(gold, pred).value == st::spearman(gold, pred).value);
  CHECK(metric::qwk::compute(gold, pred, judgegrad::score_scale{1, 5, 1}).value ==
        st::quadratic_weighted_kappa(gold, pred).value);

  for (auto [name, expected] : {std::pair{"mae", "mae"}, {"off_by_one", "off_by_one"}, {"OffByOne", "off_by_one"},
                                {"off_by_1", "off_by_one"}, {"spearman_correlation", "spearman"},
                                {"Spearman", "spearman"}, {"accuracy", "accuracy"}, {"acc", "accuracy"},
                                {"kendall", "kendall"}, {"pearson-correlation", "pearson"}, {"qwk", "qwk"}}) {
    const std::string looked_up = name;
    CAPTURE(looked_up);
    const auto* m = st::find_metric(name);
    REQUIRE(m != nullptr);
    CHECK(m->name == expected);
  }
  CHECK(st::find_metric("lce") == nullptr);
  CHECK_THROWS_AS(st::metric_by_name("bleu"), std::invalid_argument);
  const auto& mae = st::metric_by_name("MAE");
  CHECK(mae.goal == judgegrad::direction::minimize);
  CHECK(mae.worst(judgegrad::score_scale{1, 5, 1}) == 4);
  CHECK(mae.compute(gold, pred, {}, {}).value == doctest::Approx(1.4));
  CHECK(st::normalized_score<metric::mae>(1.4) == -1.4);
  CHECK(st::normalized_score<metric::spearman>(0.3) == 0.3);
  CHECK(st::normalized_score(mae.goal, 2.0) == -2.0);
}

namespace {

struct golden_case {
  int id = 0;
  std::string kind;
  vec gold, pred;
  std::vector<bool> mask;
  std::map<std::string, std::string> expected;
  std::size_t used = 0;
};

vec parse_numbers(std::istringstream& in) {
  vec out;
  std::string token;
  while (in >> token) out.push_back(std::strtod(token.c_str(), nullptr));
  return out;
}

std::vector<golden_case> read_golden(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe != nullptr);
  std::string text;
  char buffer[1 << 16];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) text.append(buffer, got);
  std::vector<golden_case> cases;
  std::istringstream lines(text);
  std::string line;
  golden_case current;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string head;
    in >> head;
    if (head == "case") {
      current = {};
      in >> current.id >> current.kind;
    } else if (head == "gold") {
      current.gold = parse_numbers(in);
    } else if (head == "pred") {
      current.pred = parse_numbers(in);
    } else if (head == "mask") {
      std::string token;
      while (in >> token)
        if (token != "-") current.mask.push_back(token == "1");
    } else if (head == "used") {
      in >> current.used;
    } else if (head == "end") {
      cases.push_back(current);
    } else {
      in >> current.expected[head];
    }
  }
  return cases;
}

void check_close(const golden_case& c, const std::string& name, const st::measurement& got, std::size_t& compared) {
  const std::string& text = c.expected.at(name);
  if (text == "skip") return;
  const double want = std::strtod(text.c_str(), nullptr);
  INFO("case " << c.id << " (" << c.kind << ", n = " << c.gold.size() << "), metric " << name << ": SciPy/numpy "
               << text << ", judgegrad " << got.value);
  if (std::isnan(want)) {
    CHECK(std::isnan(got.value));
  } else {
    CHECK(std::abs(got.value - want) <= 1e-12);
  }
  CHECK(got.used == c.used);
  CHECK(got.given == c.gold.size());
  ++compared;
}

}  // namespace

TEST_CASE("every metric matches SciPy 1.10 and numpy reference formulas on 2,400 + 24 generated cases") {
  const std::string script = std::string(JUDGEGRAD_TEST_SOURCE_DIR) + "/stats/scipy_golden.py";
  const auto cases = read_golden("/usr/bin/python3 " + script + " --seed 20260 --cases 2400 --large 24");
  REQUIRE(cases.size() == 2424);
  std::map<std::string, std::size_t> compared;
  for (const auto& c : cases) {
    const st::mask_view mask = c.mask.empty() ? st::mask_view{} : st::mask_view{c.mask};
    check_close(c, "spearman", st::spearman(c.gold, c.pred, mask), compared["spearman"]);
    check_close(c, "kendall", st::kendall_tau_b(c.gold, c.pred, mask), compared["kendall"]);
    check_close(c, "pearson", st::pearson(c.gold, c.pred, mask), compared["pearson"]);
    check_close(c, "mae", st::mae(c.gold, c.pred, mask), compared["mae"]);
    check_close(c, "rmse", st::rmse(c.gold, c.pred, mask), compared["rmse"]);
    check_close(c, "accuracy", st::accuracy(c.gold, c.pred, mask), compared["accuracy"]);
    check_close(c, "off_by_1", st::off_by_k(c.gold, c.pred, 1, mask), compared["off_by_1"]);
    check_close(c, "off_by_2", st::off_by_k(c.gold, c.pred, 2, mask), compared["off_by_2"]);
    check_close(c, "qwk", st::quadratic_weighted_kappa(c.gold, c.pred, mask), compared["qwk"]);
    check_close(c, "f1", st::f1(c.gold, c.pred, mask), compared["f1"]);
  }
  for (const auto& entry : compared) {
    CAPTURE(entry.first);
    CHECK(entry.second >= 2000);
  }
}
}  // namespace test_stats_metrics
