/// @file
/// Reports made from run directories without a model call: the paper's Table 1, calls and costs,
/// and the whole report as Markdown and as one self-contained HTML page with SVG charts.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/report/costs.hpp>
#include <judgegrad/report/html.hpp>
#include <judgegrad/report/svg.hpp>
#include <judgegrad/report/table1.hpp>
