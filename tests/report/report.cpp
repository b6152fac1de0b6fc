// The whole report of a small fixed run directory: the costs table summed by hand, Table 2 and the
// diagnostics tables from fixed results, as golden Markdown; the HTML page's structure (one chart
// per figure with the right number of series, SIMULATED in the title, no script, every chart
// labelled and followed by its data); the SVG writer's escaping, scales and gaps.
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/report/html.hpp>

#include "../support/manifest.hpp"
#include "../support/scratch.hpp"
#include "../support/tiny_directory.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>

namespace test_report_report {

namespace jg = judgegrad;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the report of a small fixed run directory: golden Markdown tables") {
  judgegrad_test::temp_dir dir("jg-report");
  judgegrad_test::write_tiny_directory(dir.path);
  auto r = jg::report::read_directory_report(dir.path, {0, 1});
  CHECK(r.name == "tiny");
  CHECK(r.simulated());
  REQUIRE(r.costs.size() == 1);
  const auto& c = r.costs.front();
  // Two seeds x (2 + 4) calls; one cache answer and one failure per seed; tokens summed by hand:
  // per seed 100 + 100 + 200 + 300 + 400 prompt tokens, 10 + 10 + 20 + 30 + 40 completion tokens;
  // cost without the cache answer: 0.001 + 0.002 + 0.003 + 0.004 per seed.
  CHECK(c.runs == 2);
  CHECK(c.calls == 12);
  CHECK(c.cache_hits == 2);
  CHECK(c.failed == 2);
  CHECK(c.prompt_tokens == 2200);
  CHECK(c.completion_tokens == 220);
  CHECK(c.usd == doctest::Approx(0.020));
  CHECK(c.calls_by_role.at("judge") == 6);

  auto md = jg::report::to_markdown(r);
  CHECK(md.find("| SSC | mae | 2 | 12 | 2 | 2 | 6 | 2 | 2 | 2 | 2200 | 220 | 0.0200 |") != std::string::npos);
  // Table 2: initial 0.15; single-task best = the selected alone (0.5 + 0.2) / 2; stitched
  // together (0.3 + 0.2) / 2; joint - alone 0.25 - 0.35; the seed's 0.15 - 0.15.
  CHECK(md.find("| 0.150 | 0.350 | 0.250 | -0.100 | +0.000 | 0.305 | 0.220 |") != std::string::npos);
  CHECK(md.find("| a | st-a step 2 | 120 (5) | 0.500 | 0.300 | -0.200 [-0.300, -0.100] | 0.100 | 0.100 | +0.000 |") != std::string::npos);
  CHECK(md.find("| b | the seed | 5 (5) | 0.200 | 0.200 | +0.000 | 0.200 | 0.200 | +0.000 |") != std::string::npos);
  CHECK(md.find("| SSC | mae | 4 | 9.00 [8.50, 9.50] | 8.00 | 7.50 | 9.0 | 7.8–8.8 |") != std::string::npos);
  CHECK(md.find("| SSC | mae | a | 2 | 9.50 | 8.00 | 7.00 | 9.0 | 7.8–8.8 |") != std::string::npos);
  // Table 1's rows: step 1 is the best, (0.4 + 0.5) / 2 and (0.4 + 0.3) / 2 over seeds = 0.4.
  CHECK(md.find("| SSC | mae | 2 | 0.150 | 0.150–0.150 | 0.400 (1) | 0.350–0.450 | 0.400 | +0.250 |") != std::string::npos);
}

TEST_CASE("the report's history: every event of events.jsonl, one table row each; a damaged log leaves the tables be") {
  judgegrad_test::temp_dir dir("jg-report-history");
  judgegrad_test::write_tiny_directory(dir.path);
  jg::experiment::log_event(dir.path, "start", "2 runs, the simulator");
  jg::experiment::log_event(dir.path, "backend_change", "--allow-change: judge model a | b\nsecond line");
  auto r = jg::report::read_directory_report(dir.path, {0, 1});
  REQUIRE(r.history.size() == 2);
  auto md = jg::report::to_markdown(r);
  CHECK(md.find("History of the run directory") != std::string::npos);
  CHECK(md.find(fmt::format("| {} | start | {} | 2 runs, the simulator |", r.history[0].at, ::getpid())) != std::string::npos);
  // A detail's bar and line break would break the table: they are spaces in it.
  CHECK(md.find("| --allow-change: judge model a   b second line |") != std::string::npos);
  CHECK(jg::report::to_html(std::span<const jg::report::directory_report>(&r, 1)).find("<h3>History of the run directory") != std::string::npos);

  std::ofstream(dir.path / "events.jsonl", std::ios::app) << "not json\n";
  auto damaged = jg::report::read_directory_report(dir.path, {0, 1});
  CHECK(damaged.history.empty());
  CHECK(damaged.table.rows.size() == r.table.rows.size());
  md = jg::report::to_markdown(damaged);
  CHECK(md.find("Not shown:") != std::string::npos);
  CHECK(md.find("line 3 is not valid JSON") != std::string::npos);
}

