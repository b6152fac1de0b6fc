// The openai backend against a real HTTP server on loopback: success paths, every kind of fault,
// retries and their bounds, limits, cancellation, capabilities, budgets and secrets.
#include "test_server.hpp"

#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim/server.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

namespace test_llm_http {

// Under ThreadSanitizer: libcpp-httplib (the tests' peer) is not instrumented, so the
// synchronization inside it is invisible and its own accesses look racy. Reports with a frame in it
// are dropped; the client's stacks never pass through it. Unused in other builds.
extern "C" const char* __tsan_default_suppressions() { return "race:libcpp-httplib.so\n"; }

namespace llm = judgegrad::llm;
using test_llm::fault;

namespace {

llm::openai_options fast_options(const test_llm::server& s) {
  llm::openai_options o;
  o.base_url = s.base_url();
  o.api_key = llm::secret("sk-test-key-0123456789abcdef");
  o.max_concurrent = 16;
  o.max_retries = 4;
  o.backoff_initial = 0.002;
  o.backoff_max = 0.02;
  o.connect_timeout = 2;
  o.total_timeout = 10;
  o.jitter_seed = 7;
  return o;
}

llm::request ask(std::string text, llm::role r = llm::role::judge) {
  llm::request q;
  q.model = "m1";
  q.messages = {{"system", "be brief"}, {"user", std::move(text)}};
  q.role = r;
  return q;
}

std::vector<llm::request> asks(std::size_t n, const std::string& prefix) {
  std::vector<llm::request> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(ask(prefix + std::to_string(i)));
  return v;
}

std::uint64_t mix(std::string_view s, int attempt) {
  std::uint64_t h = 1469598103934665603ull ^ std::uint64_t(attempt) * 0x9e3779b97f4a7c15ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h ^ (h >> 29);
}

}  // namespace

TEST_CASE("a batch comes back in order with content, usage, model and the role as metadata") {
  test_llm::server s;
  llm::openai backend(fast_options(s));
  auto batch = asks(40, "q");
  batch[3].role = llm::role::gradient;
  auto results = backend.complete(batch);
  REQUIRE(results.size() == 40);
  for (std::size_t i = 0; i < 40; ++i) {
    REQUIRE(results[i].ok());
    CHECK(results[i].value().content == "echo: q" + std::to_string(i));
    CHECK(results[i].value().usage == llm::usage{10, 5, 0});
    CHECK(results[i].value().model == "m1");
    CHECK(results[i].value().finish_reason == "stop");
    CHECK(results[i].value().attempts == 1);
    CHECK_FALSE(results[i].value().usage_estimated);
  }
  auto seen = s.requests();
  REQUIRE(seen.size() == 40);
  for (const auto& r : seen) {
    CHECK(r.authorization == "Bearer sk-test-key-0123456789abcdef");
    simdjson::dom::parser p;
    auto doc = p.parse(r.body);
    std::string_view role;
    REQUIRE_FALSE(doc["metadata"]["judgegrad_role"].get_string().get(role));
    CHECK(role == (r.content == "q3" ? "gradient" : "judge"));
  }
}

TEST_CASE("connections are reused and the concurrency cap holds") {
  test_llm::server s;
  s.sleep_ms = 5;
  auto o = fast_options(s);
  o.max_concurrent = 4;
  llm::openai backend(o);
  auto results = backend.complete(asks(120, "k"));
  for (auto& r : results) REQUIRE(r.ok());
  std::set<int> ports;
  for (const auto& r : s.requests()) ports.insert(r.remote_port);
  CHECK(ports.size() <= 4);  // one keep-alive connection per concurrent slot, never more
  CHECK(s.max_in_flight() <= 4);
  CHECK(s.max_in_flight() >= 2);
}

TEST_CASE("retries: 429 with and without Retry-After, 500/502/503, drops, malformed JSON") {
  test_llm::server s;
  std::map<std::string, fault> first_fault = {
      {"a429", fault::rate_limited}, {"a500", fault::server_500},   {"a502", fault::bad_gateway_502},
      {"a503", fault::unavailable_503}, {"adrop", fault::dropped}, {"abad", fault::malformed}};
  s.plan = [&](const std::string& c, int attempt) {
    if (c == "retry-after") return attempt == 0 ? fault::rate_limited_retry_after : fault::none;
    if (auto it = first_fault.find(c); it != first_fault.end() && attempt < 2) return it->second;
    return fault::none;
  };
  llm::openai backend(fast_options(s));
  std::vector<llm::request> batch;
  for (auto& [c, f] : first_fault) batch.push_back(ask(c));
  batch.push_back(ask("retry-after"));
  auto t0 = std::chrono::steady_clock::now();
  auto results = backend.complete(batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(batch[i].messages.back().content);
    REQUIRE(results[i].ok());
    CHECK(results[i].value().content == "echo: " + batch[i].messages.back().content);
  }
  for (auto& [c, f] : first_fault) CHECK(s.attempts_for(c) == 3);
  CHECK(results.back().value().attempts == 2);
  CHECK(results.back().value().latency_seconds >= 0.95);  // latency covers the wait between attempts
  // Retry-After: 1 is honoured although the backoff would allow milliseconds.
  std::vector<std::chrono::steady_clock::time_point> at;
  for (const auto& r : s.requests())
    if (r.content == "retry-after") at.push_back(r.at);
  REQUIRE(at.size() == 2);
  CHECK(at[1] - at[0] >= std::chrono::milliseconds(950));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("retries stop at max_retries with a typed error naming the request") {
  test_llm::server s;
  s.plan = [](const std::string& c, int) {
    if (c == "always429") return fault::rate_limited;
    if (c == "always503") return fault::unavailable_503;
    if (c == "always-bad") return fault::malformed;
    if (c == "bad-request") return fault::bad_request;
    if (c == "not-implemented") return fault::not_implemented_501;
    return fault::none;
  };
  auto o = fast_options(s);
  o.max_retries = 3;
  llm::openai backend(o);
  std::vector<llm::request> batch = {ask("always429"), ask("always503"), ask("always-bad"), ask("bad-request"), ask("fine"), ask("not-implemented")};
  batch[1].role = llm::role::optimizer;
  auto results = backend.complete(batch);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().kind == llm::error_kind::rate_limited);
  CHECK(results[0].error().http_status == 429);
  CHECK(results[0].error().attempts == 4);
  CHECK(s.attempts_for("always429") == 4);
  CHECK(results[1].error().kind == llm::error_kind::server);
  CHECK(results[1].error().message.find("request 1 (role optimizer, model m1)") != std::string::npos);
  CHECK(results[1].error().body_excerpt == "unavailable");
  CHECK(results[2].error().kind == llm::error_kind::malformed_response);
  CHECK(s.attempts_for("always-bad") == 4);
  CHECK(results[3].error().kind == llm::error_kind::bad_request);
  CHECK(results[3].error().attempts == 1);
  CHECK(s.attempts_for("bad-request") == 1);  // a wrong request is not retried
  CHECK(results[3].error().message.find(R"(HTTP 400: {"error":{"message":"unknown field"}})") != std::string::npos);  // the body says why
  CHECK(results[4].ok());
  // 501 answers the same every time: one attempt, and the body in the message.
  CHECK(results[5].error().kind == llm::error_kind::server);
  CHECK(results[5].error().attempts == 1);
  CHECK(s.attempts_for("not-implemented") == 1);
  CHECK(results[5].error().message.find("HTTP 501: chat completions are not implemented here (after 1 attempt)") != std::string::npos);
}

TEST_CASE("timeouts, refused connections, missing usage, huge replies, non-UTF-8 bytes") {
  test_llm::server s;
  s.timeout_sleep_ms = 600;
  s.plan = [](const std::string& c, int attempt) {
    if (c == "slow") return fault::timeout;
    if (c == "slow-once") return attempt == 0 ? fault::timeout : fault::none;
    if (c == "no-usage") return fault::no_usage;
    if (c == "huge") return fault::huge;
    if (c == "latin1") return fault::non_utf8;
    return fault::none;
  };
  auto o = fast_options(s);
  o.max_retries = 1;
  llm::openai backend(o);
  std::vector<llm::request> batch = {ask("slow"), ask("slow-once"), ask("no-usage"), ask("huge"), ask("latin1")};
  batch[0].timeout_seconds = 0.15;
  batch[1].timeout_seconds = 0.15;
  auto results = backend.complete(batch);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().kind == llm::error_kind::timeout);
  CHECK(results[0].error().attempts == 2);
  REQUIRE(results[1].ok());
  CHECK(results[1].value().attempts == 2);
  REQUIRE(results[2].ok());
  CHECK(results[2].value().usage_estimated);
  CHECK(results[2].value().usage.completion_tokens == (std::string("echo: no-usage").size() + 3) / 4);
  REQUIRE(results[3].ok());
  CHECK(results[3].value().content.size() == s.huge_bytes);
  REQUIRE(results[4].ok());
  CHECK(results[4].value().content == "caf\xEF\xBF\xBD \xEF\xBF\xBD ok");

