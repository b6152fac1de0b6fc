// What every `judgegrad` command shares: exit codes, errors in the tool's words, the data
// directory, the backend (a configured endpoint stack or the simulator, labelled by what answers),
// output files checked before the first call.
#pragma once

#include <judgegrad/data/error.hpp>
#include <judgegrad/data/source.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/judge/forward.hpp>
#include <judgegrad/llm/activity.hpp>
#include <judgegrad/llm/config.hpp>
#include <judgegrad/llm/meter.hpp>
#include <judgegrad/llm/types.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <variant>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {
class world;
struct params;
}  // namespace sim
JUDGEGRAD_END_NAMESPACE

namespace judgegrad_cli {

namespace jg = judgegrad;

/// The tool's exit codes, the same for every command (README, "Exit codes").
enum exit_code : int {
  exit_ok = 0,
  exit_internal = 1,       ///< a bug: please report it
  exit_usage = 2,          ///< the command line: an unknown command or flag, a value out of range, an output file that cannot be written
  exit_data = 3,           ///< a data file is missing, empty or malformed
  exit_configuration = 4,  ///< an LLM, simulator or experiment configuration file is missing or wrong
  exit_backend = 5,        ///< model calls failed: coverage below --min-coverage, an endpoint that does not answer
  exit_budget = 6,         ///< a configured budget ran out
  exit_storage = 7,        ///< a run directory cannot be written or read (a full disk, permissions, a damaged file), or another process holds it
  exit_no_fit = 8,         ///< calibrate: no setting of the knobs fits the training observations (the report says how far)
};

/// An error of a known class: its message is shown as is, and it exits with `code`.
struct failure : std::runtime_error {
  failure(exit_code c, std::string what) : std::runtime_error(std::move(what)), code(c) {}
  exit_code code;
};

/// Runs a command's body `f`: storage and state errors are exit 7, definition errors exit 4, with
/// the library's message.
template <class F>
int guarded(F&& f) {
  try {
    return f();
  } catch (const jg::experiment::storage_error& e) {
    throw failure(exit_storage, e.what());
  } catch (const jg::experiment::definition_error& e) {
    throw failure(exit_configuration, e.what());
  }
}

/// Ctrl-C (SIGINT) and SIGTERM during a command that calls models. The first stops new calls (the
/// backend answers them `cancelled` without sending them), lets those in flight finish for up to
/// `grace_seconds`, then abandons them; the command commits what finished, says how to go on and
/// exits 130 (SIGINT) or 143 (SIGTERM). A second Ctrl-C ends the process at once, with exit 130:
/// what was committed stays, the step in progress is lost.
namespace interrupts {
inline std::atomic<int> received{0};  ///< the first signal, 0 before one
inline constexpr double grace_seconds = 5;

extern "C" inline void on_signal(int signal) {
  int none = 0;
  if (!received.compare_exchange_strong(none, signal)) ::_exit(128 + SIGINT);  // the second: at once
}

/// Whether a stop was asked for.
inline bool requested() { return received.load() != 0; }

/// The exit code of the stop asked for: 130 for SIGINT, 143 for SIGTERM.
inline exit_code code() { return static_cast<exit_code>(128 + received.load()); }

/// Installs the handlers for the life of a command; `abandon` (called from a watcher thread once
/// the grace period has passed after the first signal) abandons the calls in flight.
class guard {
 public:
  explicit guard(std::function<void()> abandon = {}) : abandon_(std::move(abandon)) {
    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigemptyset(&action.sa_mask);
    for (int s : {SIGINT, SIGTERM}) ::sigaction(s, &action, &previous_[s == SIGINT ? 0 : 1]);
    watcher_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!done_ && !requested()) wake_.wait_for(lock, std::chrono::milliseconds(50));
      if (done_) return;
      if (!wake_.wait_for(lock, std::chrono::duration<double>(grace_seconds), [&] { return done_; }) && abandon_) abandon_();
    });
  }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;
  ~guard() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    watcher_.join();
    ::sigaction(SIGINT, &previous_[0], nullptr);
    ::sigaction(SIGTERM, &previous_[1], nullptr);
  }

 private:
  std::function<void()> abandon_;
  struct sigaction previous_[2] {};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread watcher_;
};
}  // namespace interrupts

