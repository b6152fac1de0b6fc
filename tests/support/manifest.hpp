// A run directory's experiment.json for tests that write its runs by hand: a simulated SummEval
// experiment named `name` over the criteria a and b (and `test_items` test items), written by
// judgegrad's own writer.
#pragma once

#include <judgegrad/experiment/directory.hpp>

#include <filesystem>
#include <string>

namespace judgegrad_test {

inline void write_manifest(const std::filesystem::path& root, const std::string& name = "paper", std::size_t test_items = 0) {
  namespace ex = judgegrad::experiment;
  ex::manifest m;
  m.experiment.dataset = "summeval";
  m.experiment.name = name;
  m.simulated = true;
  m.backend = "sim";
  m.criteria = {"a", "b"};
  m.test = test_items;
  ex::files::write_atomic(root / ex::run_files::manifest, ex::to_json(m));
}

}  // namespace judgegrad_test