  auto small = fast_options(s);
  small.max_response_bytes = 1000;
  llm::openai limited(small);
  auto big = limited.complete(std::vector<llm::request>{ask("huge")});
  REQUIRE_FALSE(big[0].ok());
  CHECK(big[0].error().kind == llm::error_kind::malformed_response);

  int port = s.port();
  s.stop();
  auto gone = fast_options(s);
  gone.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  llm::openai nobody(gone);
  auto refused = nobody.complete(std::vector<llm::request>{ask("anyone?")});
  REQUIRE_FALSE(refused[0].ok());
  CHECK(refused[0].error().kind == llm::error_kind::transport);
  CHECK(refused[0].error().attempts == 5);
}

TEST_CASE("under 20% injected faults, 1,000 requests all come back right within their retries") {
  test_llm::server s;
  s.record = false;
  s.timeout_sleep_ms = 300;
  const fault kinds[] = {fault::rate_limited, fault::rate_limited_retry_after, fault::server_500, fault::bad_gateway_502,
                         fault::unavailable_503, fault::dropped, fault::malformed, fault::timeout};
  std::atomic<int> injected{0};
  s.plan = [&](const std::string& c, int attempt) {
    std::uint64_t h = mix(c, attempt);
    if (c == "load-500" && attempt == 0) {  // one Retry-After: it holds the whole backend for a second
      ++injected;
      return fault::rate_limited_retry_after;
    }
    if (attempt >= 3 || h % 5 != 0) return fault::none;
    fault f = kinds[(h / 5) % 8];
    if (f == fault::rate_limited_retry_after) f = fault::rate_limited;
    if (f == fault::timeout && (h / 40) % 3) f = fault::server_500;
    ++injected;
    return f;
  };
  auto o = fast_options(s);
  o.max_concurrent = 32;
  o.max_retries = 4;
  o.total_timeout = 0.15;
  llm::openai backend(o);
  auto batch = asks(1000, "load-");
  auto results = backend.complete(batch);
  int retried = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    REQUIRE(results[i].ok());
    REQUIRE(results[i].value().content == "echo: load-" + std::to_string(i));
    retried += results[i].value().attempts > 1;
  }
  for (const auto& [content, n] : s.attempts()) REQUIRE(n <= 1 + o.max_retries);
  CHECK(s.attempts().size() == 1000);
  CHECK(injected >= 150);
  CHECK(retried >= 150);
  MESSAGE("faults injected: " << injected.load() << ", requests retried: " << retried);
}

