// What needs no network: the JSON writer against simdjson, request bodies, reply parsing, the token
// bucket, configuration files (both formats) and the meter's accounting and budgets.
#include <judgegrad/llm/config.hpp>
#include <judgegrad/llm/meter.hpp>
#include <judgegrad/llm/rate_limit.hpp>
#include <judgegrad/llm/router.hpp>
#include <judgegrad/llm/wire.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

namespace test_llm_wire {

namespace llm = judgegrad::llm;

namespace {

/// Independent UTF-8 decoding per RFC 3629 §4 (the table of well-formed byte sequences): returns
/// `s` with every ill-formed byte replaced by U+FFFD, one replacement per byte that starts no
/// well-formed sequence.
std::string reference_repair(std::string_view s) {
  std::string out;
  auto b = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0x100u; };
  auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
  for (std::size_t i = 0; i < s.size();) {
    unsigned c = b(i);
    std::size_t len = 0;
    if (c < 0x80) len = 1;
    else if (in(c, 0xC2, 0xDF) && in(b(i + 1), 0x80, 0xBF)) len = 2;
    else if (c == 0xE0 && in(b(i + 1), 0xA0, 0xBF) && in(b(i + 2), 0x80, 0xBF)) len = 3;
    else if ((in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) && in(b(i + 1), 0x80, 0xBF) && in(b(i + 2), 0x80, 0xBF)) len = 3;
    else if (c == 0xED && in(b(i + 1), 0x80, 0x9F) && in(b(i + 2), 0x80, 0xBF)) len = 3;
    else if (c == 0xF0 && in(b(i + 1), 0x90, 0xBF) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF)) len = 4;
    else if (in(c, 0xF1, 0xF3) && in(b(i + 1), 0x80, 0xBF) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF)) len = 4;
    else if (c == 0xF4 && in(b(i + 1), 0x80, 0x8F) && in(b(i + 2), 0x80, 0xBF) && in(b(i + 3), 0x80, 0xBF)) len = 4;
    if (len) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string random_text(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces = {"a", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "€", "😀",
                                                  "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xFF", "\xC0\x80", "\xED\xA0\x80",
                                                  "\xF4\x90\x80\x80", "\xE0\x80\x80", "/", "{", "}", " "};
  std::string s;
  std::size_t n = rng() % 40;
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 3 == 0) s.push_back(static_cast<char>(rng() % 256));
    else s += pieces[rng() % pieces.size()];
  }
  return s;
}

}  // namespace

TEST_CASE("the JSON writer round-trips random strings, invalid UTF-8 included, through simdjson") {
  std::mt19937_64 rng(2024);
  simdjson::dom::parser parser;
  for (int round = 0; round < 3000; ++round) {
    std::string a = random_text(rng), b = random_text(rng);
    judgegrad::json_writer w;
    w.begin_object().key(a).value(b).key("list").begin_array().value(a).value(42).value(-1.5).null().end_array().end_object();
    simdjson::dom::element doc;
    INFO(w.str());
    REQUIRE_FALSE(parser.parse(w.str()).get(doc));
    simdjson::dom::object obj;
    REQUIRE_FALSE(doc.get_object().get(obj));
    auto field = *obj.begin();
    CHECK(std::string(field.key) == reference_repair(a));
    std::string_view value;
    REQUIRE_FALSE(field.value.get_string().get(value));
    CHECK(std::string(value) == reference_repair(b));
    CHECK(llm::sanitize_utf8(b) == reference_repair(b));
  }
}

