/// @file
/// A fixed-capacity string usable in constant expressions, so names of composed types
/// ("SSS/gate=mae") are built by the compiler.
#pragma once

#include <judgegrad/config.hpp>

#include <cstddef>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// Characters in a buffer of `Capacity`; appending past it fails to compile in a constant expression.
template <std::size_t Capacity>
struct fixed_string {
  char data[Capacity + 1] = {};
  std::size_t size = 0;

  constexpr fixed_string() = default;
  constexpr fixed_string(std::string_view text) { append(text); }

  constexpr fixed_string& append(std::string_view text) {
    if (size + text.size() > Capacity) throw "judgegrad::fixed_string: name longer than its capacity";
    for (char c : text) data[size++] = c;
    data[size] = '\0';
    return *this;
  }
  /// Appends the decimal digits of `v` ("-12" for -12).
  constexpr fixed_string& append_number(long long v) {
    if (v < 0) {
      append("-");
      v = -v;
    }
    char digits[24] = {};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    while (n > 0) append(std::string_view(&digits[--n], 1));
    return *this;
  }
  constexpr std::string_view view() const { return {data, size}; }
  constexpr operator std::string_view() const { return view(); }
};

JUDGEGRAD_END_NAMESPACE
