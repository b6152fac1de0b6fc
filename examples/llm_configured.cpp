// Points a cached, metered, role-routed backend at the endpoints of a configuration file, asks the
// judge one question, and prints the answer and the meter's report.
//
//     example.llm_configured llm.json          # judgegrad's format or the reference's llm.json
//     example.llm_configured                   # OPENAI_BASE_URL / OPENAI_API_KEY / OPENROUTER_API_KEY
#include <judgegrad/llm.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace llm = judgegrad::llm;

int main(int argc, char** argv) try {
  llm::llm_config config;
  if (argc > 1) {
    config = llm::load_llm_config(argv[1]);
  } else {
    config.endpoints["default"] = llm::openai_options::from_environment();
    config.default_endpoint = "default";
    config.settings(llm::role::judge) = llm::role_settings{"gpt-4o-mini", "", 0.0, 64, 60.0, std::nullopt};
    config.cache = llm::cache_options{"llm-example-cache.sqlite"};
  }
  auto backend = llm::make_backend(config);

  llm::request ask;
  ask.role = llm::role::judge;  // model, temperature and max tokens come from the judge's settings
  ask.messages = {{"user", "Rate the fluency of this sentence from 1 to 5, answering with the digit only: "
                           "\"The cat sat quietly on the warm windowsill.\""}};
  auto results = backend->complete(std::vector<llm::request>{ask});
  if (results[0].ok()) {
    const auto& r = results[0].value();
    fmt::print("{} answered {:?} ({} + {} tokens{})\n", r.model, r.content, r.usage.prompt_tokens,
               r.usage.completion_tokens, r.from_cache ? ", from the cache" : "");
  } else {
    fmt::print("failed ({}): {}\n", llm::to_string(results[0].error().kind), results[0].error().message);
  }
  fmt::print("{}\n", backend->inner().report().to_json());
  return results[0].ok() ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 2;
}