TEST_CASE("a request body carries exactly the fields asked for") {
  llm::request r;
  r.model = "gpt";
  r.messages = {{"user", "Hi \"there\"\n"}};
  r.temperature = 0.25;
  r.max_tokens = 50;
  r.seed = 9;
  r.stop = {"END"};
  r.logprobs = true;
  r.role = llm::role::loss;
  r.format = {llm::response_format::kind::json_schema, "scores", R"({"type":"object"})"};
  llm::capabilities all;
  CHECK(llm::request_body(r, all, 1) ==
        R"({"model":"gpt","messages":[{"role":"user","content":"Hi \"there\"\n"}],"temperature":0.25,"max_tokens":50,"seed":9,)"
        R"("stop":["END"],"response_format":{"type":"json_schema","json_schema":{"name":"scores","strict":true,"schema":{"type":"object"}}},)"
        R"("logprobs":true,"metadata":{"judgegrad_role":"loss"}})");
  r.repeat = 3;  // a deliberate repeat travels too, so a deterministic peer can tell repeats apart
  CHECK(llm::request_body(r, all, 1).find(R"("metadata":{"judgegrad_role":"loss","judgegrad_repeat":"3"}})") != std::string::npos);
  llm::capabilities none{false, false, false, false, false, false};
  CHECK(llm::request_body(r, none, 3) ==
        R"({"model":"gpt","messages":[{"role":"user","content":"Hi \"there\"\n"}],"temperature":0.25,"max_tokens":50,"stop":["END"],"n":3})");
}

TEST_CASE("replies: choices, usage, cached tokens, errors inside a 200, and malformed bodies") {
  simdjson::dom::parser p;
  llm::request q;
  q.messages = {{"user", "12345678"}};
  auto ok = llm::parse_completion(p, R"({"model":"x","choices":[{"message":{"content":"A"},"finish_reason":"length"},)"
                                      R"({"message":{"content":"B"}}],"usage":{"prompt_tokens":7,"completion_tokens":3,)"
                                      R"("prompt_tokens_details":{"cached_tokens":4}}})", q);
  REQUIRE(std::holds_alternative<llm::response>(ok));
  auto& r = std::get<llm::response>(ok);
  CHECK(r.content == "A");
  CHECK(r.choices == std::vector<std::string>{"A", "B"});
  CHECK(r.finish_reason == "length");
  CHECK(r.usage == llm::usage{7, 3, 4});
  auto kind = [&](std::string_view body) {
    auto v = llm::parse_completion(p, body, q);
    return std::holds_alternative<llm::error>(v) ? std::get<llm::error>(v).kind : llm::error_kind::cancelled;
  };
  CHECK(kind(R"({"error":{"message":"upstream overloaded"}})") == llm::error_kind::server);
  CHECK(kind(R"({"choices":[]})") == llm::error_kind::malformed_response);
  CHECK(kind(R"({"choices":[{"message":{"content":null}}]})") == llm::error_kind::malformed_response);
  CHECK(kind("not json") == llm::error_kind::malformed_response);
  CHECK(kind("[1,2]") == llm::error_kind::malformed_response);
  auto est = llm::parse_completion(p, R"({"choices":[{"message":{"content":"abcdefgh"}}]})", q);
  REQUIRE(std::holds_alternative<llm::response>(est));
  CHECK(std::get<llm::response>(est).usage_estimated);
  CHECK(std::get<llm::response>(est).usage == llm::usage{2 + 4, 2, 0});
}

TEST_CASE("the token bucket refills at its rate and lets bursts through") {
  auto t0 = std::chrono::steady_clock::time_point{};
  llm::token_bucket b(600, 1, t0);  // 10 per second, holds 10
  for (int i = 0; i < 10; ++i) {
    CHECK(b.wait_for(1, t0) == 0);
    b.take(1, t0);
  }
  CHECK(b.wait_for(1, t0) == doctest::Approx(0.1));
  CHECK(b.wait_for(1, t0 + std::chrono::milliseconds(100)) == doctest::Approx(0));
  CHECK(b.wait_for(50, t0 + std::chrono::milliseconds(100)) == doctest::Approx(0.9));  // capped at a full bucket
  b.take(5, t0 + std::chrono::milliseconds(100));
  b.adjust(-10);  // an estimate that was 10 short
  CHECK(b.wait_for(1, t0 + std::chrono::milliseconds(100)) == doctest::Approx(1.5));
  CHECK(llm::token_bucket(0).wait_for(1e9, t0) == 0);
}

