/// @file
/// `per_criterion<Set, T>`: one value of type T for every criterion of a set.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>

#include <boost/hana/type.hpp>
#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <utility>

JUDGEGRAD_BEGIN_NAMESPACE

/// Fixed-size storage with one `T` per criterion of `Set`: indexed by criterion type at
/// compile time (`get<fluency>(x)`), by name at run time (`x.at("fluency")`), and iterable
/// with the criterion type in hand (`x.for_each([](auto c, auto& v) {...})`).
template <criteria_set Set, class T>
struct per_criterion {
  using set = Set;
  using value_type = T;
  static constexpr std::size_t size = Set::size;

  std::array<T, Set::size> values{};

  /// Every entry set to `value`.
  static constexpr per_criterion filled(const T& value) {
    per_criterion result;
    result.values.fill(value);
    return result;
  }

  /// The value of the criterion called `name`; throws std::out_of_range naming it when absent.
  constexpr T& at(std::string_view name) { return values[checked_index(name)]; }
  constexpr const T& at(std::string_view name) const { return values[checked_index(name)]; }

  constexpr T& operator[](std::size_t i) { return values[i]; }
  constexpr const T& operator[](std::size_t i) const { return values[i]; }

  /// Calls `f(hana::type_c<C>, value)` for every criterion C, in set order.
  template <class F>
  constexpr void for_each(F&& f) {
    each(*this, f);
  }
  template <class F>
  constexpr void for_each(F&& f) const {
    each(*this, f);
  }

  constexpr auto begin() { return values.begin(); }
  constexpr auto end() { return values.end(); }
  constexpr auto begin() const { return values.begin(); }
  constexpr auto end() const { return values.end(); }

  friend constexpr bool operator==(const per_criterion&, const per_criterion&) = default;

 private:
  static constexpr std::size_t checked_index(std::string_view name) {
    std::size_t i = Set::index_of(name);
    if (i == Set::size) throw std::out_of_range(fmt::format("judgegrad: no criterion named '{}' in this set", name));
    return i;
  }
  template <class Self, class F>
  static constexpr void each(Self& self, F& f) {
    std::size_t i = 0;
    Set::for_each([&](auto c) { f(c, self.values[i++]); });
  }
};

/// The value stored for criterion `C`; a criterion outside the set fails to compile.
template <class C, class Set, class T>
constexpr T& get(per_criterion<Set, T>& x) {
  return x.values[Set::template index<C>];
}
template <class C, class Set, class T>
constexpr const T& get(const per_criterion<Set, T>& x) {
  return x.values[Set::template index<C>];
}

JUDGEGRAD_END_NAMESPACE
