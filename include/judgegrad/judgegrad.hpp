/// @file
/// Everything judgegrad offers. Research code that brings its own backend may include the area
/// umbrellas it needs instead (core, stats, optim link no network or storage library).
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
