// The reply parser against its specification, tests/judge/replies.jsonl (made by
// make_replies.py): realistic judge replies and the outcome each must give.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/parse.hpp>

#include <doctest/doctest.h>
#include <simdjson.h>

#include <map>
#include <string>

namespace test_judge_parse {

namespace jg = judgegrad;
namespace judge = jg::judge;

namespace {

template <class Set>
void check_case(const std::string& name, const std::string& reply, std::string_view status,
                const std::map<std::string, simdjson::dom::element>& expect, std::string_view rest) {
  auto r = judge::parse_reply<Set>(reply);
  INFO("case: " << name);
  INFO("reply: " << reply);
  CHECK(judge::to_string(r.status) == status);
  for (std::size_t i = 0; i < Set::size; ++i) {
    std::string crit(Set::names[i]);
    const auto& got = r.scores[i];
    INFO("criterion: " << crit << " got " << judge::to_string(got.status) << " (" << got.detail << ")");
    auto it = expect.find(crit);
    if (it == expect.end()) {
      CHECK(judge::to_string(got.status) == rest);
      CHECK_FALSE(got.score().has_value());
    } else if (it->second.is_number()) {
      REQUIRE(got.ok());
      CHECK(*got.score() == double(it->second));
    } else {
      CHECK(judge::to_string(got.status) == std::string_view(it->second));
      CHECK_FALSE(got.score().has_value());
      CHECK_FALSE(got.detail.empty());
    }
  }
}

}  // namespace

TEST_CASE("the reply corpus: every case gives its specified outcome") {
  simdjson::dom::parser parser;
  auto stream = parser.load_many(std::string(JUDGEGRAD_TEST_SOURCE_DIR) + "/judge/replies.jsonl");
  int cases = 0;
  for (auto doc : stream) {
    std::string name(doc["name"].get_string().value());
    std::string reply(doc["reply"].get_string().value());
    std::string_view set = doc["set"].get_string().value();
    std::string_view status = doc["status"].get_string().value();
    std::string_view rest = doc["rest"].get_string().value();
    std::map<std::string, simdjson::dom::element> expect;
    simdjson::dom::object obj = doc["expect"].get_object().value();
    for (auto kv : obj) expect.emplace(std::string(kv.key), kv.value);
    if (set == "summeval") check_case<jg::summeval::all>(name, reply, status, expect, rest);
    else if (set == "brighter") check_case<jg::brighter::all>(name, reply, status, expect, rest);
    else check_case<jg::criteria<jg::summeval::fluency>>(name, reply, status, expect, rest);
    ++cases;
  }
  CHECK(cases >= 60);
}

TEST_CASE("problems() names each bad criterion; a complete reply has none") {
  using se = jg::summeval::all;
  constexpr auto specs = judge::specs<se>();
  auto p = judge::parse_scores(R"({"fluency": 6, "relevance": 3, "coherence": "good"})", specs);
  CHECK_FALSE(p.complete());
  CHECK(p.problems(specs) == "fluency: 6 is outside 1..5; coherence: not a number: \"good\"; consistency: missing");
  auto q = judge::parse_scores(R"({"fluency": 5, "relevance": 3, "coherence": 2, "consistency": 1})", specs);
  CHECK(q.complete());
  CHECK(q.problems(specs).empty());
  auto e = judge::parse_scores("no braces here", specs);
  CHECK(e.problems(specs) == "no JSON object found in the reply");
}

TEST_CASE("nesting deeper than the parser allows is an outcome, not a crash") {
  std::string deep(100000, '[');
  auto r = judge::parse_reply<jg::summeval::all>("{\"fluency\": " + deep + "}");
  CHECK(r.status == judge::reply_status::invalid_json);
  std::string braces(50000, '{');
  auto b = judge::parse_reply<jg::summeval::all>(braces + "\"fluency\": 4" + std::string(50000, '}'));
  CHECK_FALSE(b.scores[0].ok());
}
}  // namespace test_judge_parse
