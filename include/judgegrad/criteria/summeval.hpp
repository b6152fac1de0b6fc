/// @file
/// The four SummEval criteria (Fabbri et al., 2021), scored 1 to 5.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace summeval {

inline constexpr score_scale scale{1, 5, 1};

/// How well each sentence of the summary reads on its own.
struct fluency {
  static constexpr std::string_view name = "fluency";
  static constexpr std::string_view definition =
      "How well each sentence of the summary reads on its own: grammar, spelling, punctuation, word "
      "choice and sentence construction. A fluent sentence has no errors that make it hard to read; "
      "content and truth do not matter here.";
  static constexpr score_scale scale = summeval::scale;
};

/// How well the summary hangs together as a whole.
struct coherence {
  static constexpr std::string_view name = "coherence";
  static constexpr std::string_view definition =
      "How well the summary hangs together as a whole: sentences follow in a sensible order, each "
      "builds on the previous one, and together they form an organised account of the topic rather "
      "than a heap of loosely related facts.";
  static constexpr score_scale scale = summeval::scale;
};

/// Whether every claim of the summary is supported by the source.
struct consistency {
  static constexpr std::string_view name = "consistency";
  static constexpr std::string_view definition =
      "Whether every claim in the summary is backed by the source article: no invented facts, "
      "wrong numbers, names or dates, and no statements the source contradicts. A summary that "
      "adds nothing false is consistent even when it is short.";
  static constexpr score_scale scale = summeval::scale;
};

/// Whether the summary keeps the source's important content and only that.
struct relevance {
  static constexpr std::string_view name = "relevance";
  static constexpr std::string_view definition =
      "Whether the summary picks the important content of the source: its main points are present, "
      "while redundant, minor or off-topic details are left out.";
  static constexpr score_scale scale = summeval::scale;
};

/// The four criteria in the order the reference implementation renders them.
using all = criteria<fluency, relevance, coherence, consistency>;

}  // namespace summeval
JUDGEGRAD_END_NAMESPACE