namespace {

std::optional<std::string> test_env(const std::string& name) {
  if (name == "OPENROUTER_API_KEY") return std::string("sk-or-v1-abcdefabcdef1234");
  if (name == "LOCAL_HOST") return std::string("127.0.0.1:8080");
  return std::nullopt;
}

std::string error_of(const std::string& json) {
  try {
    llm::parse_llm_config(json, "cfg.json", "/runs", test_env);
  } catch (const llm::config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("judgegrad's configuration format") {
  auto cfg = llm::parse_llm_config(R"({
    "endpoints": {
      "openrouter": {"base_url": "https://openrouter.ai/api/v1", "api_key_env": "OPENROUTER_API_KEY",
                     "max_concurrent": 32, "requests_per_minute": 600, "tokens_per_minute": 2000000, "max_retries": 6,
                     "headers": ["X-Title: judgegrad"]},
      "local": {"base_url": "http://${LOCAL_HOST}/v1", "capabilities": {"n": false, "metadata": false}, "timeout": 120}
    },
    "default_endpoint": "openrouter",
    "roles": {
      "judge": {"model": "deepseek/deepseek-chat", "temperature": 0.1, "max_tokens": 256, "timeout": 60, "seed": 7},
      "gradient": {"model": "qwen", "endpoint": "local", "temperature": 0.7, "max_tokens": 8192}
    },
    "prices": {"deepseek/deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.1, "cached_input_per_mtok": 0.07}},
    "budget": {"max_calls": 10000, "max_tokens": 5000000, "max_usd": 20},
    "cache": {"path": "cache.sqlite", "mode": "replay_only"}
  })", "cfg.json", "/runs", test_env);
  const auto& orr = cfg.endpoints.at("openrouter");
  CHECK(orr.api_key.reveal() == "sk-or-v1-abcdefabcdef1234");
  CHECK(orr.max_concurrent == 32);
  CHECK(orr.requests_per_minute == 600);
  CHECK(orr.max_retries == 6);
  CHECK(orr.extra_headers == std::vector<std::string>{"X-Title: judgegrad"});
  CHECK(cfg.key_variables.at("openrouter") == "OPENROUTER_API_KEY");
  const auto& local = cfg.endpoints.at("local");
  CHECK(local.base_url == "http://127.0.0.1:8080/v1");
  CHECK(local.api_key.empty());
  CHECK_FALSE(local.capabilities.n);
  CHECK_FALSE(local.capabilities.metadata);
  CHECK(local.capabilities.logprobs);
  CHECK(local.total_timeout == 120);
  CHECK(cfg.default_endpoint == "openrouter");
  REQUIRE(cfg.settings(llm::role::judge));
  CHECK(cfg.settings(llm::role::judge)->model == "deepseek/deepseek-chat");
  CHECK(cfg.settings(llm::role::judge)->seed == 7u);
  CHECK(cfg.settings(llm::role::gradient)->endpoint == "local");
  CHECK_FALSE(cfg.settings(llm::role::loss));
  CHECK(cfg.meter.prices.at("deepseek/deepseek-chat").cached_input_per_mtok == 0.07);
  CHECK(cfg.meter.budget.max_calls == 10000u);
  CHECK(cfg.meter.budget.max_usd == 20.0);
  REQUIRE(cfg.cache);
  CHECK(cfg.cache->path == std::filesystem::path("/runs/cache.sqlite"));
  CHECK(cfg.cache->mode == llm::cache_mode::replay_only);

  static_assert(llm::chat_backend<llm::configured_backend>);
  llm::request q;
  q.role = llm::role::gradient;
  q.max_tokens = 10;
  struct echo {
    std::vector<llm::result> complete(std::span<const llm::request>) { return {}; }
  };
  llm::role_defaults<echo> roles(cfg.roles);
  roles.apply(q);
  CHECK(q.model == "qwen");
  CHECK(q.endpoint == "local");
  CHECK(q.temperature == 0.7);
  CHECK(q.max_tokens == 10);  // the request's own value wins
}

TEST_CASE("the reference implementation's llm.json") {
  auto cfg = llm::parse_llm_config(R"({
    "task_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 4096, "temperature": 0.1, "timeout": 60},
    "optimizer_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 16384, "temperature": 0.7, "timeout": 600},
    "gradient_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 8192, "temperature": 0.7, "timeout": 600, "reasoning": false},
    "loss_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "max_tokens": 1024, "temperature": 0.7, "timeout": 60},
    "endpoints": {"endpoint_0": {"endpoint_id": "endpoint_0", "api_key": "${OPENROUTER_API_KEY}", "max_calls_5h": 10000,
                                 "max_calls_1w": 50000, "budget_5h_usd": 100, "max_concurrent": 10}}
  })", "llm.json", ".", test_env);
  const auto& e = cfg.endpoints.at("default");
  CHECK(e.base_url == "https://openrouter.ai/api/v1");
  CHECK(e.api_key.reveal() == "sk-or-v1-abcdefabcdef1234");
  CHECK(e.max_concurrent == 10);
  CHECK(e.requests_per_minute == doctest::Approx(10000.0 / 300));
  CHECK(e.burst_seconds == 5 * 3600);  // the whole 5-hour quota may be spent at once
  CHECK(cfg.meter.budget.max_usd == 100.0);
  for (auto r : {llm::role::judge, llm::role::evaluator, llm::role::loss, llm::role::gradient, llm::role::optimizer}) {
    REQUIRE(cfg.settings(r));
    CHECK(cfg.settings(r)->model == "deepseek/deepseek-chat-v3-0324");
  }
  CHECK(cfg.settings(llm::role::optimizer)->max_tokens == 16384);
  CHECK(cfg.settings(llm::role::judge)->temperature == 0.1);
  CHECK(cfg.settings(llm::role::gradient)->timeout_seconds == 600.0);
  CHECK(cfg.settings(llm::role::loss)->max_tokens == 1024);

  auto local = llm::parse_llm_config(R"({"task_model": {"name": "llama3.1"}, "optimizer_model": {"name": "llama3.1"},
    "gradient_model": {"name": "llama3.1"}, "loss_model": {"name": "llama3.1"}, "api_base": "http://${LOCAL_HOST}/v1"})",
                                     "llm.json", ".", test_env);
  CHECK(local.endpoints.at("default").base_url == "http://127.0.0.1:8080/v1");
  // Absent: unset, so the stack applies the reference's effective value (llm::reference_defaults).
  CHECK(!local.settings(llm::role::loss)->max_tokens);
  CHECK(!local.settings(llm::role::judge)->temperature);
}

