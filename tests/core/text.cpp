// text::word_hash64 (the prompt fingerprint in records) against a reference written the obvious way
// (memcpy of each 8-byte word on a little-endian machine), on random texts of every length up to 40
// bytes, plus what a fingerprint must do: length and every byte count, and it folds at compile time.
#include <judgegrad/core/text.hpp>
#include <judgegrad/stats/random.hpp>

#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <string>

namespace test_core_text {

namespace jg = judgegrad;

namespace {

std::uint64_t reference(const std::string& s, std::uint64_t h) {
  const auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  unsigned char tail[8] = {};
  std::memcpy(tail, s.data() + i, s.size() - i);
  tail[7] = static_cast<unsigned char>(s.size() - i);
  std::uint64_t w;
  std::memcpy(&w, tail, 8);
  mix(w);
  return h;
}

}  // namespace

TEST_CASE("word_hash64 equals the word-by-word reference on every length") {
  static_assert(std::endian::native == std::endian::little, "the reference reads words as little-endian");
  jg::stats::xoshiro256 rng(9);
  for (std::size_t n = 0; n <= 40; ++n)
    for (int t = 0; t < 20; ++t) {
      std::string s(n, '\0');
      for (char& c : s) c = static_cast<char>(rng.below(256));
      const std::uint64_t seed = rng();
      INFO("length " << n);
      CHECK(jg::text::word_hash64(s, seed) == reference(s, seed));
    }
}

TEST_CASE("word_hash64: every byte and the length count; it folds at compile time") {
  static_assert(jg::text::word_hash64("abc") != jg::text::word_hash64("abd"));
  const std::string a = "a", a0 = std::string("a") + '\0';
  CHECK(jg::text::word_hash64(a) != jg::text::word_hash64(a0));
  std::string long_text(1000, 'x');
  const auto base = jg::text::word_hash64(long_text);
  for (std::size_t i : {0, 7, 8, 500, 999}) {
    auto changed = long_text;
    changed[i] = 'y';
    CHECK(jg::text::word_hash64(changed) != base);
  }
}
}  // namespace test_core_text
