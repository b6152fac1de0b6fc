/// @file
/// The five BRIGHTER English emotion intensities (SemEval-2025 Task 11, track B), scored 0 to 3.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>

#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace brighter {

inline constexpr score_scale scale{0, 3, 1};

/// How strongly the writer expresses anger.
struct anger {
  static constexpr std::string_view name = "anger";
  static constexpr std::string_view definition =
      "How strongly the writer expresses anger, irritation or hostility toward someone or "
      "something: 0 none, 1 slight annoyance, 2 clear anger, 3 rage.";
  static constexpr score_scale scale = brighter::scale;
};

/// How strongly the writer expresses fear.
struct fear {
  static constexpr std::string_view name = "fear";
  static constexpr std::string_view definition =
      "How strongly the writer expresses fear, worry or anxiety about a threat, real or imagined: "
      "0 none, 1 mild unease, 2 clear fear, 3 terror or panic.";
  static constexpr score_scale scale = brighter::scale;
};

/// How strongly the writer expresses joy.
struct joy {
  static constexpr std::string_view name = "joy";
  static constexpr std::string_view definition =
      "How strongly the writer expresses joy, happiness or delight: 0 none, 1 mild contentment, "
      "2 clear happiness, 3 elation.";
  static constexpr score_scale scale = brighter::scale;
};

/// How strongly the writer expresses sadness.
struct sadness {
  static constexpr std::string_view name = "sadness";
  static constexpr std::string_view definition =
      "How strongly the writer expresses sadness, grief or disappointment: 0 none, 1 slightly low, "
      "2 clearly sad, 3 despair.";
  static constexpr score_scale scale = brighter::scale;
};

/// How strongly the writer expresses surprise.
struct surprise {
  static constexpr std::string_view name = "surprise";
  static constexpr std::string_view definition =
      "How strongly the writer expresses surprise or astonishment at something unexpected, pleasant "
      "or not: 0 none, 1 mild surprise, 2 clear surprise, 3 shock.";
  static constexpr score_scale scale = brighter::scale;
};

/// The five emotions in the order of the data files.
using all = criteria<anger, fear, joy, sadness, surprise>;

}  // namespace brighter
JUDGEGRAD_END_NAMESPACE