TEST_CASE("configuration errors name the file and the key") {
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x", "max_concurent": 3}}})") ==
        "cfg.json: endpoints.a.max_concurent: unknown key (expected one of: base_url, api_key_env, api_key, max_concurrent, "
        "requests_per_minute, tokens_per_minute, burst_seconds, max_retries, backoff_initial, backoff_max, retry_after_max, "
        "connect_timeout, timeout, default_completion_tokens, max_response_bytes, headers, ca_file, capabilities)");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"judge": {"temperature": "hot"}}})") ==
        "cfg.json: roles.judge.temperature: expected a number");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"critic": {}}})").find("cfg.json: roles.critic: unknown key") == 0);
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x", "max_retries": -1}}})") ==
        "cfg.json: endpoints.a.max_retries: expected a non-negative integer");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x", "api_key_env": "NOPE"}}})") ==
        "cfg.json: endpoints.a.api_key_env: environment variable NOPE is not set");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x", "api_key": "sk-live-123456789"}}})") ==
        "cfg.json: endpoints.a.api_key: write the environment variable that holds the key, as \"${NAME}\", not the key itself");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"judge": {"endpoint": "b"}}})") ==
        "cfg.json: roles.judge.endpoint: no endpoint named b");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "cache": {"path": "c", "mode": "sometimes"}})") ==
        "cfg.json: cache.mode: expected \"read_write\", \"replay_only\", \"write_only\" or \"off\"");
  CHECK(error_of(R"({"task_model": {"name": "m", "temprature": 1}})").find("cfg.json: task_model.temprature: unknown key") == 0);
  // A role left out is an error only for a command that uses it.
  auto three = llm::parse_llm_config(R"({"task_model": {"name": "m"}, "loss_model": {"name": "m"}, "gradient_model": {"name": "m"}})", "cfg.json");
  CHECK_NOTHROW(llm::require_roles(three, {llm::role::judge}, "judgegrad evaluate"));
  CHECK_THROWS_WITH_AS(llm::require_roles(three, {llm::role::judge, llm::role::optimizer}, "judgegrad run"),
                       "cfg.json: optimizer_model: missing (judgegrad run uses the optimizer role)", llm::config_error);
  // Values outside their range name the key.
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"judge": {"model": "m", "temperature": 2.5}}})") ==
        "cfg.json: roles.judge.temperature: 2.5 is outside 0..2, the range of a sampling temperature");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"judge": {"model": "m", "max_tokens": 0}}})") ==
        "cfg.json: roles.judge.max_tokens: 0 is not a token limit (1 or more)");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://x", "timeout": 0}}})") == "cfg.json: endpoints.a.timeout: 0 must be above 0");
  // A USD budget: the file's prices, else the list-price table; a model in neither stops the command that uses it.
  auto priced = llm::parse_llm_config(R"({"endpoints": {"a": {"base_url": "http://x"}}, "roles": {"judge": {"model": "gpt-4o-mini"},
    "loss": {"model": "my-local-model"}}, "budget": {"max_usd": 5}})", "cfg.json");
  CHECK(priced.meter.prices.at("gpt-4o-mini").input_per_mtok == 0.15);
  // What was decided for the user is said, in numbers.
  REQUIRE(priced.notes.size() == 1);
  CHECK(priced.notes[0] == "gpt-4o-mini is priced at $0.15 in / $0.6 out per million tokens from judgegrad's table of list prices (list prices "
                           "as published by the providers, mid-2025), for the USD budget; give \"prices\" to set your own");
  CHECK_NOTHROW(llm::require_roles(priced, {llm::role::judge}, "judgegrad evaluate"));
  CHECK_THROWS_WITH_AS(llm::require_roles(priced, {llm::role::loss}, "judgegrad run"),
                       doctest::Contains("cfg.json: budget.max_usd: a USD budget needs a price for model my-local-model (role loss)"),
                       llm::config_error);
  // The reference's 5-hour quotas: 10000 calls per 300 minutes is 33.3 a minute with a 5-hour burst; $100 a budget for the run.
  auto quota = llm::parse_llm_config(R"({"task_model": {"name": "gpt-4o-mini"}, "endpoints": {"e": {"api_key": "${OPENROUTER_API_KEY}",
    "max_calls_5h": 10000, "budget_5h_usd": 100}}})", "cfg.json", ".", test_env);
  CHECK(quota.meter.budget.max_usd == 100);
  CHECK(quota.endpoints.at("default").requests_per_minute == doctest::Approx(10000.0 / 300));
  REQUIRE(quota.notes.size() == 3);
  CHECK(quota.notes[0] == "endpoints.*.max_calls_5h 10000 (summed over endpoints) becomes a rate of 33.3 requests/min with bursts of up to "
                          "18000 s of that rate (10000 requests at once)");
  CHECK(quota.notes[1] == "endpoints.*.budget_5h_usd 100 becomes a budget of $100.00 for the whole run (judgegrad keeps no 5-hour window; "
                          "a resumed run counts what was spent before)");
  CHECK(quota.notes[2].starts_with("gpt-4o-mini is priced at $0.15 in / $0.6 out per million tokens"));
  // A base URL is checked when the file is read: a scheme, a host, a port in range.
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "not a url"}}})") ==
        "cfg.json: endpoints.a.base_url: \"not a url\": not a URL: it needs a scheme and a host, as in \"https://api.openai.com/v1\"");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "htp:/127.0.0.1::abc/v1"}}})") ==
        "cfg.json: endpoints.a.base_url: \"htp:/127.0.0.1::abc/v1\": not a URL: it needs a scheme and a host, as in \"https://api.openai.com/v1\"");
  CHECK(error_of(R"({"endpoints": {"a": {"base_url": "http://127.0.0.1::abc/v1"}}})") ==
        "cfg.json: endpoints.a.base_url: \"http://127.0.0.1::abc/v1\": port \":abc\" is not a number");
  CHECK(error_of(R"({"api_base": "ftp://x/v1", "task_model": {"name": "m"}})") ==
        "cfg.json: api_base: \"ftp://x/v1\": scheme \"ftp\": judgegrad speaks http:// and https://");
  CHECK(*llm::base_url_problem("http://:80/v1") == "no host after the scheme");
  CHECK(*llm::base_url_problem("http://h:0/v1") == "port 0 is not in 1..65535");
  CHECK(*llm::base_url_problem("http://h:65536") == "port 65536 is not in 1..65535");
  CHECK(*llm::base_url_problem("http://h o/v1") == "\"h o\" is not a host[:port]");
  CHECK(*llm::base_url_problem("http://[::1/v1") == "an IPv6 address opened with '[' is not closed");
  for (auto good : {"http://x", "https://api.openai.com/v1", "http://127.0.0.1:8642/v1", "http://[::1]:8642/v1", "http://my_host-1.local:65535"})
    CHECK_MESSAGE(!llm::base_url_problem(good), good);
  // The reference's file assumes no budget it does not state.
  auto free = llm::parse_llm_config(R"({"task_model": {"name": "m"}, "endpoints": {"e": {"api_key": "${OPENROUTER_API_KEY}"}}})", "cfg.json",
                                    ".", test_env);
  CHECK_FALSE(free.meter.budget.max_usd);
  CHECK(error_of("{\"endpoints\": ").find("cfg.json: not valid JSON") == 0);
  CHECK(error_of(R"({"endpoints": {}})") == "cfg.json: endpoints: at least one endpoint is needed");
  CHECK_THROWS_WITH_AS(llm::load_llm_config("/nonexistent/llm.json"), "/nonexistent/llm.json: cannot open", llm::config_error);
}

namespace {

/// Answers every request with fixed usage after a short wait, counting calls.
struct priced_backend {
  std::atomic<int> calls{0};
  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::vector<llm::result> out;
    for (const auto& r : batch) {
      ++calls;
      llm::response resp;
      resp.content = "ok";
      resp.usage = {1000, 100, 0};
      resp.latency_seconds = 0.5;
      resp.model = r.model;
      out.push_back(std::move(resp));
    }
    return out;
  }
};

llm::request priced(llm::role r, std::string model = "a") {
  llm::request q;
  q.model = std::move(model);
  q.role = r;
  q.max_tokens = 100;
  q.messages = {{"user", std::string(3996, 'x')}};  // 999 + 4 = 1003 tokens estimated
  return q;
}

}  // namespace

