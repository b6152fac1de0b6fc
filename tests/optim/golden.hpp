// Golden files of the optimizer's tests: tests/optim/golden/<name>.txt. Set
// JUDGEGRAD_UPDATE_GOLDEN=1 to rewrite them from the code (then read the diff). Rewriting checks
// nothing, so it is refused where the environment variable CI is set (CI runners set CI=true):
// there it would make every golden comparison pass.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace golden {

inline std::string path(std::string_view name) { return fmt::format("{}/optim/golden/{}.txt", JUDGEGRAD_TEST_SOURCE_DIR, name); }

/// Whether JUDGEGRAD_UPDATE_GOLDEN=1 asks for the golden files to be rewritten. Under CI (CI set
/// and not empty) that fails the test: a rewritten golden file asserts nothing.
inline bool updating() {
  const char* u = std::getenv("JUDGEGRAD_UPDATE_GOLDEN");
  if (!u || std::string_view(u) != "1") return false;
  if (const char* ci = std::getenv("CI"); ci && *ci)
    FAIL("JUDGEGRAD_UPDATE_GOLDEN=1 while CI=" << std::string_view(ci)
                                                << ": rewriting the golden files would check nothing, so a CI run may not do it; unset "
                                                   "JUDGEGRAD_UPDATE_GOLDEN (or rewrite the files outside CI and commit them)");
  return true;
}

/// Writes `got` to the golden file `name`, and says so.
inline void write(std::string_view name, const std::string& got) {
  std::ofstream out(path(name), std::ios::binary);
  out << got;
  out.close();
  REQUIRE_MESSAGE(out.good(), "could not write golden file " << path(name));
  MESSAGE("golden file written (JUDGEGRAD_UPDATE_GOLDEN=1), nothing checked against it: " << path(name));
}

/// The golden file `name`'s bytes; none when it does not exist.
inline std::optional<std::string> read(std::string_view name) {
  std::ifstream in(path(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream want;
  want << in.rdbuf();
  return want.str();
}

/// Checks `got` against the golden file `name` (rewrites the file instead when updating()).
inline void check(std::string_view name, const std::string& got) {
  if (updating()) {
    write(name, got);
    return;
  }
  auto want = read(name);
  REQUIRE_MESSAGE(want.has_value(), "missing golden file " << path(name));
  CHECK_MESSAGE(got == *want, "golden " << name << " differs; got:\n" << got);
}

}  // namespace golden
