/// @file
/// `variant<Criteria, Policies...>`: one experiment variant, the criteria set plus one policy for
/// each slot. The slots and their defaults are one table, `slots` below: policies go in any order
/// (each is put in its slot by its family), and a slot left out takes its default.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/decomposition.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/length.hpp>
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

/// One slot of a variant: the family that fills it and the policy it takes when none is given.
template <class Family, class Default>
struct slot {
  using family = Family;
  using fallback = Default;
};

/// The policy of `Slot`'s family among `Ps`, or the slot's default.
template <class Slot, class... Ps>
struct pick {
  using type = typename Slot::fallback;
};
template <class Slot, class P, class... Ps>
struct pick<Slot, P, Ps...> {
  using type = std::conditional_t<std::is_same_v<typename family_of<P>::type, typename Slot::family>, P,
                                  typename pick<Slot, Ps...>::type>;
};

template <class Family, class... Slots>
struct find_slot {
  using type = slot<Family, void>;
};
template <class Family, class S, class... Slots>
struct find_slot<Family, S, Slots...> {
  using type = std::conditional_t<std::is_same_v<typename S::family, Family>, S, typename find_slot<Family, Slots...>::type>;
};

template <class... Slots>
struct slot_table {
  /// The slot filled by `Family`.
  template <class Family>
  using slot_of = typename find_slot<Family, Slots...>::type;
  /// Whether `P` belongs to the family of some slot.
  template <class P>
  static constexpr bool fills_a_slot = (std::is_same_v<typename family_of<P>::type, typename Slots::family> || ...);
  /// How many of `Ps` belong to `Family`.
  template <class Family, class... Ps>
  static constexpr std::size_t count = (std::size_t{0} + ... + std::size_t{std::is_same_v<typename family_of<Ps>::type, Family>});
  /// Whether no two of `Ps` fill the same slot.
  template <class... Ps>
  static constexpr bool one_per_slot = ((count<typename Slots::family, Ps...> <= 1) && ...);
};
}  // namespace detail

/// The slots of a variant, in the order its name shows them, each with its default. Adding a slot
/// is one line here and one alias in `variant`.
using slots = detail::slot_table<detail::slot<family::decomposition, sss>, detail::slot<family::algorithm, algorithm::textgrad>,
                                 detail::slot<family::merge, merge::labeled_sections>, detail::slot<family::gate, gate::always>,
                                 detail::slot<family::scalarizer, scalar::mean>, detail::slot<family::layout, layout::joint>,
                                 detail::slot<family::length, length::unbounded>>;

namespace detail {
template <class Table>
struct slots_of;
template <class... Slots>
struct slots_of<slot_table<Slots...>> {
  /// "SSS", then "/<slot>=<policy>" for every slot whose policy is not the default.
  template <class... Ps>
  static constexpr fixed_string<160> name() {
    fixed_string<160> s;
    (
        [&] {
          using chosen = typename pick<Slots, Ps...>::type;
          if constexpr (requires { chosen::name; }) {
            if constexpr (std::is_same_v<typename Slots::family, family::decomposition>) s.append(chosen::name);
            else if constexpr (!std::is_same_v<chosen, typename Slots::fallback>)
              s.append("/").append(Slots::family::label).append("=").append(chosen::name);
          }
        }(),
        ...);
    return s;
  }
};
}  // namespace detail

/// One experiment variant. `name()` is the decomposition followed by every slot that differs
/// from its default, e.g. "SSS" or "SCC/gate=mae/layout=per_criterion".
///
///     using v = variant<summeval::all, scc, gate::non_regression<metric::mae>>;
///     static_assert(v::name() == "SCC/gate=mae");
template <class Criteria, class... Policies>
struct variant {
  static_assert(criteria_set<Criteria>,
                "judgegrad::variant<Criteria, Policies...>: the first parameter must be a judgegrad::criteria<...> set");
  static_assert((slots::fills_a_slot<Policies> && ...),
                "judgegrad::variant<Criteria, Policies...>: every parameter after the criteria must be a "
                "decomposition, merge, gate, scalarizer, layout, algorithm or length policy");
  static_assert(slots::one_per_slot<Policies...>, "judgegrad::variant<Criteria, Policies...>: two policies fill the same slot");

  using criteria = Criteria;
  /// The policy filling the slot of `Family`: the one given, else the slot's default.
  template <class Family>
  using policy = typename detail::pick<slots::slot_of<Family>, Policies...>::type;
  using decomposition = policy<family::decomposition>;
  using algorithm = policy<family::algorithm>;
  using merge = policy<family::merge>;
  using gate = policy<family::gate>;
  using scalarizer = policy<family::scalarizer>;
  using layout = policy<family::layout>;
  using length = policy<family::length>;

  // Each family's operations, checked once here with one message each (a policy of the right family
  // that lacks an operation fails to compile at its variant, not deep inside the loop).
  static_assert(!(slots::fills_a_slot<Policies> && ...) || merge_policy<merge>,
                "judgegrad::variant: the merge policy must provide `keyed`, `route(reply, names)` and `join<Set>(pieces, where)`");
  static_assert(!(slots::fills_a_slot<Policies> && ...) || gate_policy<gate>,
                "judgegrad::variant: the gate policy must provide `needs_validation`, `rescores_incumbent` and "
                "`decide<Scalarizer>(evidence)`");
  static_assert(!(slots::fills_a_slot<Policies> && ...) || !judgegrad::algorithm::is_pareto<algorithm> ||
                    std::is_same_v<gate, judgegrad::gate::always>,
                "judgegrad::variant: algorithm::pareto keeps a frontier instead of a gate; leave the gate slot at its default");
  static_assert(!(slots::fills_a_slot<Policies> && ...) || scalarizer_policy<scalarizer>,
                "judgegrad::variant: the scalarizer must provide `apply(per_criterion<Set, double>)`");
  static_assert(!(slots::fills_a_slot<Policies> && ...) || !is_decomposition<decomposition> ||
                    (stage_partitions<typename decomposition::loss, Criteria> && stage_partitions<typename decomposition::gradient, Criteria> &&
                     stage_partitions<typename decomposition::update, Criteria>),
                "judgegrad::variant: a grouped stage's partition must name every criterion of the variant's set exactly once");

 private:
  static constexpr fixed_string<160> label = detail::slots_of<slots>::template name<Policies...>();

 public:
  /// The variant's name, unique within a grid.
  static constexpr std::string_view name() { return label.view(); }

  /// LLM calls of one optimization step's three stages with a batch of `batch` examples.
  static constexpr stage_calls calls(std::size_t batch) { return decomposition::calls(Criteria::size, batch); }
};

template <class T>
inline constexpr bool is_variant = false;
template <class C, class... Ps>
inline constexpr bool is_variant<variant<C, Ps...>> = true;

JUDGEGRAD_END_NAMESPACE
