// Table 1 from a hand-made run directory: means over criteria then seeds, the best step, the range
// over seeds, the single-task baseline's own criterion only, a reused test evaluation resolved to
// the earlier step that judged the same prompt, unfinished runs left out, and the HVI of the
// cumulative archive against -1 computed by hand.
#include <judgegrad/report/table1.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "../support/manifest.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace test_report_table1 {

namespace fs = std::filesystem;
namespace jg = judgegrad;

namespace {

struct step_spec {
  const char* prompt;
  double a, b;  // test Spearman of criteria a and b
};

void write_run(const fs::path& root, const std::string& id, const std::string& mode, unsigned seed, const std::string& criterion,
               bool finished, std::initializer_list<step_spec> steps, const std::string& predictions = "") {
  fs::create_directories(root / "runs" / id);
  std::ofstream s(root / "runs" / id / "summary.json");
  s << R"({"run": ")" << id << R"(", "mode": ")" << mode << R"(", "gate": "mae", "merge": "labeled_sections", "layout": "joint", "seed": )"
    << seed << R"(, "criterion": ")" << criterion << R"(", "criteria": ["a", "b"], "finished": )" << (finished ? "true" : "false")
    << R"(, "steps": [)";
  int step = 0;
  auto metrics = [](double rho) {
    return R"({"items": 4, "scored": 4, "spearman": )" + fmt::format("{}", rho) + R"(, "kendall": null, "mae": null, "off_by_one": null, "accuracy": null})";
  };
  for (const auto& st : steps) {
    if (step > 0) s << ",";
    s << R"({"step": )" << step++ << R"(, "changed": false, "instructions": {"a": "", "b": ""}, "output_format": true, )"
      << R"("test": {"prompt": ")" << st.prompt << R"(", "reused": false, "metrics": {"a": )" << metrics(st.a) << R"(, "b": )" << metrics(st.b)
      << "}}}";
  }
  s << "]}";
  if (!predictions.empty()) std::ofstream(root / "runs" / id / "predictions.jsonl") << predictions;
}

// Four test items judged at step 0 under prompt p0, with gold and predicted scores for a and b.
std::string step0_predictions() {
  std::string out;
  const double gold[] = {1, 2, 3, 4}, pa[] = {1, 3, 2, 4}, pb[] = {4, 3, 1, 2};
  for (int i = 0; i < 4; ++i)
    out += "{\"split\":\"test\",\"step\":0,\"example\":\"e" + std::to_string(i) + "\",\"scores\":{\"a\":" + std::to_string(pa[i]) +
           ",\"b\":" + std::to_string(pb[i]) + "},\"gold\":{\"a\":" + std::to_string(gold[i]) + ",\"b\":" + std::to_string(gold[i]) + "}}\n";
  return out;
}

}  // namespace

