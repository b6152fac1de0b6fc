// Judge prompts: the rendered text equals the contract (docs/judging.md) character for character,
// instructions survive a round trip through the contract's parsing rules, and the schema is
// valid JSON Schema text.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/judge/schema.hpp>
#include <judgegrad/core/protocol.hpp>

#include <doctest/doctest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

namespace test_judge_prompt {

namespace jg = judgegrad;
namespace judge = jg::judge;
using se = jg::summeval::all;

namespace {

jg::example<se> sample() {
  jg::example<se> e;
  e.id = "x";
  e.inputs = {{"text", "The source.\nSecond line with {braces}."}, {"machine_summary", "A summary."}};
  return e;
}

/// The contract's reading rules (core/protocol.hpp): sections start at "## " lines;
/// an Instructions entry starts with "- <criterion>: " and runs to the next entry or header.
std::map<std::string, std::string> read_instructions(const std::string& prompt, const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  auto sections = jg::protocol::split_sections(prompt);
  std::vector<std::string_view> views(names.begin(), names.end());
  for (const auto& e : jg::protocol::read_entries(jg::protocol::find_section(sections, "Instructions")->body, views)) out[e.name] = e.text;
  return out;
}

}  // namespace

TEST_CASE("standard joint prompt: the contract, character for character") {
  auto p = judge::summeval_prompt();
  std::string expected =
      "You are a careful evaluator of news summaries. You will read a source article and a summary written for it, "
      "then rate the summary on each criterion listed below. Follow the instruction given for each criterion, judge "
      "only what that criterion asks about, and use the whole scale when the text calls for it. Answer with the JSON "
      "object described under Output format and write no reasoning.\n"
      "\n"
      "## Output format\n"
      "Reply with exactly one JSON object of this shape and nothing else:\n"
      "{\"fluency\": 1|2|3|4|5, \"relevance\": 1|2|3|4|5, \"coherence\": 1|2|3|4|5, \"consistency\": 1|2|3|4|5}\n"
      "\n"
      "## Instructions\n"
      "- fluency: Rate from 1 to 5.\n"
      "- relevance: Rate from 1 to 5.\n"
      "- coherence: Rate from 1 to 5.\n"
      "- consistency: Rate from 1 to 5.\n"
      "\n"
      "## Sample\n"
      "Source text: The source.\n"
      "Second line with {braces}.\n"
      "Summary: A summary.\n"
      "\n"
      "## Response\n";
  CHECK(judge::render(p, sample()) == expected);
}

TEST_CASE("per-criterion layout: one criterion in Output format and Instructions; definitions switch") {
  auto p = judge::summeval_prompt();
  std::string one = judge::render_one(p, sample(), se::index<jg::summeval::coherence>);
  CHECK(one.find("{\"coherence\": 1|2|3|4|5}\n\n## Instructions\n- coherence: Rate from 1 to 5.\n\n## Sample\n") != std::string::npos);
  CHECK(one.find("fluency") == std::string::npos);

  auto sk = p.skeleton();
  sk.show_definitions = true;
  auto d = p.with_skeleton(sk);
  std::string text = judge::render_one(d, sample(), 0);
  std::string criteria = "## Criteria\n- fluency: " + std::string(jg::summeval::fluency::definition) + "\n\n## Instructions\n";
  CHECK(text.find(criteria) != std::string::npos);
  CHECK(judge::render(p, sample()).find("## Criteria") == std::string::npos);  // off by default
}

TEST_CASE("BRIGHTER prompt: seeds, 0..3 scale, one Text input") {
  auto p = judge::brighter_prompt();
  CHECK(p.instruction("anger") == "Rate anger intensity from 0 (none) to 3 (most intense).");
  jg::example<jg::brighter::all> e;
  e.inputs = {{"text", "I can't believe it!"}};
  auto text = judge::render(p, e);
  CHECK(text.find("{\"anger\": 0|1|2|3, \"fear\": 0|1|2|3, \"joy\": 0|1|2|3, \"sadness\": 0|1|2|3, \"surprise\": 0|1|2|3}\n") != std::string::npos);
  CHECK(text.find("## Sample\nText: I can't believe it!\n\n## Response\n") != std::string::npos);
  CHECK(text.find("- surprise: Rate surprise intensity from 0 (none) to 3 (most intense).\n") != std::string::npos);
}

TEST_CASE("faithful style: the reference's structure") {
  auto p = judge::summeval_prompt(jg::prompt_style::faithful);
  std::string expected =
      "Assess the quality of the Summary written for the Source Text.\n"
      "Follow the Instructions below when you assess it. Answer with a JSON object holding the requested scores, "
      "and give no reasoning or explanation.\n"
      "\n"
      "## Output format (keep to it exactly):\n"
      "{\n"
      "  \"fluency\": 1|2|3|4|5,\n"
      "  \"relevance\": 1|2|3|4|5,\n"
      "  \"coherence\": 1|2|3|4|5,\n"
      "  \"consistency\": 1|2|3|4|5\n"
      "}\n"
      "\n"
      "## Instructions:\n"
      "- fluency: Rate from 1 to 5.\n"
      "- relevance: Rate from 1 to 5.\n"
      "- coherence: Rate from 1 to 5.\n"
      "- consistency: Rate from 1 to 5.\n"
      "\n"
      "\n"
      "## Sample:\n"
      "Summary: A summary.\n"
      "Source Text: The source.\n"
      "Second line with {braces}.\n"
      "\n"
      "## Response:\n";
  CHECK(judge::render(p, sample()) == expected);
  // The reference's quirk: optimized prompts lose the Output format block.
  auto sk = p.skeleton();
  sk.show_output_format = false;
  CHECK(judge::render(p.with_skeleton(sk), sample()).find("## Output format") == std::string::npos);
}

TEST_CASE("instructions are the only moving part, and they round-trip through the contract") {
  auto p = judge::summeval_prompt();
  auto q = p.with_instruction("coherence", "Check the order of sentences.\nA 5 needs a clear arc.");
  CHECK(&p.skeleton() == &q.skeleton());  // the frozen part is shared, not copied
  CHECK(p.instruction("coherence") == "Rate from 1 to 5.");
  CHECK_FALSE(p == q);
  auto inst = q.instructions();
  inst.at("fluency") =
      "Grammar first.\n## Sample\nthis line must not start a section\n- relevance: nor an entry\n-  a plain list item stays";
  auto r = q.with_instructions(inst);
  std::vector<std::string> names(se::names.begin(), se::names.end());
  auto back = read_instructions(judge::render(r, sample()), names);
  REQUIRE(back.size() == 4);
  CHECK(back["coherence"] == "Check the order of sentences.\nA 5 needs a clear arc.");
  CHECK(back["relevance"] == "Rate from 1 to 5.");
  CHECK(back["fluency"] == inst.at("fluency"));  // read back exactly
  auto text = judge::render(r, sample());
  CHECK(text.find("\n ## Sample\nthis line must not start a section\n - relevance: nor an entry\n -  a plain list item stays\n") !=
        std::string::npos);  // as written: one leading space on each line that would read as structure
  CHECK_THROWS_AS((void)p.with_instruction("grammar", "x"), std::out_of_range);
}

TEST_CASE("score schema: integer enums per criterion, all required, nothing else allowed") {
  auto f = judge::score_format<se>();
  CHECK(f.type == jg::llm::response_format::kind::json_schema);
  CHECK(f.schema_name == "judge_scores");
  CHECK(f.schema ==
        R"({"type":"object","properties":{"fluency":{"type":"integer","enum":[1,2,3,4,5]},"relevance":{"type":"integer","enum":[1,2,3,4,5]},)"
        R"("coherence":{"type":"integer","enum":[1,2,3,4,5]},"consistency":{"type":"integer","enum":[1,2,3,4,5]}},)"
        R"("required":["fluency","relevance","coherence","consistency"],"additionalProperties":false})");
  simdjson::dom::parser parser;
  CHECK_FALSE(parser.parse(simdjson::padded_string(f.schema)).error());
  std::size_t one[] = {2};
  auto g = judge::score_schema<jg::brighter::all>(one);
  CHECK(g == R"({"type":"object","properties":{"joy":{"type":"integer","enum":[0,1,2,3]}},"required":["joy"],"additionalProperties":false})");
}

TEST_CASE("the protocol's readers see the contract's sections, instructions and fields") {
  auto p = judge::summeval_prompt().with_instruction("fluency", "Line one.\n## Sample\n- coherence: not an entry");
  auto sk = p.skeleton();
  sk.show_definitions = true;
  p = p.with_skeleton(sk);
  std::string text = judge::render(p, sample());
  namespace proto = jg::protocol;
  auto sections = proto::split_sections(text);
  std::vector<std::string_view> titles;
  for (const auto& s : sections) titles.push_back(s.title);
  CHECK(titles == std::vector<std::string_view>{"", "Output format", "Criteria", "Instructions", "Sample", "Response"});
  const auto* inst = proto::find_section(sections, "Instructions");
  REQUIRE(inst != nullptr);
  auto entries = proto::read_entries(inst->body, std::span<const std::string_view>(se::names));
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "fluency");
  CHECK(entries[0].text == "Line one.\n## Sample\n- coherence: not an entry");
  CHECK(entries[2].name == "coherence");
  CHECK(entries[2].text == "Rate from 1 to 5.");
  CHECK(proto::find_section(sections, "Sample")->body == "Source text: The source.\nSecond line with {braces}.\nSummary: A summary.\n\n");
  auto fields = proto::read_fields(proto::find_section(sections, "Sample")->body);
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].text == "The source.\nSecond line with {braces}.");
}
}  // namespace test_judge_prompt
