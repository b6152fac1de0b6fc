/// @file
/// The variants an experiment definition can name, compiled: for one criteria set, every
/// decomposition mode x merge x gate x judge layout under TextGrad, the single-task baseline and
/// OPRO under every gate and layout, and the remedies (docs/remedies.md). `visit` finds the variant a job names at run time and calls
/// a function with its type: the run itself is then fully static. Compiling the catalog of one
/// criteria set costs a few seconds once per translation unit: include it in one.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/optim/grid.hpp>
#include <judgegrad/optim/variant.hpp>

#include <boost/hana/concat.hpp>
#include <boost/hana/tuple.hpp>
#include <fmt/format.h>

#include <algorithm>
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
/// the prefix-shared judge layout, and Pareto search.
template <criteria_set Set>
constexpr auto remedies() {
  constexpr auto two_gates = hana::tuple_t<gate::always, gate::non_regression<metric::mae>>;
  constexpr auto text_merges = hana::tuple_t<merge::labeled_sections, merge::structured>;
  auto routed = grid<Set>(hana::tuple_t<decomposition<separate, judgegrad::routed<specificity::lexical, 6>, combined>,
                                        decomposition<separate, judgegrad::routed<specificity::evaluator, 6>, combined>>,
                          text_merges, two_gates);
  auto resolving = grid<Set>(hana::tuple_t<ssc, scc>, hana::tuple_t<merge::conflict_resolving<>, merge::conflict_resolving<merge::structured>>, two_gates);
  auto balanced = grid<Set>(hana::tuple_t<ssc, scc, ccc>, two_gates, hana::tuple_t<length::balanced<>>);
  auto shared = grid<Set>(hana::tuple_t<sss, ssc, scc, ccc>, two_gates, hana::tuple_t<layout::prefix_shared>);
  auto searching = grid<Set>(hana::tuple_t<ssc>, hana::tuple_t<algorithm::pareto<>>);
  auto all = hana::concat(routed, hana::concat(resolving, hana::concat(balanced, hana::concat(shared, searching))));
  if constexpr (requires { typename remedy_partition<Set>::type; }) {
    using halves = typename remedy_partition<Set>::type;
    return hana::concat(grid<Set>(hana::tuple_t<decomposition<separate, halves, combined>>, text_merges, two_gates), all);
  } else {
    return all;
  }
}
}  // namespace catalog_detail

/// The compiled variants over criteria set `Set`, in three grids: TextGrad in every mode, the
/// single-task baseline, OPRO. A program that runs experiments may visit them from different
/// translation units (each grid costs seconds to compile).
template <criteria_set Set>
struct catalog {
  static constexpr auto textgrad = grid<Set>(boost::hana::tuple_t<sss, ssc, scc, ccc, css, csc, ccs, scs>, catalog_detail::merges,
                                             catalog_detail::gates, catalog_detail::layouts);
  static constexpr auto single_task = grid<Set>(boost::hana::tuple_t<ccc>, boost::hana::tuple_t<algorithm::single_task>, catalog_detail::gates);
  static constexpr auto opro = grid<Set>(boost::hana::tuple_t<algorithm::opro<>, algorithm::opro<metric::mae>>, catalog_detail::gates,
                                         catalog_detail::layouts);
  static constexpr auto remedies = catalog_detail::remedies<Set>();

  /// Calls `f(hana::type_c<V>)` for the variant V of `g` that `spec` names; false when `g` has none.
  template <class Grid, class F>
  static bool visit_in(const Grid& g, const variant_spec& spec, F&& f) {
    auto handle = find_variant(g, spec.name());
    if (!handle) return false;
    handle->visit([&](auto v) { f(v); });
    return true;
  }

  /// Calls `f(hana::type_c<V>)` for the variant V that `spec` names, in whichever grid holds it.
  template <class F>
  static bool visit(const variant_spec& spec, F&& f) {
    auto algorithm = spec.algorithm().second;
    if (algorithm == "single_task") return visit_in(single_task, spec, f);
    if (algorithm.starts_with("opro")) return visit_in(opro, spec, f);
    return visit_in(textgrad, spec, f) || visit_in(remedies, spec, f);
  }
};

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
