/// @file
/// `judgegrad serve`: the simulated world behind an OpenAI-compatible HTTP server on loopback
/// (`/v1/chat/completions`, `/v1/models`, `/health`, `/metrics`), with fault injection: 429 with
/// Retry-After, 5xx, dropped connections, malformed bodies and added latency; or, with an upstream,
/// the same faults in front of a real endpoint. Tests start it
/// in-process; the HTTP backend's tests and benchmarks use it as their peer.
///
/// Link with cpp-httplib (`-lcpp-httplib`): Debian ships it as a compiled library.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/world.hpp>

#include <judgegrad/sim/detail/httplib.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

/// Faults the server injects into `/v1/chat/completions`, each drawn independently per request in
/// this order: drop, 429, 5xx, malformed; latency is added to every request that is answered.
struct fault_options {
  double rate_limited = 0;  ///< share answered 429 with a Retry-After header
  double server_error = 0;  ///< share answered 500, 502 or 503
  double dropped = 0;       ///< share whose connection is closed in the middle of the body
  double malformed = 0;     ///< share answered 200 with a body that is not a chat completion
  int retry_after_seconds = 1;
  double latency_ms = 0;         ///< fixed added latency
  double latency_jitter_ms = 0;  ///< plus an exponential delay with this mean
  std::uint64_t seed = 1;        ///< fault draws: a stream over the request counter
};

/// Where and how the server listens.
struct server_options {
  std::string host = "127.0.0.1";  ///< loopback unless told otherwise
  int port = 0;                    ///< 0: an ephemeral port, reported by server::port()
  std::string api_key;             ///< when set, requests need "Authorization: Bearer <key>"
  /// Worker threads. A kept-alive connection holds a worker while it stays open, so there must be
  /// more workers than the connections clients keep (an HTTP backend keeps up to its max_concurrent).
  int threads = 128;
  fault_options faults;
  /// When set, completions go to this OpenAI-compatible endpoint instead of the world: its base
  /// URL up to the API version ("https://openrouter.ai/api/v1"; a bare "http://host:port" means
  /// "/v1"). Bodies are forwarded verbatim, replies returned verbatim; faults are injected all the
  /// same, in front of it.
  std::string upstream;
  std::string upstream_api_key;  ///< sent to the upstream as a bearer token; never logged
  int upstream_timeout_seconds = 600;
  /// Appended to the model name a reply gives: "-2024-07-18" answers as a dated snapshot of the
  /// model asked for, as OpenAI does ("gpt-4o-mini" -> "gpt-4o-mini-2024-07-18"); the reply's name
  /// then differs from the configuration's, which is what a call must be priced by.
  std::string model_suffix;
};

/// The content type of every JSON reply. With a charset parameter, the HTTP library does not
/// compress the body for a client that accepts gzip or brotli: on loopback, compressing every reply
/// cost more than the simulator's answer itself.
inline constexpr const char* json_type = "application/json; charset=utf-8";

/// Counts by outcome, for `/metrics` and tests.
struct server_counts {
  std::uint64_t requests = 0;  ///< every HTTP request
  std::uint64_t completions = 0, ok = 0, rate_limited = 0, server_error = 0, dropped = 0, malformed = 0,
                bad_request = 0, unauthorized = 0;
  std::uint64_t proxied = 0;          ///< answered by the upstream (any status)
  std::uint64_t upstream_failed = 0;  ///< the upstream could not be reached: answered 502
  /// Requests answered 200 whose body had been answered 200 before: calls a client paid for twice
  /// (a client with a response cache should make none).
  std::uint64_t repeated = 0;
  /// The usage of every reply answered 200 by the world, as its body reports it: the bill a priced
  /// endpoint would send, against which a client's own accounting can be checked.
  std::uint64_t prompt_tokens = 0, completion_tokens = 0;
  /// The most completion requests being answered at the same moment: more than one shows that
  /// clients are served side by side.
  std::uint64_t most_at_once = 0;
};

