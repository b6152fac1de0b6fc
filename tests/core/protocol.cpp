// The prompt grammar (core/protocol.hpp): one escaping rule, and every structured block written by a
// builder reads back identically — checked on thousands of random texts made of the lines that
// would break a naive reader ("## " headers, "- name:" entries, "### " blocks, field labels,
// leading spaces, blank lines).
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/stats/random.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace test_core_protocol {

namespace jg = judgegrad;
namespace protocol = jg::protocol;

namespace {

/// A random text of 1 to 6 lines drawn from tricky and plain lines, trimmed as builders write texts.
std::string random_text(jg::stats::xoshiro256& rng) {
  static const std::vector<std::string> lines = {
      "## Instructions", "## Sample", "### Set 1 (score 0.5000)", "- fluency: an entry", "- coherence: another",
      "-", "- ", "#", "#hashtag", " leading space", "  two spaces", "Summary: a field", "Source text: x",
      "plain words", "", "{\"fluency\": 4}", "key: value", "ends with colon:", "\ttab first", "-- dashes",
      "über: unicode label", "a: b: c"};
  std::string out;
  std::size_t n = 1 + rng.below(6);
  for (std::size_t i = 0; i < n; ++i) out += (i ? "\n" : "") + lines[rng.below(static_cast<std::uint32_t>(lines.size()))];
  return std::string(jg::text::trim(out)).empty() ? std::string("x") : std::string(jg::text::trim(out));
}

}  // namespace

TEST_CASE("escaping: one leading space on lines that would read as structure, removed by the reader") {
  CHECK(protocol::escape("## Title\n- a: b\nplain\n leading\nLabel: value\n#tag") ==
        " ## Title\n - a: b\nplain\n  leading\n Label: value\n #tag");
  CHECK(protocol::unescape(" ## Title\n - a: b\nplain\n  leading") == "## Title\n- a: b\nplain\n leading");
  CHECK_FALSE(protocol::needs_guard("plain words"));
  CHECK_FALSE(protocol::needs_guard("ends with colon:"));
  CHECK(protocol::needs_guard("Summary: a field"));
  CHECK(protocol::needs_guard("-"));
}

TEST_CASE("round trip: any text written by a builder reads back identically") {
  jg::stats::xoshiro256 rng(20261201);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string a = random_text(rng), b = random_text(rng), c = random_text(rng);
    CAPTURE(a);
    CAPTURE(b);
    // Free text in a section, between other sections.
    std::string prompt = "Preamble.\n";
    protocol::write_section(prompt, "Critique");
    protocol::write_text(prompt, a);
    protocol::write_section(prompt, "Instructions");
    protocol::write_entry(prompt, "fluency", b);
    protocol::write_entry(prompt, "coherence", c);
    protocol::write_section(prompt, "Sample");
    protocol::write_field(prompt, "Source text", a);
    protocol::write_field(prompt, "Summary", b);
    protocol::write_section(prompt, "Feedback");
    std::vector<protocol::group> groups{{"fluency", {a, b}}, {"coherence, relevance", {c}}};
    protocol::write_groups(prompt, groups);
    protocol::write_section(prompt, "Past instructions");
    std::vector<protocol::scored_set> sets{{0.25, {{"fluency", a}}}, {0.5, {{"fluency", b}, {"coherence", c}}}};
    protocol::write_scored_sets(prompt, sets);

    auto sections = protocol::split_sections(prompt);
    std::vector<std::string_view> titles;
    for (const auto& s : sections) titles.push_back(s.title);
    REQUIRE(titles == std::vector<std::string_view>{"", "Critique", "Instructions", "Sample", "Feedback", "Past instructions"});
    CHECK(sections[1].text() == a);
    auto entries = protocol::read_entries(sections[2].body);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0] == protocol::named_text{"fluency", b});
    CHECK(entries[1] == protocol::named_text{"coherence", c});
    auto fields = protocol::read_fields(sections[3].body);
    REQUIRE(fields.size() == 2);
    CHECK(fields[0] == protocol::named_text{"Source text", a});
    CHECK(fields[1] == protocol::named_text{"Summary", b});
    CHECK(protocol::read_groups(sections[4].body) == groups);
    auto back = protocol::read_scored_sets(sections[5].body);
    REQUIRE(back.size() == 2);
    CHECK(back[0].score == 0.25);
    CHECK(back[1].score == 0.5);
    CHECK(back[1].instructions == sets[1].instructions);
  }
}

TEST_CASE("groups: one unlabelled text is written as free text, and reads back as one group") {
  std::string body;
  std::vector<protocol::group> one{{"", {"- fluency: looks like an entry\n## and a header"}}};
  protocol::write_groups(body, one);
  CHECK(body == " - fluency: looks like an entry\n ## and a header\n");
  CHECK(protocol::read_groups(body) == one);
  std::vector<protocol::group> items{{"", {"first", "second\nline"}}};
  body.clear();
  protocol::write_groups(body, items);
  CHECK(body == "- first\n- second\nline\n");
  CHECK(protocol::read_groups(body) == items);
}

TEST_CASE("score lines: predicted and human read back; a verdict is optional") {
  std::string body;
  protocol::write_score_line(body, {"fluency", 4.0, 5.0});
  protocol::write_score_line(body, {"coherence", std::nullopt, 2.0, "INCORRECT (no score to compare)"});
  CHECK(body == "- fluency: predicted 4, human 5\n- coherence: predicted none, human 2 (INCORRECT (no score to compare))\n");
  auto e = protocol::read_entries(body);
  auto a = protocol::read_score_line(e[0]), b = protocol::read_score_line(e[1]);
  CHECK(a.predicted == 4.0);
  CHECK(a.human == 5.0);
  CHECK(!b.predicted);
  CHECK(b.human == 2.0);
  CHECK(b.verdict == "INCORRECT (no score to compare)");
}

TEST_CASE("texts keyed by name in JSON: the update's answer, wrapped or bare, fenced or in prose") {
  std::string_view names[] = {"fluency", "coherence"};
  auto r = protocol::read_texts_json("Here you go:\n```json\n{\"instructions\": {\"fluency\": \"Be strict.\", \"Coherence\": \"Check order.\"}}\n```", names);
  CHECK(r.found_json);
  CHECK(r.texts[0] == "Be strict.");
  CHECK(r.texts[1] == "Check order.");  // names match ignoring case
  CHECK(r.missing.empty());
  auto bare = protocol::read_texts_json(R"({"fluency": "A.", "coherence": ""})", names);
  CHECK(bare.texts[0] == "A.");
  CHECK(bare.missing == std::vector<std::string>{"coherence"});  // empty counts as missing
  auto nested = protocol::read_texts_json(R"({"instruction": {"fluency": {"rule": "A.", "more": ["B."]}}})", names);
  CHECK(nested.texts[0] == "A. B.");
  auto none = protocol::read_texts_json("I would rather not.", names);
  CHECK_FALSE(none.found_json);
  CHECK(none.missing.size() == 2);
  std::vector<protocol::named_text> set{{"fluency", "say \"why\"\nnewline"}};
  auto written = protocol::write_instructions_json(set);
  CHECK(protocol::read_texts_json(written, names).texts[0] == "say \"why\"\nnewline");
}
}  // namespace test_core_protocol
