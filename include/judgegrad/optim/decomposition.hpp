/// @file
/// `decomposition<Loss, Gradient, Update>`: the paper's decomposition modes (SSS, SSC, SCC, CCC)
/// and the four it did not run (CSS, CSC, CCS, SCS).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/optim/stage.hpp>

#include <cstddef>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// LLM calls one optimization step makes per stage.
struct stage_calls {
  std::size_t loss = 0;
  std::size_t gradient = 0;
  std::size_t update = 0;
  constexpr std::size_t total() const { return loss + gradient + update; }
  friend constexpr bool operator==(const stage_calls&, const stage_calls&) = default;
};

/// Whether each of the three stages of a TextGrad step runs per criterion or jointly. Every
/// combination is valid: where a combined stage feeds a separate one, the variant's merge policy
/// routes the joint text back to each criterion.
template <class Loss, class Gradient, class Update>
struct decomposition {
  static_assert(stage_policy<Loss> && stage_policy<Gradient> && stage_policy<Update>,
                "judgegrad::decomposition<Loss, Gradient, Update>: each stage must be "
                "judgegrad::separate or judgegrad::combined");

  using family = judgegrad::family::decomposition;
  using loss = Loss;
  using gradient = Gradient;
  using update = Update;

  template <class Stage>
  static constexpr char letter_of() {
    if constexpr (stage_policy<Stage>) return Stage::letter;
    else return '?';  // the assert above reports the mistake
  }
  static constexpr char letters[4] = {letter_of<Loss>(), letter_of<Gradient>(), letter_of<Update>(), '\0'};
  /// "SSS", "SSC", ...: loss, gradient, update.
  static constexpr std::string_view name{letters, 3};

  /// True for the four modes the paper ran, where no stage is separate after a combined one.
  static constexpr bool in_paper =
      !(letters[0] == 'C' && letters[1] == 'S') && !(letters[1] == 'C' && letters[2] == 'S');

  /// Calls per step for `k` criteria and a batch of `b` examples (one loss and one gradient call
  /// per example and criterion when separate, per example when combined; one update call per
  /// criterion when separate, one in all when combined).
  static constexpr stage_calls calls(std::size_t k, std::size_t b) {
    return {letters[0] == 'S' ? k * b : b, letters[1] == 'S' ? k * b : b, letters[2] == 'S' ? k : 1};
  }
};

using sss = decomposition<separate, separate, separate>;
using ssc = decomposition<separate, separate, combined>;
using scc = decomposition<separate, combined, combined>;
using ccc = decomposition<combined, combined, combined>;
using css = decomposition<combined, separate, separate>;
using csc = decomposition<combined, separate, combined>;
using ccs = decomposition<combined, combined, separate>;
using scs = decomposition<separate, combined, separate>;

template <class T>
inline constexpr bool is_decomposition = false;
template <class L, class G, class U>
inline constexpr bool is_decomposition<decomposition<L, G, U>> = true;

JUDGEGRAD_END_NAMESPACE
