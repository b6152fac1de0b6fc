/// @file
/// The vocabulary: criteria, score scales, per-criterion storage and policy families.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/criterion.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/fixed_string.hpp>
#include <judgegrad/core/json_reader.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/judge_prompt.hpp>
#include <judgegrad/core/per_criterion.hpp>
#include <judgegrad/core/policy.hpp>
#include <judgegrad/core/random.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/core/text.hpp>
