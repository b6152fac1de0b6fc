/// @file
/// The optimizer: policies (stages, decompositions, merges, gates, algorithms), variants and grids
/// of variants, the role prompts, the stages of a step, records and sinks, and optimize().
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/optim/algorithm.hpp>
#include <judgegrad/optim/decomposition.hpp>
#include <judgegrad/optim/evaluate.hpp>
#include <judgegrad/optim/gate.hpp>
#include <judgegrad/optim/grid.hpp>
#include <judgegrad/optim/lexicon.hpp>
#include <judgegrad/optim/merge.hpp>
#include <judgegrad/optim/optimize.hpp>
#include <judgegrad/optim/prompts/evaluator.hpp>
#include <judgegrad/optim/prompts/gradient.hpp>
#include <judgegrad/optim/prompts/loss.hpp>
#include <judgegrad/optim/prompts/opro.hpp>
#include <judgegrad/optim/prompts/update.hpp>
#include <judgegrad/optim/rating.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/settings.hpp>
#include <judgegrad/optim/stage.hpp>
#include <judgegrad/optim/stages.hpp>
#include <judgegrad/optim/routing.hpp>
#include <judgegrad/optim/resolution.hpp>
#include <judgegrad/optim/prepared.hpp>
#include <judgegrad/optim/variant.hpp>
