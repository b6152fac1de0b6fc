// Test fronts for the hypervolume benchmarks: n points on the positive part of the unit sphere in
// d dimensions, so every point is on the front (the hard case for exact hypervolume).
#pragma once

#include <judgegrad/stats/random.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

inline std::vector<double> sphere_front(std::size_t n, std::size_t dims, std::uint64_t seed) {
  judgegrad::stats::xoshiro256 rng(seed);
  std::vector<double> pts(n * dims);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const double u = 1e-3 + rng.uniform();
      pts[i * dims + d] = u;
      norm += u * u;
    }
    for (std::size_t d = 0; d < dims; ++d) pts[i * dims + d] /= std::sqrt(norm);
  }
  return pts;
}
