/// @file
/// Data: loaders (JSON Lines, CSV, the shared SummEval and BRIGHTER files), stable ids, splits.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/data/brighter.hpp>
#include <judgegrad/data/csv.hpp>
#include <judgegrad/data/digest.hpp>
#include <judgegrad/data/error.hpp>
#include <judgegrad/data/jsonl.hpp>
#include <judgegrad/data/mapping.hpp>
#include <judgegrad/data/random.hpp>
#include <judgegrad/data/source.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/data/summeval.hpp>
