/// @file
/// Readers for the SummEval files in the shared data directory (`summeval/*.jsonl`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/jsonl.hpp>
#include <judgegrad/data/source.hpp>
#include <judgegrad/data/split.hpp>

#include <filesystem>
#include <optional>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// SummEval's column mapping: inputs `text` (the source article) then `machine_summary`, the four
/// criteria under their own names, content-hash ids, the group key = FNV-1a 64 hex of `text`, and
/// `model_id` kept as metadata when the file has it.
inline column_mapping summeval_mapping() {
  column_mapping m;
  m.inputs = {"text", "machine_summary"};
  m.group = "text";
  m.hash_group = true;
  m.metadata = {"model_id"};
  return m;
}

/// Loads one SummEval JSON Lines file (any of the four shared ones, or one with the same keys).
template <criteria_set Set = summeval::all>
dataset<Set> load_summeval(const std::filesystem::path& file) {
  return load_jsonl<Set>(file, summeval_mapping());
}

/// The paper's split: `summeval/paper-train.jsonl` (160 rows) and `paper-test.jsonl` (480), in file
/// order. Source articles overlap between the two (376 test rows share one with train).
template <criteria_set Set = summeval::all>
train_test<Set> summeval_paper(const std::optional<std::filesystem::path>& dir = std::nullopt) {
  auto root = data_directory(dir) / "summeval";
  return {load_summeval<Set>(root / "paper-train.jsonl"), load_summeval<Set>(root / "paper-test.jsonl")};
}

/// The document-disjoint split: `summeval/docsplit-train.jsonl` (10 articles x 16 systems) and
/// `docsplit-test.jsonl` (30 other articles x 16 systems).
template <criteria_set Set = summeval::all>
train_test<Set> summeval_docsplit(const std::optional<std::filesystem::path>& dir = std::nullopt) {
  auto root = data_directory(dir) / "summeval";
  return {load_summeval<Set>(root / "docsplit-train.jsonl"), load_summeval<Set>(root / "docsplit-test.jsonl")};
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
