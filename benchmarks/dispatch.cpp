// Policies composed at compile time cost what hand-written code costs. For K = 4 (SummEval), 5
// (BRIGHTER) and 16 criteria: scalarizers, gates and the structured merge's routing, each called
// statically (as the optimizer calls them), through a virtual function and through std::function,
// beside hand-written loops. Baselines in the same run: the hand-written code, and the static
// call for the virtual and std::function forms. Built on the aggregation kit
// (judgegrad/bench/aggregation.hpp), which users call the same way for their own policies.
#include <judgegrad/bench/aggregation.hpp>
#include <judgegrad/criteria.hpp>

#include <array>
#include <utility>

namespace jg = judgegrad;
namespace jb = judgegrad::bench;

namespace {

// Sixteen criteria "c00" .. "c15" on a 1-5 scale.
template <std::size_t I>
struct synthetic {
  static constexpr std::array<char, 3> text{'c', static_cast<char>('0' + I / 10), static_cast<char>('0' + I % 10)};
  static constexpr std::string_view name{text.data(), text.size()};
  static constexpr std::string_view definition = "A synthetic criterion for the dispatch benchmark.";
  static constexpr jg::score_scale scale{1, 5, 1};
};
using sixteen = decltype([]<std::size_t... I>(std::index_sequence<I...>) {
  return jg::criteria<synthetic<I>...>{};
}(std::make_index_sequence<16>{}));

template <jg::criteria_set Set>
void register_all() {
  jb::add_builtin_scalarizers<Set>();
  jb::add_builtin_gates<Set>();
  jb::add_merge<Set, jg::merge::structured>("merge=structured");
  // The structured merge's routing written out: read the keyed JSON, one text per criterion.
  jb::add_hand_written_merge<Set>("merge=structured", [](std::string_view reply, std::span<const std::string_view> names) {
    auto parts = jg::protocol::read_texts_json(reply, names);
    jg::merge::routed out;
    out.texts.reserve(names.size());
    for (auto& t : parts.texts) out.texts.push_back(t ? std::move(*t) : std::string{});
    out.missing = std::move(parts.missing);
    return out;
  });
}

}  // namespace

int main(int argc, char** argv) {
  using four = jg::summeval::all;
  register_all<four>();
  register_all<jg::brighter::all>();
  register_all<sixteen>();
  // A weighted mean, against the same weights written out.
  jb::add_scalarizer<four, jg::scalar::weighted<2, 1, 1, 1>>("weighted");
  jb::add_hand_written<four>("weighted", [](const jg::per_criterion<four, double>& p) {
    return (2 * p.values[0] + p.values[1] + p.values[2] + p.values[3]) / 5;
  });
  return jb::run(argc, argv);
}
