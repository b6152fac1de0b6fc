/// @file
/// `column_mapping`: which columns of a data file are the judge's inputs, the human scores, the
/// id, the group and kept metadata; and the one place rows become examples (shared by the CSV and
/// JSON Lines loaders, so both apply the same checks and id rules).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/data/error.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// How the columns of a file map onto an `example<Set>`.
struct column_mapping {
  /// Columns shown to the judge, in prompt order; each becomes a `field` named after its column.
  std::vector<std::string> inputs;
  /// {criterion name, column} pairs; a criterion of the set that is not listed reads the column
  /// of its own name. Every criterion of the set must end up with a column.
  std::vector<std::pair<std::string, std::string>> criteria;
  /// Column holding stable ids; empty means content-hash ids (see `content_id`).
  std::string id;
  /// Column whose value is the group key (grouped splits keep a group together); empty = none.
  std::string group;
  /// When true the group key is the FNV-1a 64 hex of the group column's text (for long texts,
  /// such as SummEval's source article), else the text itself.
  bool hash_group = false;
  /// Columns copied into `example::metadata` when a row has them (absent ones are skipped).
  std::vector<std::string> metadata;
  /// When true, a null or empty score becomes "no gold score" instead of an error.
  bool allow_missing_scores = false;
};

/// The content-hash id of an example: FNV-1a 64 over, for each input field in order, the bytes of
/// its name, 0x1F, its text, 0x1E; written as 16 lower-case hex digits. Stable across runs and
/// machines; changes when any input text changes.
inline std::string content_id(const std::vector<field>& inputs) {
  std::uint64_t h = text::fnv1a64_basis;
  for (const auto& f : inputs) {
    h = text::fnv1a64(f.name, h);
    h = text::fnv1a64("\x1f", h);
    h = text::fnv1a64(f.text, h);
    h = text::fnv1a64("\x1e", h);
  }
  return text::hex64(h);
}

namespace detail {

/// One cell of a row as a loader saw it.
struct cell {
  enum class kind { string, number, null, other };
  kind type = kind::null;
  std::string text;   ///< string value, or the number's source text
  double number = 0;  ///< number kind only
};

/// The mapping resolved against a criteria set: one slot per column the loader must look up.
template <criteria_set Set>
class row_builder {
 public:
  row_builder(const column_mapping& m, std::string file) : mapping_(m), file_(std::move(file)) {
    for (const auto& c : m.criteria)
      if (!Set::contains(c.first))
        throw load_error(file_, 0, c.second, fmt::format("the mapping names criterion '{}', which is not in the set", c.first));
    for (std::size_t i = 0; i < Set::size; ++i) {
      std::string column(Set::names[i]);
      for (const auto& c : m.criteria)
        if (c.first == Set::names[i]) column = c.second;
      criterion_slot_[i] = add(column, true);
    }
    for (const auto& c : m.inputs) input_slots_.push_back(add(c, true));
    if (!m.id.empty()) id_slot_ = add(m.id, true);
    if (!m.group.empty()) group_slot_ = add(m.group, true);
    for (const auto& c : m.metadata) meta_slots_.push_back(add(c, false));
    if (m.inputs.empty()) throw load_error(file_, 0, "", "the column mapping names no input column");
  }

  /// Column names, one per slot.
  const std::vector<std::string>& columns() const { return columns_; }
  bool required(std::size_t slot) const { return required_[slot]; }
  /// The slot of `column`, or npos.
  std::size_t slot_of(std::string_view column) const {
    auto it = index_.find(std::string(column));
    return it == index_.end() ? npos : it->second;
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Builds one example from the cells of a row (one optional cell per slot; nullopt = the row
  /// has no such column). `line` is where the row starts.
  example<Set> build(std::vector<std::optional<cell>>& cells, std::size_t line) {
    for (std::size_t s = 0; s < columns_.size(); ++s)
      if (required_[s] && !cells[s]) throw load_error(file_, line, columns_[s], "missing column");
    example<Set> e;
    for (std::size_t k = 0; k < input_slots_.size(); ++k) {
      std::size_t s = input_slots_[k];
      e.inputs.push_back(field{columns_[s], take_text(*cells[s], s, line)});
    }
    std::size_t i = 0;
    Set::for_each([&](auto c) {
      using C = typename decltype(c)::type;
      std::size_t s = criterion_slot_[i];
      const cell& v = *cells[s];
      std::optional<double> score;
      if (v.type == cell::kind::number) score = v.number;
      else if (v.type == cell::kind::string) score = text::parse_number(v.text);
      bool blank = v.type == cell::kind::null || (v.type == cell::kind::string && text::trim(v.text).empty());
      if (!score) {
        if (!(blank && mapping_.allow_missing_scores))
          throw load_error(file_, line, columns_[s],
                           blank ? std::string("missing score")
                                 : fmt::format("not a number: '{}'", text::excerpt(v.text)));
      } else if (!C::scale.contains(*score)) {
        throw load_error(file_, line, columns_[s],
                         fmt::format("score {} is outside the scale of '{}' ({} to {} in steps of {})", *score,
                                     C::name, C::scale.min, C::scale.max, C::scale.step));
      }
      e.gold.values[i] = score;
      ++i;
    });
    if (id_slot_ != npos) {
      e.id = std::string(text::trim(take_text(*cells[id_slot_], id_slot_, line)));
      if (e.id.empty()) throw load_error(file_, line, columns_[id_slot_], "empty id");
      auto [it, fresh] = seen_.emplace(e.id, line);
      if (!fresh)
        throw load_error(file_, line, columns_[id_slot_],
                         fmt::format("duplicate id '{}' (first seen on line {})", e.id, it->second));
    } else {
      std::string base = content_id(e.inputs);
      std::size_t n = ++hash_count_[base];
      e.id = n == 1 ? base : fmt::format("{}-{}", base, n);
    }
    if (group_slot_ != npos) {
      std::string g = take_text(*cells[group_slot_], group_slot_, line);
      e.group = mapping_.hash_group ? text::hex64(text::fnv1a64(g)) : std::move(g);
    }
    for (std::size_t s : meta_slots_)
      if (cells[s] && cells[s]->type != cell::kind::null) e.metadata.push_back(field{columns_[s], cells[s]->text});
    return e;
  }

 private:
  std::size_t add(const std::string& column, bool required) {
    if (column.empty()) throw load_error(file_, 0, "", "the column mapping has an empty column name");
    auto [it, fresh] = index_.emplace(column, columns_.size());
    if (fresh) {
      columns_.push_back(column);
      required_.push_back(required);
    } else if (required) {
      required_[it->second] = true;
    }
    return it->second;
  }
  std::string take_text(const cell& v, std::size_t slot, std::size_t line) {
    // A copy: one column may serve twice (SummEval's `text` is an input and the group key).
    if (v.type == cell::kind::string || v.type == cell::kind::number) return v.text;
    throw load_error(file_, line, columns_[slot], v.type == cell::kind::null ? "null where text is required"
                                                                             : "not a string");
  }

  column_mapping mapping_;
  std::string file_;
  std::vector<std::string> columns_;
  std::vector<bool> required_;
  std::unordered_map<std::string, std::size_t> index_;
  std::array<std::size_t, Set::size> criterion_slot_{};
  std::vector<std::size_t> input_slots_, meta_slots_;
  std::size_t id_slot_ = npos, group_slot_ = npos;
  std::unordered_map<std::string, std::size_t> seen_;        // id -> first line
  std::unordered_map<std::string, std::size_t> hash_count_;  // content hash -> occurrences
};

}  // namespace detail
}  // namespace data
JUDGEGRAD_END_NAMESPACE
