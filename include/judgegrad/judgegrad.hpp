/// @file
/// Everything judgegrad offers; link `judgegrad::judgegrad`. Research code that brings its own
/// backend includes `study.hpp` instead and links `judgegrad::core` alone.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core.hpp>
#include <judgegrad/criteria.hpp>
#include <judgegrad/stats.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/optim.hpp>
#include <judgegrad/experiment.hpp>
#include <judgegrad/report.hpp>
#include <judgegrad/calibration.hpp>
