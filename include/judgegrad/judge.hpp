/// @file
/// Judges: layouts, prompts and replies.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/judge/layout.hpp>
