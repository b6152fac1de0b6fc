// `judgegrad serve` in-process: a real HTTP client on loopback gets OpenAI-shaped answers equal to
// the world's own; auth, bad bodies, faults at their configured rates, latency, concurrency.
#include "support.hpp"

#include <doctest/doctest.h>

#include <judgegrad/sim/server.hpp>

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <latch>
#include <thread>
#include <vector>

namespace test_sim_server {

namespace jg = judgegrad;
namespace sim = judgegrad::sim;

namespace {

const sim::world& small_world() {
  static const sim::world w = sim::world::of(sim::preset("paper"), simtest::paper_train());
  return w;
}

std::string chat_body(std::string_view role, std::string_view prompt, int n = 1) {
  jg::json_writer j;
  j.begin_object().key("model").value("judgegrad-sim").key("temperature").value(0.1).key("n").value(n);
  j.key("messages").begin_array().begin_object().key("role").value("user").key("content").value(prompt).end_object().end_array();
  j.key("metadata").begin_object().key("judgegrad_role").value(role).end_object().end_object();
  return std::move(j).str();
}

std::string judge_prompt(std::size_t i) { return simtest::judge_prompt(simtest::seed_instructions(), simtest::paper_train()[i]); }

}  // namespace

TEST_CASE("serve: OpenAI-shaped answers equal to the world's, models, health and metrics") {
  sim::server s(small_world(), {});
  int port = s.start();
  REQUIRE(port > 0);
  httplib::Client c("127.0.0.1", port);

  auto res = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(0)), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(res->body);
  CHECK(std::string_view(doc["object"]) == "chat.completion");
  CHECK(std::string_view(doc["id"]).starts_with("chatcmpl-sim-"));
  CHECK(std::string_view(doc["model"]) == "simulated:judgegrad-sim");
  std::string_view content = doc["choices"].at(0)["message"]["content"];
  CHECK(std::string_view(doc["choices"].at(0)["message"]["role"]) == "assistant");
  CHECK(std::string_view(doc["choices"].at(0)["finish_reason"]) == "stop");
  auto direct = small_world().respond(simtest::request(jg::llm::role::judge, judge_prompt(0)));
  CHECK(content == direct.content);
  CHECK(std::uint64_t(doc["usage"]["prompt_tokens"]) == direct.usage.prompt_tokens);
  CHECK(std::uint64_t(doc["usage"]["completion_tokens"]) == direct.usage.completion_tokens);
  CHECK(std::uint64_t(doc["usage"]["total_tokens"]) == direct.usage.total());

  // Byte-identical bodies for an identical request.
  auto again = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(0)), "application/json");
  REQUIRE(again);
  CHECK(std::string_view(parser.parse(again->body)["choices"].at(0)["message"]["content"]) == direct.content);

  // n choices are repeats 0..n-1.
  auto two = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(1), 2), "application/json");
  REQUIRE(two);
  simdjson::dom::element d2 = parser.parse(two->body);
  CHECK(simdjson::dom::array(d2["choices"]).size() == 2);
  auto r1 = simtest::request(jg::llm::role::judge, judge_prompt(1), 1);
  CHECK(std::string_view(d2["choices"].at(1)["message"]["content"]) == small_world().respond(r1).content);

  auto models = c.Get("/v1/models");
  REQUIRE(models);
  CHECK(std::string_view(parser.parse(models->body)["data"].at(0)["id"]) == "judgegrad-sim");
  auto health = c.Get("/health");
  REQUIRE(health);
  CHECK(health->body == R"({"status":"ok","simulated":true})");

  // A bad body is a 400 naming the field; the server keeps serving.
  auto bad = c.Post("/v1/chat/completions", R"({"messages": [{"role": "user"}]})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(std::string_view(parser.parse(bad->body)["error"]["message"]) == "bad chat-completion request: 'messages[0].content' must be a string or an array of parts");
  auto bad_role = c.Post("/v1/chat/completions", chat_body("critic", "x"), "application/json");
  REQUIRE(bad_role);
  CHECK(bad_role->status == 400);

  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("judgegrad_sim_requests_total 8\n") != std::string::npos);
  CHECK(metrics->body.find("judgegrad_sim_completions_total{outcome=\"ok\"} 3\n") != std::string::npos);
  CHECK(metrics->body.find("judgegrad_sim_completions_total{outcome=\"bad_request\"} 2\n") != std::string::npos);
  CHECK(metrics->body.find("judgegrad_sim_repeated_total 1\n") != std::string::npos);  // judge_prompt(0) was asked twice
  CHECK(s.counts().repeated == 1);
  s.stop();
  CHECK_FALSE(c.Get("/health"));  // stopped: nothing listens any more
}

TEST_CASE("serve: a bearer token is required when configured") {
  sim::server_options o;
  o.api_key = "s3cret";
  sim::server s(small_world(), o);
  httplib::Client c("127.0.0.1", s.start());
  auto no = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(0)), "application/json");
  REQUIRE(no);
  CHECK(no->status == 401);
  CHECK(no->body.find("s3cret") == std::string::npos);
  c.set_bearer_token_auth("wrong");
  CHECK(c.Get("/v1/models")->status == 401);
  c.set_bearer_token_auth("s3cret");
  CHECK(c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(0)), "application/json")->status == 200);
  CHECK(s.counts().unauthorized == 2);
}