TEST_CASE("the meter counts per role and per model, and prices them") {
  llm::meter_options m;
  m.prices["a"] = {2.0, 10.0, {}};
  llm::metered<priced_backend> meter(m);
  meter.complete(std::vector<llm::request>{priced(llm::role::judge), priced(llm::role::judge), priced(llm::role::loss, "b")});
  auto r = meter.report();
  CHECK(r.total.calls == 3);
  CHECK(r.by_role["judge"].calls == 2);
  CHECK(r.by_role["loss"].used == llm::usage{1000, 100, 0});
  CHECK(r.by_model["a"].usd == doctest::Approx(2 * (1000 * 2.0 + 100 * 10.0) / 1e6));
  CHECK(r.by_model["b"].usd == 0);  // no price, no USD budget: counted, not priced
  CHECK(r.total.latency_seconds == doctest::Approx(1.5));
  CHECK(r.to_json().find(R"("by_role":{"judge":{"calls":2,)") != std::string::npos);
}

TEST_CASE("budgets on tokens and dollars refuse the call that would cross them, under concurrency") {
  SUBCASE("tokens") {
    llm::meter_options m;
    m.budget.max_tokens = 11000;  // 1100 used per call, 1103 reserved: 9 calls fit, the 10th would not
    llm::metered<priced_backend> meter(m);
    std::vector<std::future<int>> threads;
    for (int t = 0; t < 4; ++t)
      threads.push_back(std::async(std::launch::async, [&] {
        int refused = 0;
        for (int i = 0; i < 5; ++i)
          for (auto& r : meter.complete(std::vector<llm::request>{priced(llm::role::judge), priced(llm::role::gradient)}))
            refused += !r.ok() && r.error().kind == llm::error_kind::budget_exhausted;
        return refused;
      }));
    int refused = 0;
    for (auto& f : threads) refused += f.get();
    CHECK(meter.inner().calls == 9);
    CHECK(refused == 40 - 9);
    CHECK(meter.report().total.used.total() == 9900);
    CHECK(meter.report().total.used.total() <= 11000);
  }
  SUBCASE("dollars, and a model without a price") {
    llm::meter_options m;
    m.prices["a"] = {2.0, 10.0, {}};
    m.budget.max_usd = 0.01;  // 0.003 per call
    llm::metered<priced_backend> meter(m);
    std::vector<llm::request> batch(5, priced(llm::role::optimizer));
    batch.push_back(priced(llm::role::optimizer, "unpriced"));
    auto out = meter.complete(batch);
    int ok = 0;
    for (auto& r : out) ok += r.ok();
    CHECK(ok == 3);
    CHECK(out[3].error().message.find("budget exhausted: max_usd 0.0100 would be exceeded") == 0);
    CHECK(out[5].error().message.find("no price configured for model unpriced") != std::string::npos);
    CHECK(meter.report().total.usd <= 0.01);
  }
}

