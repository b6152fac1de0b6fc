/// @file
/// Experiments: definitions and presets, the catalog of compiled variants, run directories that
/// survive a killed process, the runner that runs a grid through one backend, progress,
/// shards of a grid and their merge.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/catalog.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/diagnostics/gradients.hpp>
#include <judgegrad/experiment/diagnostics/interference.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/fields.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/inputs.hpp>
#include <judgegrad/experiment/merge.hpp>
#include <judgegrad/experiment/plan.hpp>
#include <judgegrad/experiment/progress.hpp>
#include <judgegrad/experiment/run_directory.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/experiment/runner.hpp>
#include <judgegrad/experiment/shards.hpp>
#include <judgegrad/experiment/state.hpp>
