/// @file
/// Ratios between benchmarks of one run: a Google Benchmark console reporter that remembers each
/// benchmark's time and, after the run, prints each measured benchmark as a ratio to its baseline
/// measured in the same run (absolute times on a shared machine mean little; ratios do). Needs
/// Google Benchmark (`benchmark::benchmark`); judgegrad's own benchmarks and the aggregation kit
/// (bench/aggregation.hpp) use it.
#pragma once

#include <judgegrad/config.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace bench {

struct comparison {
  std::string label, measured, baseline;
};

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  explicit ratio_reporter(bool wall = false) : wall_(wall) {}
  /// Time per iteration, in seconds: CPU time (steadier on a shared machine), or wall time for work
  /// done outside this process.
  std::map<std::string, double> times;
  void ReportRuns(const std::vector<Run>& runs) override {
    // With --benchmark_repetitions the median stands for the benchmark.
    for (const auto& r : runs) {
      const double seconds = (wall_ ? r.GetAdjustedRealTime() : r.GetAdjustedCPUTime()) / benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") times[r.run_name.str()] = seconds;
      else if (r.run_type == Run::RT_Iteration && !medians_.count(r.run_name.str())) times[r.run_name.str()] = seconds;
      if (r.run_type == Run::RT_Aggregate) medians_.insert(r.run_name.str());
    }
    ConsoleReporter::ReportRuns(runs);
  }

 private:
  std::set<std::string> medians_;
  bool wall_ = false;
};

/// Runs the benchmarks, then prints "label: baseline / measured = ratio" for every pair that ran;
/// `wall`: compare wall times instead of CPU times.
inline int run(int argc, char** argv, const std::vector<comparison>& pairs, bool wall = false) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter(wall);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nratios (baseline %s time / measured %s time; > 1 means faster than the baseline):\n", wall ? "wall" : "CPU",
              wall ? "wall" : "CPU");
  for (const auto& p : pairs) {
    auto m = reporter.times.find(p.measured), b = reporter.times.find(p.baseline);
    if (m == reporter.times.end() || b == reporter.times.end()) continue;
    std::printf("  %-48s %8.3f  (%s vs %s)\n", p.label.c_str(), b->second / m->second, p.measured.c_str(),
                p.baseline.c_str());
  }
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
JUDGEGRAD_END_NAMESPACE
