/// @file
/// Examples and data sets: what a judge scores and what humans said about it.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/per_criterion.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE

/// One named input of an example, e.g. {"text", <source article>} or {"machine_summary", <summary>}.
struct field {
  std::string name;
  std::string text;
  friend bool operator==(const field&, const field&) = default;
};

/// One item to judge: a stable id, its input fields in prompt order, the human (gold) score for
/// each criterion of `Set` (missing allowed), an optional group key (e.g. the source document)
/// that grouped splits keep together, and metadata: other columns of the row kept for analysis
/// (e.g. SummEval's `model_id`), never shown to the judge.
template <criteria_set Set>
struct example {
  std::string id;
  std::vector<field> inputs;
  per_criterion<Set, std::optional<double>> gold;
  std::string group;
  std::vector<field> metadata;

  /// The input called `name`, or nullptr.
  const field* input(std::string_view name) const {
    for (const auto& f : inputs)
      if (f.name == name) return &f;
    return nullptr;
  }
  /// The metadata field called `name`, or nullptr.
  const field* meta(std::string_view name) const {
    for (const auto& f : metadata)
      if (f.name == name) return &f;
    return nullptr;
  }
};

/// A named, ordered collection of examples.
template <criteria_set Set>
struct dataset {
  using criteria = Set;
  std::string name;
  std::vector<example<Set>> examples;

  std::size_t size() const { return examples.size(); }
  const example<Set>& operator[](std::size_t i) const { return examples[i]; }
  auto begin() const { return examples.begin(); }
  auto end() const { return examples.end(); }

  /// The example with this id, or nullptr.
  const example<Set>* find(std::string_view id) const {
    for (const auto& e : examples)
      if (e.id == id) return &e;
    return nullptr;
  }
};

JUDGEGRAD_END_NAMESPACE
