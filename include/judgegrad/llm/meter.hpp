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
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
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

  tally& operator+=(const tally& o) {
    calls += o.calls, failures += o.failures, cache_hits += o.cache_hits, refused += o.refused;
    for (auto [a, b] : {std::pair{&used, &o.used}, std::pair{&saved, &o.saved}})
      a->prompt_tokens += b->prompt_tokens, a->completion_tokens += b->completion_tokens, a->cached_tokens += b->cached_tokens;
    usd += o.usd, usd_saved += o.usd_saved, latency_seconds += o.latency_seconds, estimated_usage_calls += o.estimated_usage_calls;
    return *this;
  }
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

  /// Adds `o` (another process's or shard's report) to this one, slice by slice.
  meter_report& operator+=(const meter_report& o) {
    total += o.total;
    for (const auto& [name, t] : o.by_role) by_role[name] += t;
    for (const auto& [name, t] : o.by_model) by_model[name] += t;
    return *this;
  }

  /// The report to_json() wrote. Throws std::invalid_argument naming the field that is wrong.
  static meter_report from_json(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::object top;
    if (auto err = parser.parse(padded).get(top)) throw std::invalid_argument(fmt::format("not a JSON object ({})", simdjson::error_message(err)));
    auto read = [](simdjson::dom::element e, const std::string& at) {
      tally t;
      simdjson::dom::object o;
      if (e.get(o)) throw std::invalid_argument(fmt::format("{}: not an object", at));
      auto count = [&](const char* key, std::uint64_t& v) {
        if (o[key].get_uint64().get(v)) throw std::invalid_argument(fmt::format("{}.{}: missing or not a whole number", at, key));
      };
      auto amount = [&](const char* key, double& v) {
        if (o[key].get_double().get(v)) throw std::invalid_argument(fmt::format("{}.{}: missing or not a number", at, key));
      };
      count("calls", t.calls), count("failures", t.failures), count("cache_hits", t.cache_hits), count("refused", t.refused);
      count("prompt_tokens", t.used.prompt_tokens), count("completion_tokens", t.used.completion_tokens), count("cached_tokens", t.used.cached_tokens);
      count("saved_prompt_tokens", t.saved.prompt_tokens), count("saved_completion_tokens", t.saved.completion_tokens);
      amount("usd", t.usd), amount("usd_saved", t.usd_saved), amount("latency_seconds", t.latency_seconds);
      count("estimated_usage_calls", t.estimated_usage_calls);
      return t;
    };
    meter_report r;
    simdjson::dom::element total;
    if (top["total"].get(total)) throw std::invalid_argument("total: missing");
    r.total = read(total, "total");
    for (auto [key, into] : {std::pair{"by_role", &r.by_role}, std::pair{"by_model", &r.by_model}}) {
      simdjson::dom::object slices;
      if (top[key].get(slices)) throw std::invalid_argument(fmt::format("{}: missing or not an object", key));
      for (auto [name, t] : slices) (*into)[std::string(name)] = read(t, fmt::format("{}.{}", key, std::string(name)));
    }
    return r;
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
    // Each reply is counted the moment it is known when the backend below can say so (a ledger
    // then loses at most the replies in flight when the process dies), else when the batch returns.
    std::vector<char> settled(to_send.size(), 0);
    auto settle = [&](std::size_t k, const result& r) {  // with mutex_ held
      if (settled[k]) return;
      settled[k] = 1;
      const reservation& res = held[k];
      for (reservation* held_for : {&reserved_, &reserved_by_role_[to_send[k].role]}) {
        held_for->calls -= res.calls;
        held_for->tokens -= res.tokens;
        held_for->usd -= res.usd;
      }
      record(to_send[k], r, r.ok() ? cost(to_send[k], r.value()) : 0.0);
    };
    std::vector<result> answers;
    if constexpr (requires { inner_.complete(std::span<const request>(to_send), on_result{}); }) {
      if (!to_send.empty())
        answers = inner_.complete(std::span<const request>(to_send), on_result([&](std::size_t k, const result& r) {
                                    std::lock_guard lock(mutex_);
                                    settle(k, r);
                                    if (options_.on_spend) options_.on_spend(report_, false);
                                  }));
    } else {
      if (!to_send.empty()) answers = inner_.complete(std::span<const request>(to_send));
    }
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < to_send.size(); ++k) {
      settle(k, answers[k]);
      if (answers[k].ok()) {  // priced by the model asked for: an endpoint may answer under a dated snapshot name
        response& v = answers[k].value();
        v.usd = cost(to_send[k], v);
        v.asked_model = to_send[k].model;
      }
      out[origin[k]] = std::move(answers[k]);
    }
    if (options_.on_spend && !to_send.empty()) options_.on_spend(report_, true);
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

  /// Counts `earlier` (what earlier processes of the same run spent, from its ledger) as spent
  /// here: the budgets bound the run, not one process.
  void carry(const meter_report& earlier) {
    std::lock_guard lock(mutex_);
    report_ += earlier;
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

  /// What `v` costs at the price of the model `r` asked for (0 unpriced).
  double cost(const request& r, const response& v) const {
    const price* p = price_of(r.model);
    return p ? p->cost(v.usage) : 0.0;
  }

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

  void record(const request& r, const result& res, double usd) {
    for (tally* t : slices(r)) {
      if (res.ok() && res.value().from_cache) {
        const usage& u = res.value().usage;
        ++t->cache_hits;
        t->saved.prompt_tokens += u.prompt_tokens;
        t->saved.completion_tokens += u.completion_tokens;
        t->saved.cached_tokens += u.cached_tokens;
        t->usd_saved += usd;
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
      t->usd += usd;
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
