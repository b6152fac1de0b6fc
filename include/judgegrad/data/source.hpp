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

/// The data judgegrad ships (its `data/` folder), found without being told, or empty when none is
/// there. Looked for, in order: beside an installed executable (`<prefix>/bin/x` reads
/// `<prefix>/share/judgegrad/data`, where `cmake --install` puts it); in the source tree an
/// executable was built inside (`<source>/build/.../x` reads `<source>/data`); then the directory the
/// build named (JUDGEGRAD_DEFAULT_DATA, which judgegrad's CMake targets define: the source tree's
/// `data/`, or the installed package's). `executable` defaults to the running program.
inline std::filesystem::path shipped_data_directory(std::filesystem::path executable = {}) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto holds_data = [&](const fs::path& dir) { return fs::is_directory(dir / "summeval", ec) || fs::is_directory(dir / "brighter", ec); };
  if (executable.empty()) executable = fs::read_symlink("/proc/self/exe", ec);
  if (!executable.empty()) {
    auto bin = executable.parent_path();
    if (auto installed = bin.parent_path() / "share" / "judgegrad" / "data"; holds_data(installed)) return installed.lexically_normal();
    for (auto dir = bin; !dir.empty(); dir = dir.parent_path()) {
      if (fs::is_regular_file(dir / "include" / "judgegrad" / "judgegrad.hpp", ec) && holds_data(dir / "data")) return dir / "data";
      if (dir == dir.parent_path()) break;
    }
  }
#ifdef JUDGEGRAD_DEFAULT_DATA
  if (fs::path built = JUDGEGRAD_DEFAULT_DATA; holds_data(built)) return built;
#endif
  return {};
}

/// The directory holding `summeval/` and `brighter/`: `given` when set, else the environment
/// variable `JUDGEGRAD_DATA` when set and non-empty, else `fallback` when non-empty, else the data
/// judgegrad ships (shipped_data_directory); otherwise a load_error saying how to name one.
inline std::filesystem::path data_directory(const std::optional<std::filesystem::path>& given = std::nullopt,
                                            const std::filesystem::path& fallback = {}) {
  if (given && !given->empty()) return *given;
  if (const char* env = std::getenv("JUDGEGRAD_DATA"); env != nullptr && *env != '\0') return env;
  if (!fallback.empty()) return fallback;
  if (auto shipped = shipped_data_directory(); !shipped.empty()) return shipped;
  throw load_error("<data directory>", 0, "",
                   "no data directory: pass one or set the environment variable JUDGEGRAD_DATA to the directory "
                   "holding summeval/ and brighter/ (judgegrad's own data/ folder was not found)");
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
