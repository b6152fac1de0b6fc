/// @file
/// `decomposition<Loss, Gradient, Update>`: the paper's decomposition modes (SSS, SSC, SCC, CCC)
/// and the four it did not run (CSS, CSC, CCS, SCS), and any with a grouped stage.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/optim/stage.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

/// LLM calls one optimization step makes per stage.
struct stage_calls {
  std::size_t loss = 0;
  std::size_t gradient = 0;
  std::size_t update = 0;
  constexpr std::size_t total() const { return loss + gradient + update; }
  friend constexpr bool operator==(const stage_calls&, const stage_calls&) = default;
};

/// Whether each of the three stages of a TextGrad step runs per criterion (S), jointly (C) or per
/// group of a fixed partition (grouped<...>, G); the gradient stage may also be routed by
/// specificity (routed<...>, R). Every combination is valid: where a stage covering
/// several criteria feeds one covering fewer, the variant's merge policy routes the joint text back
/// to each criterion.
template <class Loss, class Gradient, class Update>
struct decomposition {
  static_assert(stage_policy<Loss> && stage_policy<Gradient> && stage_policy<Update>,
                "judgegrad::decomposition<Loss, Gradient, Update>: each stage must be "
                "judgegrad::separate, judgegrad::combined or judgegrad::grouped<partition<...>> "
                "(or judgegrad::routed<...>, for the gradient)");
  static_assert(!is_routed<Loss> && !is_routed<Update>,
                "judgegrad::decomposition<Loss, Gradient, Update>: judgegrad::routed is a gradient stage");

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

 private:
  template <class Stage>
  static constexpr void append_stage(fixed_string<400>& s) {
    constexpr char letter = letter_of<Stage>();
    if constexpr (letter == 'G' || letter == 'R') {
      s.append(Stage::name);
    } else {
      const char one[1] = {letter};
      s.append(std::string_view(one, 1));
    }
  }
  static constexpr auto label = [] {
    fixed_string<400> s;
    append_stage<Loss>(s);
    append_stage<Gradient>(s);
    append_stage<Update>(s);
    return s;
  }();

 public:
  /// "SSS", "SSC", ...: loss, gradient, update; a grouped stage shows its partition,
  /// "S(fluency+coherence)(consistency+relevance)C".
  static constexpr std::string_view name = label.view();

  /// True for the four modes the paper ran: separate or combined stages, none separate after a
  /// combined one.
  static constexpr bool in_paper = (letters[0] == 'S' || letters[0] == 'C') && (letters[1] == 'S' || letters[1] == 'C') &&
                                   (letters[2] == 'S' || letters[2] == 'C') &&
                                   !(letters[0] == 'C' && letters[1] == 'S') && !(letters[1] == 'C' && letters[2] == 'S');

  /// Calls per step for `k` criteria and a batch of `b` examples: per example, one loss and one
  /// gradient call per group of their stage (k when separate, 1 when combined); one update call
  /// per group of its stage.
  static constexpr stage_calls calls(std::size_t k, std::size_t b) {
    if constexpr (stage_policy<Loss> && stage_policy<Gradient> && stage_policy<Update>)
      return {Loss::calls(k) * b, Gradient::calls(k) * b, Update::calls(k)};
    else return {};
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