TEST_CASE("the request rate limit spaces calls out") {
  test_llm::server s;
  auto o = fast_options(s);
  o.requests_per_minute = 1200;  // 20 per second
  o.burst_seconds = 0.25;        // 5 at once
  llm::openai backend(o);
  auto t0 = std::chrono::steady_clock::now();
  auto results = backend.complete(asks(25, "r"));
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& r : results) REQUIRE(r.ok());
  CHECK(elapsed >= 0.9);  // 20 beyond the burst at 20 per second
  CHECK(elapsed < 5);
}

TEST_CASE("n: asked natively, detected as unsupported, or emulated from configuration") {
  test_llm::server s;
  SUBCASE("native") {
    llm::openai backend(fast_options(s));
    auto q = ask("pick");
    q.n = 3;
    auto r = backend.complete(std::vector<llm::request>{q});
    REQUIRE(r[0].ok());
    CHECK(r[0].value().choices == std::vector<std::string>{"echo: pick", "echo: pick #1", "echo: pick #2"});
    CHECK(s.requests().size() == 1);
  }
  SUBCASE("an endpoint that ignores n") {
    s.honour_n = false;
    llm::openai backend(fast_options(s));
    auto q = ask("pick");
    q.n = 3;
    q.seed = 10;
    auto r = backend.complete(std::vector<llm::request>{q});
    REQUIRE(r[0].ok());
    CHECK(r[0].value().choices.size() == 3);
    CHECK(r[0].value().usage.prompt_tokens == 30);
    CHECK_FALSE(backend.capabilities().n);
    auto seen = s.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[1].n == 1);
    std::set<std::string> seeds;  // emulated choices differ by seed
    for (int k = 1; k < 3; ++k) seeds.insert(seen[k].body.substr(seen[k].body.find("\"seed\":"), 9));
    CHECK(seeds == std::set<std::string>{"\"seed\":11", "\"seed\":12"});
  }
  SUBCASE("configured off, and probed from /v1/models") {
    s.owned_by = "llamacpp";
    llm::openai backend(fast_options(s));
    CHECK(backend.probe() == std::vector<std::string>{"m1"});
    CHECK_FALSE(backend.capabilities().n);
    auto q = ask("pick");
    q.n = 2;
    auto r = backend.complete(std::vector<llm::request>{q});
    REQUIRE(r[0].ok());
    CHECK(r[0].value().choices.size() == 2);
    for (const auto& seen : s.requests()) CHECK(seen.body.find("\"n\":") == std::string::npos);
  }
}

