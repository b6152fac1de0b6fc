// Merge policies on fixed texts, against golden files (tests/optim/golden/merge_*.txt): how a
// combined call shows per-criterion and joint texts, including concatenate's K-fold duplication of
// joint gradients and its first-criterion label on a joint critique; and how a joint reply is routed.
// Beside each golden file, checks written from the policies' description (docs/optimizing.md, merge
// policies; optim/merge.hpp) hold the blocks' labels, their order and what each holds, so that a
// golden file rewritten by mistake is still caught. Set JUDGEGRAD_UPDATE_GOLDEN=1 to rewrite the
// files from the code (then read the diff).
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/merge.hpp>

#include "golden.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <span>
#include <string>
#include <vector>

namespace test_optim_merge {

namespace jg = judgegrad;
using se = jg::summeval::all;
using jg::merge::join_context;
using jg::merge::piece;

namespace {

template <class Merge>
std::string rendered(std::span<const piece> pieces, join_context where) {
  std::string out;
  auto groups = Merge::template join<se>(pieces, where);
  jg::protocol::write_groups(out, groups);
  return out;
}

const std::vector<std::size_t> all{0, 1, 2, 3};
// A combined update after separate gradients (SSC): one text per criterion and example.
const std::vector<piece> separate_gradients{{"fluency gradient on e1", {0}}, {"relevance gradient on e1", {1}},
                                            {"coherence gradient on e1", {2}}, {"consistency gradient on e1", {3}},
                                            {"fluency gradient on e2", {0}}, {"relevance gradient on e2", {1}}};
// A combined update after a combined gradient (SCC, CCC): one joint text per example.
const std::vector<piece> joint_gradients{{"joint gradient on e1", all}, {"joint gradient on e2", all}};
// A combined gradient after a combined loss (CCC): the one joint critique of the example.
const std::vector<piece> joint_critique{{"joint critique of e1", all}};
// A combined gradient after separate losses (SCC): each criterion's critique.
const std::vector<piece> separate_critiques{{"fluency critique", {0}}, {"relevance critique", {1}}, {"coherence critique", {2}},
                                            {"consistency critique", {3}}};

/// A rendered join read back line by line, without the library's reader: "### <label>" opens a
/// block, "- <text>" is an item of the block open; any other line (or an item before the first
/// label) is stray.
struct block {
  std::string label;
  std::vector<std::string> items;
};
struct blocks {
  std::vector<block> all;
  std::vector<std::string> stray;

