// json_syntax_error: the place where strict JSON first goes wrong, by hand on cases whose line and
// column are counted here, and against simdjson as an independent judge of validity on thousands of
// cut and mutated documents (the real experiment and configuration shapes, and the data files).
#include <judgegrad/core/json_syntax.hpp>

#include "../data/test_data_dir.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace test_core_json_syntax {

namespace jg = judgegrad;

namespace {
std::string where(std::string_view text) {
  auto p = jg::json_syntax_error(text);
  return p ? p->text() : std::string("ok");
}
bool simdjson_accepts(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element e;
  return !parser.parse(padded).get(e);
}
}  // namespace

TEST_CASE("the place and the reason, counted by hand") {
  CHECK(where(R"({"a": 1})") == "ok");
  CHECK(where("{\n  \"modes\": [\"SSC\"],\n  \"steps\": 3\n  \"seeds\": [1]\n}") == "line 4, column 3: expected ',' or '}'");
  CHECK(where("{\"modes\": [\"SSC\",]}") == "line 1, column 18: a comma before ']': JSON allows none");
  CHECK(where("{\"a\": 1,}") == "line 1, column 9: a comma before '}': JSON allows none");
  CHECK(where("{'a': 1}") == "line 1, column 2: expected a key in double quotes");
  CHECK(where("{\"a\": 'x'}") == "line 1, column 7: a string in single quotes: JSON needs double quotes");
  CHECK(where("{\"a\": }") == "line 1, column 7: expected a value, not '}'");
  CHECK(where("{\"a\" 1}") == "line 1, column 6: expected ':' after the key");
  CHECK(where("{\"modes\": ") == "line 1, column 11: expected a value (the text ends here)");
  CHECK(where("[1, 2") == "line 1, column 6: expected ',' or ']' (the text ends here)");
  CHECK(where("\"abc") == "line 1, column 5: a string is not closed with '\"' (the text ends here)");
  CHECK(where("{\"a\": tru}") == "line 1, column 7: expected true");
  CHECK(where("{\"a\": 01}") == "line 1, column 8: expected ',' or '}'");
  CHECK(where("{\"a\": 1.}") == "line 1, column 9: expected a digit after '.'");
  CHECK(where("{\"a\": \"\\x\"}") == "line 1, column 9: \\x is not an escape JSON knows");
  CHECK(where("{\"a\": \"\\u12g4\"}") == "line 1, column 12: \\u needs four hexadecimal digits");
  CHECK(where("{\"a\": \"line\nbreak\"}") == "line 1, column 12: a control character (a line break?) inside a string: write it as an escape");
  CHECK(where("{} {}") == "line 1, column 4: the document has ended: nothing may follow it");
  CHECK(where("") == "line 1, column 1: expected a value (the text ends here)");
  CHECK(where("  \r\n\t[true, false, null, -0.5e+3, \"\\u00e9\\n\", {}]  ") == "ok");
  CHECK(jg::json_error_text("[1,]", "simdjson says") == "line 1, column 4: a comma before ']': JSON allows none");
  CHECK(jg::json_error_text("[1]", "simdjson says") == "simdjson says");  // valid syntax: the parser's own reason stands
}

TEST_CASE("valid exactly when simdjson parses it: cut and mutated documents") {
  std::vector<std::string> documents = {
      R"({"name": "mine", "dataset": "summeval", "modes": ["SSC", "CCC"], "gates": ["none", "mae"], "seeds": [1, 2, 3],
          "steps": 12, "batch": 3, "variants": ["SSC/merge=conflict_resolving"], "note": "caf\u00e9 \"quoted\" \\ / \t"})",
      R"({"endpoints": {"a": {"base_url": "http://127.0.0.1:8642/v1", "max_concurrent": 16, "requests_per_minute": 33.3}},
          "roles": {"judge": {"model": "gpt-4o-mini", "temperature": 0.1, "max_tokens": 256, "seed": null}},
          "prices": {"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 6e-1}}, "budget": {"max_usd": 25, "max_calls": 1E4}})",
  };
  {  // a data file's first lines
    std::ifstream in(test_data_dir() / "summeval" / "paper-train.jsonl");
    std::string line;
    for (int k = 0; k < 3 && std::getline(in, line); ++k) documents.push_back(line);
  }
  REQUIRE(documents.size() == 5);
  std::mt19937_64 rng(20261206);
  const std::string alphabet = "{}[]\",:0123456789.-+eEtrufalsn \n\\'x";
  std::size_t cases = 0, invalid = 0;
  for (const auto& doc : documents) {
    REQUIRE(simdjson_accepts(doc));
    CHECK(where(doc) == "ok");
    for (int k = 0; k < 600; ++k) {
      std::string t = doc;
      switch (k % 3) {
        case 0: t.resize(rng() % t.size()); break;                                        // cut
        case 1: t[rng() % t.size()] = alphabet[rng() % alphabet.size()]; break;           // one byte changed
        case 2: t.erase(rng() % t.size(), 1 + rng() % 3); break;                          // bytes dropped
      }
      bool valid = simdjson_accepts(t);
      invalid += !valid;
      ++cases;
      CHECK_MESSAGE(jg::json_syntax_error(t).has_value() == !valid, t);
    }
  }
  CHECK(cases == 3000);
  // The mutations break about half of the documents and leave the others valid: the agreement is
  // tested on both sides.
  CHECK(invalid > 1000);
  CHECK(cases - invalid > 1000);
}
}  // namespace test_core_json_syntax