TEST_CASE("metadata, logprobs and JSON schema follow the endpoint's capabilities") {
  test_llm::server s;
  auto o = fast_options(s);
  o.capabilities.metadata = false;
  o.capabilities.logprobs = false;
  o.capabilities.json_schema = false;
  llm::openai backend(o);
  auto q = ask("x");
  q.logprobs = true;
  q.format = {llm::response_format::kind::json_schema, "scores", R"({"type":"object"})"};
  REQUIRE(backend.complete(std::vector<llm::request>{q})[0].ok());
  auto body = s.requests().at(0).body;
  CHECK(body.find("metadata") == std::string::npos);
  CHECK(body.find("logprobs") == std::string::npos);
  CHECK(body.find(R"("response_format":{"type":"json_object"})") != std::string::npos);
}

TEST_CASE("cancel stops a batch in flight, promptly") {
  test_llm::server s;
  s.sleep_ms = 2000;
  auto o = fast_options(s);
  o.max_concurrent = 4;
  llm::openai backend(o);
  auto pending = std::async(std::launch::async, [&] { return backend.complete(asks(10, "c")); });
  // Once the first requests have reached the server (an event), cancel.
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30); s.total() == 0 && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(s.total() > 0);
  backend.cancel();
  auto results = pending.get();
  // Returned before the first reply could have come (each waits 2 s in the server).
  CHECK(std::chrono::steady_clock::now() < s.requests().at(0).at + std::chrono::milliseconds(s.sleep_ms));
  for (auto& r : results) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == llm::error_kind::cancelled);
  }
  backend.resume();
  s.sleep_ms = 0;
  CHECK(backend.complete(asks(1, "after"))[0].ok());
}

