/// @file
/// Experiments: running grids of variants, progress.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/progress.hpp>
