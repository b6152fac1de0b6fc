/// @file
/// Readers for the BRIGHTER English files in the shared data directory (`brighter/`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/data/csv.hpp>
#include <judgegrad/data/jsonl.hpp>
#include <judgegrad/data/source.hpp>
#include <judgegrad/data/split.hpp>

#include <filesystem>
#include <optional>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// The official train / dev / test files.
template <criteria_set Set>
struct train_dev_test {
  dataset<Set> train;
  dataset<Set> dev;
  dataset<Set> test;
};

/// BRIGHTER's column mapping: input `text`; the five emotions under their own names; ids from the
/// `id` column when `with_id` (the official CSV files), else content hashes (the paper's copies).
inline column_mapping brighter_mapping(bool with_id) {
  column_mapping m;
  m.inputs = {"text"};
  if (with_id) m.id = "id";
  return m;
}

/// Loads one official BRIGHTER CSV file (`id,text,anger,fear,joy,sadness,surprise`).
template <criteria_set Set = brighter::all>
dataset<Set> load_brighter_csv(const std::filesystem::path& file) {
  return load_csv<Set>(file, brighter_mapping(true));
}

/// Loads one of the reference implementation's BRIGHTER JSON Lines copies (no id column).
template <criteria_set Set = brighter::all>
dataset<Set> load_brighter_jsonl(const std::filesystem::path& file) {
  return load_jsonl<Set>(file, brighter_mapping(false));
}

/// The official track B English files: `brighter/eng-{train,dev,test}.csv`.
template <criteria_set Set = brighter::all>
train_dev_test<Set> brighter_official(const std::optional<std::filesystem::path>& dir = std::nullopt) {
  auto root = data_directory(dir) / "brighter";
  return {load_brighter_csv<Set>(root / "eng-train.csv"), load_brighter_csv<Set>(root / "eng-dev.csv"),
          load_brighter_csv<Set>(root / "eng-test.csv")};
}

/// The paper's copies: `brighter/paper-{train,test}.jsonl`.
template <criteria_set Set = brighter::all>
train_test<Set> brighter_paper(const std::optional<std::filesystem::path>& dir = std::nullopt) {
  auto root = data_directory(dir) / "brighter";
  return {load_brighter_jsonl<Set>(root / "paper-train.jsonl"), load_brighter_jsonl<Set>(root / "paper-test.jsonl")};
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
