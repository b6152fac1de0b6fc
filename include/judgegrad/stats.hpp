/// @file
/// Statistics over judge scores versus human scores: SciPy-exact metrics with coverage, metric
/// types, bootstrap and paired tests, Pareto fronts, hypervolume and scalarizers.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/stats/agreement.hpp>
#include <judgegrad/stats/bootstrap.hpp>
#include <judgegrad/stats/correlation.hpp>
#include <judgegrad/stats/error.hpp>
#include <judgegrad/stats/hypervolume.hpp>
#include <judgegrad/stats/measurement.hpp>
#include <judgegrad/stats/metric.hpp>
#include <judgegrad/stats/paired.hpp>
#include <judgegrad/stats/pareto.hpp>
#include <judgegrad/stats/random.hpp>
#include <judgegrad/stats/ranks.hpp>
#include <judgegrad/stats/scalarizer.hpp>
