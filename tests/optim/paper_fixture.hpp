// The optimizer's tests on the simulator: the SummEval paper split (100 of its 160 training rows
// for validation, by source article; the 480 test rows) and a paper-preset world that knows them.
#pragma once

#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/sim.hpp>

#include "../data/test_data_dir.hpp"

namespace paper {

namespace jg = judgegrad;
using se = jg::summeval::all;

struct fixture {
  jg::data::train_test<se> paper = jg::data::summeval_paper<se>(test_data_dir());
  jg::sim::world world = jg::sim::world::of(jg::sim::preset("paper"), paper.train, paper.test);
  jg::data::splits<se> data = [&] {
    auto s = jg::data::split_groups(paper.train, {0.625, 0.0}, 42);
    return jg::data::splits<se>{std::move(s.train), std::move(s.validation), paper.test};
  }();
};

/// The one fixture of a test program, built on first use.
inline const fixture& f() {
  static const fixture x;
  return x;
}

}  // namespace paper