TEST_CASE("options from the environment: OpenAI first, OpenRouter as the fallback, base URL override") {
  auto keep = [](const char* name) { return std::getenv(name) ? std::optional<std::string>(std::getenv(name)) : std::nullopt; };
  auto saved = std::array{keep("OPENAI_BASE_URL"), keep("OPENAI_API_KEY"), keep("OPENROUTER_API_KEY")};
  ::unsetenv("OPENAI_BASE_URL");
  ::unsetenv("OPENAI_API_KEY");
  ::setenv("OPENROUTER_API_KEY", "sk-or-env-000000001111", 1);
  auto o = llm::openai_options::from_environment();
  CHECK(o.base_url == "https://openrouter.ai/api/v1");
  CHECK(o.api_key.reveal() == "sk-or-env-000000001111");
  ::setenv("OPENAI_API_KEY", "sk-oa-env-000000002222", 1);
  ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1", 1);
  o = llm::openai_options::from_environment();
  CHECK(o.base_url == "http://127.0.0.1:8000/v1");
  CHECK(o.api_key.reveal() == "sk-oa-env-000000002222");
  CHECK(o.api_key.redacted() == "****2222");
  const char* names[] = {"OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENROUTER_API_KEY"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (saved[i]) ::setenv(names[i], saved[i]->c_str(), 1);
    else ::unsetenv(names[i]);
  }
}

