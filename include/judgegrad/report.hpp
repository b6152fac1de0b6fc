/// @file
/// Reports made from run directories without a model call: the paper's Table 1.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/report/table1.hpp>
