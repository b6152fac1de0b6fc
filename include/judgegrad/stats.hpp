/// @file
/// Statistics over judge scores versus human scores.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/scalarizer.hpp>