/// The data directory: --data, else $JUDGEGRAD_DATA, else the data judgegrad ships, found from this
/// executable (installed, or built inside a source tree) or the source tree it was built from, so
/// the tool works from any directory. Missing: a data error saying how to name one.
inline std::filesystem::path data_dir(const std::string& given) {
  std::filesystem::path dir;
  std::string from;
  if (!given.empty()) dir = given, from = "--data";
  else if (const char* env = std::getenv("JUDGEGRAD_DATA"); env && *env) dir = env, from = "JUDGEGRAD_DATA";
  else dir = jg::data::shipped_data_directory(), from = "judgegrad's own data/ folder";
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec))
    throw failure(exit_data, fmt::format("no data directory at '{}' ({}); pass --data DIR or set JUDGEGRAD_DATA to the directory "
                                         "holding summeval/ and brighter/",
                                         dir.empty() ? std::string("<none found>") : dir.string(), from));
  return dir;
}

/// Runs `load` (data loading), turning a data error into one that says how to point at the data.
template <class F>
auto load_data(const std::filesystem::path& dir, F&& load) {
  try {
    return load();
  } catch (const jg::data::load_error& e) {
    throw failure(exit_data, fmt::format("{}\n(data directory {}; pass --data DIR or set JUDGEGRAD_DATA to use another)", e.what(), dir.string()));
  }
}

