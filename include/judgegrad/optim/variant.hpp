/// @file
/// `variant<Criteria, Policies...>`: one experiment variant, the criteria set plus one policy for
/// each slot (decomposition, merge, gate, scalarizer, layout, algorithm). Policies go in any order;
/// a slot left out takes its default.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/decomposition.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/stats/scalarizer.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>

JUDGEGRAD_BEGIN_NAMESPACE

namespace detail {
template <class P>
struct family_of {
  using type = void;
};
template <class P>
  requires requires { typename P::family; }
struct family_of<P> {
  using type = typename P::family;
};

template <class P>
concept slot_policy = policy_of<P, family::decomposition> || policy_of<P, family::merge> ||
                      policy_of<P, family::gate> || policy_of<P, family::scalarizer> ||
                      policy_of<P, family::layout> || policy_of<P, family::algorithm>;

template <class Family, class... Ps>
inline constexpr std::size_t count_in_family = (std::size_t{0} + ... + std::is_same_v<typename family_of<Ps>::type, Family>);

template <class... Ps>
constexpr bool one_per_slot() {
  return count_in_family<family::decomposition, Ps...> <= 1 && count_in_family<family::merge, Ps...> <= 1 &&
         count_in_family<family::gate, Ps...> <= 1 && count_in_family<family::scalarizer, Ps...> <= 1 &&
         count_in_family<family::layout, Ps...> <= 1 && count_in_family<family::algorithm, Ps...> <= 1;
}

/// The policy of `Family` among `Ps`, or `Default` when there is none.
template <class Family, class Default, class... Ps>
struct pick {
  using type = Default;
};
template <class Family, class Default, class P, class... Ps>
struct pick<Family, Default, P, Ps...> {
  using type = std::conditional_t<std::is_same_v<typename family_of<P>::type, Family>, P,
                                  typename pick<Family, Default, Ps...>::type>;
};
template <class Family, class Default, class... Ps>
using pick_t = typename pick<Family, Default, Ps...>::type;
}  // namespace detail

/// The policies a variant uses for the slots it does not name.
namespace defaults {
using decomposition = sss;
using merge = merge::labeled_sections;
using gate = gate::always;
using scalarizer = scalar::mean;
using layout = layout::joint;
using algorithm = algorithm::textgrad;
}  // namespace defaults

/// One experiment variant. `name()` is the decomposition followed by every slot that differs
/// from its default, e.g. "SSS" or "SCC/gate=mae/layout=per_criterion".
///
///     using v = variant<summeval::all, scc, gate::non_regression<metric::mae>>;
///     static_assert(v::name() == "SCC/gate=mae");
template <class Criteria, class... Policies>
struct variant {
  static_assert(criteria_set<Criteria>,
                "judgegrad::variant<Criteria, Policies...>: the first parameter must be a judgegrad::criteria<...> set");
  static_assert((detail::slot_policy<Policies> && ...),
                "judgegrad::variant<Criteria, Policies...>: every parameter after the criteria must be a "
                "decomposition, merge, gate, scalarizer, layout or algorithm policy");
  static_assert(detail::one_per_slot<Policies...>(),
                "judgegrad::variant<Criteria, Policies...>: two policies fill the same slot");

  using criteria = Criteria;
  using decomposition = detail::pick_t<family::decomposition, defaults::decomposition, Policies...>;
  using merge = detail::pick_t<family::merge, defaults::merge, Policies...>;
  using gate = detail::pick_t<family::gate, defaults::gate, Policies...>;
  using scalarizer = detail::pick_t<family::scalarizer, defaults::scalarizer, Policies...>;
  using layout = detail::pick_t<family::layout, defaults::layout, Policies...>;
  using algorithm = detail::pick_t<family::algorithm, defaults::algorithm, Policies...>;

 private:
  template <class Slot, class Default>
  static constexpr void name_slot(fixed_string<160>& s, std::string_view slot) {
    if constexpr (!std::is_same_v<Slot, Default> && detail::slot_policy<Slot>)
      s.append("/").append(slot).append("=").append(Slot::name);
  }
  static constexpr fixed_string<160> label = [] {
    fixed_string<160> s;
    if constexpr (detail::slot_policy<decomposition>) s.append(decomposition::name);
    name_slot<algorithm, defaults::algorithm>(s, "algorithm");
    name_slot<merge, defaults::merge>(s, "merge");
    name_slot<gate, defaults::gate>(s, "gate");
    name_slot<scalarizer, defaults::scalarizer>(s, "scalar");
    name_slot<layout, defaults::layout>(s, "layout");
    return s;
  }();

 public:
  /// The variant's name, unique within a grid.
  static constexpr std::string_view name() { return label.view(); }

  /// LLM calls of one optimization step with a batch of `batch` examples.
  static constexpr stage_calls calls(std::size_t batch) { return decomposition::calls(Criteria::size, batch); }
};

template <class T>
inline constexpr bool is_variant = false;
template <class C, class... Ps>
inline constexpr bool is_variant<variant<C, Ps...>> = true;

JUDGEGRAD_END_NAMESPACE
