// Where the tests find the data sets: JUDGEGRAD_DATA when set, else the build's default.
#pragma once
#include <judgegrad/data/source.hpp>

inline std::filesystem::path test_data_dir() { return judgegrad::data::data_directory(std::nullopt, JUDGEGRAD_TEST_DATA); }
