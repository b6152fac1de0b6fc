/// @file
/// `metered<Backend>`: counts calls, tokens, latency and cost per role and per model, and enforces
/// budgets on calls, tokens and US dollars.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/llm/wire.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Counters for a slice of the calls (all, one role, one model).
struct tally {
  std::uint64_t calls = 0;       ///< calls that reached the backend
  std::uint64_t failures = 0;    ///< of those, how many failed
  std::uint64_t cache_hits = 0;  ///< answered from the cache: no cost
  std::uint64_t refused = 0;     ///< refused by a budget
  usage used;                    ///< tokens paid for
  usage saved;                   ///< tokens the cache hits would have cost
  double usd = 0;
  double usd_saved = 0;
  double latency_seconds = 0;    ///< summed over calls that reached the backend
  std::uint64_t estimated_usage_calls = 0;  ///< calls whose usage the endpoint did not report
};

struct meter_report {
  tally total;
  std::map<std::string, tally> by_role;
  std::map<std::string, tally> by_model;

  /// The report as one JSON object (no secrets: it holds model and role names and numbers only).
  std::string to_json() const {
    json_writer w;
    auto write = [&](const tally& t) {
      w.begin_object()
          .key("calls").value(t.calls).key("failures").value(t.failures).key("cache_hits").value(t.cache_hits)
          .key("refused").value(t.refused)
          .key("prompt_tokens").value(t.used.prompt_tokens).key("completion_tokens").value(t.used.completion_tokens)
          .key("cached_tokens").value(t.used.cached_tokens)
          .key("saved_prompt_tokens").value(t.saved.prompt_tokens).key("saved_completion_tokens").value(t.saved.completion_tokens)
          .key("usd").value(t.usd).key("usd_saved").value(t.usd_saved).key("latency_seconds").value(t.latency_seconds)
          .key("estimated_usage_calls").value(t.estimated_usage_calls)
          .end_object();
    };
    w.begin_object().key("total");
    write(total);
    w.key("by_role").begin_object();
    for (const auto& [name, t] : by_role) {
      w.key(name);
      write(t);
    }
    w.end_object().key("by_model").begin_object();
    for (const auto& [name, t] : by_model) {
      w.key(name);
      write(t);
    }
    w.end_object().end_object();
    return std::move(w).str();
  }
};

/// A chat backend whose calls are counted and bounded. Before a batch goes out, each request
/// reserves its worst case (prompt estimate + `max_tokens` per choice, priced) against the
/// budget; a request that does not fit is refused with `budget_exhausted` and never sent, while
/// requests already in flight finish. Replies then replace their reservations with what they
/// used. Requests the inner backend would answer from its cache (`would_hit`) reserve nothing.
/// Thread-safe.
template <class Backend>
  requires chat_backend<std::remove_reference_t<Backend>>
class metered {
 public:
  template <class... Args>
  explicit metered(meter_options options, Args&&... inner) : options_(std::move(options)), inner_(std::forward<Args>(inner)...) {}

