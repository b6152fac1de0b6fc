/// @file
/// The variants an experiment definition can name, compiled: for one criteria set, every
/// decomposition mode x merge x gate x judge layout under TextGrad, the single-task baseline and
/// OPRO under every gate and layout, and the remedies (docs/remedies.md). `find` gives the policies
/// of the variant a job names at run time, slot by slot, each compiled once (experiment::run_one
/// runs it with them); `visit` gives its type, at the cost of compiling every variant.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/optim/grid.hpp>
#include <judgegrad/optim/variant.hpp>

#include <boost/hana/concat.hpp>
#include <boost/hana/bool.hpp>
#include <boost/hana/find_if.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/front.hpp>
#include <boost/hana/optional.hpp>
#include <boost/hana/prepend.hpp>
#include <boost/hana/unpack.hpp>
#include <boost/hana/tuple.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// The policies a job names, by the names definitions use.
struct variant_spec {
  std::string mode = "SSC";  ///< a decomposition mode, "single-task", "opro" or "opro(mae)"
  std::string gate = "none";
  std::string merge = "labeled_sections";
  std::string layout = "joint";
  std::string length = "unbounded";

  /// Whether the mode has a merge step, a choice of layout and a gate that matter: OPRO has no
  /// merge step, the single-task baseline judges one criterion (its catalog holds the default merge
  /// and layout), Pareto search keeps a frontier instead of a gate.
  bool has_merge() const { return mode != "single-task" && !mode.starts_with("opro"); }
  bool has_layout() const { return mode != "single-task"; }
  bool has_gate() const { return mode != "pareto"; }

  /// The variant's name, as `variant::name()` spells it: the decomposition, then every slot that
  /// is not its default ("SCC/gate=mae", "CCC/algorithm=single_task/gate=mae").
  std::string name() const {
    auto [decomposition, algorithm] = this->algorithm();
    std::string out(decomposition);
    if (algorithm != "textgrad") out += fmt::format("/algorithm={}", algorithm);
    if (has_merge() && merge != "labeled_sections") out += fmt::format("/merge={}", merge);
    if (gate != "none") out += fmt::format("/gate={}", gate);
    if (has_layout() && layout != "joint") out += fmt::format("/layout={}", layout);
    if (length != "unbounded") out += fmt::format("/length={}", length);
    return out;
  }

