/// @file
/// `openai`: a chat backend for any OpenAI-compatible `/chat/completions` endpoint (OpenAI,
/// OpenRouter, vLLM, llama.cpp server, Ollama) on libcurl's multi interface.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/rate_limit.hpp>
#include <judgegrad/llm/secret.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/llm/wire.hpp>

#include <curl/curl.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

namespace detail {
inline void curl_global() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl failed to initialise");
  });
}
/// Transport failures that another attempt cannot fix: a wrong URL or a certificate that does
/// not verify.
inline bool permanent(CURLcode code) {
  return code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT || code == CURLE_PEER_FAILED_VERIFICATION ||
         code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CIPHER;
}
/// Whether an HTTP status may succeed when asked again: a timeout, a conflict, "too early", a rate
/// limit, a server error. Any other 4xx, and 501 (not implemented) and 505 (HTTP version not
/// supported), answer the same every time: they fail at once.
inline bool retryable_status(long status) {
  return status == 408 || status == 409 || status == 425 || status == 429 || (status >= 500 && status != 501 && status != 505);
}
}  // namespace detail

/// A chat backend on an OpenAI-compatible HTTP endpoint.
///
/// A batch goes out concurrently (up to `max_concurrent` in flight, within the token-bucket
/// limits) over reused keep-alive connections. Transient failures (transport errors, timeouts,
/// 408/429/5xx, malformed replies) are retried up to `max_retries` times with exponential backoff
/// and full jitter, honouring `Retry-After`. `n > 1` is emulated by repeated requests where the
/// endpoint cannot do it. `complete` may be called from several threads at once (the concurrency
/// cap and the rate limits hold across them); `cancel` may be called from any thread.
class openai {
 public:
  explicit openai(openai_options options) : options_(std::move(options)), caps_(options_.capabilities), rng_(options_.jitter_seed) {
    detail::curl_global();
    while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
    url_ = options_.base_url + "/chat/completions";
    if (options_.max_concurrent == 0) options_.max_concurrent = 1;
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
    if (!options_.api_key.empty())
      headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + options_.api_key.reveal()).c_str());
    for (const auto& h : options_.extra_headers) headers_ = curl_slist_append(headers_, h.c_str());
    request_bucket_ = token_bucket(options_.requests_per_minute, options_.burst_seconds);
    token_bucket_ = token_bucket(options_.tokens_per_minute, options_.burst_seconds);
  }
  openai(const openai&) = delete;
  openai& operator=(const openai&) = delete;
  ~openai() {
    engines_.clear();
    curl_slist_free_all(headers_);
  }

  /// Answers `batch`, one result per request, in order.
  std::vector<result> complete(std::span<const request> batch) { return complete(batch, {}); }

  /// Answers `batch`, and tells `each` (when set) every request's result as soon as it is known,
  /// from the calling thread: a cache above stores a reply the moment it arrives, so a process
  /// killed mid-batch keeps what had come back.
  std::vector<result> complete(std::span<const request> batch, const on_result& each) {
    engine* e = acquire_engine();
    struct give_back {
      openai* self;
      engine* e;
      ~give_back() { self->release_engine(e); }
    } guard{this, e};
    return run(batch, *e, each);
  }

  /// Stops the batch in progress (in-flight transfers are abandoned, their results are
  /// `cancelled`) and every later batch until `resume`.
  void cancel() {
    cancelled_ = true;
    std::lock_guard lock(engines_mutex_);
    for (auto& e : engines_) curl_multi_wakeup(e->multi);
  }
  void resume() { cancelled_ = false; }

  /// The capabilities in force (detection may have switched some off).
  llm::capabilities capabilities() const {
    std::lock_guard lock(caps_mutex_);
    return caps_;
  }
  const openai_options& options() const { return options_; }

  /// Model ids listed by GET /models, and capabilities set from the server it reveals
  /// (llama.cpp: no `n`; Ollama: no `n`, no JSON schema, no logprobs). Errors throw, key scrubbed.
  std::vector<std::string> probe() {
    CURL* easy = curl_easy_init();
    std::string body;
    curl_easy_setopt(easy, CURLOPT_URL, (options_.base_url + "/models").c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout * 1000));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, long(options_.total_timeout * 1000));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, +[](char* p, size_t, size_t n, void* out) {
      static_cast<std::string*>(out)->append(p, n);
      return n;
    });
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    CURLcode code = curl_easy_perform(easy);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    if (code != CURLE_OK || status != 200)
      throw std::runtime_error(hide(fmt::format("GET {}/models: {}", options_.base_url,
                                                code != CURLE_OK ? curl_easy_strerror(code) : fmt::format("HTTP {}", status))));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc)) throw std::runtime_error(hide(fmt::format("GET {}/models: reply is not JSON", options_.base_url)));
    std::vector<std::string> models;
    std::string owner;
    simdjson::dom::array data;
    if (!doc["data"].get_array().get(data))
      for (auto m : data) {
        std::string_view id, by;
        if (!m["id"].get_string().get(id)) models.emplace_back(id);
        if (owner.empty() && !m["owned_by"].get_string().get(by)) owner = by;
      }
    std::lock_guard caps_lock(caps_mutex_);
    if (owner == "llamacpp") caps_.n = false;
    if (owner == "library" || owner == "ollama") caps_.n = caps_.json_schema = caps_.logprobs = false;
    return models;
  }

 private:
  using clock = std::chrono::steady_clock;

  struct job {
    std::size_t index;      // request in the batch
    int n;                  // choices this job asks for
    std::uint32_t offset;   // first choice it fills
    int attempts = 0;
    clock::time_point not_before{};
    double token_estimate = 0;
  };
  struct transfer {
    CURL* easy = nullptr;
    job work;
    std::string body;
    std::string reply;
    bool too_large = false;
    std::size_t max_bytes = 0;
  };
  struct slot {  // per request: choices gathered so far
    std::vector<std::string> choices;
    std::size_t filled = 0;
    response first;
    usage total;
    bool estimated = false;
    int attempts = 0;
    std::optional<clock::time_point> started;  // first attempt of the request
  };

  static size_t on_write(char* data, size_t, size_t n, void* self) {
    auto* t = static_cast<transfer*>(self);
    if (t->reply.size() + n > t->max_bytes) {
      t->too_large = true;
      return 0;  // aborts the transfer
    }
    t->reply.append(data, n);
    return n;
  }

  std::string hide(std::string text) const { return scrub(std::move(text), options_.api_key.reveal()); }

  void note(const std::string& line) {
    if (options_.log) options_.log(hide(line));
  }

  std::string describe(const request& r, std::size_t index) const {
    return fmt::format("request {} (role {}, model {}) to endpoint {} ({})", index, to_string(r.role), r.model, options_.name, options_.base_url);
  }

  /// What one batch in progress owns: a multi handle with its connection cache, easy handles
  /// to reuse, a parser. Engines are pooled, so concurrent `complete` calls run side by side and
  /// later batches reuse the connections of earlier ones.
  struct engine {
    CURLM* multi = nullptr;
    std::vector<CURL*> idle;
    simdjson::dom::parser parser;
    bool busy = false;
    explicit engine(std::size_t max_connections) {
      multi = curl_multi_init();
      if (!multi) throw std::runtime_error("libcurl: cannot create a multi handle");
      curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, long(max_connections));
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(max_connections));
    }
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine() {
      for (CURL* e : idle) curl_easy_cleanup(e);
      curl_multi_cleanup(multi);
    }
  };

  engine* acquire_engine() {
    std::lock_guard lock(engines_mutex_);
    for (auto& e : engines_)
      if (!e->busy) {
        e->busy = true;
        return e.get();
      }
    engines_.push_back(std::make_unique<engine>(options_.max_concurrent));
    engines_.back()->busy = true;
    return engines_.back().get();
  }
  void release_engine(engine* e) {
    std::lock_guard lock(engines_mutex_);
    e->busy = false;
  }

  CURL* acquire_easy(engine& en) {
    if (!en.idle.empty()) {
      CURL* e = en.idle.back();
      en.idle.pop_back();
      return e;
    }
    CURL* e = curl_easy_init();
    if (!e) throw std::runtime_error("libcurl: cannot create an easy handle");
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout * 1000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &openai::on_write);
    if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
    return e;
  }

  double backoff(int attempt) {
    std::lock_guard lock(limits_mutex_);
    double ceiling = std::min(options_.backoff_max, options_.backoff_initial * std::ldexp(1.0, std::max(0, attempt - 1)));
    return std::uniform_real_distribution<double>(0, std::max(0.0, ceiling))(rng_);  // full jitter
  }

  std::vector<result> run(std::span<const request> batch, engine& en, const on_result& each) {
    auto start = clock::now();
    std::vector<slot> slots(batch.size());
    std::deque<job> ready;
    std::vector<job> delayed;
    llm::capabilities caps = capabilities();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      int n = std::max(1, batch[i].n);
      slots[i].choices.resize(std::size_t(n));
      if (n == 1 || caps.n) ready.push_back(job{i, n, 0});
      else
        for (int k = 0; k < n; ++k) ready.push_back(job{i, 1, std::uint32_t(k)});
    }
    std::vector<std::unique_ptr<transfer>> active;
    std::vector<std::optional<result>> results(batch.size());

    auto finish_error = [&](const job& j, error e) {
      if (results[j.index]) return;
      e.attempts = slots[j.index].attempts;
      e.message = hide(describe(batch[j.index], j.index) + ": " + e.message +
                       fmt::format(" (after {} attempt{})", e.attempts, e.attempts == 1 ? "" : "s"));
      e.body_excerpt = hide(std::move(e.body_excerpt));
      results[j.index] = result(std::move(e));
      if (options_.activity) options_.activity->count(false);
      if (each) each(j.index, *results[j.index]);
    };
    auto retry_or_fail = [&](job j, error e, double retry_after) {
      if (j.attempts > options_.max_retries || cancelled_) return finish_error(j, std::move(e));
      double wait = backoff(j.attempts);
      if (retry_after > 0) {
        wait = std::max(wait, std::min(retry_after, options_.retry_after_max));
        // The server asked everyone to wait, not just this request: hold new starts too.
        std::lock_guard lock(limits_mutex_);
        hold_until_ = std::max(hold_until_, clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait)));
      }
      note(fmt::format("{}: {}; retry {}/{} in {:.3f} s", describe(batch[j.index], j.index), e.message, j.attempts,
                       options_.max_retries, wait));
      j.not_before = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait));
      if (e.kind == error_kind::rate_limited && options_.activity) options_.activity->rate_limited(j.not_before);
      delayed.push_back(j);
    };
    auto succeed = [&](const job& j, response&& r) {
      slot& s = slots[j.index];
      std::size_t got = std::min(r.choices.size(), std::size_t(j.n));
      for (std::size_t k = 0; k < got; ++k) s.choices[j.offset + k] = std::move(r.choices[k]);
      s.filled += got;
      s.total.prompt_tokens += r.usage.prompt_tokens;
      s.total.completion_tokens += r.usage.completion_tokens;
      s.total.cached_tokens += r.usage.cached_tokens;
      s.estimated = s.estimated || r.usage_estimated;
      if (j.offset == 0) s.first = std::move(r);
      if (got < std::size_t(j.n)) {
        // The endpoint ignored `n` (llama.cpp does): ask for the rest one by one from now on.
        if (options_.detect_n) {
          std::lock_guard caps_lock(caps_mutex_);
          if (caps_.n) note(fmt::format("endpoint {} returned {} of {} choices: emulating n", options_.name, got, j.n));
          caps_.n = false;
        }
        for (std::size_t k = got; k < std::size_t(j.n); ++k) ready.push_back(job{j.index, 1, std::uint32_t(j.offset + k)});
      }
      if (s.filled == s.choices.size() && !results[j.index]) {
        response out = std::move(s.first);
        out.choices = std::move(s.choices);
        out.content = out.choices.front();
        out.usage = s.total;
        out.usage_estimated = s.estimated;
        out.attempts = s.attempts;
        out.latency_seconds = std::chrono::duration<double>(clock::now() - s.started.value_or(start)).count();
        if (out.choices.size() == 1) out.choices.clear();
        results[j.index] = result(std::move(out));
        if (options_.activity) options_.activity->count(true);
        if (each) each(j.index, *results[j.index]);
      }
    };

    auto finish_transfer = [&](transfer& t, CURLcode code) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      curl_off_t retry_after = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RETRY_AFTER, &retry_after);
      const request& req = batch[t.work.index];
      // Give back what the token estimate over-charged, or take what it missed.
      error e;
      e.http_status = int(status);
      if (code != CURLE_OK) {
        if (t.too_large) {
          e.kind = error_kind::malformed_response;
          e.message = fmt::format("reply larger than {} bytes", options_.max_response_bytes);
          return finish_error(t.work, std::move(e));
        }
        e.kind = code == CURLE_OPERATION_TIMEDOUT ? error_kind::timeout : error_kind::transport;
        e.message = fmt::format("{} (curl {})", curl_easy_strerror(code), int(code));
        if (detail::permanent(code)) return finish_error(t.work, std::move(e));
        return retry_or_fail(t.work, std::move(e), 0);
      }
      if (status < 200 || status >= 300) {
        e.body_excerpt = sanitize_utf8(std::string_view(t.reply).substr(0, 300));
        e.message = e.body_excerpt.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, e.body_excerpt);
        if (status == 429) e.kind = error_kind::rate_limited;
        else if (status == 401 || status == 403) e.kind = error_kind::auth;
        else if (status >= 500 || detail::retryable_status(status)) e.kind = error_kind::server;
        else e.kind = error_kind::bad_request;
        if (detail::retryable_status(status)) return retry_or_fail(t.work, std::move(e), double(retry_after));
        return finish_error(t.work, std::move(e));
      }
      auto parsed = parse_completion(en.parser, t.reply, req);
      if (auto* err = std::get_if<error>(&parsed)) {
        err->http_status = int(status);
        return retry_or_fail(t.work, std::move(*err), 0);
      }
      auto& r = std::get<response>(parsed);
      {
        std::lock_guard lock(limits_mutex_);
        token_bucket_.adjust(t.work.token_estimate - double(r.usage.total()));
      }
      succeed(t.work, std::move(r));
    };

    auto start_transfer = [&](job j) {
      auto t = std::make_unique<transfer>();
      t->work = j;
      t->max_bytes = options_.max_response_bytes;
      const request& req = batch[j.index];
      t->body = request_body(req, caps, j.n, j.offset);
      t->easy = acquire_easy(en);
      double timeout = req.timeout_seconds.value_or(options_.total_timeout);
      curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, long(timeout * 1000));
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body.c_str());
      curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(t->body.size()));
      curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t.get());
      curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t.get());
      ++t->work.attempts;
      ++slots[j.index].attempts;
      if (!slots[j.index].started) slots[j.index].started = clock::now();
      curl_multi_add_handle(en.multi, t->easy);
      active.push_back(std::move(t));
    };

    auto release = [&](transfer* t) {
      curl_multi_remove_handle(en.multi, t->easy);
      en.idle.push_back(t->easy);
      --in_flight_;
      auto it = std::find_if(active.begin(), active.end(), [&](auto& p) { return p.get() == t; });
      auto owned = std::move(*it);
      active.erase(it);
      return owned;
    };

    while (!ready.empty() || !delayed.empty() || !active.empty()) {
      if (cancelled_) {
        while (!active.empty()) {
          auto t = release(active.back().get());
          finish_error(t->work, error{error_kind::cancelled, 0, "cancelled", {}, 0});
        }
        for (auto& j : ready) finish_error(j, error{error_kind::cancelled, 0, "cancelled", {}, 0});
        for (auto& j : delayed) finish_error(j, error{error_kind::cancelled, 0, "cancelled", {}, 0});
        break;
      }
      auto now = clock::now();
      double wait_seconds = 0.05;
      bool limited = false;
      for (auto it = delayed.begin(); it != delayed.end();) {
        if (it->not_before <= now) {
          ready.push_back(*it);
          it = delayed.erase(it);
        } else {
          wait_seconds = std::min(wait_seconds, std::chrono::duration<double>(it->not_before - now).count());
          ++it;
        }
      }
      while (!ready.empty() && active.size() < options_.max_concurrent) {
        job& j = ready.front();
        if (results[j.index]) {  // the request already failed through another of its choices
          ready.pop_front();
          continue;
        }
        const request& req = batch[j.index];
        j.token_estimate = double(estimate_prompt_tokens(req) +
                                  std::uint64_t(j.n) * (req.max_tokens ? std::uint64_t(*req.max_tokens) : options_.default_completion_tokens));
        // The cap counts the transfers of every batch in progress on this backend.
        std::size_t current = in_flight_.load();
        while (current < options_.max_concurrent && !in_flight_.compare_exchange_weak(current, current + 1)) {}
        if (current >= options_.max_concurrent) {
          wait_seconds = std::min(wait_seconds, 0.002);  // another batch holds the slots
          limited = true;
          break;
        }
        {
          std::lock_guard lock(limits_mutex_);
          double w = std::max(request_bucket_.wait_for(1, now), token_bucket_.wait_for(j.token_estimate, now));
          if (hold_until_ > now) w = std::max(w, std::chrono::duration<double>(hold_until_ - now).count());
          if (w <= 0) {
            request_bucket_.take(1, now);
            token_bucket_.take(j.token_estimate, now);
          } else {
            --in_flight_;
            wait_seconds = std::min(wait_seconds, w);
            limited = true;
            if (options_.activity) options_.activity->rate_limited(now + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(w)));
            break;
          }
        }
        job started = j;
        ready.pop_front();
        start_transfer(started);
      }
      int running = 0;
      curl_multi_perform(en.multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(en.multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        transfer* raw = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
        CURLcode code = msg->data.result;
        auto t = release(raw);
        finish_transfer(*t, code);
      }
      if (!ready.empty() && active.size() < options_.max_concurrent && !limited) continue;  // startable now
      if (!active.empty() || !delayed.empty() || !ready.empty())
        curl_multi_poll(en.multi, nullptr, 0, std::max(1, int(wait_seconds * 1000)), nullptr);
    }
    std::vector<result> out;
    out.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
      out.push_back(results[i] ? std::move(*results[i]) : result(error{error_kind::cancelled, 0, hide(describe(batch[i], i) + ": cancelled"), {}, 0}));
    return out;
  }

  openai_options options_;
  llm::capabilities caps_;
  mutable std::mutex caps_mutex_;
  std::atomic<bool> cancelled_{false};
  std::string url_;
  curl_slist* headers_ = nullptr;
  std::mutex engines_mutex_;
  std::vector<std::unique_ptr<engine>> engines_;
  std::atomic<std::size_t> in_flight_{0};
  std::mutex limits_mutex_;  // buckets and the jitter generator
  token_bucket request_bucket_;
  token_bucket token_bucket_;
  clock::time_point hold_until_{};  // no new request starts before this (a Retry-After)
  std::mt19937_64 rng_;
};

static_assert(chat_backend<openai>);

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
