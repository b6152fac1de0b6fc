/// @file
/// Grids of variants: the Cartesian product of policy lists, iterated statically and looked up by
/// name at run time through a table the compiler builds.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/optim/variant.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/cartesian_product.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

JUDGEGRAD_BEGIN_NAMESPACE

namespace detail {
template <class Grid>
inline constexpr std::size_t grid_size = decltype(boost::hana::length(std::declval<Grid>()))::value;

template <class Grid, std::size_t I>
using variant_at = typename std::remove_cvref_t<decltype(boost::hana::at_c<I>(std::declval<const Grid&>()))>::type;

template <class Grid>
inline constexpr auto grid_names = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<std::string_view, sizeof...(I)>{variant_at<Grid, I>::name()...};
}(std::make_index_sequence<grid_size<Grid>>{});

template <std::size_t N>
constexpr bool all_distinct(const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (names[i] == names[j]) return false;
  return true;
}
}  // namespace detail

/// Every combination of one policy from each list, as a Hana sequence of `hana::type<variant<...>>`.
/// Each list holds policies of one slot; slots not listed take their defaults.
///
///     constexpr auto g = grid<summeval::all>(hana::tuple_t<sss, ssc, scc, ccc>,
///                                            hana::tuple_t<gate::always, gate::non_regression<metric::mae>>);
///     // 8 variants: "SSS", "SSS/gate=mae", "SSC", ...
template <criteria_set Criteria, class... Lists>
constexpr auto grid(Lists... lists) {
  namespace hana = boost::hana;
  // Hana's product of no lists is empty; the grid of no lists is the one default variant.
  auto combinations = [&] {
    if constexpr (sizeof...(Lists) == 0) return hana::make_tuple(hana::make_tuple());
    else return hana::cartesian_product(hana::make_tuple(lists...));
  }();
  auto result = hana::transform(combinations, [](auto combination) {
    return hana::unpack(combination, [](auto... policy) {
      return hana::type_c<variant<Criteria, typename decltype(policy)::type...>>;
    });
  });
  static_assert(detail::all_distinct(detail::grid_names<decltype(result)>),
                "judgegrad::grid: two variants of the grid have the same name (a policy listed twice?)");
  return result;
}

/// Calls `f(hana::type_c<V>)` for every variant V of the grid, in order.
template <class Grid, class F>
constexpr void for_each_variant(const Grid& g, F&& f) {
  boost::hana::for_each(g, static_cast<F&&>(f));
}

/// The names of a grid's variants, in order.
template <class Grid>
constexpr const auto& variant_names(const Grid&) {
  return detail::grid_names<Grid>;
}

/// A variant of `Grid` chosen at run time. `visit(f)` calls `f(hana::type_c<V>)` for the chosen V
/// through one indirect call into a table the compiler built; inside `f` everything is static.
template <class Grid>
class variant_handle {
 public:
  static constexpr std::size_t size = detail::grid_size<Grid>;

  explicit constexpr variant_handle(std::size_t index) : index_(index) {}

  constexpr std::size_t index() const { return index_; }
  constexpr std::string_view name() const { return detail::grid_names<Grid>[index_]; }

  /// Runs `f` with the chosen variant's type. Every instantiation of `f` must return the same type.
  template <class F>
  decltype(auto) visit(F&& f) const {
    using fn = std::remove_reference_t<F>;
    using result = decltype(f(boost::hana::type_c<detail::variant_at<Grid, 0>>));
    static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<result (*)(fn&), size>{+[](fn& g) -> result {
        static_assert(std::is_same_v<decltype(g(boost::hana::type_c<detail::variant_at<Grid, I>>)), result>,
                      "judgegrad::variant_handle::visit: f must return the same type for every variant");
        return g(boost::hana::type_c<detail::variant_at<Grid, I>>);
      }...};
    }(std::make_index_sequence<size>{});
    return table[index_](f);
  }

 private:
  std::size_t index_;
};

/// The variant of `g` called `name`, or nothing when the grid has none by that name.
template <class Grid>
constexpr std::optional<variant_handle<Grid>> find_variant(const Grid& g, std::string_view name) {
  const auto& names = variant_names(g);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return variant_handle<Grid>(i);
  return std::nullopt;
}

JUDGEGRAD_END_NAMESPACE