  /// The spec of a variant named as `name()` spells it ("SSC/merge=conflict_resolving",
  /// "SSC/algorithm=pareto"), its /slot=policy parts in any order ("SSC/gate=mae/merge=structured"
  /// is "SSC/merge=structured/gate=mae"), or nothing when `name` is not such a spelling (a slot
  /// named twice, or set to its default, is not).
  static std::optional<variant_spec> parse(std::string_view name) {
    variant_spec s;
    std::string_view rest = name;
    auto slash = rest.find('/');
    std::string decomposition(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    s.mode = decomposition;
    while (!rest.empty()) {
      slash = rest.find('/');
      std::string_view part = rest.substr(0, slash);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      auto eq = part.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view key = part.substr(0, eq);
      std::string value(part.substr(eq + 1));
      if (key == "algorithm") {
        if (value == "single_task") s.mode = "single-task";
        else s.mode = value;
      } else if (key == "merge") s.merge = value;
      else if (key == "gate") s.gate = value;
      else if (key == "layout") s.layout = value;
      else if (key == "length") s.length = value;
      else return std::nullopt;
    }
    auto parts = [](std::string_view n) {
      std::vector<std::string_view> out;
      for (auto slash = n.find('/'); slash != std::string_view::npos; slash = n.find('/')) {
        n.remove_prefix(slash + 1);
        out.push_back(n.substr(0, n.find('/')));
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    std::string canonical = s.name();
    if (s.algorithm().first != decomposition || parts(canonical) != parts(name)) return std::nullopt;
    return s;
  }

  /// The decomposition and algorithm names the mode stands for.
  std::pair<std::string_view, std::string_view> algorithm() const {
    if (mode == "single-task") return {"CCC", "single_task"};  // as the reference ran it: CCC with one criterion
    if (mode == "opro" || mode == "opro(mae)") return {"SSS", mode};
    if (mode == "pareto") return {"SSC", mode};
    return {mode, "textgrad"};
  }
};

/// One run of an experiment: a variant, a seed, and for the single-task baseline the criterion.
struct job {
  std::string id;  ///< its directory under runs/: "SSC,gate=mae,seed=1"
  variant_spec spec;
  std::string variant;  ///< the variant's name ("SSC/gate=mae")
  std::uint32_t seed = 0;
  std::string criterion;  ///< single-task: the criterion this run optimizes alone
};

namespace catalog_detail {
namespace hana = boost::hana;
inline constexpr auto gates = hana::tuple_t<gate::always, gate::non_regression<metric::mae>, gate::non_regression<metric::spearman>,
                                            gate::non_regression<metric::off_by_one>, gate::paired<metric::mae>,
                                            gate::paired_bootstrap<metric::mae>, gate::pareto<metric::mae>>;
inline constexpr auto merges = hana::tuple_t<merge::labeled_sections, merge::concatenate, merge::structured>;
inline constexpr auto layouts = hana::tuple_t<layout::joint, layout::per_criterion>;

/// The grouped remedy's partition of a criteria set: what the criteria share. SummEval: how the
/// summary reads (fluency, coherence) and how it relates to its source (consistency, relevance);
/// BRIGHTER: the emotions of surprise and joy, and the three negative ones. Other sets have none.
template <criteria_set Set>
struct remedy_partition {};
template <>
struct remedy_partition<summeval::all> {
  using type = grouped<partition<group<summeval::fluency, summeval::coherence>, group<summeval::consistency, summeval::relevance>>>;
};
template <>
struct remedy_partition<brighter::all> {
  using type = grouped<partition<group<brighter::joy, brighter::surprise>, group<brighter::anger, brighter::fear, brighter::sadness>>>;
};

/// The remedies of the paper's section 5 (docs/remedies.md), each beside the paper's gates none
/// and mae: grouped and routed gradients, the conflict-resolving merge, the length-balanced update,
/// the prefix-shared judge layout, and Pareto search. A tuple of products (see `product`).
template <criteria_set Set>
constexpr auto remedies() {
  constexpr auto two_gates = hana::tuple_t<gate::always, gate::non_regression<metric::mae>>;
  constexpr auto text_merges = hana::tuple_t<merge::labeled_sections, merge::structured>;
  auto all = hana::make_tuple(
      hana::make_tuple(hana::tuple_t<decomposition<separate, judgegrad::routed<specificity::lexical, 6>, combined>,
                                     decomposition<separate, judgegrad::routed<specificity::evaluator, 6>, combined>>,
                       text_merges, two_gates),
      hana::make_tuple(hana::tuple_t<ssc, scc>, hana::tuple_t<merge::conflict_resolving<>, merge::conflict_resolving<merge::structured>>, two_gates),
      hana::make_tuple(hana::tuple_t<ssc, scc, ccc>, two_gates, hana::tuple_t<length::balanced<>>),
      hana::make_tuple(hana::tuple_t<sss, ssc, scc, ccc>, two_gates, hana::tuple_t<layout::prefix_shared>),
      hana::make_tuple(hana::tuple_t<ssc>, hana::tuple_t<algorithm::pareto<>>));
  if constexpr (requires { typename remedy_partition<Set>::type; }) {
    using halves = typename remedy_partition<Set>::type;
    return hana::prepend(all, hana::make_tuple(hana::tuple_t<decomposition<separate, halves, combined>>, text_merges, two_gates));
  } else {
    return all;
  }
}

// A product is a grid of the catalog written as one list of policies per slot (a hana::tuple_t of
// one family's policies; a slot without a list holds its default): its variants are every
// combination, first list outermost. The catalog keeps its grids as tuples of products, so that a
// variant named at run time is found slot by slot, each policy compiled once (`find`), and the
// variant types are made only where they are asked for (`grids`, `visit`).

/// The list of `Family`'s policies in `product`, or its slot's default alone.
template <class Family, class Product>
constexpr auto list_for(Product product) {
  auto found = hana::find_if(product, [](auto list) {
    return hana::bool_c<std::is_same_v<typename decltype(+hana::front(list))::type::family, Family>>;
  });
  if constexpr (decltype(hana::is_nothing(found))::value) return hana::tuple_t<typename slots::slot_of<Family>::fallback>;
  else return found.value();
}

/// The name `spec` gives the slot of `Family` (its default's where the mode has no such choice).
template <class Family>
std::string_view wanted(const variant_spec& spec) {
  constexpr std::string_view fallback = slots::slot_of<Family>::fallback::name;
  if constexpr (std::is_same_v<Family, family::decomposition>) return spec.algorithm().first;
  else if constexpr (std::is_same_v<Family, family::algorithm>) return spec.algorithm().second;
  else if constexpr (std::is_same_v<Family, family::merge>) return spec.has_merge() ? std::string_view(spec.merge) : fallback;
  else if constexpr (std::is_same_v<Family, family::gate>) return spec.gate;
  else if constexpr (std::is_same_v<Family, family::layout>) return spec.has_layout() ? std::string_view(spec.layout) : fallback;
  else if constexpr (std::is_same_v<Family, family::length>) return spec.length;
  else return fallback;  // the scalarizer: definitions do not choose it
}

/// Calls `f(hana::type_c<P>)` with the policy P of `Family` in `product` that `spec` names; false
/// when there is none.
template <class Family, class Product, class F>
bool pick(Product product, const variant_spec& spec, F& f) {
  std::string_view want = wanted<Family>(spec);
  bool hit = false;
  hana::for_each(list_for<Family>(product), [&](auto t) {
    if (!hit && decltype(t)::type::name == want) {
      hit = true;
      f(t);
    }
  });
  return hit;
}

/// Calls `f(hana::type_c<P>)` for each slot's policy P of the variant of `product` that `spec`
/// names, in the order decomposition, merge, gate, scalarizer, layout, length, algorithm; false
/// (and no call) when `product` has no such variant.
template <class Product, class F>
bool find_in(Product product, const variant_spec& spec, F& f) {
  auto each = [&](auto& g) {
    return pick<family::decomposition>(product, spec, g) && pick<family::merge>(product, spec, g) && pick<family::gate>(product, spec, g) &&
           pick<family::scalarizer>(product, spec, g) && pick<family::layout>(product, spec, g) && pick<family::length>(product, spec, g) &&
           pick<family::algorithm>(product, spec, g);
  };
  auto nothing = [](auto) {};
  if (!each(nothing)) return false;
  each(f);
  return true;
}

/// The names of `product`'s variants, in the grid's order, as `variant::name()` spells them.
template <class Product>
void names_in(Product product, std::vector<std::string>& out) {
  // Per slot of the table: the names its list offers; per list of the product, which slot it fills.
  struct slot_names {
    std::string_view label, fallback;
    std::vector<std::string_view> names;
  };
  std::vector<slot_names> table;
  auto add_slot = [&](auto family_type) {
    using Family = typename decltype(family_type)::type;
    slot_names s{Family::label, slots::slot_of<Family>::fallback::name, {}};
    hana::for_each(list_for<Family>(product), [&](auto t) { s.names.push_back(decltype(t)::type::name); });
    table.push_back(std::move(s));
  };
  hana::for_each(hana::tuple_t<family::decomposition, family::algorithm, family::merge, family::gate, family::scalarizer, family::layout,
                               family::length>,
                 add_slot);
  // The lists' order: the product's, then the slots it does not list (one name each).
  std::vector<std::size_t> order;
  hana::for_each(product, [&](auto list) {
    using Family = typename decltype(+hana::front(list))::type::family;
    for (std::size_t k = 0; k < table.size(); ++k)
      if (table[k].label == Family::label) order.push_back(k);
  });
  for (std::size_t k = 0; k < table.size(); ++k)
    if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
  std::vector<std::size_t> at(table.size(), 0);
  for (;;) {
    std::string name(table[0].names[at[0]]);
    for (std::size_t k = 1; k < table.size(); ++k)
      if (table[k].names[at[k]] != table[k].fallback) name += fmt::format("/{}={}", table[k].label, table[k].names[at[k]]);
    out.push_back(std::move(name));
    std::size_t i = order.size();
    while (i > 0) {  // the last list turns fastest
      std::size_t k = order[--i];
      if (++at[k] < table[k].names.size()) break;
      at[k] = 0;
    }
    if (i == 0 && at[order[0]] == 0) return;
  }
}

/// The variants of a tuple of products, as one Hana sequence of `hana::type<variant<Set, ...>>`.
template <criteria_set Set, class Products>
constexpr auto variants_of(Products products) {
  return hana::fold_left(products, hana::make_tuple(), [](auto sofar, auto product) {
    return hana::concat(sofar, hana::unpack(product, [](auto... lists) { return grid<Set>(lists...); }));
  });
}
}  // namespace catalog_detail

/// The compiled variants over criteria set `Set`, in four grids: TextGrad in every mode, merge,
/// gate and layout; the single-task baseline; OPRO; the remedies. Each grid is a tuple of products
/// of slot lists. A program runs a variant named at run time through `find`, which assembles it
/// slot by slot (experiment::run_one does): the whole catalog then compiles in seconds, each policy
/// once. `textgrad()`, `single_task()`, `opro()` and `remedies()` give the grids as sequences of
/// variant types, and `visit` finds a variant's type (each costs seconds per grid to compile).
template <criteria_set Set>
struct catalog {
  static constexpr auto textgrad_products = boost::hana::make_tuple(boost::hana::make_tuple(
      boost::hana::tuple_t<sss, ssc, scc, ccc, css, csc, ccs, scs>, catalog_detail::merges, catalog_detail::gates, catalog_detail::layouts));
  static constexpr auto single_task_products =
      boost::hana::make_tuple(boost::hana::make_tuple(boost::hana::tuple_t<ccc>, boost::hana::tuple_t<algorithm::single_task>, catalog_detail::gates));
  static constexpr auto opro_products = boost::hana::make_tuple(boost::hana::make_tuple(
      boost::hana::tuple_t<algorithm::opro<>, algorithm::opro<metric::mae>>, catalog_detail::gates, catalog_detail::layouts));
  static constexpr auto remedies_products = catalog_detail::remedies<Set>();

  static constexpr auto textgrad() { return catalog_detail::variants_of<Set>(textgrad_products); }
  static constexpr auto single_task() { return catalog_detail::variants_of<Set>(single_task_products); }
  static constexpr auto opro() { return catalog_detail::variants_of<Set>(opro_products); }
  static constexpr auto remedies() { return catalog_detail::variants_of<Set>(remedies_products); }

  /// Calls `f(hana::type_c<P>)` for every slot's policy P of the variant `spec` names, in the
  /// order decomposition, merge, gate, scalarizer, layout, length, algorithm; false (and no call)
  /// when the catalog has no such variant. `f` is compiled once per policy, not per variant.
  template <class F>
  static bool find(const variant_spec& spec, F&& f) {
    auto algorithm = spec.algorithm().second;
    if (algorithm == "single_task") return find_in(single_task_products, spec, f);
    if (algorithm.starts_with("opro")) return find_in(opro_products, spec, f);
    return find_in(textgrad_products, spec, f) || find_in(remedies_products, spec, f);
  }

  /// `find` within one grid's products (`textgrad_products`, ...): `f` is compiled for its
  /// policies alone.
  template <class Products, class F>
  static bool find_in(Products products, const variant_spec& spec, F&& f) {
    bool hit = false;
    boost::hana::for_each(products, [&](auto product) { hit = hit || catalog_detail::find_in(product, spec, f); });
    return hit;
  }

  /// Every variant's name, grid by grid (TextGrad, single-task, OPRO, remedies), as
  /// `variant::name()` spells them.
  static std::vector<std::string> names() {
    std::vector<std::string> out;
    auto in = [&](auto products) {
      boost::hana::for_each(products, [&](auto product) { catalog_detail::names_in(product, out); });
    };
    in(textgrad_products);
    in(single_task_products);
    in(opro_products);
    in(remedies_products);
    return out;
  }

  /// Calls `f(hana::type_c<V>)` for the variant V of `g` that `spec` names; false when `g` has none.
  template <class Grid, class F>
  static bool visit_in(const Grid& g, const variant_spec& spec, F&& f) {
    auto handle = find_variant(g, spec.name());
    if (!handle) return false;
    handle->visit([&](auto v) { f(v); });
    return true;
  }

  /// Calls `f(hana::type_c<V>)` for the variant V that `spec` names, in whichever grid holds it
  /// (instantiates `f` for every variant of the catalog).
  template <class F>
  static bool visit(const variant_spec& spec, F&& f) {
    auto algorithm = spec.algorithm().second;
    if (algorithm == "single_task") return visit_in(single_task(), spec, f);
    if (algorithm.starts_with("opro")) return visit_in(opro(), spec, f);
    return visit_in(textgrad(), spec, f) || visit_in(remedies(), spec, f);
  }
};

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
