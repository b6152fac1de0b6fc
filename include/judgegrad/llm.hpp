/// @file
/// Talking to chat models: request and response types, the OpenAI-compatible HTTP backend, the
/// response cache, metering and budgets, per-role configuration and routing.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/llm/activity.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/secret.hpp>
#include <judgegrad/llm/wire.hpp>
#include <judgegrad/llm/rate_limit.hpp>
#include <judgegrad/llm/openai.hpp>
#include <judgegrad/llm/cache.hpp>
#include <judgegrad/llm/meter.hpp>
#include <judgegrad/llm/config.hpp>
#include <judgegrad/llm/config_reader.hpp>
#include <judgegrad/llm/router.hpp>
