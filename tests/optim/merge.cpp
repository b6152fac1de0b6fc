// Merge policies on fixed texts, against golden files (tests/optim/golden/merge_*.txt): how a
// combined call shows per-criterion and joint texts, including concatenate's K-fold duplication of
// joint gradients and its first-criterion label on a joint critique; and how a joint reply is routed.
// Set JUDGEGRAD_UPDATE_GOLDEN=1 to rewrite the files from the code (then read the diff).
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/optim/merge.hpp>

#include "golden.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

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

}  // namespace

TEST_CASE("concatenate: the reference's groups, duplication and labels included") {
  using M = jg::merge::concatenate;
  golden::check("merge_concatenate_separate_feedback", rendered<M>(separate_gradients, join_context::feedback));
  auto dup = rendered<M>(joint_gradients, join_context::feedback);
  golden::check("merge_concatenate_joint_feedback", dup);
  // Each joint gradient appears once per criterion: K = 4 copies.
  std::size_t copies = 0;
  for (std::size_t at = dup.find("joint gradient on e1"); at != std::string::npos; at = dup.find("joint gradient on e1", at + 1)) ++copies;
  CHECK(copies == 4);
  auto ccc = rendered<M>(joint_critique, join_context::critiques);
  golden::check("merge_concatenate_joint_critique", ccc);
  CHECK(ccc == "### fluency\n- joint critique of e1\n");  // once, under the first criterion's name
  golden::check("merge_concatenate_separate_critiques", rendered<M>(separate_critiques, join_context::critiques));
}

TEST_CASE("labeled_sections: each text once, under the criteria it really concerns") {
  using M = jg::merge::labeled_sections;
  golden::check("merge_labeled_separate_feedback", rendered<M>(separate_gradients, join_context::feedback));
  auto joint = rendered<M>(joint_gradients, join_context::feedback);
  golden::check("merge_labeled_joint_feedback", joint);
  CHECK(joint == "### fluency, relevance, coherence, consistency\n- joint gradient on e1\n- joint gradient on e2\n");
  golden::check("merge_labeled_joint_critique", rendered<M>(joint_critique, join_context::critiques));
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
