// Fuzzes the judge reply parser: it must never throw or crash, and an ok score is always on the scale.
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/judge/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
template <class Set>
void check(std::string_view reply) {
  auto r = judgegrad::judge::parse_reply<Set>(reply);
  std::size_t i = 0;
  Set::for_each([&](auto c) {
    using C = typename decltype(c)::type;
    const auto& s = r.scores[i++];
    if (s.ok() && !C::scale.contains(*s.value)) __builtin_trap();
    if (r.status != judgegrad::judge::reply_status::ok && s.ok()) __builtin_trap();
  });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view reply(reinterpret_cast<const char*>(bytes), size);
  check<judgegrad::summeval::all>(reply);
  check<judgegrad::brighter::all>(reply);
  check<judgegrad::criteria<judgegrad::summeval::fluency>>(reply);
  return 0;
}
