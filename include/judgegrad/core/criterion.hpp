/// @file
/// The `criterion` concept: one quality a judge scores, known at compile time.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>

#include <concepts>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// A criterion is a type with a static `name` (the JSON key a judge answers with), a
/// `definition` (what the criterion means, in a sentence or two) and a `scale`.
///
///     struct fluency {
///       static constexpr std::string_view name = "fluency";
///       static constexpr std::string_view definition = "...";
///       static constexpr score_scale scale{1, 5, 1};
///     };
template <class C>
concept criterion = requires {
  { C::name } -> std::convertible_to<std::string_view>;
  { C::definition } -> std::convertible_to<std::string_view>;
  { C::scale } -> std::convertible_to<score_scale>;
};

JUDGEGRAD_END_NAMESPACE