/// An output file, opened (and so checked) before any model call; written at the end.
class output_file {
 public:
  output_file() = default;
  output_file(const std::string& path, std::string_view flag) : path_(path) {
    if (path.empty()) return;
    stream_ = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
    if (!*stream_) throw failure(exit_usage, fmt::format("{} {}: cannot write this file ({})", flag, path, std::strerror(errno)));
  }
  explicit operator bool() const { return stream_ != nullptr; }
  void write(std::string_view text) {
    if (!stream_) return;
    *stream_ << text;
    stream_->flush();
    if (!*stream_) throw failure(exit_usage, fmt::format("{}: writing failed ({})", path_, std::strerror(errno)));
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<std::ofstream> stream_;
};

/// Whether `program` is an executable file in a directory of $PATH.
inline bool on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::filesystem::path dir(std::string(dirs.substr(0, colon)));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (!dir.empty() && ::access((dir / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

/// "1 run", "3 runs": a count with its noun.
inline std::string counted(std::size_t n, std::string_view noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

/// The `n` names of `candidates` nearest to `name` (edit distance, letters compared without case),
/// nearest first: what a message suggests for a misspelt name.
inline std::vector<std::string> nearest_names(std::string_view name, const std::vector<std::string_view>& candidates, std::size_t n = 3) {
  auto distance = [&](std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= name.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t up = row[j];
        bool same = std::tolower(static_cast<unsigned char>(name[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  for (auto c : candidates) scored.emplace_back(distance(c), c);
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(n, scored.size()); ++i) out.emplace_back(scored[i].second);
  return out;
}

/// A CLI11 check: an integer of at least `low`, in the tool's words.
inline CLI::Validator at_least(long long low) {
  return CLI::Validator(
      [low](std::string& value) -> std::string {
        try {
          std::size_t used = 0;
          long long v = std::stoll(value, &used);
          if (used != value.size()) return fmt::format("'{}' is not a whole number", value);
          if (v < low) return fmt::format("must be {} or more, not {}", low, v);
          return {};
        } catch (const std::exception&) {
          return fmt::format("'{}' is not a whole number", value);
        }
      },
      fmt::format("INT >= {}", low), "at_least");
}

/// A CLI11 check: a number in [low, high].
inline CLI::Validator between(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& value) -> std::string {
        try {
          std::size_t used = 0;
          double v = std::stod(value, &used);
          if (used != value.size() || !(v >= low && v <= high)) return fmt::format("must lie in {}..{}, not {}", low, high, value);
          return {};
        } catch (const std::exception&) {
          return fmt::format("'{}' is not a number", value);
        }
      },
      fmt::format("NUMBER in {}..{}", low, high), "between");
}

/// The simulator's knobs: preset `preset`, with the knob file `file` over it when one is given (its
/// own "preset" wins). An unknown preset exits 2, a bad file 4, each named.
jg::sim::params simulator_knobs(const std::string& preset, const std::string& file);

/// The simulated world of a data set (experiment::simulated_world), a data error in the tool's words.
jg::sim::world simulated_world(std::string_view dataset, const std::filesystem::path& dir, const jg::sim::params& p,
                               std::string_view first_split = "paper");

/// The backend a command talks to: the endpoints of a configuration file, or the simulator. Both
/// settle every call's parameters by the settings precedence (llm::role_defaults) and count their
/// calls for the progress display. Its stacks are compiled once, in backend.cpp.
class backend {
 public:
  backend();
  backend(backend&&) noexcept;
  backend& operator=(backend&&) noexcept;
  ~backend();

  /// The stack of `config_file` (roles the command needs: `roles`); `cache`, when given, is the
  /// response cache in place of the file's. With `ledger`, a run directory: what earlier processes
  /// spent there (its spend.json) counts against the budgets, and every batch's spending is
  /// written back to it.
  static backend from_config(const std::string& config_file, std::initializer_list<jg::llm::role> roles, std::string_view command,
                             std::optional<std::filesystem::path> cache = std::nullopt,
                             std::optional<std::filesystem::path> ledger = std::nullopt, const jg::llm::budget& raised = {});
  /// The configuration `config_file` holds, checked for the roles a command needs, with the
  /// limits given on the command line in place of the file's; exit 4 naming the file and key.
  static jg::llm::llm_config load_config(const std::string& config_file, std::initializer_list<jg::llm::role> roles, std::string_view command,
                                         const jg::llm::budget& raised = {});
  /// The stack of a loaded configuration (see above).
  static backend from_config(jg::llm::llm_config loaded, const std::string& config_file, std::optional<std::filesystem::path> cache = std::nullopt,
                             std::optional<std::filesystem::path> ledger = std::nullopt);
  /// The simulator over `world`, named `name` ("preset 'paper'"), its replies kept in `cache` when given.
  static backend from_world(const jg::sim::world& world, std::string name, std::optional<std::filesystem::path> cache = std::nullopt);

  /// A batch of calls; after Ctrl-C every call comes back `cancelled`, unsent.
  std::vector<jg::llm::result> complete(std::span<const jg::llm::request> batch);
  /// Abandons the calls in flight to endpoints (their results come back `cancelled`).
  void abandon();

  /// True once any reply came from a simulated model (through the in-process world or any server).
  bool simulated() const { return simulated_; }
  const std::string& description() const { return description_; }
  const jg::llm::activity& activity() const { return *activity_; }
  const std::optional<jg::llm::llm_config>& config() const { return config_; }
  /// The meter's report (configured stacks only): with a ledger, what every process spent.
  std::optional<jg::llm::meter_report> meter() const;
  /// What earlier processes had spent, from the ledger (empty without one).
  const jg::llm::meter_report& spent_before() const { return spent_before_; }

 private:
  struct stacks;  // the configured stack or the in-process simulator
  std::unique_ptr<jg::llm::activity> activity_;
  std::optional<jg::llm::llm_config> config_;
  std::unique_ptr<stacks> stacks_;
  jg::llm::meter_report spent_before_;
  std::string description_;
  std::atomic<bool> simulated_{false};  // set by whichever run's thread sees a simulated reply first
};

/// Where a budget stands: "spent $0.0123 of $25.0000, 120 of 10000 calls, 0.1M of 5.0M tokens"
/// for the limits `b` sets; empty when it sets none.
inline std::string budget_standing(const jg::llm::budget& b, const jg::llm::tally& spent) {
  std::string out;
  auto add = [&](std::string part) { out += (out.empty() ? "spent " : ", ") + std::move(part); };
  if (b.max_usd) add(fmt::format("${:.4f} of ${:.4f}", spent.usd, *b.max_usd));
  if (b.max_calls) add(fmt::format("{} of {} calls", spent.calls, *b.max_calls));
  if (b.max_tokens) add(fmt::format("{} of {} tokens", spent.used.total(), *b.max_tokens));
  return out;
}

/// A configured endpoint gets request `r` alone first (llm::probe): a dead or misconfigured one
/// then fails after one request's retries, not after a whole batch of them, with exit 5 (6 for a
/// budget), the reason and `consequence` ("so nothing else was sent").
void probe(backend& b, const jg::llm::request& r, std::string_view consequence = "so nothing else was sent");

/// The judge's first request (judge::first_request) through `probe`.
template <jg::criteria_set Set>
void first_call(backend& b, const jg::judge_prompt<Set>& prompt, std::span<const jg::example<Set>> items, const jg::judge::judge_settings& settings) {
  if (auto r = jg::judge::first_request(prompt, items, settings)) probe(b, *r);
}

/// Failed calls of a set of call outcomes, summarised by kind: "480 of 480 judge calls failed:
/// transport (480)". `first` is the first error's message.
struct failure_summary {
  std::size_t calls = 0, failed = 0;
  std::map<std::string, std::size_t> by_kind;
  std::string first;
  bool budget = false;
  void add(bool ok, std::string_view kind, std::string_view message) {
    ++calls;
    if (ok) return;
    ++failed;
    ++by_kind[std::string(kind)];
    if (kind == "budget_exhausted") budget = true;
    if (first.empty()) first = std::string(message);
  }
  std::string text(std::string_view what) const {
    std::string kinds;
    for (const auto& [k, n] : by_kind) kinds += fmt::format("{}{} ({})", kinds.empty() ? "" : ", ", k, n);
    return fmt::format("{} of {} {} calls failed: {}\nfirst error: {}", failed, calls, what, kinds, first);
  }
};

}  // namespace judgegrad_cli
