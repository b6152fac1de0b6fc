/// @file
/// The whole report of run directories: every table as Markdown (results/report.md) and one
/// self-contained HTML page (results/report.html) with the tables and SVG charts — per
/// configuration the test Spearman per criterion over steps with the min-max band over seeds and
/// the best step marked (the paper's Figure 2), the HVI curve per mode, gradient specificity by
/// mode (Figure 3) and by criterion, instruction interference, calls and tokens per mode. No
/// script, font or stylesheet is fetched; each chart has a title, a description, axis labels and
/// its data as a table beside it; "SIMULATED" is in the title whenever a simulated model answered.
/// Diagnostics and interference appear when `judgegrad diagnose` / `interference` wrote them.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/diagnostics/interference.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/report/costs.hpp>
#include <judgegrad/report/svg.hpp>
#include <judgegrad/report/table1.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace report {

/// Everything the report shows of one run directory.
struct directory_report {
  std::filesystem::path dir;
  std::string name;  ///< the experiment's name
  table1 table;
  std::vector<cost_row> costs;
  std::optional<experiment::diagnostics::diagnostics> diagnostics;
  std::optional<experiment::diagnostics::interference> interference;
  std::vector<experiment::event_row> history;  ///< events.jsonl: starts, resumes, stops, repairs, backend changes
  std::string history_problem;                 ///< why events.jsonl could not be read ("" when it could)
  bool simulated() const {
    return table.simulated || (diagnostics && diagnostics->simulated) || (interference && interference->simulated);
  }
};

/// The history of the directory (events.jsonl) as a Markdown table: when each process started,
/// resumed, stopped or was interrupted, and what it repaired or changed.
inline std::string history_markdown(const directory_report& r) {
  std::string out = "History of the run directory (events.jsonl, times in UTC)\n\n";
  if (!r.history_problem.empty()) return out + fmt::format("Not shown: {}\n", r.history_problem);
  if (r.history.empty()) return out + "No events recorded.\n";
  out += "| time | event | process | detail |\n|---|---|---|---|\n";
  for (const auto& e : r.history) {
    std::string detail = e.detail;
    for (auto& c : detail)
      if (c == '|' || c == '\n') c = ' ';  // one table cell
    out += fmt::format("| {} | {} | {} | {} |\n", e.at, e.event, e.pid, detail);
  }
  return out;
}

/// Reads `dir`: Table 1, the costs, and results/diagnostics.json and results/interference.json when present.
inline directory_report read_directory_report(const std::filesystem::path& dir, const table_options& options = {}) {
  directory_report r;
  r.dir = dir;
  r.table = compute_table1(dir, options);
  r.costs = compute_costs(dir);
  std::error_code ec;
  if (std::filesystem::exists(dir / "results" / "diagnostics.json", ec))
    r.diagnostics = experiment::diagnostics::read_diagnostics(dir / "results" / "diagnostics.json");
  if (std::filesystem::exists(dir / "results" / "interference.json", ec))
    r.interference = experiment::diagnostics::read_interference(dir / "results" / "interference.json");
  try {  // the log is a record of what happened, not a result: a damaged one leaves the tables be
    simdjson::dom::parser parser;
    r.history = experiment::read_events(dir, parser);
  } catch (const experiment::storage_error& e) {
    r.history_problem = e.what();
  }
  r.name = r.table.name;
  if (r.name.empty()) r.name = dir.filename().string();
  return r;
}

/// Every table of `r` as Markdown.
inline std::string to_markdown(const directory_report& r) {
  std::string out = fmt::format("# judgegrad report: {}{}\n\n", r.name, r.simulated() ? " (SIMULATED)" : "");
  out += to_markdown(r.table) + "\n";
  if (r.interference) out += experiment::diagnostics::to_markdown(*r.interference) + "\n";
  if (r.diagnostics) out += experiment::diagnostics::to_markdown(*r.diagnostics) + "\n";
  out += costs_markdown(r.costs, r.table.simulated);
  out += "\n" + history_markdown(r);
  return out;
}

