/// @file
/// Stage policies: how a stage of the TextGrad step (loss, gradient, update) groups the criteria
/// into calls. `separate` makes one call per criterion (S), `combined` one for all (C), and
/// `grouped<partition<group<...>, ...>>` one per group of a partition given at compile time; all
/// three are partitions of the criteria set, and the step works with any partition
/// (`groups<Set>()`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// One call per criterion: each text concerns a single criterion ("S" in the paper's mode names).
struct separate {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "separate";
  static constexpr char letter = 'S';
  /// Calls per example (loss, gradient) or per step (update) for `k` criteria.
  static constexpr std::size_t calls(std::size_t k) { return k; }
  /// The partition into singletons.
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    std::vector<std::vector<std::size_t>> out;
    for (std::size_t c = 0; c < Set::size; ++c) out.push_back({c});
    return out;
  }
};

/// One call for all criteria together ("C" in the paper's mode names).
struct combined {
  using family = judgegrad::family::stage;
  static constexpr std::string_view name = "combined";
  static constexpr char letter = 'C';
  static constexpr std::size_t calls(std::size_t) { return 1; }
  /// The partition into one group.
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    std::vector<std::size_t> all;
    for (std::size_t c = 0; c < Set::size; ++c) all.push_back(c);
    return {all};
  }
};

/// The criteria one call of a grouped stage covers: `group<summeval::fluency, summeval::coherence>`.
template <class... Cs>
struct group {
  static constexpr std::size_t size = sizeof...(Cs);
};

/// Groups of criteria that together name every criterion of a set once:
/// `partition<group<fluency, coherence>, group<consistency, relevance>>`.
template <class... Groups>
struct partition {
  static constexpr std::size_t size = sizeof...(Groups);
};

namespace detail {
template <class G>
struct group_names;
template <class... Cs>
struct group_names<group<Cs...>> {
  static constexpr std::array<std::string_view, sizeof...(Cs)> value{std::string_view(Cs::name)...};
};

/// Whether the groups name every criterion of `Set` exactly once and nothing else.
template <criteria_set Set, class... Groups>
constexpr bool partitions_set() {
  std::array<std::size_t, Set::size> seen{};
  bool ok = true;
  auto visit = [&](auto names) {
    if (names.empty()) ok = false;
    for (auto n : names) {
      std::size_t at = Set::index_of(n);
      if (at == Set::size) ok = false;
      else ++seen[at];
    }
  };
  (visit(group_names<Groups>::value), ...);
  for (std::size_t n : seen) ok = ok && n == 1;
  return ok;
}
}  // namespace detail

/// One call per group of a partition fixed at compile time (letter G). The name shows the
/// partition: "(fluency+coherence)(consistency+relevance)".
template <class Partition>
struct grouped {
  static_assert(sizeof(Partition) == 0, "judgegrad::grouped<P>: P must be judgegrad::partition<group<...>, ...>");
};
template <class... Cs, class... Groups>
struct grouped<partition<group<Cs...>, Groups...>> {
  using family = judgegrad::family::stage;
  using groups_type = partition<group<Cs...>, Groups...>;
  static constexpr char letter = 'G';

 private:
  static constexpr auto label = [] {
    fixed_string<120> s;
    auto add = [&](auto names) {
      s.append("(");
      for (std::size_t i = 0; i < names.size(); ++i) s.append(i ? "+" : "").append(names[i]);
      s.append(")");
    };
    add(detail::group_names<group<Cs...>>::value);
    (add(detail::group_names<Groups>::value), ...);
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
  static constexpr std::size_t calls(std::size_t) { return 1 + sizeof...(Groups); }
  /// Whether the partition covers criteria set `Set` (the variant checks it).
  template <criteria_set Set>
  static constexpr bool partitions = detail::partitions_set<Set, group<Cs...>, Groups...>();
  /// The groups as positions in `Set`, in the partition's order (a name outside the set is skipped;
  /// the variant has reported it).
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    std::vector<std::vector<std::size_t>> out;
    auto add = [&](auto names) {
      std::vector<std::size_t> g;
      for (auto n : names)
        if (Set::contains(n)) g.push_back(Set::index_of(n));
      out.push_back(std::move(g));
    };
    add(detail::group_names<group<Cs...>>::value);
    (add(detail::group_names<Groups>::value), ...);
    return out;
  }
};

/// How a routed gradient stage rates each criterion's share of a joint gradient for specificity
/// (1 to 10: how much of the text is about that criterion).
namespace specificity {
/// The lexical proxy (optim/lexicon.hpp): no model call; the criteria's own words.
struct lexical {
  static constexpr std::string_view name = "lexical";
  static constexpr bool asks_evaluator = false;
};
/// The evaluator role, one call per example and criterion (the paper's diagnostic prompt).
struct evaluator {
  static constexpr std::string_view name = "evaluator";
  static constexpr bool asks_evaluator = true;
};
}  // namespace specificity

/// Specificity-aware routing, a gradient stage (letter R): one combined gradient call per example,
/// then each criterion's share of it rated by `Scorer`; a criterion rated below `Threshold` (1 to
/// 10), or receiving nothing, gets a separate gradient call of its own for that example instead.
/// Named "R(lexical:6)". Its calls per example lie between 1 (all specific) and 1 + k (none);
/// `calls(k)` counts the first.
template <class Scorer = specificity::lexical, int Threshold = 6>
struct routed {
  static_assert(Threshold >= 1 && Threshold <= 10, "judgegrad::routed<Scorer, Threshold>: Threshold is a rating from 1 to 10");
  static_assert(std::is_same_v<Scorer, specificity::lexical> || std::is_same_v<Scorer, specificity::evaluator>,
                "judgegrad::routed<Scorer, Threshold>: Scorer must be judgegrad::specificity::lexical or ::evaluator");
  using family = judgegrad::family::stage;
  using scorer = Scorer;
  static constexpr char letter = 'R';
  static constexpr int threshold = Threshold;

 private:
  static constexpr auto label = [] {
    fixed_string<40> s("R(");
    constexpr char digits[3] = {Threshold == 10 ? '1' : char('0' + Threshold), '0', '\0'};
    s.append(Scorer::name).append(":").append(std::string_view(digits, Threshold == 10 ? 2 : 1)).append(")");
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();
  static constexpr std::size_t calls(std::size_t) { return 1; }
  /// The first round's partition: one group of all.
  template <criteria_set Set>
  static std::vector<std::vector<std::size_t>> groups() {
    return combined::groups<Set>();
  }
};

template <class T>
inline constexpr bool is_routed = false;
template <class S, int T>
inline constexpr bool is_routed<routed<S, T>> = true;

/// A stage policy: a `family::stage` policy with a letter, its calls for k criteria and a
/// partition of any criteria set.
template <class P>
concept stage_policy = policy_of<P, family::stage> && requires {
  { P::letter } -> std::convertible_to<char>;
  { P::calls(std::size_t{4}) } -> std::convertible_to<std::size_t>;
  { P::template groups<detail::probe_criteria>() } -> std::same_as<std::vector<std::vector<std::size_t>>>;
};

/// Whether stage policy `P` partitions `Set`: always for separate and combined, for a grouped
/// stage when its partition names each criterion of `Set` once.
template <class P, class Set>
inline constexpr bool stage_partitions = true;
template <class Partition, class Set>
inline constexpr bool stage_partitions<grouped<Partition>, Set> = grouped<Partition>::template partitions<Set>;

JUDGEGRAD_END_NAMESPACE