TEST_CASE("a configuration written for a run directory reads back the same, without its keys") {
  for (bool reference : {false, true}) {
    std::string json = reference ? R"({
      "task_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "temperature": 0.1, "max_tokens": 4096, "timeout": 60},
      "optimizer_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "temperature": 0.7, "max_tokens": 16384, "timeout": 600},
      "gradient_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "temperature": 0.7, "max_tokens": 8192, "timeout": 600},
      "loss_model": {"name": "openrouter/deepseek/deepseek-chat-v3-0324", "temperature": 0.7, "max_tokens": 1024, "timeout": 60},
      "endpoints": {"e": {"api_key": "${OPENROUTER_API_KEY}", "max_calls_5h": 10000, "budget_5h_usd": 100, "max_concurrent": 10}}})"
                                 : R"({
      "endpoints": {"a": {"base_url": "https://openrouter.ai/api/v1", "api_key_env": "OPENROUTER_API_KEY", "tokens_per_minute": 1e6,
                          "headers": ["X-Title: t"], "capabilities": {"n": false}},
                    "b": {"base_url": "http://localhost:11434/v1", "timeout": 42.5}},
      "default_endpoint": "a",
      "roles": {"judge": {"model": "x", "temperature": 0.1, "seed": 3}, "evaluator": {"model": "y", "endpoint": "b"}},
      "prices": {"x": {"input_per_mtok": 0.27, "output_per_mtok": 1.1, "cached_input_per_mtok": 0.07}, "*": {"input_per_mtok": 1, "output_per_mtok": 2}},
      "budget": {"max_tokens": 123456789, "max_usd": 7.5, "roles": {"loss": {"max_calls": 5}, "optimizer": {"max_usd": 1.5}}},
      "cache": {"path": "c.sqlite", "mode": "write_only"}})";
    INFO(reference);
    auto first = llm::parse_llm_config(json, "in.json", "/runs", test_env);
    std::string written = llm::to_json(first);
    CHECK(written.find("sk-or-v1-abcdefabcdef1234") == std::string::npos);
    CHECK(written.find("OPENROUTER_API_KEY") != std::string::npos);
    auto second = llm::parse_llm_config(written, "written.json", "/elsewhere", test_env);
    CHECK(llm::to_json(second) == written);
    REQUIRE(second.endpoints.size() == first.endpoints.size());
    for (const auto& [name, o] : first.endpoints) {
      const auto& p = second.endpoints.at(name);
      CHECK(p.base_url == o.base_url);
      CHECK(p.api_key.reveal() == o.api_key.reveal());
      CHECK(p.capabilities == o.capabilities);
      CHECK(p.total_timeout == o.total_timeout);
      CHECK(p.requests_per_minute == o.requests_per_minute);
      CHECK(p.extra_headers == o.extra_headers);
    }
    for (auto r : llm::all_roles) {
      REQUIRE(second.settings(r).has_value() == first.settings(r).has_value());
      if (!first.settings(r)) continue;
      CHECK(second.settings(r)->model == first.settings(r)->model);
      CHECK(second.settings(r)->temperature == first.settings(r)->temperature);
      CHECK(second.settings(r)->max_tokens == first.settings(r)->max_tokens);
      CHECK(second.settings(r)->seed == first.settings(r)->seed);
    }
    CHECK(second.meter.budget.max_usd == first.meter.budget.max_usd);
    CHECK(second.meter.budget.max_tokens == first.meter.budget.max_tokens);
    CHECK(second.meter.prices.size() == first.meter.prices.size());
    CHECK(second.meter.role_budgets.size() == first.meter.role_budgets.size());
    if (!reference) {
      CHECK(second.meter.role_budgets.at(llm::role::loss).max_calls == 5u);
      CHECK(second.meter.role_budgets.at(llm::role::optimizer).max_usd == 1.5);
    }
    CHECK(second.cache.has_value() == first.cache.has_value());
    if (first.cache) CHECK(second.cache->path == first.cache->path);  // absolute once resolved
  }
}

