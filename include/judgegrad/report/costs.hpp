/// @file
/// Calls, tokens and cost per mode and gate of a run directory, from the calls its runs recorded
/// (steps.jsonl): what a real endpoint would have billed, cache answers counted apart.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace report {

/// One configuration's spending, summed over its runs (all seeds).
struct cost_row {
  std::string mode, gate;
  std::size_t runs = 0;
  std::uint64_t calls = 0, cache_hits = 0, failed = 0;
  std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  double usd = 0;  ///< calls not answered by the cache, at the configured prices
  std::map<std::string, std::uint64_t> calls_by_role;
};

/// Spending per mode and gate of the runs in `dir`/runs, in the order Table 1 uses; a remedy that
/// modifies a mode (merge, layout, length) has a row of its own, "SSC/layout=prefix_shared".
inline std::vector<cost_row> compute_costs(const std::filesystem::path& dir) {
  auto order = [](const std::string& mode) {
    static constexpr std::string_view modes[] = {"single-task", "SSS", "SSC", "SCC", "CCC", "CSS", "CSC", "CCS", "SCS", "opro", "opro(mae)"};
    return std::size_t(std::find(std::begin(modes), std::end(modes), mode) - std::begin(modes));
  };
  std::map<std::tuple<std::size_t, std::string, std::string>, cost_row> rows;
  simdjson::dom::parser parser;
  for (const auto& summary : experiment::read_runs(dir).runs) {  // a damaged run is left out here as in Table 1, which names it
    // Remedies apart from the mode they modify: a conflict-resolving merge, a layout other than
    // joint, a length policy.
    const std::string label = summary.configuration();
    auto& row = rows[{order(summary.mode), label, summary.gate}];
    row.mode = label, row.gate = summary.gate;
    ++row.runs;
    experiment::for_each_step(summary, parser, [&](const experiment::step_row& s) {
      for (const auto& c : s.calls) {
        ++row.calls;
        row.cache_hits += c.cache_hit;
        row.failed += !c.error.empty();
        row.prompt_tokens += c.prompt_tokens;
        row.completion_tokens += c.completion_tokens;
        row.cached_tokens += c.cached_tokens;
        if (!c.cache_hit) row.usd += c.usd;
        if (!c.role.empty()) ++row.calls_by_role[c.role];
      }
    });
  }
  std::vector<cost_row> out;
  for (auto& [k, r] : rows) out.push_back(std::move(r));
  return out;
}

/// The spending table as Markdown.
inline std::string costs_markdown(const std::vector<cost_row>& rows, bool simulated) {
  std::string out = fmt::format("Calls, tokens and cost per mode and gate{}\n\n", simulated ? " (SIMULATED: tokens estimated, nothing billed)" : "");
  out += "| mode | gate | runs | calls | from cache | failed | judge | loss | gradient | optimizer | prompt tokens | completion tokens | cost (USD) |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  auto role = [](const cost_row& r, const char* name) {
    auto it = r.calls_by_role.find(name);
    return it == r.calls_by_role.end() ? std::uint64_t(0) : it->second;
  };
  for (const auto& r : rows)
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.4f} |\n", r.mode, r.gate, r.runs, r.calls, r.cache_hits,
                       r.failed, role(r, "judge"), role(r, "loss"), role(r, "gradient"), role(r, "optimizer"), r.prompt_tokens,
                       r.completion_tokens, r.usd);
  out += "\nCalls: every call the runs recorded, seeds summed; from cache: answered by the run directory's response cache (not billed). "
         "Cost: the calls not answered by the cache at the prices of the LLM configuration (0 without one).\n";
  return out;
}

}  // namespace report
JUDGEGRAD_END_NAMESPACE
