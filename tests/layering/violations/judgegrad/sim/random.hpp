// A fixture for the layering test: sim may not include stats.
#pragma once
#include <judgegrad/stats/random.hpp>
