/// @file
/// The optimizer's policies, variants and grids of variants.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/decomposition.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/grid.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/optim/stage.hpp>
#include <judgegrad/optim/variant.hpp>