namespace detail {

/// Markdown as this report writes it (title lines, tables, paragraphs) turned into HTML.
inline std::string markdown_html(std::string_view md) {
  std::string out;
  bool in_table = false, header = false;
  for (auto line : text::split_lines(md)) {
    if (line.starts_with("|")) {
      std::vector<std::string> cells;
      std::size_t at = 1;
      while (at < line.size()) {
        auto bar = line.find('|', at);
        if (bar == std::string_view::npos) break;
        auto cell = line.substr(at, bar - at);
        while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
        while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
        cells.emplace_back(cell);
        at = bar + 1;
      }
      if (!cells.empty() && cells.front().starts_with("---")) continue;
      if (!in_table) out += "<div class=\"table\"><table>\n", in_table = true, header = true;
      out += "<tr>";
      for (const auto& c : cells) out += fmt::format("<{0}>{1}</{0}>", header ? "th" : "td", svg::escape(c));
      out += "</tr>\n";
      header = false;
      continue;
    }
    if (in_table) out += "</table></div>\n", in_table = false;
    if (line.empty()) continue;
    if (line.starts_with("# ")) continue;  // the page has its own title
    bool caption = line.starts_with("Table ") || line.starts_with("Gradient specificity") || line.starts_with("Calls, tokens") ||
                   line.starts_with("History of");
    out += fmt::format(fmt::runtime(caption ? "<h3>{}</h3>\n" : "<p class=\"note\">{}</p>\n"), svg::escape(line));
  }
  if (in_table) out += "</table></div>\n";
  return out;
}

/// A figure: the chart, its caption, and the data behind it as a table.
inline std::string figure(std::string_view chart, std::string_view caption, const std::vector<std::string>& head,
                          const std::vector<std::vector<std::string>>& rows) {
  std::string table = "<table><tr>";
  for (const auto& h : head) table += fmt::format("<th>{}</th>", svg::escape(h));
  table += "</tr>\n";
  for (const auto& row : rows) {
    table += "<tr>";
    for (const auto& c : row) table += fmt::format("<td>{}</td>", svg::escape(c));
    table += "</tr>\n";
  }
  table += "</table>";
  return fmt::format("<figure>\n{}<figcaption>{}</figcaption>\n<details><summary>Data behind the figure</summary>\n{}\n</details>\n</figure>\n",
                     chart, svg::escape(caption), table);
}

inline std::string num3(double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", v); }

inline std::string config_label(const table_row& r) {
  std::string s = r.mode + ", gate " + r.gate;
  if (r.merge != "labeled_sections") s += ", " + r.merge;
  if (r.layout != "joint") s += ", " + r.layout;
  return s;
}

inline std::string directory_html(const directory_report& r, std::size_t index) {
  std::string id = fmt::format("d{}", index);
  std::string sim = r.simulated() ? " (SIMULATED)" : "";
  std::string out = fmt::format("<section>\n<h2>{}{}</h2>\n<p class=\"note\">Run directory: {}. Backend: {}.</p>\n", svg::escape(r.name), sim,
                                svg::escape(r.dir.string()), svg::escape(r.table.backend));
  out += markdown_html(to_markdown(r.table));
  // Figure 2: per configuration, the test Spearman per criterion over steps.
  out += "<h3>Trajectories</h3>\n";
  std::size_t n = 0;
  for (const auto& row : r.table.rows) {
    std::vector<svg::series> lines;
    std::vector<std::string> head{"step"};
    for (std::size_t c = 0; c < row.criteria.size(); ++c) {
      lines.push_back({row.criteria[c], row.criterion_mean[c], row.criterion_min[c], row.criterion_max[c], std::nullopt});
      head.push_back(row.criteria[c] + " mean");
      head.push_back(row.criteria[c] + " min–max");
    }
    lines.push_back({"mean over criteria", row.curve, {}, {}, static_cast<std::size_t>(row.best_step)});
    head.push_back("mean over criteria");
    std::vector<std::vector<std::string>> data;
    for (std::size_t s = 0; s < row.curve.size(); ++s) {
      std::vector<std::string> cells{fmt::format("{}", s)};
      for (std::size_t c = 0; c < row.criteria.size(); ++c) {
        cells.push_back(num3(row.criterion_mean[c][s]));
        cells.push_back(fmt::format("{}–{}", num3(row.criterion_min[c][s]), num3(row.criterion_max[c][s])));
      }
      cells.push_back(num3(row.curve[s]));
      data.push_back(std::move(cells));
    }
    auto label = config_label(row);
    out += figure(svg::line_chart(fmt::format("{}-trajectory-{}", id, n++), fmt::format("{}: test Spearman per step{}", label, sim),
                                  fmt::format("Test Spearman of each criterion per step for {} (mean over {} seeds, band: min to max over seeds); "
                                              "the mean over criteria is marked at its best step {}.",
                                              label, row.seeds, row.best_step),
                                  "step", "test Spearman", lines),
                  fmt::format("{} — mean over {} seeds, band min–max over seeds, best step {} marked.", label, row.seeds, row.best_step), head, data);
  }
  // The HVI curve per configuration.
  {
    std::vector<svg::series> lines;
    std::vector<std::string> head{"step"};
    std::size_t steps = 0;
    for (const auto& row : r.table.rows)
      if (!row.hvi_curve.empty()) {
        lines.push_back({config_label(row), row.hvi_curve, {}, {}, std::nullopt});
        head.push_back(config_label(row));
        steps = std::max(steps, row.hvi_curve.size());
      }
    if (!lines.empty()) {
      std::vector<std::vector<std::string>> data;
      for (std::size_t s = 0; s < steps; ++s) {
        std::vector<std::string> cells{fmt::format("{}", s)};
        for (const auto& l : lines) cells.push_back(s < l.y.size() ? num3(l.y[s]) : "-");
        data.push_back(std::move(cells));
      }
      out += "<h3>Hypervolume</h3>\n";
      out += figure(svg::line_chart(id + "-hvi", "HVI of the cumulative archive per step" + sim,
                                    "Hypervolume of the per-step points (per-criterion test Spearman, mean over seeds) against reference -1, per configuration.",
                                    "step", "HVI (reference -1)", lines),
                    "HVI after each step, per configuration (not for single-task).", head, data);
    }
  }
  if (r.interference) {
    const auto& x = *r.interference;
    out += markdown_html(experiment::diagnostics::to_markdown(x));
    std::vector<svg::bar> bars;
    std::vector<std::vector<std::string>> data;
    for (std::size_t c = 0; c < x.criteria.size(); ++c) {
      bars.push_back({x.criteria[c], "selected, alone", x.stitched[c].alone});
      bars.push_back({x.criteria[c], "selected, together", x.stitched[c].together});
      bars.push_back({x.criteria[c], "seed, alone", x.control[c].alone});
      bars.push_back({x.criteria[c], "seed, together", x.control[c].together});
      data.push_back({x.criteria[c], num3(x.stitched[c].alone), num3(x.stitched[c].together), num3(x.control[c].alone), num3(x.control[c].together),
                      num3(x.stitched[c].joint_minus_alone.difference), fmt::format("{}", x.tokens[c])});
    }
    out += figure(svg::bar_chart(id + "-interference", "Instruction interference: test Spearman alone and together" + sim,
                                 "Per criterion, the selected single-task instruction and the seed instruction judged alone (per-criterion layout) "
                                 "and together (joint layout) on the same test items.",
                                 "test Spearman", bars),
                  "Alone: one call shows one instruction; together: one call shows all of them.",
                  {"criterion", "selected alone", "selected together", "seed alone", "seed together", "joint − alone (selected)", "tokens"}, data);
  }
  if (r.diagnostics) {
    const auto& d = *r.diagnostics;
    out += markdown_html(experiment::diagnostics::to_markdown(d));
    std::vector<svg::bar> bars;
    std::vector<std::vector<std::string>> data;
    for (const auto& row : d.by_mode) {
      auto group = row.mode + (row.gate == "none" ? "" : "/" + row.gate);
      bars.push_back({group, "specificity (evaluator)", row.specificity.mean, row.specificity.ci.lower, row.specificity.ci.upper});
      bars.push_back({group, "specificity (lexical proxy)", row.lexical.mean, row.lexical.ci.lower, row.lexical.ci.upper});
      bars.push_back({group, "adherence (evaluator)", row.adherence.mean, row.adherence.ci.lower, row.adherence.ci.upper});
      data.push_back({group, num3(row.specificity.mean), num3(row.lexical.mean), num3(row.adherence.mean), fmt::format("{}", row.specificity.n)});
    }
    out += figure(svg::bar_chart(id + "-specificity-mode", "Gradient specificity and feedback adherence by mode" + sim,
                                 "Mean ratings 1 to 10 per mode, with 95% bootstrap intervals over rated units; dashed: the paper's 9.0 "
                                 "(per-criterion gradients) and 3.7 (joint gradients).",
                                 "rating (1-10)", bars, {{"paper 9.0", 9.0}, {"paper 3.7", 3.7}}),
                  "Figure 3 of the paper, per mode: specificity by the evaluator and by the lexical proxy, and adherence.",
                  {"mode", "specificity", "lexical proxy", "adherence", "units"}, data);
    bars.clear();
    data.clear();
    for (const auto& row : d.by_mode_criterion) {
      auto name = row.mode + (row.gate == "none" ? "" : "/" + row.gate);
      bars.push_back({row.criterion, name, row.specificity.mean, row.specificity.ci.lower, row.specificity.ci.upper});
      data.push_back({row.criterion, name, num3(row.specificity.mean), num3(row.lexical.mean), fmt::format("{}", row.specificity.n)});
    }
    out += figure(svg::bar_chart(id + "-specificity-criterion", "Gradient specificity by criterion" + sim,
                                 "Mean specificity rating per target criterion, one bar per mode, with 95% bootstrap intervals.", "rating (1-10)", bars),
                  "Specificity per target criterion and mode.", {"criterion", "mode", "specificity", "lexical proxy", "units"}, data);
  }
  out += markdown_html(costs_markdown(r.costs, r.table.simulated));
  {
    std::vector<svg::bar> calls, tokens;
    std::vector<std::vector<std::string>> data;
    for (const auto& c : r.costs) {
      auto group = c.mode + (c.gate == "none" ? "" : "/" + c.gate);
      for (const char* role : {"judge", "loss", "gradient", "optimizer"}) {
        auto it = c.calls_by_role.find(role);
        calls.push_back({group, role, static_cast<double>(it == c.calls_by_role.end() ? 0 : it->second)});
      }
      tokens.push_back({group, "prompt tokens (millions)", static_cast<double>(c.prompt_tokens) / 1e6});
      tokens.push_back({group, "completion tokens (millions)", static_cast<double>(c.completion_tokens) / 1e6});
      data.push_back({group, fmt::format("{}", c.calls), fmt::format("{}", c.cache_hits), fmt::format("{}", c.prompt_tokens),
                      fmt::format("{}", c.completion_tokens), fmt::format("{:.4f}", c.usd)});
    }
    std::vector<std::string> head{"mode/gate", "calls", "from cache", "prompt tokens", "completion tokens", "cost (USD)"};
    out += figure(svg::bar_chart(id + "-calls", "Calls per mode and role" + sim, "Model calls per mode and gate, seeds summed, by role.", "calls", calls),
                  "Calls per mode, by role.", head, data);
    out += figure(svg::bar_chart(id + "-tokens", "Tokens per mode" + sim, "Prompt and completion tokens per mode and gate, seeds summed, in millions.",
                                 "tokens (millions)", tokens),
                  r.table.simulated ? "Tokens per mode (estimated by the simulator; nothing was billed)." : "Tokens per mode.", head, data);
  }
  out += markdown_html(history_markdown(r));
  return out + "</section>\n";
}

inline constexpr std::string_view style = R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#111;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem;margin-top:1.6rem}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.6rem 1rem;font-weight:600}
.table{overflow-x:auto}table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:left}
th{background:#f2f2f2}.note{font-size:.85rem;color:#333}figure{margin:1.2rem 0;break-inside:avoid}figcaption{font-size:.85rem;color:#333}
svg.chart{max-width:100%;height:auto;font-size:11px}svg .axis line,svg .grid{stroke:#999}svg .grid{stroke:#e5e5e5}svg text{fill:#222}
svg .chart-title{font-weight:600;font-size:12px}details{font-size:.85rem}
@media print{body{margin:0;max-width:none}details{display:block}details>summary{display:none}.banner{border:2px solid #000}})";

}  // namespace detail

/// One self-contained HTML page for the run directories `reports`.
inline std::string to_html(std::span<const directory_report> reports) {
  bool simulated = false;
  std::string names;
  for (const auto& r : reports) simulated = simulated || r.simulated(), names += (names.empty() ? "" : ", ") + r.name;
  std::string title = fmt::format("judgegrad report: {}{}", names, simulated ? " — SIMULATED" : "");
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                                "<title>{0}</title>\n<style>\n{1}\n</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
                                svg::escape(title), detail::style);
  if (simulated)
    out += "<p class=\"banner\">SIMULATED: judgegrad's simulator answered (some of) these calls, not a language model. The numbers show how "
           "the method behaves on the simulator's stated mechanisms (docs/simulator.md); they are not measurements of an LLM.</p>\n";
  for (std::size_t i = 0; i < reports.size(); ++i) out += detail::directory_html(reports[i], i);
  out += fmt::format("<p class=\"note\">Written by judgegrad {}. Paper: arXiv 2605.26046, numbers quoted for comparison only.</p>\n</body>\n</html>\n", version_string);
  return out;
}

}  // namespace report
JUDGEGRAD_END_NAMESPACE
