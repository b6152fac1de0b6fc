/// @file
/// Everything a study that brings its own backend needs, and links with `judgegrad::core` alone
/// (Boost.Hana, range-v3, fmt): the vocabulary, the ready-made criteria sets, the statistics, the
/// judge (prompts, layouts, reply parsing, evaluation through any llm::chat_backend) and the
/// optimizer with its variants and grids. `judgegrad.hpp` adds data loading, the HTTP backend,
/// the response cache, the simulator and experiments, and needs `judgegrad::judgegrad`.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core.hpp>
#include <judgegrad/criteria.hpp>
#include <judgegrad/stats.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/judge.hpp>
#include <judgegrad/optim.hpp>
