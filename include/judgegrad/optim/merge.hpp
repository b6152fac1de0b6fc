/// @file
/// Merge policies: how texts written per criterion are joined into one prompt section (a combined
/// call reads them), and how a joint text reaches each criterion when a combined stage feeds a
/// separate one. Every merge policy has
///
/// * `keyed` — whether joint calls answer one JSON object keyed by criterion (then each criterion
///   receives its own part: `route` splits the reply) or free text (each receives all of it);
/// * `route(reply, names)` — what each criterion receives of a joint call's reply;
/// * `join<Set>(pieces, where)` — the groups a combined call shows for a list of texts, each
///   concerning some criteria.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/core/protocol.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace merge {

/// A text and the positions of the criteria it concerns: one for a text written for one
/// criterion, all of them for a joint text.
struct piece {
  std::string text;
  std::vector<std::size_t> criteria;
};

/// Where joined texts go: the critiques of one example in a combined gradient call, or the
/// gradients of the batch in a combined update call.
enum class join_context { critiques, feedback };

/// What each criterion receives of a joint reply.
struct routed {
  std::vector<std::string> texts;    ///< one per criterion, in the order asked for
  std::vector<std::string> missing;  ///< criteria the reply had no part for (keyed merges only)
};

namespace detail {
/// "fluency", "fluency, relevance", ...: the names of `criteria`, in set order.
template <criteria_set Set>
std::string label(const std::vector<std::size_t>& criteria) {
  std::vector<std::size_t> sorted(criteria);
  std::sort(sorted.begin(), sorted.end());
  return criteria_label(Set::names, sorted);
}

/// Each distinct text once, grouped by the criteria it concerns, groups in order of first use.
template <criteria_set Set>
std::vector<protocol::group> by_coverage(std::span<const piece> pieces) {
  std::vector<std::vector<std::size_t>> keys;
  std::vector<protocol::group> out;
  for (const auto& p : pieces) {
    std::vector<std::size_t> key(p.criteria);
    std::sort(key.begin(), key.end());
    auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) {
      keys.push_back(key);
      out.push_back({label<Set>(key), {}});
      at = keys.end() - 1;
    }
    auto& items = out[static_cast<std::size_t>(at - keys.begin())].items;
    if (std::find(items.begin(), items.end(), p.text) == items.end()) items.push_back(p.text);
  }
  return out;
}

/// The whole reply for every criterion.
inline routed broadcast(std::string_view reply, std::span<const std::string_view> names) {
  return {std::vector<std::string>(names.size(), std::string(text::trim(reply))), {}};
}
}  // namespace detail

/// The reference's behaviour. A joint text goes to every criterion whole. Joining, each criterion
/// gets a group under its own name holding every text that concerns it, so a joint gradient shown
/// to a combined update appears once per criterion (the K-fold duplication); critiques shown to a
/// combined gradient skip a text already shown, so a joint critique appears once, labelled with the
/// first criterion although it covers all.
struct concatenate {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "concatenate";
  static constexpr bool keyed = false;

  static routed route(std::string_view reply, std::span<const std::string_view> names) { return detail::broadcast(reply, names); }

  template <criteria_set Set>
  static std::vector<protocol::group> join(std::span<const piece> pieces, join_context where) {
    std::vector<protocol::group> out;
    std::vector<std::string_view> shown;
    for (std::size_t c = 0; c < Set::size; ++c) {
      protocol::group g{std::string(Set::names[c]), {}};
      for (const auto& p : pieces) {
        if (std::find(p.criteria.begin(), p.criteria.end(), c) == p.criteria.end()) continue;
        if (where == join_context::critiques) {
          if (std::find(shown.begin(), shown.end(), p.text) != shown.end()) continue;
          shown.push_back(p.text);
        }
        g.items.push_back(p.text);
      }
      if (!g.items.empty()) out.push_back(std::move(g));
    }
    return out;
  }
};

/// judgegrad's default. A joint text goes to every criterion whole; joining, each distinct text
/// appears once, under a label naming the criteria it really concerns.
struct labeled_sections {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "labeled_sections";
  static constexpr bool keyed = false;

  static routed route(std::string_view reply, std::span<const std::string_view> names) { return detail::broadcast(reply, names); }

  template <criteria_set Set>
  static std::vector<protocol::group> join(std::span<const piece> pieces, join_context) {
    return detail::by_coverage<Set>(pieces);
  }
};

/// Joint calls answer one JSON object keyed by criterion, so each criterion receives only its
/// part; a criterion the reply leaves out is listed as missing (the stage asks once more, then
/// gives that criterion the whole reply and says so in the step's notes). Joining as
/// labeled_sections.
struct structured {
  using family = judgegrad::family::merge;
  static constexpr std::string_view name = "structured";
  static constexpr bool keyed = true;

  static routed route(std::string_view reply, std::span<const std::string_view> names) {
    auto parts = protocol::read_texts_json(reply, names);
    routed out;
    out.texts.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) out.texts.push_back(std::move(parts.texts[i]).value_or(std::string{}));
    out.missing = std::move(parts.missing);
    return out;
  }

  template <criteria_set Set>
  static std::vector<protocol::group> join(std::span<const piece> pieces, join_context) {
    return detail::by_coverage<Set>(pieces);
  }
};

/// A textual analogue of PCGrad: before the update, one extra call (the gradient role) reads the
/// advice each criterion received, names the contradictions between the pieces and the pieces
/// given to one criterion that concern another, and rewrites the advice so that each criterion's
/// part is compatible with the others and concerns that criterion alone (optim/prompts/resolve.hpp).
/// The update reads the rewritten advice; the records keep both (`gradients`, `resolved`,
/// `conflicts`). Joining and routing as `Base`. Named "conflict_resolving", or
/// "conflict_resolving(structured)" with another base.
template <class Base = labeled_sections>
struct conflict_resolving {
  using family = judgegrad::family::merge;
  static constexpr bool keyed = Base::keyed;
  static constexpr bool resolves_conflicts = true;

 private:
  static constexpr auto label = [] {
    fixed_string<64> s("conflict_resolving");
    if (!std::is_same_v<Base, labeled_sections>) s.append("(").append(Base::name).append(")");
    return s;
  }();

 public:
  static constexpr std::string_view name = label.view();

  static routed route(std::string_view reply, std::span<const std::string_view> names) { return Base::route(reply, names); }
  template <criteria_set Set>
  static std::vector<protocol::group> join(std::span<const piece> pieces, join_context where) {
    return Base::template join<Set>(pieces, where);
  }
};

}  // namespace merge

/// Whether merge policy `M` reconciles the gradients before the update.
template <class M>
inline constexpr bool resolves_conflicts = requires { requires M::resolves_conflicts; };

/// A merge policy: a `family::merge` policy with `keyed`, `route` and `join`.
template <class P>
concept merge_policy = policy_of<P, family::merge> && requires(std::string_view reply, std::span<const std::string_view> names,
                                                               std::span<const merge::piece> pieces) {
  { P::keyed } -> std::convertible_to<bool>;
  { P::route(reply, names) } -> std::same_as<merge::routed>;
  { P::template join<detail::probe_criteria>(pieces, merge::join_context::feedback) } -> std::same_as<std::vector<protocol::group>>;
};

JUDGEGRAD_END_NAMESPACE
