/// @file
/// Experiments: grids of variants.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/grid.hpp>
