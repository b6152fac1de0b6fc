// A small OpenAI-compatible server on loopback for the llm tests and benchmarks: it answers
// "echo: <last user message>", counts attempts per message, and injects faults on demand.
#pragma once

#include <judgegrad/sim/detail/httplib.hpp>
#include <simdjson.h>

#include <judgegrad/core/json_writer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace test_llm {

/// What the server does with one attempt of one request.
enum class fault { none, rate_limited, rate_limited_retry_after, server_500, bad_gateway_502, unavailable_503, timeout,
                   dropped, malformed, no_usage, non_utf8, unauthorized_echo, bad_request, not_implemented_501, huge };

struct seen_request {
  std::string content;     // last message's content
  std::string body;        // raw request body
  std::string authorization;
  int n = 1;
  std::chrono::steady_clock::time_point at;
  int remote_port = 0;
};

class server {
 public:
  /// Decides the fault for the `attempt`-th (0-based) arrival of a request whose last message is `content`.
  std::function<fault(const std::string& content, int attempt)> plan = [](const std::string&, int) { return fault::none; };
  bool honour_n = true;         // false: behave like llama.cpp and return one choice
  std::string owned_by = "openai";
  int sleep_ms = 0;             // every request waits this long (concurrency tests)
  int timeout_sleep_ms = 400;   // what a `timeout` fault waits
  std::size_t huge_bytes = 6 << 20;
  bool record = true;

  /// Plain HTTP; or HTTPS when given a PEM certificate and key.
  explicit server(std::size_t threads = 64, const std::string& cert = {}, const std::string& key = {})
      : http_ptr_(cert.empty() ? std::make_unique<httplib::Server>()
                               : std::unique_ptr<httplib::Server>(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()))),
        http_(*http_ptr_),
        scheme_(cert.empty() ? "http" : "https") {
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_keep_alive_max_count(100000);
    http_.set_keep_alive_timeout(1);
    http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    http_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"m1","object":"model","owned_by":")" + owned_by + R"("}]})",
                      "application/json");
    });
    int listening = -1;
    http_.set_socket_options([&listening](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));  // inherited by accepted sockets
      listening = sock;
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    // The library listens with a backlog of 5; many simultaneous connects would wait for SYN
    // retransmission (a second each). Listening again raises the backlog.
    if (listening >= 0) ::listen(listening, 4096);
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~server() { stop(); }
  void stop() {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string base_url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  std::vector<seen_request> requests() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  int attempts_for(const std::string& content) {
    std::lock_guard lock(mutex_);
    auto it = attempts_.find(content);
    return it == attempts_.end() ? 0 : it->second;
  }
  std::map<std::string, int> attempts() {
    std::lock_guard lock(mutex_);
    return attempts_;
  }
  int max_in_flight() const { return max_in_flight_; }
  std::size_t total() {
    std::lock_guard lock(mutex_);
    return total_;
  }

  static std::string completion(const std::vector<std::string>& choices, bool with_usage = true) {
    judgegrad::json_writer w;
    w.begin_object().key("id").value("chatcmpl-1").key("object").value("chat.completion").key("model").value("m1");
    w.key("choices").begin_array();
    int i = 0;
    for (const auto& c : choices)
      w.begin_object().key("index").value(i++).key("message").begin_object().key("role").value("assistant").key("content").value(c)
          .end_object().key("finish_reason").value("stop").end_object();
    w.end_array();
    if (with_usage)
      w.key("usage").begin_object().key("prompt_tokens").value(10).key("completion_tokens").value(5).key("total_tokens").value(15).end_object();
    w.end_object();
    return std::move(w).str();
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    int now_in = ++in_flight_;
    for (int m = max_in_flight_; now_in > m && !max_in_flight_.compare_exchange_weak(m, now_in);) {}
    struct leave {
      std::atomic<int>& n;
      ~leave() { --n; }
    } guard{in_flight_};

    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(req.body).get(doc)) {
      res.status = 400;
      res.set_content(R"({"error":{"message":"bad json"}})", "application/json");
      return;
    }
    seen_request seen;
    seen.body = req.body;
    seen.authorization = req.get_header_value("Authorization");
    seen.at = std::chrono::steady_clock::now();
    seen.remote_port = req.remote_port;
    simdjson::dom::array messages;
    if (!doc["messages"].get_array().get(messages))
      for (auto m : messages) {
        std::string_view c;
        if (!m["content"].get_string().get(c)) seen.content = std::string(c);
      }
    std::int64_t n = 1;
    if (!doc["n"].get_int64().get(n)) seen.n = int(n);
    int attempt;
    {
      std::lock_guard lock(mutex_);
      attempt = attempts_[seen.content]++;
      ++total_;
      if (record) seen_.push_back(seen);
    }
    if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    std::vector<std::string> choices;
    for (int k = 0; k < (honour_n ? seen.n : 1); ++k) choices.push_back("echo: " + seen.content + (k ? " #" + std::to_string(k) : ""));
    switch (plan(seen.content, attempt)) {
      case fault::none: res.set_content(completion(choices), "application/json"); return;
      case fault::rate_limited: res.status = 429; res.set_content(R"({"error":{"message":"slow down"}})", "application/json"); return;
      case fault::rate_limited_retry_after:
        res.status = 429;
        res.set_header("Retry-After", "1");
        res.set_content(R"({"error":{"message":"slow down"}})", "application/json");
        return;
      case fault::server_500: res.status = 500; res.set_content("internal error", "text/plain"); return;
      case fault::bad_gateway_502: res.status = 502; res.set_content("<html>bad gateway</html>", "text/html"); return;
      case fault::unavailable_503: res.status = 503; res.set_content("unavailable", "text/plain"); return;
      case fault::timeout:
        std::this_thread::sleep_for(std::chrono::milliseconds(timeout_sleep_ms));
        res.set_content(completion(choices), "application/json");
        return;
      case fault::dropped: {
        // Promise a long body, send part of it, then drop the connection.
        std::string body = completion(choices);
        res.set_content_provider(body.size() + 1000, "application/json",
                                 [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                   if (offset == 0) sink.write(body.data(), body.size() / 2);
                                   return false;
                                 });
        return;
      }
      case fault::malformed: res.set_content(R"({"choices":[{"message":{"content":"trunc)", "application/json"); return;
      case fault::no_usage: res.set_content(completion(choices, false), "application/json"); return;
      case fault::non_utf8:
        res.set_content("{\"model\":\"m1\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"caf\xE9 \xFF ok\"},"
                        "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}",
                        "application/json");
        return;
      case fault::unauthorized_echo:
        res.status = 401;
        res.set_content("{\"error\":{\"message\":\"invalid key " + seen.authorization + "\"}}", "application/json");
        return;
      case fault::bad_request: res.status = 400; res.set_content(R"({"error":{"message":"unknown field"}})", "application/json"); return;
      case fault::not_implemented_501: res.status = 501; res.set_content("chat completions are not implemented here", "text/plain"); return;
      case fault::huge: res.set_content(completion({std::string(huge_bytes, 'x')}), "application/json"); return;
    }
  }

  std::unique_ptr<httplib::Server> http_ptr_;
  httplib::Server& http_;
  std::string scheme_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<seen_request> seen_;
  std::map<std::string, int> attempts_;
  std::size_t total_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace test_llm
