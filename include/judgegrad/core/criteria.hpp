/// @file
/// `criteria<Cs...>`: the set of criteria one judge scores, as a compile-time type list.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criterion.hpp>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

namespace detail {
template <class... Cs>
constexpr bool names_unique() {
  constexpr std::array<std::string_view, sizeof...(Cs)> names{std::string_view(Cs::name)...};
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j)
      if (names[i] == names[j]) return false;
  return true;
}
template <class... Cs>
constexpr bool criteria_valid() {
  if constexpr ((criterion<Cs> && ...)) return names_unique<Cs...>();
  else return true;  // the concept check reports this case; do not add a second error
}
}  // namespace detail

/// An ordered set of criteria (order = rendering order in prompts and reports).
///
///     using summeval_set = criteria<summeval::fluency, summeval::coherence>;
///     static_assert(summeval_set::size == 2);
///     static_assert(summeval_set::index_of("coherence") == 1);
template <class... Cs>
struct criteria {
  static_assert((criterion<Cs> && ...),
                "judgegrad::criteria<...>: every member must model judgegrad::criterion "
                "(static name, definition and scale)");
  static_assert(detail::criteria_valid<Cs...>(), "judgegrad::criteria<...>: two criteria share a name");
  static_assert(sizeof...(Cs) > 0, "judgegrad::criteria<...>: a criteria set needs at least one criterion");

  /// Number of criteria.
  static constexpr std::size_t size = sizeof...(Cs);
  /// The criteria as a Hana sequence of types, for compile-time iteration.
  static constexpr auto types = boost::hana::tuple_t<Cs...>;
  /// Names in order.
  static constexpr std::array<std::string_view, size> names{std::string_view(Cs::name)...};
  /// Definitions in order (what each criterion means, as the judge prompt states it).
  static constexpr std::array<std::string_view, size> definitions{std::string_view(Cs::definition)...};
  /// Score scales in order.
  static constexpr std::array<score_scale, size> scales{score_scale(Cs::scale)...};

  /// Position of the criterion called `name`, or `size` when there is none.
  static constexpr std::size_t index_of(std::string_view name) {
    for (std::size_t i = 0; i < size; ++i)
      if (names[i] == name) return i;
    return size;
  }
  /// Whether a criterion called `name` belongs to the set.
  static constexpr bool contains(std::string_view name) { return index_of(name) < size; }

  /// Position of criterion type `C`; naming a criterion outside the set fails to compile.
  template <class C>
  static constexpr std::size_t index = [] {
    static_assert((std::is_same_v<C, Cs> || ...), "judgegrad::criteria<...>::index: criterion not in this set");
    constexpr bool same[] = {std::is_same_v<C, Cs>...};
    std::size_t i = 0;
    while (i < size && !same[i]) ++i;
    return i;
  }();

  /// Calls `f(hana::type_c<C>)` for every criterion, in order.
  template <class F>
  static constexpr void for_each(F&& f) {
    boost::hana::for_each(types, static_cast<F&&>(f));
  }
};

/// True for `criteria<...>` instantiations.
template <class T>
inline constexpr bool is_criteria_set = false;
template <class... Cs>
inline constexpr bool is_criteria_set<criteria<Cs...>> = true;

/// A `criteria<...>` set.
template <class T>
concept criteria_set = is_criteria_set<T>;

/// The criteria `indices` (ascending) name in `names`, as records spell them: "fluency, coherence".
inline std::string criteria_label(std::span<const std::string_view> names, std::span<const std::size_t> indices) {
  std::string out;
  for (std::size_t i : indices) out.append(out.empty() ? "" : ", ").append(names[i]);
  return out;
}

namespace detail {
/// A criterion for checking, in a concept, that a policy's operations compile for some set.
struct probe_criterion {
  static constexpr std::string_view name = "probe";
  static constexpr std::string_view definition = "A criterion for concept checks.";
  static constexpr score_scale scale{1, 5, 1};
};
using probe_criteria = criteria<probe_criterion>;
}  // namespace detail

JUDGEGRAD_END_NAMESPACE
