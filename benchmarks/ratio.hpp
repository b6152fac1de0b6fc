// judgegrad's benchmarks report ratios against a baseline of the same run.
#pragma once

#include <judgegrad/bench/ratio.hpp>

namespace ratio_bench = judgegrad::bench;
