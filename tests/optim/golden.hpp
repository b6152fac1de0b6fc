// Golden files of the optimizer's tests: tests/optim/golden/<name>.txt. Set
// JUDGEGRAD_UPDATE_GOLDEN=1 to rewrite them from the code (then read the diff).
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace golden {

inline std::string path(std::string_view name) { return fmt::format("{}/optim/golden/{}.txt", JUDGEGRAD_TEST_SOURCE_DIR, name); }

/// Checks `got` against the golden file `name`.
inline void check(std::string_view name, const std::string& got) {
  if (const char* u = std::getenv("JUDGEGRAD_UPDATE_GOLDEN"); u && std::string_view(u) == "1") {
    std::ofstream(path(name), std::ios::binary) << got;
    return;
  }
  std::ifstream in(path(name), std::ios::binary);
  REQUIRE_MESSAGE(in, "missing golden file " << path(name));
  std::stringstream want;
  want << in.rdbuf();
  CHECK_MESSAGE(got == want.str(), "golden " << name << " differs; got:\n" << got);
}

}  // namespace golden
