/// @file
/// Calibrating the simulated world: observations as data (a value, its uncertainty, its source),
/// from published tables (data/observations/) or from run directories.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/calibration/observe.hpp>
