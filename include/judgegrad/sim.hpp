/// @file
/// The simulated LLM world (docs/simulator.md): rubric facets, knobs, the prompt protocol of the
/// optimizer roles, the simulator backend and its OpenAI-compatible HTTP server.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/sim/params.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/rubric.hpp>
#include <judgegrad/sim/text.hpp>
#include <judgegrad/sim/world.hpp>
