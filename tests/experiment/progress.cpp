// The progress display: periodic plain lines off a terminal, a final line with the totals, nothing
// when quiet; counts come from an llm::activity as calls are answered.
#include <judgegrad/experiment/progress.hpp>
#include <judgegrad/llm/activity.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace test_experiment_progress {

namespace jg = judgegrad;

namespace {
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}
}  // namespace

TEST_CASE("periodic lines while work goes on, then the totals") {
  jg::llm::activity a;
  std::FILE* f = std::tmpfile();
  {
    jg::experiment::progress p(a, jg::experiment::progress_mode::periodic, "evaluate", 10, f, 0.02);
    p.status("joint layout");
    for (int i = 0; i < 5; ++i) a.count(i != 3);
    // Until a periodic line is out (the stream's position moves; 30 s at most on a loaded machine).
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::ftell(f) == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(std::ftell(f) > 0);
    CHECK(p.line().find("evaluate: joint layout, 5/10 calls (1 failed)") == 0);
  }
  std::string text = contents(f);
  CHECK(text.find("evaluate: joint layout, 5/10 calls (1 failed)") != std::string::npos);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  CHECK(lines >= 2);  // at least one line while running, and the last one at the end
  std::fclose(f);
}

TEST_CASE("the last line gives what was done, not a stale estimate; a rate-limit wait is said") {
  jg::llm::activity a;
  std::FILE* f = std::tmpfile();
  {
    jg::experiment::progress p(a, jg::experiment::progress_mode::periodic, "run", 480, f, 3600);  // no periodic line: only the last
    for (int i = 0; i < 486; ++i) a.count(true);  // more calls than expected (retries, a first call)
    CHECK(p.line().find("run: 486/486 calls") == 0);  // never "486/480"
    a.rate_limited(std::chrono::steady_clock::now() + std::chrono::seconds(12));
    CHECK(p.line().find(", waiting 12 s for the rate limit") != std::string::npos);
    CHECK(p.line().find(", waiting 1") != std::string::npos);
    CHECK(p.line(true).find("waiting") == std::string::npos);  // the last line has no wait, no ETA
    CHECK(p.line(true).find("run: 486 calls, ") == 0);
    CHECK(p.line(true).find("done in ") != std::string::npos);
  }
  std::string text = contents(f);
  CHECK(text.find("run: 486 calls, ") == 0);
  CHECK(text.find("ETA") == std::string::npos);
  CHECK(text.find("/480") == std::string::npos);
  std::fclose(f);
  jg::llm::activity b;
  b.rate_limited(std::chrono::steady_clock::now() - std::chrono::seconds(1));  // a wait that has passed
  CHECK(b.rate_limit_wait() == 0);
}

TEST_CASE("quiet shows nothing; counts before the display began are not its own") {
  jg::llm::activity a;
  a.count(true);
  std::FILE* f = std::tmpfile();
  {
    jg::experiment::progress p(a, jg::experiment::progress_mode::quiet, "run", 0, f, 0.01);
    a.count(false);
    CHECK(p.line().find("run: 1 calls (1 failed)") == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  CHECK(contents(f).empty());
  std::fclose(f);
  CHECK(jg::experiment::clock_time(3725) == "1:02:05");
  CHECK(jg::experiment::clock_time(65) == "1:05");
}

TEST_CASE("counted<B> counts each result of a backend that does not count itself") {
  struct two {
    std::vector<jg::llm::result> complete(std::span<const jg::llm::request> b) {
      std::vector<jg::llm::result> out;
      for (std::size_t i = 0; i < b.size(); ++i)
        out.push_back(i % 2 ? jg::llm::result(jg::llm::error{}) : jg::llm::result(jg::llm::response{}));
      return out;
    }
  };
  jg::llm::activity a;
  jg::llm::counted<two> c(a);
  std::vector<jg::llm::request> batch(4);
  c.complete(batch);
  CHECK(a.answered == 4);
  CHECK(a.failed == 2);
}
}  // namespace test_experiment_progress