  std::vector<std::string> labels() const {
    std::vector<std::string> out;
    for (const auto& b : all) out.push_back(b.label);
    return out;
  }
};
blocks blocks_of(const std::string& rendered) {
  blocks out;
  std::size_t at = 0;
  while (at < rendered.size()) {
    std::size_t eol = rendered.find('\n', at);
    if (eol == std::string::npos) eol = rendered.size();
    std::string line = rendered.substr(at, eol - at);
    at = eol + 1;
    if (line.rfind("### ", 0) == 0) out.all.push_back({line.substr(4), {}});
    else if (line.rfind("- ", 0) == 0 && !out.all.empty()) out.all.back().items.push_back(line.substr(2));
    else out.stray.push_back(line);
  }
  return out;
}

/// The criteria's names in the set's order.
std::vector<std::string> names_in_order() { return std::vector<std::string>(se::names.begin(), se::names.end()); }

using texts = std::vector<std::string>;

/// The separate gradients merged: one block per criterion under its own name, in the criteria's
/// order, each holding that criterion's texts in the order given, nothing outside a block.
void check_separate_feedback_blocks(const std::string& merged) {
  auto b = blocks_of(merged);
  CHECK(b.stray.empty());
  CHECK(b.labels() == names_in_order());
  REQUIRE(b.all.size() == 4);
  CHECK(b.all[0].items == texts{"fluency gradient on e1", "fluency gradient on e2"});
  CHECK(b.all[1].items == texts{"relevance gradient on e1", "relevance gradient on e2"});
  CHECK(b.all[2].items == texts{"coherence gradient on e1"});
  CHECK(b.all[3].items == texts{"consistency gradient on e1"});
}

}  // namespace

TEST_CASE("concatenate: the reference's groups, duplication and labels included") {
  using M = jg::merge::concatenate;
  auto ssc = rendered<M>(separate_gradients, join_context::feedback);
  golden::check("merge_concatenate_separate_feedback", ssc);
  // One block per criterion, under its own name, in the criteria's order (not the order the texts
  // came in), each holding that criterion's texts in the order given; every text once.
  check_separate_feedback_blocks(ssc);
  CHECK(ssc.rfind("### fluency\n- fluency gradient on e1\n", 0) == 0);  // the label line before its texts

  auto dup = rendered<M>(joint_gradients, join_context::feedback);
  golden::check("merge_concatenate_joint_feedback", dup);
  // Each joint gradient appears once per criterion: K = 4 copies.
  std::size_t copies = 0;
  for (std::size_t at = dup.find("joint gradient on e1"); at != std::string::npos; at = dup.find("joint gradient on e1", at + 1)) ++copies;
  CHECK(copies == 4);
  // The copies: every criterion's block holds both joint gradients, in the order given.
  auto b = blocks_of(dup);
  CHECK(b.stray.empty());
  CHECK(b.labels() == names_in_order());
  for (const auto& one : b.all) CHECK(one.items == texts{"joint gradient on e1", "joint gradient on e2"});

  auto ccc = rendered<M>(joint_critique, join_context::critiques);
  golden::check("merge_concatenate_joint_critique", ccc);
  CHECK(ccc == "### fluency\n- joint critique of e1\n");  // once, under the first criterion's name

  auto scc = rendered<M>(separate_critiques, join_context::critiques);
  golden::check("merge_concatenate_separate_critiques", scc);
  // Each criterion's critique once, under that criterion's name, in the criteria's order.
  b = blocks_of(scc);
  CHECK(b.stray.empty());
  CHECK(b.labels() == names_in_order());
  REQUIRE(b.all.size() == 4);
  for (const auto& one : b.all) CHECK(one.items == texts{one.label + " critique"});
}

TEST_CASE("labeled_sections: each text once, under the criteria it really concerns") {
  using M = jg::merge::labeled_sections;
  auto ssc = rendered<M>(separate_gradients, join_context::feedback);
  golden::check("merge_labeled_separate_feedback", ssc);
  // Texts of one criterion each: one block per criterion, labelled with its name alone, in the
  // order the criteria first come up (here the criteria's order), each text once under it.
  check_separate_feedback_blocks(ssc);

  auto joint = rendered<M>(joint_gradients, join_context::feedback);
  golden::check("merge_labeled_joint_feedback", joint);
  CHECK(joint == "### fluency, relevance, coherence, consistency\n- joint gradient on e1\n- joint gradient on e2\n");

  auto critique = rendered<M>(joint_critique, join_context::critiques);
  golden::check("merge_labeled_joint_critique", critique);
  // A joint critique once, under one label naming every criterion it covers, in the criteria's
  // order, separated by ", " (not under the first criterion's name, as concatenate puts it).
  CHECK(critique == fmt::format("### {}\n- joint critique of e1\n", fmt::join(se::names, ", ")));
  auto b = blocks_of(critique);
  REQUIRE(b.all.size() == 1);
  CHECK(b.all[0].items == texts{"joint critique of e1"});
}

TEST_CASE("routing a joint reply: broadcast, or each criterion's part of a keyed reply") {
  std::string_view names[] = {"fluency", "coherence"};
  auto b = jg::merge::labeled_sections::route("all of it", names);
  CHECK(b.texts == std::vector<std::string>{"all of it", "all of it"});
  CHECK(b.missing.empty());
  auto s = jg::merge::structured::route(R"(Sure: {"fluency": "be strict", "coherence": "check order"})", names);
  CHECK(s.texts == std::vector<std::string>{"be strict", "check order"});
  auto partial = jg::merge::structured::route(R"({"fluency": "be strict"})", names);
  CHECK(partial.texts == std::vector<std::string>{"be strict", ""});
  CHECK(partial.missing == std::vector<std::string>{"coherence"});
  auto none = jg::merge::structured::route("no JSON here", names);
  CHECK(none.missing.size() == 2);
  // Structured joins like labeled_sections (its pieces are per criterion already).
  CHECK(rendered<jg::merge::structured>(separate_gradients, join_context::feedback) ==
        rendered<jg::merge::labeled_sections>(separate_gradients, join_context::feedback));
}
}  // namespace test_optim_merge