TEST_CASE("a budget stops at its limit under concurrency; in-flight calls finish") {
  test_llm::server s;
  s.sleep_ms = 2;
  llm::openai backend(fast_options(s));
  llm::meter_options m;
  m.budget.max_calls = 50;
  llm::metered<llm::openai&> meter(m, backend);
  std::vector<std::future<std::vector<llm::result>>> threads;
  for (int t = 0; t < 4; ++t)
    threads.push_back(std::async(std::launch::async, [&, t] {
      std::vector<llm::result> all;
      for (int b = 0; b < 3; ++b) {
        auto part = meter.complete(asks(10, fmt::format("t{}b{}-", t, b)));
        for (auto& r : part) all.push_back(std::move(r));
      }
      return all;
    }));
  int ok = 0, refused = 0;
  for (auto& f : threads)
    for (auto& r : f.get()) {
      if (r.ok()) ++ok;
      else {
        REQUIRE(r.error().kind == llm::error_kind::budget_exhausted);
        ++refused;
      }
    }
  CHECK(ok == 50);
  CHECK(refused == 70);
  CHECK(s.total() == 50);
  CHECK(meter.report().total.calls == 50);
  CHECK(meter.report().total.refused == 70);
}

TEST_CASE("a planted API key appears in no byte written: log, cache, report, errors") {
  const std::string key = "sk-PLANTED-7d1f0c9ab2e34c58a6b1";
  auto dir = std::filesystem::temp_directory_path() / ("judgegrad-secret-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    test_llm::server s;
    s.plan = [](const std::string& c, int attempt) {
      if (c == "who") return fault::unauthorized_echo;
      if (c == "flaky") return attempt == 0 ? fault::server_500 : fault::none;
      return fault::none;
    };
    auto o = fast_options(s);
    o.api_key = llm::secret(key);
    std::ofstream log(dir / "calls.log");
    std::mutex log_mutex;
    o.log = [&](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log << line << '\n';
    };
    llm::meter_options m;
    m.prices["m1"] = {1.0, 2.0, {}};
    llm::metered<llm::cached<llm::openai>> stack(m, llm::cache_options{dir / "cache.sqlite"}, o);
    auto results = stack.complete(std::vector<llm::request>{ask("who"), ask("flaky"), ask("fine " + key.substr(0, 6))});
    REQUIRE_FALSE(results[0].ok());
    CHECK(results[0].error().kind == llm::error_kind::auth);
    CHECK(results[0].error().body_excerpt.find("****a6b1") != std::string::npos);  // hinted, not shown
    std::ofstream(dir / "errors.txt") << results[0].error().message << results[0].error().body_excerpt;
    std::ofstream(dir / "report.json") << stack.report().to_json();
    auto config = llm::parse_llm_config(R"({"endpoints": {"e": {"base_url": "http://x/v1", "api_key": "${PLANTED}"}}})", "c.json", ".",
                                        [&](const std::string&) { return std::optional<std::string>(key); });
    CHECK(config.endpoints.at("e").api_key.reveal() == key);
    std::ofstream(dir / "resolved-config.json") << llm::to_json(config);
    CHECK(results[1].ok());
    CHECK(llm::redact(key) == "****a6b1");
  }
  std::size_t files = 0, bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    ++files;
    bytes += all.str().size();
    INFO(entry.path().string());
    CHECK(all.str().find(key) == std::string::npos);
    CHECK(all.str().find(key.substr(4, 16)) == std::string::npos);
  }
  CHECK(files >= 5);
  CHECK(bytes > 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a configured stack routes each role to its model and endpoint") {
  test_llm::server a, b;
  std::string json = R"({
    "endpoints": {
      "local": {"base_url": ")" + a.base_url() + R"(", "max_concurrent": 4, "max_retries": 1, "backoff_initial": 0.001},
      "other": {"base_url": ")" + b.base_url() + R"(", "api_key": "${JG_TEST_KEY}", "capabilities": {"metadata": false}}
    },
    "default_endpoint": "local",
    "roles": {
      "judge": {"model": "judge-model", "temperature": 0.1, "max_tokens": 64},
      "optimizer": {"model": "big-model", "endpoint": "other", "temperature": 0.7, "timeout": 30}
    },
    "prices": {"judge-model": {"input_per_mtok": 1, "output_per_mtok": 2}, "big-model": {"input_per_mtok": 10, "output_per_mtok": 20}}
  })";
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "JG_TEST_KEY") return std::string("sk-routing-test-000011112222");
    return std::nullopt;
  };
  auto backend = llm::make_backend(llm::parse_llm_config(json, "inline.json", ".", env));
  std::vector<llm::request> batch = {ask("j1", llm::role::judge), ask("o1", llm::role::optimizer), ask("j2", llm::role::judge)};
  for (auto& q : batch) q.model.clear();
  auto results = backend->complete(batch);
  for (auto& r : results) REQUIRE(r.ok());
  REQUIRE(a.requests().size() == 2);
  REQUIRE(b.requests().size() == 1);
  CHECK(a.requests()[0].body.find(R"("model":"judge-model")") != std::string::npos);
  CHECK(a.requests()[0].body.find(R"("max_tokens":64)") != std::string::npos);
  CHECK(a.requests()[0].authorization.empty());
  CHECK(b.requests()[0].body.find(R"("model":"big-model")") != std::string::npos);
  CHECK(b.requests()[0].body.find("metadata") == std::string::npos);
  CHECK(b.requests()[0].authorization == "Bearer sk-routing-test-000011112222");
  auto report = backend->inner().report();
  CHECK(report.by_role["judge"].calls == 2);
  CHECK(report.by_model["big-model"].calls == 1);
  CHECK(report.by_model["big-model"].usd == doctest::Approx((10 * 10 + 5 * 20) / 1e6));
  CHECK(report.total.usd == doctest::Approx((10 * 10 + 5 * 20 + 2 * (10 * 1 + 5 * 2)) / 1e6));
}

