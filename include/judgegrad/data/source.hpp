/// @file
/// Reading data files and finding the data directory (`JUDGEGRAD_DATA`).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/data/error.hpp>

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// The directory holding `summeval/` and `brighter/`: `given` when set, else the environment
/// variable `JUDGEGRAD_DATA` when set and non-empty, else `fallback` when non-empty; otherwise a
/// load_error saying how to name one.
inline std::filesystem::path data_directory(const std::optional<std::filesystem::path>& given = std::nullopt,
                                            const std::filesystem::path& fallback = {}) {
  if (given && !given->empty()) return *given;
  if (const char* env = std::getenv("JUDGEGRAD_DATA"); env != nullptr && *env != '\0') return env;
  if (!fallback.empty()) return fallback;
  throw load_error("<data directory>", 0, "",
                   "no data directory: pass one or set the environment variable JUDGEGRAD_DATA");
}

/// The whole file, padded as simdjson requires. A missing or unreadable file is a load_error
/// naming it.
inline simdjson::padded_string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw load_error(path.string(), 0, "", "no such file (or not a regular file)");
  auto loaded = simdjson::padded_string::load(path.string());
  if (loaded.error()) throw load_error(path.string(), 0, "", "cannot read the file");
  return std::move(loaded).value_unsafe();
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
