// Helpers of the unit tests that write files: a fresh directory removed at the end of its scope,
// and the message of the exception a call throws.
#pragma once

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <string>

namespace judgegrad_test {

/// A new, empty directory under the system's temporary directory, named by `prefix`, the process
/// and a counter; removed with everything in it when the object goes.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& prefix = "jg-test") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// The message of the exception `f()` throws; empty when it throws none.
inline std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace judgegrad_test
