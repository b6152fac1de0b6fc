// Uses the full set: a configuration parsed with simdjson, an HTTP backend on libcurl, an SQLite
// response store, the simulator.
#include <judgegrad/judgegrad.hpp>

#include <fmt/core.h>

namespace jg = judgegrad;

int main() {
  auto config = jg::llm::parse_llm_config(R"({"endpoints": {"local": {"base_url": "http://127.0.0.1:9/v1"}}})", "inline");
  jg::llm::openai http(config.endpoints.at("local"));
  jg::llm::response_store store(":memory:");
  jg::sim::world world({{"tone", "How friendly the text sounds.", {1, 5, 1}, {}}});
  fmt::print("{} endpoint, {} cached replies, a world of {} criterion\n", config.endpoints.size(),
             store.size(), world.criteria().size());
}