TEST_CASE("serve: injected faults appear at their configured rates") {
  sim::server_options o;
  o.faults = {.rate_limited = 0.1, .server_error = 0.1, .dropped = 0.1, .malformed = 0.1, .retry_after_seconds = 3};
  sim::server s(small_world(), o);
  httplib::Client c("127.0.0.1", s.start());
  c.set_read_timeout(5, 0);
  const int n = 600;
  int ok = 0, limited = 0, server_error = 0, dropped = 0, malformed = 0;
  simdjson::dom::parser parser;
  for (int i = 0; i < n; ++i) {
    auto res = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(static_cast<std::size_t>(i % 160))), "application/json");
    if (!res) {
      ++dropped;
      continue;
    }
    if (res->status == 429) {
      ++limited;
      CHECK(res->get_header_value("Retry-After") == "3");
    } else if (res->status >= 500) {
      ++server_error;
    } else if (res->status == 200) {
      simdjson::dom::element doc;
      std::string_view content;
      if (parser.parse(res->body).get(doc) || doc["choices"].at(0)["message"]["content"].get(content)) ++malformed;
      else ++ok;
    }
  }
  // Drawn in order drop, 429, 5xx, malformed: expected shares 0.1, 0.09, 0.081, 0.0729.
  auto near = [&](int count, double p) {
    double sd = std::sqrt(n * p * (1 - p));
    INFO(count << " vs " << n * p);
    CHECK(std::abs(count - n * p) <= 4 * sd);
  };
  MESSAGE("dropped " << dropped << ", 429 " << limited << ", 5xx " << server_error << ", malformed " << malformed << ", ok " << ok);
  near(dropped, 0.1);
  near(limited, 0.09);
  near(server_error, 0.081);
  near(malformed, 0.0729);
  CHECK(ok + dropped + limited + server_error + malformed == n);
  auto k = s.counts();
  CHECK(k.dropped == static_cast<std::uint64_t>(dropped));
  CHECK(k.rate_limited == static_cast<std::uint64_t>(limited));
  CHECK(k.malformed == static_cast<std::uint64_t>(malformed));
}

TEST_CASE("serve: added latency, and many clients at once") {
  sim::server_options o;
  o.faults.latency_ms = 40;
  o.threads = 4;
  sim::server s(small_world(), o);
  int port = s.start();
  std::atomic<int> ok{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  std::latch ready(4);  // the four clients start together
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      ready.arrive_and_wait();
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; i < 5; ++i) {
        auto res = c.Post("/v1/chat/completions", chat_body("judge", judge_prompt(static_cast<std::size_t>(t * 5 + i))), "application/json");
        if (res && res->status == 200) ++ok;
      }
    });
  for (auto& t : clients) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(ok == 20);
  CHECK(seconds >= 5 * 0.040);  // each client waited 40 ms five times
  CHECK(s.counts().ok == 20);
  // Served side by side: a server answering one request at a time would never hold two at once.
  CHECK(s.counts().most_at_once >= 2);
  CHECK(s.counts().most_at_once <= 4);
}

TEST_CASE("serve: with an upstream, completions are forwarded verbatim and faults injected in front") {
  sim::server_options upstream_options;
  upstream_options.api_key = "up-key";  // the proxy must pass its upstream key on
  sim::server upstream(small_world(), upstream_options);
  int up = upstream.start();
  sim::server_options o;
  o.upstream = fmt::format("http://127.0.0.1:{}/v1/", up);
  o.upstream_api_key = "up-key";
  o.faults.rate_limited = 0.5;
  sim::server proxy(small_world(), o);
  httplib::Client c("127.0.0.1", proxy.start());
  int ok = 0, limited = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    auto body = chat_body("loss", "## Scores\n- fluency: predicted 2, human 5\n");
    auto res = c.Post("/v1/chat/completions", body, "application/json");
    REQUIRE(res);
    if (res->status == 429) {
      ++limited;
      continue;
    }
    CHECK(res->status == 200);
    httplib::Client direct_client("127.0.0.1", up);
    direct_client.set_bearer_token_auth("up-key");
    auto direct = direct_client.Post("/v1/chat/completions", body, "application/json");
    REQUIRE(direct);
    // The upstream's reply, byte for byte, but for the id (which counts the upstream's requests).
    CHECK(res->body.substr(res->body.find("\"object\"")) == direct->body.substr(direct->body.find("\"object\"")));
    ++ok;
  }
  CHECK(limited > 5);
  CHECK(ok > 5);
  CHECK(proxy.counts().proxied == static_cast<std::uint64_t>(ok));
  CHECK(proxy.counts().rate_limited == static_cast<std::uint64_t>(limited));
  CHECK(upstream.counts().ok == static_cast<std::uint64_t>(2 * ok));
  CHECK(upstream.counts().unauthorized == 0);

  // An unreachable upstream is a 502 naming it; a non-HTTP upstream is refused at construction.
  upstream.stop();
  sim::server_options gone;
  gone.upstream = fmt::format("http://127.0.0.1:{}", up);
  sim::server orphan(small_world(), gone);
  auto res = httplib::Client("127.0.0.1", orphan.start()).Post("/v1/chat/completions", chat_body("judge", "x"), "application/json");
  REQUIRE(res);
  CHECK(res->status == 502);
  CHECK(res->body.find(fmt::format("upstream http://127.0.0.1:{} unreachable", up)) != std::string::npos);
  sim::server_options wrong;
  wrong.upstream = "ftp://example.org";
  CHECK_THROWS_WITH_AS(sim::server(small_world(), wrong), doctest::Contains("is not an http:// or https:// URL"), std::invalid_argument);
}
}  // namespace test_sim_server
