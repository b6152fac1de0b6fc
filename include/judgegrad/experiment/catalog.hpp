/// @file
/// The variants an experiment definition can name, compiled: for one criteria set, every
/// decomposition mode x merge x gate x judge layout under TextGrad, the single-task baseline and
/// OPRO under every gate and layout. `visit` finds the variant a job names at run time and calls
/// a function with its type: the run itself is then fully static. Compiling the catalog of one
/// criteria set costs a few seconds once per translation unit: include it in one.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/optim/grid.hpp>
#include <judgegrad/optim/variant.hpp>

#include <boost/hana/tuple.hpp>
#include <fmt/format.h>

#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// The policies a job names, by the names definitions use.
struct variant_spec {
  std::string mode = "SSC";  ///< a decomposition mode, "single-task", "opro" or "opro(mae)"
  std::string gate = "none";
  std::string merge = "labeled_sections";
  std::string layout = "joint";

  /// Whether the mode has a merge step and a choice of layout that matter: OPRO has no merge step,
  /// the single-task baseline judges one criterion (its catalog holds the default merge and layout).
  bool has_merge() const { return mode != "single-task" && !mode.starts_with("opro"); }
  bool has_layout() const { return mode != "single-task"; }

  /// The variant's name, as `variant::name()` spells it: the decomposition, then every slot that
  /// is not its default ("SCC/gate=mae", "CCC/algorithm=single_task/gate=mae").
  std::string name() const {
    auto [decomposition, algorithm] = this->algorithm();
    std::string out(decomposition);
    if (algorithm != "textgrad") out += fmt::format("/algorithm={}", algorithm);
    if (has_merge() && merge != "labeled_sections") out += fmt::format("/merge={}", merge);
    if (gate != "none") out += fmt::format("/gate={}", gate);
    if (has_layout() && layout != "joint") out += fmt::format("/layout={}", layout);
    return out;
  }

  /// The decomposition and algorithm names the mode stands for.
  std::pair<std::string_view, std::string_view> algorithm() const {
    if (mode == "single-task") return {"CCC", "single_task"};  // as the reference ran it: CCC with one criterion
    if (mode == "opro" || mode == "opro(mae)") return {"SSS", mode};
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
    if (algorithm == "textgrad") return visit_in(textgrad, spec, f);
    if (algorithm == "single_task") return visit_in(single_task, spec, f);
    return visit_in(opro, spec, f);
  }
};

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
