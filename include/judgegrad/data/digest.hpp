/// @file
/// `data::digest`: a data set's content in 16 hex digits, so that a run directory can tell whether
/// it is resumed on the data it began with.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/text.hpp>

#include <fmt/format.h>

#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// A 64-bit digest of what judgegrad reads of `d`, in order: each example's id, its inputs (names
/// and texts), its gold scores and its group, as 16 hex digits. Equal data, equal digests; one
/// character, score or row changed, moved, added or removed, another digest (up to a 64-bit hash's
/// collisions). Metadata the judge never sees is left out.
template <criteria_set Set>
std::string digest(const dataset<Set>& d) {
  std::uint64_t h = text::fnv1a64_basis;
  auto mix = [&](std::string_view part) {
    h = text::word_hash64(part, h);
    h = text::fnv1a64(std::string_view("\x1f", 1), h);  // a separator: ("ab","c") and ("a","bc") differ
  };
  for (const auto& e : d.examples) {
    mix(e.id);
    for (const auto& f : e.inputs) mix(f.name), mix(f.text);
    for (const auto& g : e.gold.values) mix(g ? fmt::format("{}", *g) : std::string("-"));
    mix(e.group);
  }
  return text::hex64(h);
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
