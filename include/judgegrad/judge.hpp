/// @file
/// Judges: prompts and their rendering (joint and per-criterion layouts), output schemas,
/// parsing and repairing replies, and running a judge over a data set.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/judge/layout.hpp>
#include <judgegrad/judge/metrics.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/record.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/judge/run.hpp>
#include <judgegrad/judge/schema.hpp>
