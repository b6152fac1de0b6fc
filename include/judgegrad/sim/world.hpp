/// @file
/// The simulated LLM world: a memory of a data set's gold labels and its criteria's hidden rubric
/// facets (sim/memory.hpp) that recognises each role's prompt (core/protocol.hpp, the judge prompt
/// contract) and has the role's model answer it (sim/roles/), deterministically in (seed, request
/// content, repeat index). Models llm::chat_backend.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/memory.hpp>
#include <judgegrad/sim/params.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/roles/evaluator.hpp>
#include <judgegrad/sim/roles/gradient.hpp>
#include <judgegrad/sim/roles/judge.hpp>
#include <judgegrad/sim/roles/loss.hpp>
#include <judgegrad/sim/roles/opro.hpp>
#include <judgegrad/sim/roles/optimizer.hpp>
#include <judgegrad/sim/roles/resolver.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

/// The role a prompt plays, told by its sections, for requests that do not carry one: Past
/// instructions or Feedback -> optimizer; Scores -> loss; Critique or Advice -> gradient (Advice:
/// the conflict resolver); Target criterion -> evaluator; Instructions with a Sample or an Output
/// format -> judge.
inline std::optional<llm::role> infer_role(std::span<const section> sections) {
  auto has = [&](std::string_view t) { return find_section(sections, t) != nullptr; };
  if (has(titles::past_instructions) || has(titles::feedback)) return llm::role::optimizer;
  if (has(titles::scores)) return llm::role::loss;
  if (has(titles::critique) || has(titles::advice)) return llm::role::gradient;
  if (has(titles::target_criterion)) return llm::role::evaluator;
  if (has(titles::instructions) && (has(titles::sample) || has(titles::output_format))) return llm::role::judge;
  return std::nullopt;
}

/// The simulated world. Immutable after construction and loading, so one world may answer
/// concurrent requests from many threads.
class world : public memory {
 public:
  using memory::memory;

  /// A world over the criteria of `Set` (built-in facets where known) that knows every example of
  /// each data set given.
  template <criteria_set Set, class... More>
  static world of(params knobs, const dataset<Set>& first, const More&... more) {
    std::vector<criterion_model> models;
    Set::for_each([&](auto c) { models.push_back(model_of<typename decltype(c)::type>()); });
    world w(std::move(models), std::move(knobs));
    w.add(first);
    (w.add(more), ...);
    return w;
  }

  // ---------------------------------------------------------------------------------------------
  // The backend interface.

  /// Answers every request, in order (llm::chat_backend). Never fails: a request the simulator
  /// cannot place still gets a reply saying so.
  std::vector<llm::result> complete(std::span<const llm::request> batch) const {
    std::vector<llm::result> out;
    out.reserve(batch.size());
    const auto& cache = parameters().provider;
    std::unordered_set<std::uint64_t> seen;  // the batch's prefixes so far (provider.prefix_cache_block)
    for (const auto& r : batch) {
      llm::response reply = respond(r);
      if (cache.prefix_cache_block > 0) reply.usage.cached_tokens = cached_prefix_tokens(r, seen);
      out.emplace_back(std::move(reply));
    }
    return out;
  }

  /// The reply to one request.
  llm::response respond(const llm::request& request) const {
    std::string prompt = prompt_of(request);
    auto sections = split_sections(prompt);
    llm::role role = request.role;
    if (role == llm::role::other)
      if (auto r = infer_role(sections)) role = *r;
    std::uint64_t digest = request_digest(request);
    bool json = request.format.type != llm::response_format::kind::text;
    std::string content;
    switch (role) {
      case llm::role::judge: content = roles::judge(*this, sections, digest, json); break;
      case llm::role::loss: content = roles::loss(*this, sections, digest, json); break;
      case llm::role::gradient:
        content = find_section(sections, titles::advice) ? roles::resolver(*this, sections, digest) : roles::gradient(*this, sections, digest, json);
        break;
      case llm::role::optimizer:
        content = find_section(sections, titles::past_instructions) ? roles::opro(*this, sections, digest)
                                                                     : roles::optimizer(*this, sections, digest, request.format.type);
        break;
      case llm::role::evaluator: content = roles::evaluator(*this, sections, digest); break;
      case llm::role::other:
        content =
            "This is the judgegrad simulator (simulated, not a language model). It plays the judge, loss, "
            "gradient, optimizer and evaluator roles of judgegrad's prompts (docs/simulator.md); this request "
            "matched none of them.";
        break;
    }
    llm::response r;
    r.finish_reason = "stop";
    r.usage.prompt_tokens = llm::estimate_prompt_tokens(request);
    if (request.max_tokens && *request.max_tokens >= 0 &&
        llm::estimate_tokens(content) > static_cast<std::uint64_t>(*request.max_tokens)) {
      content = cut_utf8(content, static_cast<std::size_t>(*request.max_tokens) * 4);
      r.finish_reason = "length";
    }
    r.usage.completion_tokens = llm::estimate_tokens(content);
    r.content = std::move(content);
    r.model = "simulated:" + (request.model.empty() ? parameters().model : request.model);
    return r;
  }

 private:
  static std::string prompt_of(const llm::request& request) {
    std::string out;
    for (const auto& m : request.messages) {
      if (m.role == "assistant") continue;
      if (!out.empty()) out += "\n\n";
      out += m.content;
    }
    return out;
  }

  /// The tokens of the longest section-aligned prefix of `request` that an earlier request of the
  /// batch had (in whole blocks, zero below the minimum); records this request's prefixes in `seen`.
  std::uint64_t cached_prefix_tokens(const llm::request& request, std::unordered_set<std::uint64_t>& seen) const {
    std::string text;
    for (const auto& m : request.messages) text += m.role + '\x1f' + m.content + '\x1e';
    std::size_t longest = 0;
    for (std::size_t at = text.find("\n## "); at != std::string::npos; at = text.find("\n## ", at + 1)) {
      std::uint64_t h = fnv1a64(std::string_view(text).substr(0, at));
      if (!seen.insert(h).second) longest = at;
    }
    if (!seen.insert(fnv1a64(text)).second) longest = text.size();
    const auto& knobs = parameters().provider;
    auto tokens = static_cast<double>(llm::estimate_tokens(std::string_view(text).substr(0, longest)));
    if (tokens < knobs.prefix_cache_min) return 0;
    tokens = std::floor(tokens / knobs.prefix_cache_block) * knobs.prefix_cache_block;
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(tokens), llm::estimate_prompt_tokens(request));
  }

  std::uint64_t request_digest(const llm::request& request) const {
    std::uint64_t h = fnv1a64("judgegrad-sim-v1");
    for (const auto& m : request.messages) {
      h = fnv1a64(m.role, h);
      h = fnv1a64(std::string_view("\x1f", 1), h);
      h = fnv1a64(m.content, h);
      h = fnv1a64(std::string_view("\x1e", 1), h);
    }
    return combine({parameters().seed, h, request.seed.value_or(0), request.seed ? 1u : 0u, request.repeat,
                    static_cast<std::uint64_t>(request.format.type)});
  }

  static std::string cut_utf8(const std::string& s, std::size_t n) {
    if (n >= s.size()) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
  }
};

static_assert(llm::chat_backend<world>);

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
