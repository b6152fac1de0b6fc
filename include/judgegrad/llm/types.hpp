/// @file
/// What travels between judgegrad and a chat model: requests, responses, typed errors, and the
/// `chat_backend` concept every backend (HTTP client, cache, meter, simulator) models.
#pragma once

#include <judgegrad/config.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// The part an LLM call plays in an experiment. It travels with the request (over HTTP as
/// `metadata.judgegrad_role`) so that per-role models, budgets and the simulator can tell calls apart.
enum class role { judge, loss, gradient, optimizer, evaluator, other };

inline constexpr std::string_view to_string(role r) {
  switch (r) {
    case role::judge: return "judge";
    case role::loss: return "loss";
    case role::gradient: return "gradient";
    case role::optimizer: return "optimizer";
    case role::evaluator: return "evaluator";
    case role::other: return "other";
  }
  return "other";
}

/// The role called `name`, or nothing.
inline constexpr std::optional<role> role_named(std::string_view name) {
  for (role r : {role::judge, role::loss, role::gradient, role::optimizer, role::evaluator, role::other})
    if (to_string(r) == name) return r;
  return std::nullopt;
}

/// One chat message: `role` is "system", "user" or "assistant".
struct message {
  std::string role;
  std::string content;
  friend bool operator==(const message&, const message&) = default;
};

/// The shape the reply must take.
struct response_format {
  enum class kind { text, json_object, json_schema };
  kind type = kind::text;
  std::string schema_name;  ///< json_schema only
  std::string schema;       ///< json_schema only: the schema as JSON text
  friend bool operator==(const response_format&, const response_format&) = default;
};

/// Where a call belongs in an experiment, for logs, records and resume. Travels with the request but
/// is neither sent nor part of the cache key.
struct call_tag {
  std::int64_t step = -1;   ///< the optimization step; -1 when the call belongs to none
  std::string stage;        ///< what the call is for: "train", "validation", "test", "loss", "gradient", "update", ...
  std::string criterion;    ///< the criterion it concerns; empty when it concerns several
  std::string example;      ///< the example's id; empty when it concerns several or none
  friend bool operator==(const call_tag&, const call_tag&) = default;
};

/// One chat-completion request. Every field that can change the reply takes part in the cache key.
struct request {
  std::string model;
  std::vector<message> messages;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
  response_format format;
  int n = 1;                  ///< choices wanted; emulated by repeated requests where unsupported
  bool logprobs = false;
  std::uint32_t repeat = 0;   ///< distinguishes deliberate repeats of an identical request
  llm::role role = role::other;
  std::string endpoint;                  ///< configured endpoint name; empty: the default one. Not in the cache key
  std::optional<double> timeout_seconds; ///< total timeout of one attempt; unset: the endpoint's. Not in the cache key
  call_tag tag;                          ///< where the call belongs; not sent, not in the cache key
  friend bool operator==(const request&, const request&) = default;
};

/// A rough token count, used for budgeting before a call, for replies without `usage`, and by the
/// simulator's reported usage: one token per started four bytes, the usual figure for English
/// text under BPE tokenizers; 0 for empty text.
constexpr std::uint64_t estimate_tokens(std::string_view text) { return (text.size() + 3) / 4; }

/// Prompt tokens of `r`, estimated: each message's content plus 4 for its role and framing.
constexpr std::uint64_t estimate_prompt_tokens(const request& r) {
  std::uint64_t tokens = 0;
  for (const auto& m : r.messages) tokens += estimate_tokens(m.content) + 4;
  return tokens;
}

/// Tokens a call consumed, as the endpoint reported them.
struct usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cached_tokens = 0;  ///< prompt tokens the provider served from its own cache
  std::uint64_t total() const { return prompt_tokens + completion_tokens; }
  friend bool operator==(const usage&, const usage&) = default;
};

/// A successful reply.
struct response {
  std::string content;
  std::string finish_reason;
  llm::usage usage;
  double latency_seconds = 0;
  std::string model;         ///< the model the endpoint says answered (a dated snapshot name, say)
  std::string asked_model;   ///< the model the request named once its role's settings were filled in: what the call is priced by (set by `role_defaults` and `metered`)
  double usd = 0;            ///< `usage` at the configured price of `asked_model` (set by `metered`; 0 unpriced): the call's cost, or what a cache answer saved
  bool from_cache = false;
  std::vector<std::string> choices;  ///< every choice's content when `n > 1` (`content` is the first)
  bool usage_estimated = false;      ///< the endpoint reported no usage; `usage` is a length estimate
  int attempts = 1;                  ///< HTTP attempts made, retries included
};

/// Why a call failed.
enum class error_kind {
  transport,           ///< connection refused, reset, DNS, TLS
  timeout,             ///< connect or total timeout
  rate_limited,        ///< HTTP 429 after the allowed retries
  server,              ///< HTTP 5xx after the allowed retries
  bad_request,         ///< HTTP 400/404/422: the request itself is wrong; not retried
  auth,                ///< HTTP 401/403
  malformed_response,  ///< the body is not a chat completion
  budget_exhausted,    ///< a configured budget would be exceeded; the call was not made
  cache_miss,          ///< replay-only cache without this request
  cancelled,           ///< the caller cancelled the batch
};

inline constexpr std::string_view to_string(error_kind k) {
  switch (k) {
    case error_kind::transport: return "transport";
    case error_kind::timeout: return "timeout";
    case error_kind::rate_limited: return "rate_limited";
    case error_kind::server: return "server";
    case error_kind::bad_request: return "bad_request";
    case error_kind::auth: return "auth";
    case error_kind::malformed_response: return "malformed_response";
    case error_kind::budget_exhausted: return "budget_exhausted";
    case error_kind::cache_miss: return "cache_miss";
    case error_kind::cancelled: return "cancelled";
  }
  return "unknown";
}

/// A failed call: its kind, the HTTP status when there was one, a message naming what and
/// where, and the first bytes of the body (never a secret).
struct error {
  error_kind kind = error_kind::transport;
  int http_status = 0;
  std::string message;
  std::string body_excerpt;
  int attempts = 1;
};

/// A response or an error.
class result {
 public:
  result(response r) : value_(std::move(r)) {}
  result(llm::error e) : value_(std::move(e)) {}

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const response& value() const { return std::get<response>(value_); }
  response& value() { return std::get<response>(value_); }
  const llm::error& error() const { return std::get<llm::error>(value_); }

 private:
  std::variant<response, llm::error> value_;
};

/// A backend answers a batch of requests with one result per request, in order. Batch-first,
/// so that the independent calls of a stage always go out together.
template <class B>
concept chat_backend = requires(B& backend, std::span<const request> batch) {
  { backend.complete(batch) } -> std::same_as<std::vector<result>>;
};

/// Told a request's index in its batch and its result as soon as the result is known. A backend
/// may take one as a second argument of `complete` (openai and endpoint_router do): the response
/// cache then stores each reply as it arrives.
using on_result = std::function<void(std::size_t, const result&)>;

/// Sends `r` alone, as a program does before a batch, so that a dead or misconfigured endpoint
/// fails after one request's retries rather than after a whole batch of them. Its error, or
/// nothing when it was answered (a response cache then answers it again within the batch).
template <chat_backend B>
std::optional<error> probe(B& backend, const request& r) {
  auto results = backend.complete(std::span<const request>(&r, 1));
  if (results.size() == 1 && results[0].ok()) return std::nullopt;
  if (results.size() != 1) return error{error_kind::malformed_response, 0, "the backend answered a batch of one request with another count", {}, 0};
  return results[0].error();
}

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
