// Shuffles equal NumPy's legacy RandomState (golden file made by golden/make_permutations.py);
// splits are disjoint (by row and by group); batches have a fixed size; the reference orders.
#include <judgegrad/data.hpp>

#include "test_data_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <string>

namespace test_data_splits {

namespace jg = judgegrad;
namespace data = jg::data;

TEST_CASE("random_state and permutation equal NumPy's legacy RandomState, value for value") {
  std::ifstream in(std::string(JUDGEGRAD_TEST_SOURCE_DIR) + "/data/golden/permutations.txt");
  REQUIRE(in.good());
  std::string line;
  int perms = 0, raws = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string kind;
    std::uint64_t seed = 0;
    row >> kind >> seed;
    if (kind == "perm") {
      std::size_t n = 0;
      row >> n;
      std::vector<std::size_t> expected(n);
      for (auto& x : expected) row >> x;
      INFO("seed " << seed << ", n " << n);
      CHECK(data::permutation(n, static_cast<std::uint32_t>(seed)) == expected);
      ++perms;
    } else if (kind == "raw") {
      data::random_state rng(static_cast<std::uint32_t>(seed));
      std::uint64_t x = 0;
      while (row >> x) CHECK(rng.next_uint32() == x);
      ++raws;
    }
  }
  CHECK(perms == 12);
  CHECK(raws == 4);
}

TEST_CASE("random_state: bounded draws stay in range and hit every value") {
  data::random_state rng(7);
  std::vector<int> seen(6, 0);
  for (int i = 0; i < 600; ++i) {
    auto v = rng.interval(5);
    REQUIRE(v <= 5);
    ++seen[v];
  }
  for (int c : seen) CHECK(c > 50);
  CHECK(rng.interval(0) == 0);
  CHECK(rng.interval(0xffffffffffull) <= 0xffffffffffull);  // 64-bit path
}

namespace {
jg::dataset<jg::summeval::all> toy(std::size_t n, std::size_t per_group) {
  jg::dataset<jg::summeval::all> d;
  d.name = "toy";
  for (std::size_t i = 0; i < n; ++i) {
    jg::example<jg::summeval::all> e;
    e.id = fmt::format("e{}", i);
    e.group = per_group ? fmt::format("g{}", i / per_group) : "";
    d.examples.push_back(e);
  }
  return d;
}
}  // namespace

TEST_CASE("split_rows: sizes, disjointness, order kept, seed matters") {
  auto d = toy(100, 0);
  auto s = data::split_rows(d, {.validation = 0.2, .test = 0.3}, 42);
  CHECK(s.validation.size() == 20);
  CHECK(s.test.size() == 30);
  CHECK(s.train.size() == 50);
  CHECK(s.validation.name == "toy/validation");
  data::check_disjoint(s, true);
  auto by_id = [](const auto& part) {
    std::vector<int> v;
    for (const auto& e : part) v.push_back(std::stoi(e.id.substr(1)));
    return v;
  };
  auto t = by_id(s.train);
  CHECK(std::is_sorted(t.begin(), t.end()));  // each part keeps the data set's order
  // Validation = the first 20 positions of the seed-42 permutation.
  auto p = data::permutation(100, 42);
  std::vector<int> expected(p.begin(), p.begin() + 20);
  std::sort(expected.begin(), expected.end());
  CHECK(by_id(s.validation) == expected);
  auto s2 = data::split_rows(d, {.validation = 0.2, .test = 0.3}, 42);
  CHECK(by_id(s2.test) == by_id(s.test));
  auto s3 = data::split_rows(d, {.validation = 0.2, .test = 0.3}, 43);
  CHECK(by_id(s3.test) != by_id(s.test));
  CHECK_THROWS_AS(data::split_rows(d, {.validation = 0.7, .test = 0.4}, 1), std::invalid_argument);

  // A hand-made overlap is caught.
  s.test.examples.push_back(s.train.examples.front());
  CHECK_THROWS_WITH_AS(data::check_disjoint(s, false), doctest::Contains("is in toy/train and toy/test"), std::invalid_argument);
}

TEST_CASE("split_groups: no group in two parts, on the real SummEval file") {
  auto paper = data::summeval_paper(test_data_dir());
  auto s = data::split_groups(paper.test, {.validation = 0.2, .test = 0.5}, 7);
  CHECK(s.train.size() + s.validation.size() + s.test.size() == 480);
  CHECK(s.validation.size() >= 96);
  CHECK(s.test.size() >= 240);
  data::check_disjoint(s, true);
  std::set<std::string> gv, gt;
  for (const auto& e : s.validation) gv.insert(e.group);
  for (const auto& e : s.test) gt.insert(e.group);
  for (const auto& e : s.train) {
    CHECK(gv.count(e.group) == 0);
    CHECK(gt.count(e.group) == 0);
  }
  // A row split of the same data does leak articles: the grouped split is what prevents it.
  auto r = data::split_rows(paper.test, {.validation = 0.2, .test = 0.5}, 7);
  CHECK_THROWS_AS(data::check_disjoint(r, true), std::invalid_argument);
  // Empty group keys: each example is its own group.
  auto solo = data::split_groups(toy(10, 0), {.validation = 0.3, .test = 0.3}, 1);
  CHECK(solo.validation.size() == 3);
  CHECK(solo.test.size() == 3);
}

TEST_CASE("batch_schedule: fixed size, no repeats within an epoch, reproducible") {
  data::batch_schedule b(10, 3, 5);
  CHECK(b.batches_per_epoch() == 3);
  std::set<std::size_t> epoch0;
  for (std::size_t step = 0; step < 3; ++step) {
    auto x = b(step);
    REQUIRE(x.size() == 3);
    epoch0.insert(x.begin(), x.end());
  }
  CHECK(epoch0.size() == 9);  // 9 distinct rows; one sat out
  auto p5 = data::permutation(10, 5), p6 = data::permutation(10, 6);
  CHECK(b(1) == std::vector<std::size_t>(p5.begin() + 3, p5.begin() + 6));
  CHECK(b(4) == std::vector<std::size_t>(p6.begin() + 3, p6.begin() + 6));  // epoch 1 uses seed 6
  CHECK(b(1) == data::batch_schedule(10, 3, 5)(1));
  CHECK_THROWS_AS(data::batch_schedule(2, 3, 0), std::invalid_argument);
}

TEST_CASE("reference orders: train() = seed-42 reorder, validation = tail of another, batch = head") {
  auto paper = data::summeval_paper(test_data_dir());
  auto train = data::reference::split_order(paper.train);
  auto p = data::permutation(160, 42);
  REQUIRE(train.size() == 160);
  CHECK(train[0].id == paper.train[p[0]].id);
  CHECK(train[159].id == paper.train[p[159]].id);
  auto val = data::reference::validation_batch(train);
  REQUIRE(val.size() == 100);
  CHECK(val[0].id == train[p[60]].id);   // the same permutation applied twice
  CHECK(val[99].id == train[p[159]].id);
  auto b3 = data::reference::training_batch(train, 3);
  auto q = data::permutation(160, 3);
  REQUIRE(b3.size() == 3);
  CHECK(b3[0].id == train[q[0]].id);
  CHECK(b3[2].id == train[q[2]].id);
  CHECK(data::reference::training_batch(train, -3)[1].id == b3[1].id);
  // The reference's validation batch overlaps its training data: 100 of 160 rows.
  std::set<std::string> ids;
  for (const auto& e : val) ids.insert(e.id);
  CHECK(ids.size() == 100);
}
}  // namespace test_data_splits
