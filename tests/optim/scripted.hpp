// A scripted backend for the optimizer's tests: every role answers in a fixed, readable way computed
// from the request, and every batch is kept, so a test can check the exact sequence of batches and
// what each call saw. No simulator, no network.
#pragma once

#include <judgegrad/core/protocol.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/llm/types.hpp>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace scripted {

namespace jg = judgegrad;
namespace llm = jg::llm;
namespace protocol = jg::protocol;

inline llm::result text(std::string content) {
  llm::response r;
  r.content = std::move(content);
  r.model = "scripted";
  return r;
}

/// The names of the entries of the section `title` of the prompt of `r`.
inline std::vector<std::string> entry_names(const llm::request& r, std::string_view title) {
  const std::string& prompt = r.messages.front().content;
  auto sections = protocol::split_sections(prompt);
  std::vector<std::string> out;
  if (const auto* s = protocol::find_section(sections, title))
    for (const auto& e : protocol::read_entries(s->body)) out.push_back(e.name);
  return out;
}

/// The body of the section `title` as written (escaped).
inline std::string section_body(const llm::request& r, std::string_view title) {
  const std::string& prompt = r.messages.front().content;
  auto sections = protocol::split_sections(prompt);
  const auto* s = protocol::find_section(sections, title);
  return s ? std::string(s->body) : std::string();
}

/// The section `title` as free text (unescaped, trimmed).
inline std::string section_text(const llm::request& r, std::string_view title) { return protocol::unescape(section_body(r, title)); }

/// A backend whose replies are the defaults below unless `override` answers first (a
/// non-empty optional). Judge: 3 for every key of the Output format (or of the Instructions).
/// Loss: "critique of <names> on <example>". Gradient: "gradient for <names>". Update: "new <name>"
/// (one instruction) or {"instructions": {...}}. Keyed (JSON) requests get one object keyed by name.
struct backend {
  std::function<std::optional<llm::result>(const llm::request&)> override;
  std::vector<std::vector<llm::request>> batches;
  int score = 3;

  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    batches.emplace_back(batch.begin(), batch.end());
    std::vector<llm::result> out;
    for (const auto& r : batch) {
      if (override)
        if (auto o = override(r)) {
          out.push_back(*o);
          continue;
        }
      out.push_back(answer(r));
    }
    return out;
  }

  llm::result answer(const llm::request& r) const {
    bool keyed = r.format.type == llm::response_format::kind::json_object;
    auto keyed_reply = [&](const std::vector<std::string>& names, const std::string& what) {
      std::vector<protocol::named_text> parts;
      for (const auto& n : names) parts.push_back({n, fmt::format("{} for {} on {}", what, n, r.tag.example)});
      return text(protocol::write_keyed_json(parts));
    };
    switch (r.role) {
      case llm::role::judge: {
        auto names = entry_names(r, "Instructions");
        std::string json = "{";
        for (std::size_t i = 0; i < names.size(); ++i) json += fmt::format("{}\"{}\": {}", i ? ", " : "", names[i], score);
        return text(json + "}");
      }
      case llm::role::loss: {
        auto names = entry_names(r, "Scores");
        if (keyed) return keyed_reply(names, "critique");
        return text(fmt::format("critique of {} on {}", fmt::join(names, "+"), r.tag.example));
      }
      case llm::role::gradient: {
        auto names = entry_names(r, "Instructions");
        if (keyed) return keyed_reply(names, "gradient");
        return text(fmt::format("gradient for {} on {}", fmt::join(names, "+"), r.tag.example));
      }
      case llm::role::optimizer: {
        auto names = entry_names(r, "Instructions");
        if (names.empty()) {  // OPRO: one candidate per repeat
          names = {"fluency", "relevance", "coherence", "consistency"};
          std::vector<protocol::named_text> set;
          for (const auto& n : names) set.push_back({n, fmt::format("candidate {} for {}", r.repeat, n)});
          return text(protocol::write_instructions_json(set));
        }
        if (names.size() == 1) return text(fmt::format("new {}", names[0]));
        std::vector<protocol::named_text> set;
        for (const auto& n : names) set.push_back({n, fmt::format("new {}", n)});
        return text(protocol::write_instructions_json(set));
      }
      default: return text("5");
    }
  }
};

/// `n` SummEval-shaped examples named prefix0, prefix1, ...; gold 1 + (i + c) % 5 on criterion c,
/// or `flat` on every criterion.
inline jg::dataset<jg::summeval::all> summeval_rows(std::string_view prefix, std::size_t n, std::optional<double> flat = std::nullopt) {
  jg::dataset<jg::summeval::all> d;
  d.name = std::string(prefix);
  for (std::size_t i = 0; i < n; ++i) {
    jg::example<jg::summeval::all> e;
    e.id = fmt::format("{}{}", prefix, i);
    e.inputs = {{"text", fmt::format("Source article {} of {}.", i, prefix)}, {"machine_summary", fmt::format("Summary {}.", i)}};
    for (std::size_t c = 0; c < jg::summeval::all::size; ++c) e.gold[c] = flat ? *flat : static_cast<double>(1 + (i + c) % 5);
    d.examples.push_back(std::move(e));
  }
  return d;
}

}  // namespace scripted
