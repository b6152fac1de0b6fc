// A fixture for the layering test: judge/ is linkable with judgegrad::core, so no simdjson.
#pragma once
#include <vector>
#include <simdjson.h>