namespace {

/// Writes a fresh self-signed certificate for 127.0.0.1 and its key as PEM files.
void write_self_signed(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
  FILE* c = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(c, x);
  std::fclose(c);
  FILE* k = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
  X509_free(x);
  EVP_PKEY_free(key);
}

}  // namespace

TEST_CASE("HTTPS: verified against the endpoint's CA, refused without it") {
  auto dir = std::filesystem::temp_directory_path() / ("judgegrad-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  write_self_signed(cert, key);
  {
    test_llm::server s(8, cert, key);
    REQUIRE(s.base_url().rfind("https://", 0) == 0);
    auto o = fast_options(s);
    o.ca_file = cert;
    llm::openai backend(o);
    auto results = backend.complete(asks(20, "tls"));
    for (std::size_t i = 0; i < results.size(); ++i) {
      REQUIRE(results[i].ok());
      CHECK(results[i].value().content == "echo: tls" + std::to_string(i));
    }
    CHECK(s.requests().at(0).authorization == "Bearer sk-test-key-0123456789abcdef");

    llm::openai stranger(fast_options(s));  // the system CAs do not know this certificate
    auto refused = stranger.complete(asks(1, "tls"));
    REQUIRE_FALSE(refused[0].ok());
    CHECK(refused[0].error().kind == llm::error_kind::transport);
    CHECK(refused[0].error().attempts == 1);  // a certificate that does not verify is not retried
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("batches from several threads share one backend side by side, within one concurrency cap") {
  test_llm::server s;
  s.sleep_ms = 30;
  auto run_threads = [&](std::size_t cap) {
    auto o = fast_options(s);
    o.max_concurrent = cap;
    llm::openai backend(o);
    std::vector<std::future<bool>> threads;
    for (int t = 0; t < 3; ++t)
      threads.push_back(std::async(std::launch::async, [&, t] {
        bool all = true;
        for (int b = 0; b < 3; ++b) {
          auto prefix = fmt::format("cap{}-t{}-b{}-", cap, t, b);
          auto results = backend.complete(asks(8, prefix));
          for (std::size_t i = 0; i < results.size(); ++i)
            all = all && results[i].ok() && results[i].value().content == "echo: " + prefix + std::to_string(i);
        }
        return all;
      }));
    for (auto& f : threads) CHECK(f.get());
  };
  run_threads(8);
  CHECK(s.max_in_flight() <= 8);  // three batches of 8 at once, never more than the cap on the wire
  run_threads(24);
  CHECK(s.max_in_flight() > 8);   // the batches overlap: no batch waits for another to finish
  CHECK(s.total() == 2 * 3 * 3 * 8);
}

TEST_CASE("a Retry-After holds every new request of the backend, not only the one retried") {
  test_llm::server s;
  s.plan = [](const std::string& c, int attempt) { return c == "h0" && attempt == 0 ? fault::rate_limited_retry_after : fault::none; };
  auto o = fast_options(s);
  o.max_concurrent = 1;
  llm::openai backend(o);
  auto results = backend.complete(asks(4, "h"));
  for (auto& r : results) REQUIRE(r.ok());
  auto seen = s.requests();
  REQUIRE(seen.size() == 5);
  CHECK(seen[0].content == "h0");
  CHECK(seen[1].at - seen[0].at >= std::chrono::milliseconds(950));  // whichever went next waited too
}

TEST_CASE("against judgegrad serve with faults: every reply equals the simulated world's own") {
  namespace sim = judgegrad::sim;
  namespace se = judgegrad::summeval;
  sim::world w({sim::model_of<se::fluency>(), sim::model_of<se::coherence>(), sim::model_of<se::consistency>(),
                sim::model_of<se::relevance>()});
  sim::server_options so;
  so.threads = 16;
  so.faults.server_error = 0.1;
  so.faults.dropped = 0.05;
  so.faults.malformed = 0.05;
  sim::server peer(w, so);
  int port = peer.start();
  llm::openai_options o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.backoff_initial = 0.002;
  o.backoff_max = 0.02;
  o.max_retries = 8;
  const llm::role roles[] = {llm::role::judge, llm::role::loss, llm::role::gradient, llm::role::optimizer, llm::role::evaluator};
  std::vector<llm::request> batch;
  for (std::uint32_t i = 0; i < 200; ++i) {
    llm::request q = ask("## Instructions\n- fluency: Rate from 1 to 5.\n\n## Sample\nSummary: text " + std::to_string(i % 40), roles[i % 5]);
    q.model = "judgegrad-sim";
    q.repeat = i / 40;  // deliberate repeats of the same prompt must stay distinct
    batch.push_back(std::move(q));
  }
  auto expected = w.complete(batch);
  auto dir = std::filesystem::temp_directory_path() / ("judgegrad-simpeer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    llm::cached<llm::openai> cache(llm::cache_options{dir / "c.sqlite"}, o);
    auto got = cache.complete(batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      REQUIRE(got[i].ok());
      REQUIRE(got[i].value().content == expected[i].value().content);
    }
    CHECK(peer.counts().server_error + peer.counts().dropped + peer.counts().malformed > 0);
  }
  peer.stop();  // a replay needs no server
  llm::cached<llm::openai> replay(llm::cache_options{dir / "c.sqlite", llm::cache_mode::replay_only}, o);
  auto again = replay.complete(batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    REQUIRE(again[i].ok());
    CHECK(again[i].value().from_cache);
    CHECK(again[i].value().content == expected[i].value().content);
  }
  std::filesystem::remove_all(dir);
}
}  // namespace test_llm_http
