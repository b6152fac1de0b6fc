/// @file
/// A token bucket: a per-minute limit on requests or tokens that allows short bursts.
#pragma once

#include <judgegrad/config.hpp>

#include <algorithm>
#include <chrono>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Refills at `per_minute / 60` per second up to `burst_seconds` worth of it (at least 1); a
/// limit of 0 means unlimited.
/// Takes may drive the level below zero (a correction after the real usage is known, or a take
/// larger than the whole bucket), which later takes then wait out. Not thread-safe.
class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  explicit token_bucket(double per_minute = 0, double burst_seconds = 60, clock::time_point now = clock::now())
      : rate_(per_minute / 60.0),
        capacity_(per_minute <= 0 ? 0 : std::max(1.0, rate_ * burst_seconds)),
        level_(capacity_),
        last_(now) {}

  bool unlimited() const { return capacity_ <= 0; }

  /// Seconds to wait before `amount` can be taken (0: take it now with `take`).
  double wait_for(double amount, clock::time_point now) {
    if (unlimited()) return 0;
    refill(now);
    double need = std::min(amount, capacity_);  // a take larger than the bucket waits for a full one
    if (level_ >= need) return 0;
    return (need - level_) / rate_;
  }

  void take(double amount, clock::time_point now) {
    if (unlimited()) return;
    refill(now);
    level_ -= amount;
  }

  /// Gives back (or, negative, takes more of) what an estimate got wrong.
  void adjust(double amount) {
    if (!unlimited()) level_ = std::min(capacity_, level_ + amount);
  }

 private:
  void refill(clock::time_point now) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      level_ = std::min(capacity_, level_ + elapsed * rate_);
      last_ = now;
    }
  }

  double rate_;
  double capacity_;
  double level_;
  clock::time_point last_;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
