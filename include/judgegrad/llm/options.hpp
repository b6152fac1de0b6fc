/// @file
/// The options of the backend stack, apart from the code that uses them: what an endpoint accepts,
/// how the `openai` backend talks to it, how the response cache is used, prices and budgets. Code
/// that reads or writes a configuration (llm/config.hpp) includes this, not curl.h or sqlite3.h.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/activity.hpp>
#include <judgegrad/llm/secret.hpp>
#include <judgegrad/llm/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Model and sampling parameters for one role. Unset fields leave the request's own values.
struct role_settings {
  std::string model;
  std::string endpoint;  ///< empty: the default endpoint
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::optional<double> timeout_seconds;
  std::optional<std::uint64_t> seed;
};

/// The roles, in the order of `llm::role`.
inline constexpr std::array<role, 6> all_roles = {role::judge, role::loss, role::gradient, role::optimizer, role::evaluator, role::other};

/// The reference implementation's effective parameters per role (its `WgcDefaults`; the evaluator
/// is its diagnostic judge), the last rung of the settings precedence: a value set on the request
/// itself, then the configuration file's role settings, then these.
///
/// | role | temperature | max_tokens | timeout |
/// |---|---|---|---|
/// | judge | 0.1 | 256 | 60 s |
/// | loss | 0.7 | 1024 | 60 s |
/// | gradient | 0.7 | 8192 | 600 s |
/// | optimizer | 0.7 | 16384 | 600 s |
/// | evaluator | 0 | 10 | 60 s |
inline role_settings reference_defaults(role r) {
  role_settings s;
  switch (r) {
    case role::judge: s.temperature = 0.1, s.max_tokens = 256, s.timeout_seconds = 60; break;
    case role::loss: s.temperature = 0.7, s.max_tokens = 1024, s.timeout_seconds = 60; break;
    case role::gradient: s.temperature = 0.7, s.max_tokens = 8192, s.timeout_seconds = 600; break;
    case role::optimizer: s.temperature = 0.7, s.max_tokens = 16384, s.timeout_seconds = 600; break;
    case role::evaluator: s.temperature = 0.0, s.max_tokens = 10, s.timeout_seconds = 60; break;
    case role::other: break;
  }
  return s;
}

/// Fills the fields `r` leaves unset from `s` (the model and endpoint only when `r` names none).
inline void fill_unset(request& r, const role_settings& s) {
  if (r.model.empty()) r.model = s.model;
  if (r.endpoint.empty()) r.endpoint = s.endpoint;
  if (!r.temperature) r.temperature = s.temperature;
  if (!r.max_tokens) r.max_tokens = s.max_tokens;
  if (!r.timeout_seconds) r.timeout_seconds = s.timeout_seconds;
  if (!r.seed) r.seed = s.seed;
}

/// What an endpoint accepts. Unsupported features are emulated (`n`) or degraded (a JSON schema
/// becomes a JSON object request, then plain text); `metadata` is off for endpoints that reject
/// unknown fields.
struct capabilities {
  bool n = true;            ///< honours `n > 1` (llama.cpp server does not: emulated by repeats)
  bool logprobs = true;     ///< accepts `logprobs`
  bool json_schema = true;  ///< accepts `response_format: {type: json_schema}`
  bool json_object = true;  ///< accepts `response_format: {type: json_object}`
  bool seed = true;         ///< accepts `seed`
  bool metadata = true;     ///< accepts `metadata: {judgegrad_role, judgegrad_repeat}`
  friend bool operator==(const capabilities&, const capabilities&) = default;
};

/// Everything an `openai` backend needs to know about its endpoint. Times are in seconds.
struct openai_options {
  std::string name = "default";                      ///< endpoint name used in messages
  std::string base_url = "https://api.openai.com/v1";  ///< up to and including the version, e.g. ".../v1"
  llm::secret api_key;                               ///< empty: no Authorization header (local servers)
  std::size_t max_concurrent = 16;                   ///< requests in flight at once
  double requests_per_minute = 0;                    ///< 0: unlimited
  double tokens_per_minute = 0;                      ///< prompt + completion tokens; 0: unlimited
  double burst_seconds = 10;                         ///< the buckets hold this many seconds of their rate
  int max_retries = 5;                               ///< retries after the first attempt
  double backoff_initial = 0.5;                      ///< first backoff ceiling; doubles per retry
  double backoff_max = 30;                           ///< backoff ceiling
  double retry_after_max = 300;                      ///< longest Retry-After honoured as given
  double connect_timeout = 10;
  double total_timeout = 300;                        ///< one attempt; a request's `timeout_seconds` overrides
  std::uint64_t default_completion_tokens = 512;     ///< assumed reply length for the token limit
  std::size_t max_response_bytes = std::size_t(64) << 20;
  llm::capabilities capabilities;
  bool detect_n = true;                              ///< fewer choices than `n` turns `capabilities.n` off
  std::vector<std::string> extra_headers;            ///< e.g. "HTTP-Referer: https://example.org"
  std::string ca_file;                               ///< PEM CA bundle for HTTPS endpoints with a private CA
  std::uint64_t jitter_seed = std::random_device{}();
  std::function<void(std::string_view)> log;         ///< retry and degradation notes; never sees the key
  llm::activity* activity = nullptr;                 ///< counts each call as it finishes (a progress display)