/// The HTTP server. `start()` binds and serves on a background thread; `stop()` (or the destructor)
/// ends it cleanly. The world must outlive the server.
class server {
 public:
  server(const world& w, server_options options) : world_(w), options_(std::move(options)) {
    if (!options_.upstream.empty()) split_upstream();
    int threads = std::max(1, options_.threads);
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the body until
    // the client's delayed ACK of the headers, ~40 ms per request on a kept-alive connection.
    http_.set_tcp_nodelay(true);
    // Clients reuse their connections for many requests; an idle one gives its worker back soon.
    http_.set_keep_alive_max_count(100000);
    http_.set_keep_alive_timeout(1);
    // Address reuse for TIME_WAIT only: without SO_REUSEPORT (which the library sets by default) a
    // second server on a port in use fails to bind instead of splitting the requests with the first.
    http_.set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
      listening_ = sock;
    });
    http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      ++counts_.requests;
      if (options_.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      if (req.get_header_value("Authorization") == "Bearer " + options_.api_key)
        return httplib::Server::HandlerResponse::Unhandled;
      ++counts_.unauthorized;
      error(res, 401, "invalid_request_error", "invalid_api_key", "missing or wrong bearer token");
      return httplib::Server::HandlerResponse::Handled;
    });
    http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { complete(req, res); });
    http_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      json_writer j;
      j.begin_object().key("object").value("list").key("data").begin_array();
      j.begin_object().key("id").value(world_.parameters().model).key("object").value("model");
      j.key("created").value(std::int64_t{0}).key("owned_by").value("judgegrad-simulated").end_object();
      j.end_array().end_object();
      res.set_content(j.str(), json_type);
    });
    http_.Get("/health", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"ok","simulated":true})", json_type);
    });
    http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) { res.set_content(metrics(), "text/plain; version=0.0.4"); });
  }

  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server() { stop(); }

  /// Binds and starts serving on a background thread; returns the port. Throws when the address
  /// cannot be bound.
  int start() {
    if (thread_.joinable()) return port_;
    errno = 0;
    if (options_.port == 0) port_ = http_.bind_to_any_port(options_.host);
    else port_ = http_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
    if (port_ <= 0) {
      int e = errno;
      if (e == EADDRINUSE)
        throw std::runtime_error(fmt::format("{}:{} is already in use by another process; choose another port (0: any free one)",
                                             options_.host, options_.port));
      throw std::runtime_error(fmt::format("cannot listen on {}:{}{}", options_.host, options_.port,
                                           e ? fmt::format(" ({})", std::strerror(e)) : std::string()));
    }
    // The library listens with a backlog of 5: many clients connecting at once would wait for SYN
    // retransmits (a second each). Listening again raises it.
    if (listening_ >= 0) ::listen(listening_, 4096);
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return port_;
  }

  /// Stops accepting, lets the workers finish, joins. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    http_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  const server_options& options() const { return options_; }

  /// A snapshot of the counters.
  server_counts counts() const {
    server_counts c;
    c.requests = counts_.requests;
    c.completions = counts_.completions;
    c.ok = counts_.ok;
    c.rate_limited = counts_.rate_limited;
    c.server_error = counts_.server_error;
    c.dropped = counts_.dropped;
    c.malformed = counts_.malformed;
    c.bad_request = counts_.bad_request;
    c.unauthorized = counts_.unauthorized;
    c.proxied = counts_.proxied;
    c.upstream_failed = counts_.upstream_failed;
    c.repeated = counts_.repeated;
    c.prompt_tokens = counts_.prompt_tokens;
    c.completion_tokens = counts_.completion_tokens;
    c.most_at_once = counts_.most_at_once;
    return c;
  }

  /// Reads a chat-completion request body into requests (one per wanted choice). Throws
  /// std::invalid_argument naming the field on a bad body.
  static std::vector<llm::request> parse_request(std::string_view body) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::object o;
    if (auto err = parser.parse(padded).get(o))
      throw std::invalid_argument(fmt::format("the body is not a JSON object ({})", simdjson::error_message(err)));
    llm::request r;
    if (auto m = o["model"]; !m.error()) {
      std::string_view s;
      if (m.get(s)) throw std::invalid_argument("'model' must be a string");
      r.model = std::string(s);
    }
    simdjson::dom::array messages;
    if (o["messages"].get(messages)) throw std::invalid_argument("'messages' must be an array of messages");
    std::size_t i = 0;
    for (auto m : messages) {
      std::string_view role, content;
      if (m["role"].get(role)) throw std::invalid_argument(fmt::format("'messages[{}].role' must be a string", i));
      if (auto c = m["content"]; c.get(content)) {
        // Content parts: [{"type": "text", "text": ...}, ...]
        simdjson::dom::array parts;
        if (c.get(parts)) throw std::invalid_argument(fmt::format("'messages[{}].content' must be a string or an array of parts", i));
        std::string joined;
        for (auto p : parts) {
          std::string_view t;
          if (!p["text"].get(t)) joined += t;
        }
        r.messages.push_back({std::string(role), joined});
      } else {
        r.messages.push_back({std::string(role), std::string(content)});
      }
      ++i;
    }
    if (r.messages.empty()) throw std::invalid_argument("'messages' must not be empty");
    if (auto t = o["temperature"]; !t.error()) {
      double v;
      if (t.get(v)) throw std::invalid_argument("'temperature' must be a number");
      r.temperature = v;
    }
    for (const char* key : {"max_tokens", "max_completion_tokens"})
      if (auto t = o[key]; !t.error()) {
        std::int64_t v;
        if (t.get(v) || v < 0) throw std::invalid_argument(fmt::format("'{}' must be a non-negative integer", key));
        r.max_tokens = static_cast<int>(std::min<std::int64_t>(v, 1 << 30));
      }
    if (auto t = o["seed"]; !t.error()) {
      std::int64_t v;
      if (t.get(v)) throw std::invalid_argument("'seed' must be an integer");
      r.seed = static_cast<std::uint64_t>(v);
    }
    if (auto t = o["n"]; !t.error()) {
      std::int64_t v;
      if (t.get(v) || v < 1 || v > 128) throw std::invalid_argument("'n' must be an integer from 1 to 128");
      r.n = static_cast<int>(v);
    }
    if (auto f = o["response_format"]; !f.error()) {
      std::string_view type;
      if (f["type"].get(type)) throw std::invalid_argument("'response_format.type' must be a string");
      if (type == "json_object") r.format.type = llm::response_format::kind::json_object;
      else if (type == "json_schema") r.format.type = llm::response_format::kind::json_schema;
      else if (type != "text") throw std::invalid_argument(fmt::format("'response_format.type' '{}' is not text, json_object or json_schema", type));
    }
    if (auto md = o["metadata"]; !md.error()) {
      std::string_view role;
      if (!md["judgegrad_role"].get(role)) {
        auto known = llm::role_named(role);
        if (!known) throw std::invalid_argument(fmt::format("'metadata.judgegrad_role' '{}' is not a judgegrad role", role));
        r.role = *known;
      }
      std::string_view repeat;
      std::int64_t repeat_n = 0;
      if (!md["judgegrad_repeat"].get(repeat)) repeat_n = std::strtoll(std::string(repeat).c_str(), nullptr, 10);
      else if (md["judgegrad_repeat"].get(repeat_n)) repeat_n = 0;
      r.repeat = static_cast<std::uint32_t>(repeat_n);
    }
    std::vector<llm::request> out;
    for (int c = 0; c < r.n; ++c) {
      out.push_back(r);
      out.back().repeat = r.repeat + static_cast<std::uint32_t>(c);
    }
    return out;
  }

  /// The chat-completion body for replies to one request (one choice per reply).
  static std::string completion_body(const std::vector<llm::response>& replies, std::uint64_t id, std::string_view model_suffix) {
    json_writer j;
    j.begin_object().key("id").value(fmt::format("chatcmpl-sim-{:016x}", id)).key("object").value("chat.completion");
    j.key("created").value(std::int64_t{0}).key("model").value(replies.front().model + std::string(model_suffix));
    j.key("system_fingerprint").value(fmt::format("judgegrad-sim-{}", version_string));
    j.key("choices").begin_array();
    llm::usage total;
    for (std::size_t i = 0; i < replies.size(); ++i) {
      j.begin_object().key("index").value(static_cast<std::uint64_t>(i)).key("message").begin_object();
      j.key("role").value("assistant").key("content").value(replies[i].content).end_object();
      j.key("logprobs").null().key("finish_reason").value(replies[i].finish_reason).end_object();
      total.prompt_tokens = replies[i].usage.prompt_tokens;
      total.completion_tokens += replies[i].usage.completion_tokens;
    }
    j.end_array().key("usage").begin_object();
    j.key("prompt_tokens").value(total.prompt_tokens).key("completion_tokens").value(total.completion_tokens);
    j.key("total_tokens").value(total.total()).end_object().end_object();
    return std::move(j).str();
  }

 private:
  struct atomic_counts {
    std::atomic<std::uint64_t> requests{0}, completions{0}, ok{0}, rate_limited{0}, server_error{0}, dropped{0}, malformed{0},
        bad_request{0}, unauthorized{0}, proxied{0}, upstream_failed{0}, repeated{0}, prompt_tokens{0}, completion_tokens{0};
    std::atomic<std::uint64_t> at_once{0}, most_at_once{0};
  };

  // "https://host:port/api/v1" -> ("https://host:port", "/api/v1/chat/completions").
  void split_upstream() {
    const std::string& u = options_.upstream;
    auto scheme = u.find("://");
    if (scheme == std::string::npos || !(u.starts_with("http://") || u.starts_with("https://")))
      throw std::invalid_argument(fmt::format("judgegrad serve: upstream '{}' is not an http:// or https:// URL", u));
    auto slash = u.find('/', scheme + 3);
    upstream_host_ = u.substr(0, slash);
    std::string prefix = slash == std::string::npos ? std::string() : u.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    upstream_path_ = (prefix.empty() ? std::string("/v1") : prefix) + "/chat/completions";
  }

  void forward(const httplib::Request& req, httplib::Response& res) {
    httplib::Client client(upstream_host_);
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(options_.upstream_timeout_seconds, 0);
    httplib::Headers headers;
    if (!options_.upstream_api_key.empty()) headers.emplace("Authorization", "Bearer " + options_.upstream_api_key);
    auto r = client.Post(upstream_path_.c_str(), headers, req.body, "application/json");
    if (!r) {
      ++counts_.upstream_failed;
      error(res, 502, "server_error", "upstream_unreachable",
            fmt::format("upstream {} unreachable: {}", upstream_host_, httplib::to_string(r.error())));
      return;
    }
    ++counts_.proxied;
    res.status = r->status;
    if (r->has_header("Retry-After")) res.set_header("Retry-After", r->get_header_value("Retry-After"));
    std::string type = r->get_header_value("Content-Type");
    res.set_content(r->body, type.empty() ? "application/json" : type.c_str());
  }

  static void error(httplib::Response& res, int status, std::string_view type, std::string_view code, std::string_view message) {
    json_writer j;
    j.begin_object().key("error").begin_object().key("message").value(message).key("type").value(type);
    j.key("param").null().key("code").value(code).end_object().end_object();
    res.status = status;
    res.set_content(j.str(), json_type);
  }

  void complete(const httplib::Request& req, httplib::Response& res) {
    std::uint64_t n = counts_.completions++;
    const std::uint64_t now = ++counts_.at_once;
    for (std::uint64_t seen = counts_.most_at_once; now > seen && !counts_.most_at_once.compare_exchange_weak(seen, now);) {
    }
    struct leave {
      std::atomic<std::uint64_t>& at_once;
      ~leave() { --at_once; }
    } leaving{counts_.at_once};
    const auto& f = options_.faults;
    rng draw(combine({f.seed, n}));
    double u_drop = draw.uniform(), u_429 = draw.uniform(), u_5xx = draw.uniform(), u_bad = draw.uniform();
    double delay = f.latency_ms + (f.latency_jitter_ms > 0 ? draw.exponential(f.latency_jitter_ms) : 0.0);
    if (delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<std::int64_t>(delay * 1000)));
    if (u_drop < f.dropped) {
      ++counts_.dropped;
      // Promise a body, send part of it, then fail: the connection closes mid-response.
      res.set_content_provider(4096, json_type, [](std::size_t, std::size_t, httplib::DataSink& sink) {
        sink.write("{\"id\":\"chatcmpl-sim-dropped\",\"choi", 33);
        return false;
      });
      return;
    }
    if (u_429 < f.rate_limited) {
      ++counts_.rate_limited;
      res.set_header("Retry-After", std::to_string(f.retry_after_seconds));
      error(res, 429, "rate_limit_error", "rate_limited", "simulated rate limit: retry later");
      return;
    }
    if (u_5xx < f.server_error) {
      ++counts_.server_error;
      static constexpr std::array<int, 3> statuses{500, 502, 503};
      error(res, statuses[draw.below(3)], "server_error", "simulated", "simulated server error");
      return;
    }
    if (!upstream_host_.empty()) {
      if (u_bad < f.malformed) {
        ++counts_.malformed;
        res.set_content(R"({"id":"chatcmpl-sim-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis)",
                        json_type);
        return;
      }
      forward(req, res);
      return;
    }
    std::vector<llm::request> requests;
    try {
      requests = parse_request(req.body);
    } catch (const std::invalid_argument& e) {
      ++counts_.bad_request;
      error(res, 400, "invalid_request_error", "invalid_body", fmt::format("bad chat-completion request: {}", e.what()));
      return;
    }
    if (u_bad < f.malformed) {
      ++counts_.malformed;
      static constexpr std::array<std::string_view, 3> bodies{
          R"({"id":"chatcmpl-sim-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis)",
          R"({"id":"chatcmpl-sim-malformed","object":"chat.completion","model":"judgegrad-sim"})",
          "<html><body><h1>502 Bad Gateway</h1></body></html>"};
      res.set_content(std::string(bodies[draw.below(3)]), json_type);
      return;
    }
    std::vector<llm::response> replies;
    for (const auto& r : requests) replies.push_back(world_.respond(r));
    ++counts_.ok;
    counts_.prompt_tokens += replies.front().usage.prompt_tokens;  // as completion_body reports them: the prompt once, every choice's reply
    for (const auto& r : replies) counts_.completion_tokens += r.usage.completion_tokens;
    std::uint64_t body = fnv1a64(req.body);
    {
      std::lock_guard lock(answered_mutex_);
      if (!answered_.insert(body).second) ++counts_.repeated;
    }
    res.set_content(completion_body(replies, combine({body, n}), options_.model_suffix), json_type);
  }

  std::string metrics() const {
    auto c = counts();
    std::string out =
        "# HELP judgegrad_sim_requests_total HTTP requests received by the simulator server.\n"
        "# TYPE judgegrad_sim_requests_total counter\n";
    out += fmt::format("judgegrad_sim_requests_total {}\n", c.requests);
    out +=
        "# HELP judgegrad_sim_completions_total Chat-completion requests by outcome.\n"
        "# TYPE judgegrad_sim_completions_total counter\n";
    for (auto [name, v] : {std::pair{"ok", c.ok}, {"rate_limited", c.rate_limited}, {"server_error", c.server_error},
                           {"dropped", c.dropped}, {"malformed", c.malformed}, {"bad_request", c.bad_request}})
      out += fmt::format("judgegrad_sim_completions_total{{outcome=\"{}\"}} {}\n", name, v);
    out += fmt::format("judgegrad_sim_unauthorized_total {}\n", c.unauthorized);
    out += fmt::format("judgegrad_sim_proxied_total {}\njudgegrad_sim_upstream_failed_total {}\n", c.proxied, c.upstream_failed);
    out +=
        "# HELP judgegrad_sim_repeated_total Requests answered 200 whose body had been answered 200 before.\n"
        "# TYPE judgegrad_sim_repeated_total counter\n";
    out += fmt::format("judgegrad_sim_repeated_total {}\n", c.repeated);
    out +=
        "# HELP judgegrad_sim_tokens_total Tokens of the replies answered 200 by the simulated world, as their usage reports them.\n"
        "# TYPE judgegrad_sim_tokens_total counter\n";
    out += fmt::format("judgegrad_sim_tokens_total{{kind=\"prompt\"}} {}\njudgegrad_sim_tokens_total{{kind=\"completion\"}} {}\n", c.prompt_tokens,
                       c.completion_tokens);
    return out;
  }

  std::mutex answered_mutex_;
  std::unordered_set<std::uint64_t> answered_;  ///< FNV-1a of every body answered 200
  const world& world_;
  server_options options_;
  std::string upstream_host_, upstream_path_;
  httplib::Server http_;
  std::thread thread_;
  socket_t listening_ = -1;
  int port_ = -1;
  atomic_counts counts_;
};

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
