// A small run directory written by hand for the report and calibration tests: SSC over two seeds
// (1, 2), two criteria (a, b), two steps, each step's calls as a real run records them, and fixed
// results of `diagnose` and `interference`; 480 test items. Test Spearman, per seed, step and criterion:
//   seed 1: step 0 (a 0.1, b 0.2), step 1 (a 0.4, b 0.5); seed 2: step 0 (0.1, 0.2), step 1 (0.4, 0.3).
#pragma once

#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/diagnostics/interference.hpp>

#include "manifest.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace judgegrad_test {

namespace tiny_detail {

namespace fs = std::filesystem;
namespace dx = judgegrad::experiment::diagnostics;

inline void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

/// A row of summary.json's "steps": the test Spearman of criteria a and b.
inline std::string summary_step(int step, const char* prompt, double a, double b) {
  auto metrics = [](double rho) {
    return fmt::format(R"({{"items": 4, "scored": 4, "spearman": {}, "kendall": null, "mae": null, "off_by_one": null, "accuracy": null}})", rho);
  };
  return fmt::format(R"({{"step": {}, "changed": true, "instructions": {{"a": "", "b": ""}}, "output_format": true, )"
                     R"("test": {{"prompt": "{}", "reused": false, "metrics": {{"a": {}, "b": {}}}}}}})",
                     step, prompt, metrics(a), metrics(b));
}

}  // namespace tiny_detail

/// Writes the directory under `root`.
inline void write_tiny_directory(const std::filesystem::path& root) {
  using namespace tiny_detail;
  fs::create_directories(root);
  judgegrad_test::write_manifest(root, "tiny", 480);
  for (int seed : {1, 2}) {
    auto id = "SSC,gate=mae,seed=" + std::to_string(seed);
    double b1 = seed == 1 ? 0.5 : 0.3;
    write(root / "runs" / id / "summary.json",
          R"({"run": ")" + id + R"(", "mode": "SSC", "gate": "mae", "merge": "labeled_sections", "layout": "joint", "seed": )" + std::to_string(seed) +
              R"(, "criterion": "", "criteria": ["a", "b"], "finished": true, "steps": [)" +
              summary_step(0, "p0", 0.1, 0.2) + "," + summary_step(1, "p1", 0.4, b1) + "]}");
    // Step 0: two judge calls (one from the cache); step 1: a loss, a gradient, an optimizer call
    // and a failed judge call.
    auto call = [](const char* role, int prompt, int completion, double usd, bool hit, const char* error = "") {
      return std::string(R"({"role":")") + role + R"(","prompt_tokens":)" + std::to_string(prompt) + R"(,"completion_tokens":)" +
             std::to_string(completion) + R"(,"cached_tokens":0,"usd":)" + std::to_string(usd) + R"(,"error":")" + error +
             R"(","served":{"cache_hit":)" + (hit ? "true" : "false") + "}}";
    };
    write(root / "runs" / id / "steps.jsonl",
          R"({"step":0,"critiques":[],"gradients":[],"calls":[)" + call("judge", 100, 10, 0.001, false) + "," + call("judge", 100, 10, 0.001, true) + "]}\n" +
              R"({"step":1,"critiques":[],"gradients":[],"calls":[)" + call("loss", 200, 20, 0.002, false) + "," + call("gradient", 300, 30, 0.003, false) + "," +
              call("optimizer", 400, 40, 0.004, false) + "," + call("judge", 0, 0, 0, false, "transport: refused") + "]}\n");
  }
  // Fixed diagnostics and interference results, as the commands write them.
  dx::diagnostics d;
  d.simulated = true;
  d.backend = "sim";
  d.calls = 8;
  d.resamples = 0;
  d.by_mode.push_back({"SSC", "mae", "", {9.0, {8.5, 9.5}, 4}, {8.0, {}, 4}, {7.5, {}, 2}});
  d.by_mode_criterion.push_back({"SSC", "mae", "a", {9.5, {}, 2}, {8.0, {}, 2}, {7.0, {}, 1}});
  d.by_mode_criterion.push_back({"SSC", "mae", "b", {8.5, {}, 2}, {8.0, {}, 2}, {8.0, {}, 1}});
  write(root / "results" / "diagnostics.json", dx::to_json(d));
  dx::interference x;
  x.simulated = true;
  x.backend = "sim";
  x.gate = "mae";
  x.selected_on = "10 validation items";
  x.repeats = 2;
  x.candidates = 3;
  x.test_items = 4;
  x.resamples = 0;
  x.criteria = {"a", "b"};
  x.chosen_run = {"st-a", ""};
  x.chosen_step = {2, -1};
  x.selection_score = {0.5, 0.1};
  x.tokens = {120, 5};
  x.seed_tokens = {5, 5};
  x.initial = 0.15;
  x.stitched = {{0.5, 0.3, {}}, {0.2, 0.2, {}}};
  x.stitched[0].joint_minus_alone.difference = -0.2;
  x.stitched[0].joint_minus_alone.ci = {-0.3, -0.1};
  x.stitched[1].joint_minus_alone.difference = 0.0;
  x.control = {{0.1, 0.1, {}}, {0.2, 0.2, {}}};
  x.control[0].joint_minus_alone.difference = 0.0;
  x.control[1].joint_minus_alone.difference = 0.0;
  write(root / "results" / "interference.json", dx::to_json(x));
}

}  // namespace judgegrad_test
