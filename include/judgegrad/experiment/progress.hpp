/// @file
/// A progress display for long work: on a terminal one live line, redrawn a few times a second —
/// what is being done, calls answered of those expected, failures, calls per second, an estimate of
/// the time left; elsewhere (a log, CI) a plain line every few seconds; nothing when quiet. It reads
/// an llm::activity, so any backend stack that counts its calls can drive it.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/activity.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// How progress is shown.
enum class progress_mode {
  live,      ///< one line redrawn in place (a terminal)
  periodic,  ///< a plain line every `period` seconds (a log)
  quiet,     ///< nothing
};

/// live when `stream` is a terminal, periodic otherwise; quiet when asked.
inline progress_mode progress_mode_for(std::FILE* stream, bool quiet) {
  if (quiet) return progress_mode::quiet;
  return ::isatty(::fileno(stream)) ? progress_mode::live : progress_mode::periodic;
}

/// "1:02:03", "4:05", "0:07".
inline std::string clock_time(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  auto s = static_cast<long long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

/// Shows the progress of work whose calls `counts` counts, until stopped (or destroyed).
class progress {
 public:
  /// Shows `label` and the counts of `counts` on `out`: redrawn every `period` seconds when live,
  /// printed every `period` when periodic (0: a quarter second live, ten seconds periodic).
  progress(const llm::activity& counts, progress_mode mode, std::string label, std::uint64_t expected_calls, std::FILE* out = stderr,
           double period = 0)
      : counts_(counts), mode_(mode), label_(std::move(label)), expected_(expected_calls), out_(out),
        period_(period > 0 ? period : mode == progress_mode::live ? 0.25 : 10.0),
        start_(std::chrono::steady_clock::now()), base_(counts.answered.load()), base_failed_(counts.failed.load()) {
    if (mode_ == progress_mode::quiet) return;
    thread_ = std::thread([this] { loop(); });
  }
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress() { stop(); }

  /// What is being done, shown before the counts ("step 3/12, run SSC/gate=mae").
  void status(std::string text) {
    std::lock_guard lock(mutex_);
    status_ = std::move(text);
  }
  /// What is being done, asked anew at every redraw (takes the place of `status`); `share`, when
  /// given, tells the share of the work done (0..1), from which the ETA is estimated instead of
  /// from the expected calls. Call before the first redraw matters; both must be safe to call from
  /// the display's thread.
  void describe(std::function<std::string()> status, std::function<double()> share = {}) {
    std::lock_guard lock(mutex_);
    status_fn_ = std::move(status);
    share_fn_ = std::move(share);
  }
  /// More calls are expected (a plan's estimate grew).
  void expect(std::uint64_t calls) { expected_ += calls; }

  /// Ends the display; a live line is finished with its final state.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// The line as it would be shown now; `final`: the last one, shown when the work has ended (the
  /// calls made and the time taken, with no estimate of what was expected).
  std::string line(bool final = false) const {
    std::uint64_t done = counts_.answered.load() - base_, failed = counts_.failed.load() - base_failed_;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    std::uint64_t expected = expected_.load();
    std::string eta = expected > done && rate > 0 ? clock_time(static_cast<double>(expected - done) / rate) : std::string("-");
    std::string status;
    {
      std::lock_guard lock(mutex_);
      status = status_fn_ ? status_fn_() : status_;
      if (share_fn_) {
        double share = share_fn_();
        eta = share > 0 && share < 1 ? clock_time(elapsed * (1 - share) / share) : share >= 1 ? std::string("0:00") : std::string("-");
      }
    }
    if (final)
      return fmt::format("{}: {}{} calls{}, {:.0f}/s, done in {}", label_, status.empty() ? "" : status + ", ", done,
                         failed ? fmt::format(" ({} failed)", failed) : "", rate, clock_time(elapsed));
    double waiting = counts_.rate_limit_wait();
    return fmt::format("{}: {}{}{} calls{}, {:.0f}/s, {} elapsed, ETA {}{}", label_, status.empty() ? "" : status + ", ", done,
                       expected ? fmt::format("/{}", std::max(expected, done)) : std::string(), failed ? fmt::format(" ({} failed)", failed) : "",
                       rate, clock_time(elapsed), eta, waiting >= 1 ? fmt::format(", waiting {:.0f} s for the rate limit", waiting) : std::string());
  }

 private:
  void loop() {
    auto period = std::chrono::duration<double>(period_);
    std::unique_lock lock(mutex_);
    for (bool last = false; !last;) {  // the last line is printed even when the work ended before this thread began
      wake_.wait_for(lock, period, [this] { return stopped_; });
      last = stopped_;
      lock.unlock();
      print(last);
      lock.lock();
    }
  }
  void print(bool last) {
    std::string text = line(last);
    if (mode_ == progress_mode::live) fmt::print(out_, "\r\x1b[2K{}{}", text, last ? "\n" : "");  // erase the line, redraw it
    else fmt::print(out_, "{}\n", text);
    std::fflush(out_);
  }

  const llm::activity& counts_;
  progress_mode mode_;
  std::string label_;
  std::atomic<std::uint64_t> expected_;
  std::FILE* out_;
  double period_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t base_, base_failed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string status_;
  std::function<std::string()> status_fn_;
  std::function<double()> share_fn_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