TEST_CASE("the configuration shown in docs/backends.md reads as documented") {
  std::ifstream in(std::filesystem::path(JUDGEGRAD_TEST_SOURCE_DIR) / ".." / "docs" / "backends.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  auto begin = doc.find("```json\n");
  REQUIRE(begin != std::string::npos);
  begin += 8;
  auto end = doc.find("```", begin);
  auto cfg = llm::parse_llm_config(doc.substr(begin, end - begin), "docs/backends.md", "/runs", test_env);
  CHECK(cfg.endpoints.size() == 2);
  CHECK(cfg.endpoints.at("openrouter").api_key.reveal() == "sk-or-v1-abcdefabcdef1234");
  CHECK_FALSE(cfg.endpoints.at("local").capabilities.n);
  CHECK(cfg.settings(llm::role::evaluator)->endpoint == "local");
  CHECK(cfg.settings(llm::role::optimizer)->max_tokens == 16384);
  CHECK(cfg.meter.budget.max_usd == 25.0);
  CHECK(cfg.cache->path == std::filesystem::path("/runs/llm-cache.sqlite"));
}

TEST_CASE("a role's own budget refuses that role's calls and leaves the others alone") {
  llm::meter_options m;
  m.role_budgets[llm::role::loss].max_calls = 2;
  m.budget.max_calls = 100;
  llm::metered<priced_backend> meter(m);
  std::vector<llm::request> batch = {priced(llm::role::loss), priced(llm::role::judge), priced(llm::role::loss),
                                     priced(llm::role::loss), priced(llm::role::judge), priced(llm::role::judge)};
  auto out = meter.complete(batch);
  CHECK(out[0].ok());
  CHECK(out[1].ok());
  CHECK(out[2].ok());
  REQUIRE_FALSE(out[3].ok());
  CHECK(out[3].error().message.find("budget exhausted: role loss max_calls 2 reached") == 0);
  CHECK(out[4].ok());
  CHECK(out[5].ok());
  auto r = meter.report();
  CHECK(r.by_role["loss"].calls == 2);
  CHECK(r.by_role["loss"].refused == 1);
  CHECK(r.by_role["judge"].calls == 3);
  CHECK_FALSE(meter.complete(std::vector<llm::request>{priced(llm::role::loss)})[0].ok());
  CHECK(meter.complete(std::vector<llm::request>{priced(llm::role::gradient)})[0].ok());
}
}  // namespace test_llm_wire
