// Running a judge over a data set: render the prompt, send every call as one batch, parse the
// replies, and read per-criterion coverage and metrics with bootstrap intervals. Any
// llm::chat_backend works; this one answers from a rule so the program runs offline.
//
//     example.judge_evaluate [data-directory]     (else $JUDGEGRAD_DATA, else the data judgegrad ships)
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>
#include <judgegrad/judge.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <span>
#include <vector>

namespace jg = judgegrad;
namespace judge = jg::judge;

/// A stand-in model: scores by summary length, and wraps every third reply in a code fence.
struct rule_backend {
  std::vector<jg::llm::result> complete(std::span<const jg::llm::request> batch) {
    std::vector<jg::llm::result> out;
    for (const auto& r : batch) {
      const std::string& prompt = r.messages.back().content;
      auto summary = prompt.substr(prompt.find("\nSummary: ") + 10);
      int s = summary.size() < 200 ? 3 : summary.size() < 350 ? 4 : 5;
      std::string json = fmt::format(R"({{"fluency": 5, "relevance": {}, "coherence": {}, "consistency": 5}})", s, s - 1);
      jg::llm::response resp;
      resp.content = (++calls % 3 == 0) ? "```json\n" + json + "\n```" : json;
      out.emplace_back(std::move(resp));
    }
    return out;
  }
  int calls = 0;
};

int main(int argc, char** argv) try {
  auto dir = jg::data::data_directory(argc > 1 ? std::optional<std::filesystem::path>(argv[1]) : std::nullopt);
  auto test = jg::data::summeval_paper(dir).test;

  auto prompt = judge::summeval_prompt();  // seed instructions: "Rate from 1 to 5."
  fmt::print("--- the prompt for the first item ---\n{}---\n", judge::render(prompt, test[0]));

  rule_backend backend;
  judge::judge_settings settings;
  settings.model = "rule";
  auto ev = judge::evaluate(backend, prompt, test, settings);
  fmt::print("{} calls, {} items without a full set of scores\n", ev.calls, ev.failed_items);
  ev.criteria.for_each([](auto c, const judge::criterion_report& r) {
    const auto* rho = r.find("spearman");
    fmt::print("{:12} coverage {:.2f}  spearman {:+.3f} [{:+.3f}, {:+.3f}]  mae {:.3f}\n", decltype(c)::type::name, r.coverage,
               rho->value, rho->low, rho->high, r.find("mae")->value);
  });

  // An optimizer step changes instructions only; the skeleton and output schema stay.
  auto next = prompt.with_instruction("coherence", "Give 5 only when every sentence follows from the one before.");
  auto again = judge::evaluate(backend, next, test, settings);
  fmt::print("same items, same order: {}\n", again.items.front().id == ev.items.front().id);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
