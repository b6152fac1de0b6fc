/// @file
/// Ready-made criteria sets: SummEval and BRIGHTER.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
