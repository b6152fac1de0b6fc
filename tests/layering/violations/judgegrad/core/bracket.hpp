// A fixture for the layering test: an unbalanced [ in a comment does not hide the lines after it.
#pragma once
#include <judgegrad/sim/random.hpp>
