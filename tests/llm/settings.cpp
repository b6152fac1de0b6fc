// Settings precedence, end to end: a value set on the call wins, then the configuration file's role
// settings, then the reference's defaults (llm::reference_defaults). Checked where it matters, on
// the wire: the bodies a loopback server received from a judge evaluation through make_backend.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/llm.hpp>

#include "test_server.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

namespace test_llm_settings {

namespace jg = judgegrad;
namespace llm = jg::llm;
using se = jg::summeval::all;

namespace {

struct wire_values {
  std::optional<double> temperature;
  std::optional<std::int64_t> max_tokens;
  std::string model;
};

wire_values read_body(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  wire_values v;
  double t;
  if (!doc["temperature"].get(t)) v.temperature = t;
  std::int64_t m;
  if (!doc["max_tokens"].get(m)) v.max_tokens = m;
  v.model = std::string(doc["model"].get_string().value());
  return v;
}

std::vector<jg::example<se>> two_examples() {
  std::vector<jg::example<se>> out(2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].id = fmt::format("e{}", i);
    out[i].inputs = {{"text", fmt::format("source {}", i)}, {"machine_summary", fmt::format("summary {}", i)}};
  }
  return out;
}

/// Judges two examples through the stack `config` describes, pointed at `server`; returns what
/// the server saw of every request.
std::vector<wire_values> judge_through(test_llm::server& server, const std::string& roles, const jg::judge::judge_settings& s = {}) {
  std::string json = fmt::format(R"({{"endpoints": {{"local": {{"base_url": "{}", "max_retries": 0}}}}, "roles": {{{}}}}})",
                                 server.base_url(), roles);
  auto backend = llm::make_backend(llm::parse_llm_config(json, "llm.json"));
  auto examples = two_examples();
  auto settings = s;
  settings.repair_rounds = 0;
  jg::judge::predict(*backend, jg::judge::summeval_prompt<se>(), std::span<const jg::example<se>>(examples), settings);
  std::vector<wire_values> out;
  for (const auto& r : server.requests()) out.push_back(read_body(r.body));
  return out;
}

}  // namespace

TEST_CASE("the configuration's judge temperature and max_tokens reach the wire") {
  test_llm::server server;
  auto seen = judge_through(server, R"("judge": {"model": "judge-model", "temperature": 0.3, "max_tokens": 77})");
  REQUIRE(seen.size() == 2);
  for (const auto& v : seen) {
    CHECK(v.temperature == doctest::Approx(0.3));
    CHECK(v.max_tokens == 77);
    CHECK(v.model == "judge-model");
  }
}

TEST_CASE("without a configured value the reference's judge defaults apply") {
  test_llm::server server;
  auto seen = judge_through(server, R"("judge": {"model": "judge-model"})");
  REQUIRE(seen.size() == 2);
  for (const auto& v : seen) {
    CHECK(v.temperature == doctest::Approx(0.1));
    CHECK(v.max_tokens == 256);
  }
}

TEST_CASE("a value set on the call wins over the configuration") {
  test_llm::server server;
  jg::judge::judge_settings s;
  s.temperature = 0.9;
  auto seen = judge_through(server, R"("judge": {"model": "judge-model", "temperature": 0.3, "max_tokens": 77})", s);
  REQUIRE(seen.size() == 2);
  for (const auto& v : seen) {
    CHECK(v.temperature == doctest::Approx(0.9));
    CHECK(v.max_tokens == 77);  // not set on the call: the configuration's
  }
}

TEST_CASE("the reference's llm.json: its task_model values reach the wire, absent ones are the reference's defaults") {
  test_llm::server server;
  auto model = [](std::string_view name, std::string_view extra) {
    return fmt::format(R"({{"name": "{}"{}}})", name, extra);
  };
  std::string json = fmt::format(R"({{"task_model": {}, "loss_model": {}, "gradient_model": {}, "optimizer_model": {},
                                      "api_base": "{}"}})",
                                 model("task", R"(, "max_tokens": 4096, "temperature": 0.2)"), model("loss", ""),
                                 model("gradient", ""), model("optimizer", ""), server.base_url());
  auto backend = llm::make_backend(llm::parse_llm_config(json, "llm.json"));
  std::vector<llm::request> batch(2);
  batch[0].role = llm::role::judge;
  batch[1].role = llm::role::loss;
  for (auto& r : batch) r.messages = {{"user", llm::to_string(r.role).data()}};
  for (auto& r : backend->complete(batch)) REQUIRE(r.ok());
  auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  for (const auto& s : seen) {
    auto v = read_body(s.body);
    if (v.model == "task") {
      CHECK(v.temperature == doctest::Approx(0.2));
      CHECK(v.max_tokens == 4096);
    } else {
      CHECK(v.model == "loss");
      CHECK(v.temperature == doctest::Approx(0.7));  // the reference's effective loss temperature
      CHECK(v.max_tokens == 1024);
    }
  }
}
}  // namespace test_llm_settings
