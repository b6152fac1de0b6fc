// A fixture for the layering test: core may include no other area.
#pragma once
#include <judgegrad/config.hpp>
#include <judgegrad/sim/random.hpp>
