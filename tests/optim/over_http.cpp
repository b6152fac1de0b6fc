// The optimizer against `judgegrad serve`'s server over loopback HTTP, with 429s (Retry-After),
// 5xx and dropped connections injected: the records equal an in-process run's, call for call
// (timings and attempt counts aside), because the backend retries what failed and the simulated
// world answers by content.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/optim.hpp>
#include <judgegrad/sim.hpp>
#include <judgegrad/sim/server.hpp>

#include "../data/test_data_dir.hpp"

#include <doctest/doctest.h>

namespace test_optim_over_http {

namespace jg = judgegrad;
using se = jg::summeval::all;

namespace {
std::string comparable(const jg::memory_sink& sink) {
  std::string out;
  for (auto r : sink.steps) {
    r.duration_seconds = 0;
    for (auto& c : r.calls) c.latency_seconds = 0, c.attempts = 0;
    out += jg::to_jsonl(r);
  }
  return out;
}
}  // namespace

TEST_CASE("a run over HTTP with injected faults equals the in-process run") {
  auto paper = jg::data::summeval_paper<se>(test_data_dir());
  auto world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
  auto s = jg::data::split_groups(paper.train, {0.25, 0.0}, 42);
  jg::data::splits<se> data{std::move(s.train), std::move(s.validation), jg::data::select(paper.test, std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19})};
  using V = jg::variant<se, jg::scc, jg::merge::structured, jg::gate::paired<jg::metric::mae>>;
  jg::run_settings settings;
  settings.steps = 3;

  jg::memory_sink local;
  auto a = jg::optimize<V>(world, jg::judge::summeval_prompt<se>(), data, settings, local);
  REQUIRE(a.error.empty());

  jg::sim::server_options so;
  so.faults.rate_limited = 0.05;
  so.faults.retry_after_seconds = 0;
  so.faults.server_error = 0.05;
  so.faults.dropped = 0.03;
  so.faults.seed = 11;
  jg::sim::server server(world, so);
  int port = server.start();
  jg::llm::openai_options o;
  o.base_url = fmt::format("http://127.0.0.1:{}/v1", port);
  o.max_retries = 12;
  o.backoff_initial = 0.001;
  o.backoff_max = 0.01;
  o.max_concurrent = 16;
  jg::llm::openai http(o);
  jg::memory_sink remote;
  auto b = jg::optimize<V>(http, jg::judge::summeval_prompt<se>(), data, settings, remote);
  REQUIRE(b.error.empty());
  auto counts = server.counts();
  MESSAGE("server: " << counts.completions << " completions, " << counts.rate_limited << " 429, " << counts.server_error << " 5xx, "
                     << counts.dropped << " dropped");
  CHECK(counts.rate_limited + counts.server_error + counts.dropped > 20);
  CHECK(comparable(local) == comparable(remote));
}

TEST_CASE("a call is priced by the model asked for, though the endpoint answers under a dated snapshot name") {
  auto paper = jg::data::summeval_paper<se>(test_data_dir());
  auto world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
  auto s = jg::data::split_groups(paper.train, {0.25, 0.0}, 42);
  jg::data::splits<se> data{std::move(s.train), std::move(s.validation), jg::data::select(paper.test, std::vector<std::size_t>{0, 1, 2, 3, 4, 5})};
  jg::sim::server_options so;
  so.model_suffix = "-2024-07-18";
  jg::sim::server server(world, so);
  int port = server.start();
  jg::llm::openai_options o;
  o.base_url = fmt::format("http://127.0.0.1:{}/v1", port);
  std::array<std::optional<jg::llm::role_settings>, jg::llm::all_roles.size()> roles;
  for (auto& r : roles) {
    r.emplace();
    r->model = "gpt-4o-mini";
  }
  jg::llm::meter_options meter;
  jg::llm::price mini;
  mini.input_per_mtok = 0.15;
  mini.output_per_mtok = 0.60;
  meter.prices.emplace("gpt-4o-mini", mini);
  jg::llm::role_defaults<jg::llm::metered<jg::llm::openai>> backend(roles, meter, o);
  jg::run_settings settings;
  settings.steps = 2;
  jg::memory_sink sink;
  auto run = jg::optimize<jg::variant<se, jg::ssc>>(backend, jg::judge::summeval_prompt<se>(), data, settings, sink);
  REQUIRE(run.error.empty());
  std::size_t calls = 0;
  double recorded = 0;
  for (const auto& r : sink.steps)
    for (const auto& c : r.calls) {
      ++calls;
      CHECK(c.model == "gpt-4o-mini");
      CHECK(c.answered_by == "simulated:gpt-4o-mini-2024-07-18");
      // tokens x configured price, computed here by hand
      double expected = (double(c.prompt_tokens) * 0.15 + double(c.completion_tokens) * 0.60) / 1e6;
      CHECK(c.prompt_tokens > 0);
      CHECK(c.usd == doctest::Approx(expected).epsilon(1e-12));
      recorded += c.usd;
      auto line = jg::to_jsonl(r, false);
      CHECK(line.find(R"("answered_by":"simulated:gpt-4o-mini-2024-07-18")") != std::string::npos);
    }
  CHECK(calls > 50);
  CHECK(recorded > 0);
  // The meter (which a budget reads) counts the same money as the records, and nothing under the
  // snapshot's name.
  auto report = backend.inner().report();
  CHECK(report.total.usd == doctest::Approx(recorded).epsilon(1e-9));
  CHECK(report.by_model.count("gpt-4o-mini") == 1);
  CHECK(report.by_model.size() == 1);
}
}  // namespace test_optim_over_http