TEST_CASE("the HTML page: self-contained, labelled SIMULATED, one chart per figure with its series and data") {
  judgegrad_test::temp_dir dir("jg-report-html");
  judgegrad_test::write_tiny_directory(dir.path);
  std::vector<jg::report::directory_report> reports{jg::report::read_directory_report(dir.path, {0, 1})};
  auto html = jg::report::to_html(reports);
  CHECK(html.find("<title>judgegrad report: tiny — SIMULATED</title>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // Nothing to fetch: no link or source but the SVG namespace name.
  CHECK_FALSE(std::regex_search(html, std::regex(R"re((src|href)=")re")));
  CHECK(count(html, "http") == count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  // Charts: the SSC trajectory (a, b and the mean), HVI (one configuration), interference (4),
  // specificity by mode (3) and by criterion (one mode), calls (4 roles), tokens (2).
  std::regex chart(R"re(<svg [^>]*class="chart" id="([^"]+)"[^>]*data-series="(\d+)")re");
  std::map<std::string, int> series;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), chart); it != std::sregex_iterator(); ++it) series[(*it)[1]] = std::stoi((*it)[2]);
  std::map<std::string, int> expected{{"d0-trajectory-0", 3}, {"d0-hvi", 1},   {"d0-interference", 4}, {"d0-specificity-mode", 3},
                                      {"d0-specificity-criterion", 1}, {"d0-calls", 4}, {"d0-tokens", 2}};
  CHECK(series == expected);
  CHECK(count(html, "<g class=\"series\"") == 3 + 1 + 4 + 3 + 1 + 4 + 2);
  CHECK(count(html, "<figure>") == 7);
  CHECK(count(html, "<details><summary>Data behind the figure</summary>") == 7);
  CHECK(count(html, "<title id=") == 7);
  CHECK(count(html, "<desc id=") == 7);
  // Every chart says SIMULATED in its own title (the accessible one and the drawn one): a chart
  // copied out of the page keeps its label.
  std::regex titles(R"re(<title id="[^"]+">([^<]*)</title>|<text class="chart-title"[^>]*>([^<]*)</text>)re");
  int titled = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), titles); it != std::sregex_iterator(); ++it, ++titled) {
    const std::string title = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
    CHECK_MESSAGE(title.find("SIMULATED") != std::string::npos, "a chart title without SIMULATED: " << title);
  }
  CHECK(titled == 2 * 7);
  // The best step of the trajectory is marked (step 1).
  CHECK(count(html, "class=\"best\"") == 1);
  CHECK(html.find("best at step 1") != std::string::npos);
}

TEST_CASE("SVG: escaping, a gap for NaN, bars with whiskers") {
  using namespace jg::report::svg;
  CHECK(escape("a < b & \"c\" > d") == "a &lt; b &amp; &quot;c&quot; &gt; d");
  double nan = std::nan("");
  auto s = line_chart("x", "T <1>", "D", "step", "y", {{"one", {0.1, nan, 0.3}, {}, {}, 2}, {"two & three", {0.2, 0.2, 0.2}, {0.1, 0.1, 0.1}, {0.3, 0.3, 0.3}, {}}});
  CHECK(s.find("data-series=\"2\"") != std::string::npos);
  CHECK(s.find("T &lt;1&gt;") != std::string::npos);
  CHECK(s.find("two &amp; three") != std::string::npos);
  CHECK(count(s, "class=\"band\"") == 1);
  CHECK(count(s, "class=\"best\"") == 1);
  // The NaN point is left out of the first line: two points, one space between them.
  std::smatch m;
  REQUIRE(std::regex_search(s, m, std::regex(R"re(<polyline class="line mark" points="([^"]*)")re")));
  CHECK(count(m[1], " ") == 1);
  auto b = bar_chart("y", "T", "D", "v", {{"g1", "n1", 1.0, 0.5, 1.5}, {"g1", "n2", 2.0}, {"g2", "n1", 3.0}, {"g2", "n2", nan}}, {{"ref", 2.5}});
  CHECK(b.find("data-series=\"2\"") != std::string::npos);
  CHECK(count(b, "class=\"bar mark\"") == 3);  // the NaN bar is not drawn
  CHECK(count(b, "class=\"whisker\"") == 1);
  CHECK(count(b, "class=\"reference\"") == 1);
}
}  // namespace test_report_report