  std::vector<result> complete(std::span<const request> batch) {
    std::vector<std::optional<result>> out(batch.size());
    std::vector<request> to_send;
    std::vector<std::size_t> origin;
    std::vector<reservation> held;
    {
      std::lock_guard lock(mutex_);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const request& r = batch[i];
        reservation res;
        if constexpr (requires { inner_.would_hit(r); }) res.free = inner_.would_hit(r);
        if (!res.free) {
          std::uint64_t reply = r.max_tokens ? std::uint64_t(std::max(0, *r.max_tokens)) : options_.default_completion_tokens;
          res.tokens = estimate_prompt_tokens(r) + std::uint64_t(std::max(1, r.n)) * reply;
          res.calls = 1;
          const price* p = price_of(r.model);
          if (options_.budget.max_usd && !p) {
            out[i] = refuse(r, i, fmt::format("no price configured for model {}, so the USD budget cannot be enforced", r.model));
            continue;
          }
          res.usd = p ? p->cost(usage{estimate_prompt_tokens(r), res.tokens - estimate_prompt_tokens(r), 0}) : 0;
          if (auto why = exceeds(res, r.role)) {
            out[i] = refuse(r, i, *why);
            continue;
          }
          for (reservation* held_for : {&reserved_, &reserved_by_role_[r.role]}) {
            held_for->calls += res.calls;
            held_for->tokens += res.tokens;
            held_for->usd += res.usd;
          }
        }
        held.push_back(res);
        origin.push_back(i);
        to_send.push_back(r);
      }
    }
    std::vector<result> answers;
    if (!to_send.empty()) answers = inner_.complete(std::span<const request>(to_send));
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < to_send.size(); ++k) {
      const reservation& res = held[k];
      for (reservation* held_for : {&reserved_, &reserved_by_role_[to_send[k].role]}) {
        held_for->calls -= res.calls;
        held_for->tokens -= res.tokens;
        held_for->usd -= res.usd;
      }
      record(to_send[k], answers[k]);
      out[origin[k]] = std::move(answers[k]);
    }
    std::vector<result> results;
    results.reserve(batch.size());
    for (auto& r : out) results.push_back(std::move(*r));
    return results;
  }

  /// Whether `r` would be answered without a call (forwarded from the inner backend).
  bool would_hit(const request& r) {
    if constexpr (requires { inner_.would_hit(r); }) return inner_.would_hit(r);
    else return false;
  }

  meter_report report() const {
    std::lock_guard lock(mutex_);
    return report_;
  }
  const meter_options& options() const { return options_; }
  std::remove_reference_t<Backend>& inner() { return inner_; }

 private:
  struct reservation {
    bool free = false;
    std::uint64_t calls = 0;
    std::uint64_t tokens = 0;
    double usd = 0;
  };

  const price* price_of(std::string_view model) const {
    if (auto it = options_.prices.find(model); it != options_.prices.end()) return &it->second;
    if (auto it = options_.prices.find("*"); it != options_.prices.end()) return &it->second;
    return nullptr;
  }

  std::optional<std::string> exceeds(const reservation& res, role r) {
    if (auto why = exceeds(res, options_.budget, report_.total, reserved_, "")) return why;
    if (auto it = options_.role_budgets.find(r); it != options_.role_budgets.end())
      return exceeds(res, it->second, report_.by_role[std::string(to_string(r))], reserved_by_role_[r],
                     fmt::format("role {} ", to_string(r)));
    return std::nullopt;
  }

  static std::optional<std::string> exceeds(const reservation& res, const budget& b, const tally& t, const reservation& held,
                                            const std::string& scope) {
    if (b.max_calls && t.calls + held.calls + res.calls > *b.max_calls)
      return fmt::format("{}max_calls {} reached ({} made, {} in flight)", scope, *b.max_calls, t.calls, held.calls);
    if (b.max_tokens && t.used.total() + held.tokens + res.tokens > *b.max_tokens)
      return fmt::format("{}max_tokens {} would be exceeded ({} used, {} reserved in flight, up to {} for this request)", scope,
                         *b.max_tokens, t.used.total(), held.tokens, res.tokens);
    if (b.max_usd && t.usd + held.usd + res.usd > *b.max_usd)
      return fmt::format("{}max_usd {:.4f} would be exceeded ({:.4f} spent, {:.4f} reserved in flight, up to {:.4f} for this request)",
                         scope, *b.max_usd, t.usd, held.usd, res.usd);
    return std::nullopt;
  }

  result refuse(const request& r, std::size_t index, const std::string& why) {
    for (tally* t : slices(r)) ++t->refused;
    if (options_.activity) options_.activity->count(false);
    return result(error{error_kind::budget_exhausted, 0,
                        fmt::format("budget exhausted: {}; request {} (role {}, model {}) was not sent", why, index,
                                    to_string(r.role), r.model),
                        {}, 0});
  }

  std::array<tally*, 3> slices(const request& r) {
    return {&report_.total, &report_.by_role[std::string(to_string(r.role))], &report_.by_model[r.model]};
  }

  void record(const request& r, const result& res) {
    const price* p = price_of(r.model);
    for (tally* t : slices(r)) {
      if (res.ok() && res.value().from_cache) {
        const usage& u = res.value().usage;
        ++t->cache_hits;
        t->saved.prompt_tokens += u.prompt_tokens;
        t->saved.completion_tokens += u.completion_tokens;
        t->saved.cached_tokens += u.cached_tokens;
        if (p) t->usd_saved += p->cost(u);
        continue;
      }
      ++t->calls;
      if (!res.ok()) {
        ++t->failures;
        continue;
      }
      const response& v = res.value();
      t->used.prompt_tokens += v.usage.prompt_tokens;
      t->used.completion_tokens += v.usage.completion_tokens;
      t->used.cached_tokens += v.usage.cached_tokens;
      t->latency_seconds += v.latency_seconds;
      if (v.usage_estimated) ++t->estimated_usage_calls;
      if (p) t->usd += p->cost(v.usage);
    }
  }

  meter_options options_;
  Backend inner_;
  mutable std::mutex mutex_;
  meter_report report_;
  reservation reserved_;
  std::map<role, reservation> reserved_by_role_;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
