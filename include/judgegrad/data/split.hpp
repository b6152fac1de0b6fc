/// @file
/// Splits and batches: seeded shuffles, disjoint train / validation / test splits (by row or by
/// group), fixed-size batches per step, and the reference implementation's row orders.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/data/random.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// A train / test pair of data sets.
template <criteria_set Set>
struct train_test {
  dataset<Set> train;
  dataset<Set> test;
};

/// Three disjoint parts of one data set.
template <criteria_set Set>
struct splits {
  dataset<Set> train;
  dataset<Set> validation;
  dataset<Set> test;
};

/// Shares of the rows (or groups) that go to validation and test; train takes the rest.
struct split_shares {
  double validation = 0;
  double test = 0;
};

/// The rows of `d` at positions `order`, in that order; the name gets `suffix`.
template <criteria_set Set>
dataset<Set> select(const dataset<Set>& d, std::span<const std::size_t> order, std::string_view suffix = "") {
  dataset<Set> out;
  out.name = d.name + std::string(suffix);
  out.examples.reserve(order.size());
  for (std::size_t i : order) out.examples.push_back(d.examples.at(i));
  return out;
}

/// `d` reordered by `permutation(d.size(), seed)`: pandas' `d.sample(frac=1, random_state=seed)`.
template <criteria_set Set>
dataset<Set> shuffled(const dataset<Set>& d, std::uint32_t seed) {
  auto p = permutation(d.size(), seed);
  return select(d, std::span<const std::size_t>(p));
}

namespace detail {
inline std::size_t share_count(double share, std::size_t n, const char* what) {
  if (!(share >= 0 && share <= 1)) throw std::invalid_argument(fmt::format("judgegrad: split share for {} must lie in [0, 1], got {}", what, share));
  return static_cast<std::size_t>(std::llround(share * static_cast<double>(n)));
}
/// Rows wanted in validation and in test out of `n`: round(share * n) each, checked.
inline std::pair<std::size_t, std::size_t> split_targets(const split_shares& shares, std::size_t n) {
  std::size_t nv = share_count(shares.validation, n, "validation");
  std::size_t nt = share_count(shares.test, n, "test");
  if (nv + nt > n) throw std::invalid_argument("judgegrad: validation and test shares add up to more than the data set");
  return {nv, nt};
}
template <criteria_set Set>
splits<Set> assemble(const dataset<Set>& d, const std::vector<int>& part) {
  std::vector<std::size_t> idx[3];
  for (std::size_t i = 0; i < part.size(); ++i) idx[part[i]].push_back(i);
  return {select(d, std::span<const std::size_t>(idx[0]), "/train"), select(d, std::span<const std::size_t>(idx[1]), "/validation"),
          select(d, std::span<const std::size_t>(idx[2]), "/test")};
}
}  // namespace detail

/// Splits rows at random: the first round(validation * n) positions of `permutation(n, seed)` go to
/// validation, the next round(test * n) to test, the rest to train. Each part keeps the data set's
/// order, so items line up across runs.
template <criteria_set Set>
splits<Set> split_rows(const dataset<Set>& d, split_shares shares, std::uint32_t seed) {
  const std::size_t n = d.size();
  const auto [nv, nt] = detail::split_targets(shares, n);
  auto p = permutation(n, seed);
  std::vector<int> part(n, 0);
  for (std::size_t k = 0; k < nv + nt; ++k) part[p[k]] = k < nv ? 1 : 2;
  return detail::assemble(d, part);
}

/// Splits by group so that no group (e.g. SummEval source article) is in two parts. Groups are
/// taken in order of first appearance and permuted with `permutation(groups, seed)`; whole groups
/// go to validation until it holds at least round(validation * n) rows, then to test likewise, the
/// rest to train. An example with an empty group key is a group of its own.
template <criteria_set Set>
splits<Set> split_groups(const dataset<Set>& d, split_shares shares, std::uint32_t seed) {
  const std::size_t n = d.size();
  const auto [nv, nt] = detail::split_targets(shares, n);
  std::unordered_map<std::string, std::size_t> group_index;
  std::vector<std::size_t> group_of(n), group_size;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = d.examples[i];
    std::string key = e.group.empty() ? "\x1fid:" + e.id : e.group;
    auto [it, fresh] = group_index.emplace(std::move(key), group_size.size());
    if (fresh) group_size.push_back(0);
    group_of[i] = it->second;
    ++group_size[it->second];
  }
  auto p = permutation(group_size.size(), seed);
  std::vector<int> group_part(group_size.size(), 0);
  std::size_t rows_v = 0, rows_t = 0;
  for (std::size_t g : p) {
    if (rows_v < nv) {
      group_part[g] = 1;
      rows_v += group_size[g];
    } else if (rows_t < nt) {
      group_part[g] = 2;
      rows_t += group_size[g];
    }
  }
  std::vector<int> part(n);
  for (std::size_t i = 0; i < n; ++i) part[i] = group_part[group_of[i]];
  return detail::assemble(d, part);
}