TEST_CASE("Table 1 of a hand-made directory") {
  fs::path root = fs::temp_directory_path() / ("jg-table1-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  judgegrad_test::write_manifest(root);
  // SSS over two seeds. Step 0 judges prompt p0 (Spearman a = 0.8, b = -0.8, as the predictions
  // give), step 1 prompt p1 (no predictions kept), step 2 returns to p0: a reused evaluation.
  write_run(root, "SSS,gate=mae,seed=1", "SSS", 1, "", true, {{"p0", 0.8, -0.8}, {"p1", 0.6, 0.0}, {"p0", 0.8, -0.8}}, step0_predictions());
  write_run(root, "SSS,gate=mae,seed=2", "SSS", 2, "", true, {{"p0", 0.8, -0.8}, {"p1", 0.4, 0.6}, {"p0", 0.8, -0.8}}, step0_predictions());
  // Single-task: each run counts only its own criterion (0.3 for a, 0.5 for b: seed mean 0.4).
  write_run(root, "st-a", "single-task", 1, "a", true, {{"q", 0.3, 0.9}});
  write_run(root, "st-b", "single-task", 1, "b", true, {{"q", -0.9, 0.5}});
  // An unfinished run is listed, not counted.
  write_run(root, "CCC,gate=mae,seed=1", "CCC", 1, "", false, {{"p0", 0.9, 0.9}});

  jg::report::table_options o;
  o.resamples = 500;
  auto t = jg::report::compute_table1(root, o);
  CHECK(fmt::format("{}", fmt::join(t.damaged, "|")) == "");
  CHECK(t.simulated);
  CHECK(t.dataset == "summeval");
  CHECK(t.incomplete == std::vector<std::string>{"CCC,gate=mae,seed=1"});
  REQUIRE(t.rows.size() == 2);

  const auto& st = t.rows[0];
  CHECK(st.mode == "single-task");
  CHECK(st.seeds == 1);
  CHECK(st.initial.mean == doctest::Approx(0.4));
  CHECK_FALSE(st.hvi);
  REQUIRE(st.paper);
  CHECK(st.paper->best == 0.305);

  const auto& sss = t.rows[1];
  CHECK(sss.mode == "SSS");
  CHECK(sss.seeds == 2);
  CHECK(sss.last_step == 2);
  // Means over criteria, then over seeds: step 1 is (0.3 + 0.5) / 2.
  CHECK(sss.curve[0] == doctest::Approx(0.0));
  CHECK(sss.curve[1] == doctest::Approx(0.4));
  CHECK(sss.best_step == 1);
  CHECK(sss.best.min == doctest::Approx(0.3));
  CHECK(sss.best.max == doctest::Approx(0.5));
  // The bootstrap over the four items of step 0 (Spearman 0.8 and -0.8 on the full sample).
  CHECK(sss.initial.ci.lower <= 0.0);
  CHECK(sss.initial.ci.upper >= 0.0);
  CHECK(sss.initial.ci.lower < sss.initial.ci.upper);
  // Step 2 reused step 0's evaluation: the same items, the same resamples, the same interval.
  CHECK(sss.final.ci.lower == sss.initial.ci.lower);
  CHECK(sss.final.ci.upper == sss.initial.ci.upper);
  // Step 1's predictions are not in the directory: no interval rather than a wrong one.
  CHECK(std::isnan(sss.best.ci.lower));
  // HVI: the archive of (0.8, -0.8) and (0.5, 0.3) against (-1, -1):
  // 1.8 x 0.2 + 1.5 x 1.3 - 1.5 x 0.2 = 0.36 + 1.95 - 0.30 = 2.01.
  REQUIRE(sss.hvi);
  CHECK(*sss.hvi == doctest::Approx(2.01));
  // The HVI after each step: (0.8, -0.8) alone is 1.8 x 0.2; step 1 adds (0.5, 0.3); step 2 adds nothing.
  REQUIRE(sss.hvi_curve.size() == 3);
  CHECK(sss.hvi_curve[0] == doctest::Approx(0.36));
  CHECK(sss.hvi_curve[1] == doctest::Approx(2.01));
  CHECK(sss.hvi_curve[2] == doctest::Approx(2.01));
  // Per criterion and step over the seeds: a at step 1 is 0.6 and 0.4, b is 0.0 and 0.6.
  REQUIRE(sss.criteria == std::vector<std::string>{"a", "b"});
  CHECK(sss.criterion_mean[0][1] == doctest::Approx(0.5));
  CHECK(sss.criterion_min[0][1] == doctest::Approx(0.4));
  CHECK(sss.criterion_max[0][1] == doctest::Approx(0.6));
  CHECK(sss.criterion_mean[1][1] == doctest::Approx(0.3));
  CHECK(sss.criterion_min[1][0] == doctest::Approx(-0.8));
  // Single-task: one criterion from each run.
  CHECK(st.criteria == std::vector<std::string>{"a", "b"});
  CHECK(st.criterion_mean[1][0] == doctest::Approx(0.5));
  CHECK(st.hvi_curve.empty());
  auto md = jg::report::to_markdown(t);
  CHECK(md.find("SIMULATED") != std::string::npos);
  CHECK(md.find("| SSS") != std::string::npos);
  CHECK(md.find("CCC,gate=mae,seed=1") != std::string::npos);  // the unfinished run is named
  // write_table1 writes the same table, as Markdown and JSON, into results/; the default seed is
  // the one every report of a directory uses, so its intervals are these.
  auto written = jg::report::write_table1(root, {.resamples = 500});
  CHECK(jg::report::to_json(written) == jg::report::to_json(t));
  CHECK(jg::experiment::files::read_all(root / "results" / "table1.md") == md);
  CHECK(jg::experiment::files::read_all(root / "results" / "table1.json") == jg::report::to_json(t));
  fs::remove_all(root);
}

namespace {

/// Spearman by brute force: average ranks counted pair by pair, then Pearson's formula; NaN when
/// either side is constant.
double spearman_by_hand(const std::vector<double>& x, const std::vector<double>& y) {
  const auto ranks = [](const std::vector<double>& v) {
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      double below = 0, equal = 0;
      for (double w : v) below += w < v[i], equal += w == v[i];
      r[i] = below + (equal + 1) / 2;
    }
    return r;
  };
  const auto rx = ranks(x), ry = ranks(y);
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += rx[i] / n, my += ry[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxx == 0 || syy == 0 ? std::nan("") : sxy / std::sqrt(sxx * syy);
}

}  // namespace

TEST_CASE("Table 1's interval equals the bootstrap replayed by hand: the same draws, Spearman by brute force") {
  fs::path root = fs::temp_directory_path() / ("jg-table1-ci-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  judgegrad_test::write_manifest(root);
  // Ten test items, two criteria, two seeds with their own predictions (Likert, with ties).
  const std::vector<double> gold_a{1, 2, 3, 4, 5, 3, 2, 4, 5, 1}, gold_b{5, 4, 4, 2, 1, 3, 3, 2, 5, 1};
  const std::vector<std::vector<double>> pred_a{{1, 3, 3, 4, 4, 2, 2, 5, 5, 2}, {2, 2, 4, 3, 5, 3, 1, 4, 4, 1}},
      pred_b{{4, 4, 5, 2, 2, 3, 2, 1, 4, 1}, {5, 3, 3, 3, 1, 4, 3, 2, 4, 2}};
  for (int s = 0; s < 2; ++s) {
    std::string lines;
    for (int i = 0; i < 10; ++i)
      lines += fmt::format(R"({{"split":"test","step":0,"example":"e{}","scores":{{"a":{},"b":{}}},"gold":{{"a":{},"b":{}}}}})", i, pred_a[s][i],
                           pred_b[s][i], gold_a[i], gold_b[i]) +
               "\n";
    write_run(root, fmt::format("SSS,gate=mae,seed={}", s + 1), "SSS", static_cast<unsigned>(s + 1), "", true,
              {{"p0", spearman_by_hand(gold_a, pred_a[s]), spearman_by_hand(gold_b, pred_b[s])}}, lines);
  }
  jg::report::table_options o;
  o.resamples = 400;
  o.seed = 77;
  const auto t = jg::report::compute_table1(root, o);
  REQUIRE(t.rows.size() == 1);
  const auto& row = t.rows[0];

  // The replay: resample b draws ten items (below(10) each) from the generator seeded as Table 1
  // says; each (seed, criterion) Spearman is recomputed on the expanded resample (NaN counts 0);
  // the mean over criteria, then over seeds; the 2.5% and 97.5% points, interpolated linearly.
  jg::stats::xoshiro256 rng(77);
  std::vector<double> means;
  for (int b = 0; b < 400; ++b) {
    std::vector<int> counts(10, 0);
    for (int i = 0; i < 10; ++i) ++counts[rng.below(10)];
    double total = 0;
    for (int s = 0; s < 2; ++s) {
      double sum = 0;
      for (int c = 0; c < 2; ++c) {
        const auto& gold = c == 0 ? gold_a : gold_b;
        const auto& pred = c == 0 ? pred_a[s] : pred_b[s];
        std::vector<double> g, p;
        for (int i = 0; i < 10; ++i)
          for (int k = 0; k < counts[i]; ++k) g.push_back(gold[i]), p.push_back(pred[i]);
        const double rho = spearman_by_hand(g, p);
        sum += std::isnan(rho) ? 0 : rho;
      }
      total += sum / 2;
    }
    means.push_back(total / 2);
  }
  std::sort(means.begin(), means.end());
  const auto at = [&](double q) {
    const double h = 399 * q;
    const auto lo = static_cast<std::size_t>(h);
    return means[lo] + (h - static_cast<double>(lo)) * (means[std::min<std::size_t>(lo + 1, 399)] - means[lo]);
  };
  CHECK(row.initial.ci.lower == doctest::Approx(at(0.025)).epsilon(1e-12));
  CHECK(row.initial.ci.upper == doctest::Approx(at(0.975)).epsilon(1e-12));
  CHECK(row.initial.ci.lower < row.initial.mean);
  CHECK(row.initial.mean < row.initial.ci.upper);
  fs::remove_all(root);
}
}  // namespace test_report_table1