  /// Options from the environment: `OPENAI_BASE_URL`, then `OPENAI_API_KEY` or, failing that,
  /// `OPENROUTER_API_KEY` (which also makes OpenRouter the default base URL).
  static openai_options from_environment() {
    openai_options o;
    const char* base = std::getenv("OPENAI_BASE_URL");
    const char* key = std::getenv("OPENAI_API_KEY");
    const char* router_key = std::getenv("OPENROUTER_API_KEY");
    if (key && *key) o.api_key = llm::secret(key);
    else if (router_key && *router_key) {
      o.api_key = llm::secret(router_key);
      o.base_url = "https://openrouter.ai/api/v1";
    }
    if (base && *base) o.base_url = base;
    return o;
  }
};

/// How the cache is used.
enum class cache_mode {
  read_write,   ///< answer hits from the store, call the backend on misses and store the replies
  replay_only,  ///< answer from the store only; a miss is a `cache_miss` error naming the request
  write_only,   ///< always call the backend and store (refreshes entries)
  off,          ///< pass everything through
};

inline constexpr std::string_view to_string(cache_mode m) {
  switch (m) {
    case cache_mode::read_write: return "read_write";
    case cache_mode::replay_only: return "replay_only";
    case cache_mode::write_only: return "write_only";
    case cache_mode::off: return "off";
  }
  return "off";
}

inline std::optional<cache_mode> cache_mode_named(std::string_view name) {
  for (auto m : {cache_mode::read_write, cache_mode::replay_only, cache_mode::write_only, cache_mode::off})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

struct cache_options {
  std::filesystem::path path;
  cache_mode mode = cache_mode::read_write;
  int busy_timeout_ms = 60000;  ///< how long to wait for another process's write lock
  bool keep_requests = true;    ///< store each request's text beside its reply (for `cache export`)
  llm::activity* activity = nullptr;  ///< counts the requests the cache answers itself
};

/// US dollars per million tokens.
struct price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  std::optional<double> cached_input_per_mtok;  ///< prompt tokens served from the provider's cache; unset: input price

  double cost(const usage& u) const {
    std::uint64_t cached = std::min(u.cached_tokens, u.prompt_tokens);
    return (double(u.prompt_tokens - cached) * input_per_mtok + double(cached) * cached_input_per_mtok.value_or(input_per_mtok) +
            double(u.completion_tokens) * output_per_mtok) / 1e6;
  }
};

/// Limits for one meter; unset means unlimited.
struct budget {
  std::optional<std::uint64_t> max_calls;   ///< calls that reach the backend (cache hits are free)
  std::optional<std::uint64_t> max_tokens;  ///< prompt + completion tokens
  std::optional<double> max_usd;
};

struct meter_report;

struct meter_options {
  std::map<std::string, price, std::less<>> prices;  ///< by model; "*" prices every other model
  llm::budget budget;                                ///< over all calls
  std::map<role, llm::budget> role_budgets;          ///< over the calls of one role, on top of `budget`
  std::uint64_t default_completion_tokens = 512;     ///< assumed reply length of a request without max_tokens
  llm::activity* activity = nullptr;                 ///< counts the requests a budget refuses
  /// Called with the whole report after each reply is counted (`end_of_batch` false) and once more
  /// when the batch returns (true), under the meter's lock, so in order: a run directory keeps its
  /// ledger with it (spend.json), so that a budget spans the processes that resume a run
  /// (metered::carry) and a killed process loses at most the replies it had in flight.
  std::function<void(const meter_report&, bool end_of_batch)> on_spend;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
