/// @file
/// `activity`: live counts of the calls a backend stack has answered, for a progress display. Each
/// request is counted once, by the layer that produced its result: the HTTP backend for a call it
/// made, the cache for a hit, the meter for a refusal, `counted<B>` for a backend that does not
/// count itself (the simulator). Thread-safe; read while batches are in flight.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/types.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Calls answered so far.
struct activity {
  std::atomic<std::uint64_t> answered{0};   ///< results produced, failures included
  std::atomic<std::uint64_t> failed{0};     ///< of those, errors
  std::atomic<std::uint64_t> cache_hits{0};
  /// Until when (std::chrono::steady_clock, in nanoseconds since its epoch) a rate limit holds the
  /// next call back: a request or token bucket, or a Retry-After; 0 when nothing waits. A progress
  /// display shows it, so that a line that does not move says why.
  std::atomic<std::int64_t> rate_limited_until{0};

  /// A rate limit holds calls back until `until`.
  void rate_limited(std::chrono::steady_clock::time_point until) {
    std::int64_t t = until.time_since_epoch().count(), seen = rate_limited_until.load(std::memory_order_relaxed);
    while (seen < t && !rate_limited_until.compare_exchange_weak(seen, t, std::memory_order_relaxed)) {}
  }
  /// Seconds left of the rate-limit wait at `now` (0 when none).
  double rate_limit_wait(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const {
    auto until = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(rate_limited_until.load(std::memory_order_relaxed)));
    return until > now ? std::chrono::duration<double>(until - now).count() : 0.0;
  }

  void count(bool ok, bool cache_hit = false) {
    answered.fetch_add(1, std::memory_order_relaxed);
    if (!ok) failed.fetch_add(1, std::memory_order_relaxed);
    if (cache_hit) cache_hits.fetch_add(1, std::memory_order_relaxed);
  }
};

/// Counts every result of `Backend` into an activity, as each batch returns.
template <class Backend>
  requires chat_backend<std::remove_reference_t<Backend>>
class counted {
 public:
  template <class... Args>
  explicit counted(activity& a, Args&&... inner) : activity_(&a), inner_(std::forward<Args>(inner)...) {}

  std::vector<result> complete(std::span<const request> batch) {
    auto out = inner_.complete(batch);
    for (const auto& r : out) activity_->count(r.ok(), r.ok() && r.value().from_cache);
    return out;
  }
  std::remove_reference_t<Backend>& inner() { return inner_; }

 private:
  activity* activity_;
  Backend inner_;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
