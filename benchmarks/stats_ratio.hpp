// Shared by the stats benchmarks: a console reporter that remembers each benchmark's time and,
// after the run, prints each measured benchmark as a ratio to its baseline from the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace stats_bench {

struct comparison {
  std::string label, measured, baseline;
};

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> times;  // adjusted real time, in seconds
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration)
        times[r.benchmark_name()] = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
    ConsoleReporter::ReportRuns(runs);
  }
};

/// Runs the benchmarks, then prints "label: baseline / measured = ratio" for every pair that ran.
inline int run(int argc, char** argv, const std::vector<comparison>& pairs) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nratios (baseline time / measured time; > 1 means faster than the baseline):\n");
  for (const auto& p : pairs) {
    auto m = reporter.times.find(p.measured), b = reporter.times.find(p.baseline);
    if (m == reporter.times.end() || b == reporter.times.end()) continue;
    std::printf("  %-48s %8.3f  (%s vs %s)\n", p.label.c_str(), b->second / m->second, p.measured.c_str(),
                p.baseline.c_str());
  }
  benchmark::Shutdown();
  return 0;
}

}  // namespace stats_bench