/// Throws std::invalid_argument naming the first id, or non-empty group, found in two parts.
template <criteria_set Set>
void check_disjoint(const splits<Set>& s, bool check_groups) {
  const dataset<Set>* parts[3] = {&s.train, &s.validation, &s.test};
  std::unordered_map<std::string, int> id_part, group_part;
  for (int k = 0; k < 3; ++k)
    for (const auto& e : parts[k]->examples) {
      auto [it, fresh] = id_part.emplace(e.id, k);
      if (!fresh && it->second != k)
        throw std::invalid_argument(fmt::format("judgegrad: id '{}' is in {} and {}", e.id, parts[it->second]->name, parts[k]->name));
      if (check_groups && !e.group.empty()) {
        auto [g, gfresh] = group_part.emplace(e.group, k);
        if (!gfresh && g->second != k)
          throw std::invalid_argument(fmt::format("judgegrad: group '{}' is in {} and {}", e.group, parts[g->second]->name, parts[k]->name));
      }
    }
}

/// Fixed-size batches, one per optimization step, without replacement within an epoch: epoch `e`
/// orders the rows by `permutation(n, seed + e)` (mod 2^32) and cuts it into floor(n / size)
/// batches (the few rows left over sit that epoch out); step `s` (from 0) takes batch s mod
/// floor(n / size) of epoch s / floor(n / size).
class batch_schedule {
 public:
  batch_schedule(std::size_t rows, std::size_t batch_size, std::uint32_t seed)
      : rows_(rows), size_(batch_size), seed_(seed) {
    if (batch_size == 0 || batch_size > rows)
      throw std::invalid_argument(fmt::format("judgegrad: batch size {} does not fit {} rows", batch_size, rows));
  }
  std::size_t batch_size() const { return size_; }
  std::size_t batches_per_epoch() const { return rows_ / size_; }

  /// Row positions of the batch for `step`. Stateless (the epoch's order is recomputed), so a
  /// schedule may be shared between threads and a resumed run gets the same batches.
  std::vector<std::size_t> operator()(std::size_t step) const {
    std::size_t per = batches_per_epoch();
    auto epoch = static_cast<std::uint32_t>(step / per);
    auto order = permutation(rows_, static_cast<std::uint32_t>(seed_ + epoch));
    std::size_t k = step % per;
    return {order.begin() + static_cast<std::ptrdiff_t>(k * size_), order.begin() + static_cast<std::ptrdiff_t>((k + 1) * size_)};
  }

 private:
  std::size_t rows_, size_;
  std::uint32_t seed_;
};

/// The reference implementation's row orders (reference notes 1.4, 1.6, 5.1). `train()` and
/// `test()` there are the file's rows reordered by seed 42; the validation batch is the last
/// `size` rows of `train()` reordered by seed 42 again; the training batch of step `s` is the
/// first `size` rows of `train()` reordered by seed |s|.
namespace reference {

/// The order in which the reference reads a split file: `shuffled(d, 42)`.
template <criteria_set Set>
dataset<Set> split_order(const dataset<Set>& file_rows, std::uint32_t seed = 42) {
  return shuffled(file_rows, seed);
}

/// The validation batch drawn from `train` (already in `split_order`): tail(min(size, n)) of
/// `shuffled(train, 42)`. It overlaps the training batches, as in the reference.
template <criteria_set Set>
dataset<Set> validation_batch(const dataset<Set>& train, std::size_t size = 100, std::uint32_t seed = 42) {
  auto p = permutation(train.size(), seed);
  std::size_t k = std::min(size, p.size());
  return select(train, std::span<const std::size_t>(p).subspan(p.size() - k), "/validation");
}

/// The training batch of `step` from `train` (already in `split_order`): head(size) of
/// `shuffled(train, |step|)`.
template <criteria_set Set>
dataset<Set> training_batch(const dataset<Set>& train, std::int64_t step, std::size_t size = 3) {
  auto p = permutation(train.size(), static_cast<std::uint32_t>(step < 0 ? -step : step));
  std::size_t k = std::min(size, p.size());
  return select(train, std::span<const std::size_t>(p).first(k), fmt::format("/step{}", step));
}

}  // namespace reference
}  // namespace data
JUDGEGRAD_END_NAMESPACE
