/// @file
/// Calibrating the simulated world: observations as data (a value, its uncertainty, its source),
/// from published tables (data/observations/) or from run directories, and what a calibration
/// fits to them. The fit itself, <judgegrad/calibration/fit.hpp>, needs NLopt and Eigen (CMake:
/// judgegrad::calibration) and is not included here.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/calibration/observe.hpp>
#include <judgegrad/calibration/spec.hpp>
