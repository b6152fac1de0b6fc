/// @file
/// `cached<Backend>`: a SQLite (WAL) response store in front of any chat backend, keyed by the
/// SHA-256 of the whole normalized request (see `normalized_request` in wire.hpp).
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/llm/wire.hpp>

#include <fmt/format.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// What the cache did, with the usage its hits saved.
struct cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t stored = 0;
  usage saved;  ///< usage recorded with the entries that answered hits
};

/// A SQLite response store: one connection, safe to share with other processes (WAL, busy timeout,
/// one transaction per batch of inserts) and, through its mutex, with other threads.
class response_store {
 public:
  /// `keep_requests` false stores each request's key but not its text (`cache export` then shows
  /// none): a cache of the simulator's replies, which are free to make again, stays small.
  explicit response_store(const std::filesystem::path& path, int busy_timeout_ms = 60000, bool keep_requests = true)
      : path_(path), keep_requests_(keep_requests) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error(fmt::format("response cache {}: cannot open: {}", path.string(), why));
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL survives a killed process
    exec("CREATE TABLE IF NOT EXISTS responses ("
         " key TEXT PRIMARY KEY, request TEXT NOT NULL, model TEXT NOT NULL, content TEXT NOT NULL,"
         " choices TEXT, finish_reason TEXT NOT NULL, answered_by TEXT NOT NULL,"
         " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,"
         " usage_estimated INTEGER NOT NULL, latency REAL NOT NULL, created REAL NOT NULL)");
    select_ = prepare("SELECT content, choices, finish_reason, answered_by, prompt_tokens, completion_tokens,"
                      " cached_tokens, usage_estimated, latency FROM responses WHERE key = ?1");
    exists_ = prepare("SELECT 1 FROM responses WHERE key = ?1");
    insert_ = prepare("INSERT OR REPLACE INTO responses VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  }
  response_store(const response_store&) = delete;
  response_store& operator=(const response_store&) = delete;
  ~response_store() {
    sqlite3_finalize(select_);
    sqlite3_finalize(exists_);
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }

  /// The stored reply under `key`, marked `from_cache`.
  std::optional<response> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    reset(select_);
    sqlite3_bind_text(select_, 1, key.data(), int(key.size()), SQLITE_STATIC);
    int rc = step(select_);
    if (rc != SQLITE_ROW) return std::nullopt;
    response r;
    r.content = column(select_, 0);
    if (sqlite3_column_type(select_, 1) != SQLITE_NULL) {
      std::string json = column(select_, 1);
      simdjson::dom::array arr;
      if (parser_.parse(json).get_array().get(arr)) throw failure("corrupt choices in entry " + key);
      for (auto c : arr) {
        std::string_view s;
        if (c.get_string().get(s)) throw failure("corrupt choices in entry " + key);
        r.choices.emplace_back(s);
      }
    }
    r.finish_reason = column(select_, 2);
    r.model = column(select_, 3);
    r.usage.prompt_tokens = std::uint64_t(sqlite3_column_int64(select_, 4));
    r.usage.completion_tokens = std::uint64_t(sqlite3_column_int64(select_, 5));
    r.usage.cached_tokens = std::uint64_t(sqlite3_column_int64(select_, 6));
    r.usage_estimated = sqlite3_column_int(select_, 7) != 0;
    r.latency_seconds = sqlite3_column_double(select_, 8);
    r.from_cache = true;
    r.attempts = 0;
    reset(select_);
    return r;
  }

  bool contains(const std::string& key) {
    std::lock_guard lock(mutex_);
    reset(exists_);
    sqlite3_bind_text(exists_, 1, key.data(), int(key.size()), SQLITE_STATIC);
    bool found = step(exists_) == SQLITE_ROW;
    reset(exists_);
    return found;
  }

  /// Adds every entry of the response store at `other` that this one lacks, in one transaction;
  /// returns how many were added. (Entries under the same key are the same reply: kept as they are.)
  std::uint64_t absorb(const std::filesystem::path& other) {
    std::lock_guard lock(mutex_);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(other, ec)) throw failure(fmt::format("cannot absorb {}: no such file", other.string()));
    sqlite3_stmt* attach = prepare("ATTACH DATABASE ?1 AS other");
    std::string name = other.string();
    sqlite3_bind_text(attach, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(attach);
    sqlite3_finalize(attach);
    if (rc != SQLITE_DONE) throw failure(fmt::format("cannot open {}", name));
    std::uint64_t added = 0;
    try {
      exec("BEGIN IMMEDIATE");
      exec("INSERT OR IGNORE INTO main.responses SELECT * FROM other.responses");
      added = std::uint64_t(sqlite3_changes(db_));
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_exec(db_, "DETACH DATABASE other", nullptr, nullptr, nullptr);
      throw;
    }
    exec("DETACH DATABASE other");
    return added;
  }

  /// Stores each (request, response) pair in one transaction: all or none.
  void insert(std::span<const std::pair<const request*, const response*>> entries) {
    if (entries.empty()) return;
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      for (auto [req, resp] : entries) {
        std::string norm = normalized_request(*req);
        std::string key = detail::sha256_hex(norm);
        std::string choices;
        if (!resp->choices.empty()) {
          json_writer w;
          w.begin_array();
          for (const auto& c : resp->choices) w.value(c);
          w.end_array();
          choices = std::move(w).str();
        }
        reset(insert_);
        bind(1, key);
        bind(2, keep_requests_ ? norm : std::string());
        bind(3, req->model);
        bind(4, resp->content);
        if (choices.empty()) sqlite3_bind_null(insert_, 5);
        else bind(5, choices);
        bind(6, resp->finish_reason);
        bind(7, resp->model);
        sqlite3_bind_int64(insert_, 8, sqlite3_int64(resp->usage.prompt_tokens));
        sqlite3_bind_int64(insert_, 9, sqlite3_int64(resp->usage.completion_tokens));
        sqlite3_bind_int64(insert_, 10, sqlite3_int64(resp->usage.cached_tokens));
        sqlite3_bind_int(insert_, 11, resp->usage_estimated ? 1 : 0);
        sqlite3_bind_double(insert_, 12, resp->latency_seconds);
        sqlite3_bind_double(insert_, 13, now);
        if (step(insert_) != SQLITE_DONE) throw failure("cannot store entry " + key);
      }
      reset(insert_);
      exec("COMMIT");
    } catch (...) {
      reset(insert_);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  /// Number of entries.
  std::uint64_t size() {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = prepare("SELECT COUNT(*) FROM responses");
    step(s);
    auto n = std::uint64_t(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    return n;
  }

  /// One stored entry, as the table holds it.
  struct entry {
    std::string key, request, model, content, finish_reason, answered_by;
    std::uint64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
    bool usage_estimated = false;
    double latency = 0, created = 0;
  };

  /// Calls `f(entry)` for every entry, in key order (`judgegrad cache stats` and `export`).
  template <class F>
  void for_each(F&& f) {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = prepare("SELECT key, request, model, content, finish_reason, answered_by, prompt_tokens, completion_tokens,"
                              " cached_tokens, usage_estimated, latency, created FROM responses ORDER BY key");
    struct finalize {
      sqlite3_stmt* s;
      ~finalize() { sqlite3_finalize(s); }
    } guard{s};
    while (step(s) == SQLITE_ROW) {
      entry e{column(s, 0), column(s, 1), column(s, 2), column(s, 3), column(s, 4), column(s, 5),
              std::uint64_t(sqlite3_column_int64(s, 6)), std::uint64_t(sqlite3_column_int64(s, 7)),
              std::uint64_t(sqlite3_column_int64(s, 8)), sqlite3_column_int(s, 9) != 0, sqlite3_column_double(s, 10),
              sqlite3_column_double(s, 11)};
      f(static_cast<const entry&>(e));
    }
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::runtime_error failure(const std::string& what) const {
    return std::runtime_error(fmt::format("response cache {}: {}: {}", path_.string(), what, sqlite3_errmsg(db_)));
  }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error(fmt::format("response cache {}: {}: {}", path_.string(), sql, why));
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) throw failure(std::string("cannot prepare ") + sql);
    return s;
  }
  int step(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw failure("query failed");
    return rc;
  }
  static void reset(sqlite3_stmt* s) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  void bind(int i, const std::string& text) { sqlite3_bind_text(insert_, i, text.data(), int(text.size()), SQLITE_TRANSIENT); }
  static std::string column(sqlite3_stmt* s, int i) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, std::size_t(sqlite3_column_bytes(s, i))) : std::string();
  }

  std::filesystem::path path_;
  bool keep_requests_ = true;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* exists_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  simdjson::dom::parser parser_;
  std::mutex mutex_;
};

/// A chat backend answered from a response store first. `Backend` may be a reference type
/// (`cached<openai&>`) to wrap a backend owned elsewhere. Identical requests within one batch are
/// sent once. Only successful replies are stored.
template <class Backend>
  requires chat_backend<std::remove_reference_t<Backend>>
class cached {
 public:
  template <class... Args>
  explicit cached(cache_options options, Args&&... inner)
      : options_(std::move(options)), inner_(std::forward<Args>(inner)...) {
    if (options_.mode != cache_mode::off) store_ = std::make_unique<response_store>(options_.path, options_.busy_timeout_ms, options_.keep_requests);
  }

  std::vector<result> complete(std::span<const request> batch) { return complete(batch, {}); }

  /// As complete(batch), and `each(i, result)` for every request of the batch as its result is
  /// known: a hit at once, a reply the moment it arrives and is stored (when the backend below can
  /// say so), else when the batch returns. May be called from several threads, never twice for one
  /// index.
  std::vector<result> complete(std::span<const request> batch, const on_result& each) {
    std::vector<std::optional<result>> out(batch.size());
    std::vector<char> told(each ? batch.size() : 0, 0);
    std::mutex told_mutex;
    auto tell = [&](std::size_t i, const result& r) {
      if (!each) return;
      {
        std::lock_guard lock(told_mutex);
        if (told[i]) return;
        told[i] = 1;
      }
      each(i, r);
    };
    std::vector<request> to_send;
    std::vector<std::vector<std::size_t>> waiting;  // batch indices answered by each sent request
    std::unordered_map<std::string, std::size_t> sent_by_key;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (options_.mode == cache_mode::off) {
        sent_by_key.emplace(std::to_string(i), to_send.size());
        waiting.push_back({i});
        to_send.push_back(batch[i]);
        continue;
      }
      std::string key = cache_key(batch[i]);
      if (options_.mode != cache_mode::write_only) {
        if (auto hit = store_->find(key)) {
          count_hit(hit->usage);
          out[i] = result(std::move(*hit));
          if (options_.activity) options_.activity->count(true, true);
          tell(i, *out[i]);
          continue;
        }
      }
      count_miss();
      if (options_.mode == cache_mode::replay_only) {
        const request& r = batch[i];
        std::string last = r.messages.empty() ? std::string() : r.messages.back().content.substr(0, 80);
        out[i] = result(error{error_kind::cache_miss, 0,
                              fmt::format("replay-only cache {} has no entry for request {} (role {}, model {}, key {}): \"{}\"",
                                          options_.path.string(), i, to_string(r.role), r.model, key.substr(0, 16),
                                          sanitize_utf8(last)),
                              {}, 0});
        if (options_.activity) options_.activity->count(false);
        continue;
      }
      auto [it, fresh] = sent_by_key.emplace(key, to_send.size());
      if (fresh) {
        waiting.push_back({i});
        to_send.push_back(batch[i]);
      } else {
        waiting[it->second].push_back(i);
      }
    }
    if (!to_send.empty()) {
      // A reply is stored the moment it arrives when the backend below can say so (a process
      // killed mid-batch keeps every reply that had come back); else when the batch returns.
      std::vector<char> stored(to_send.size(), 0);
      auto store = [&](std::size_t k, const result& r) {
        if (!store_ || !r.ok() || stored[k]) return;
        std::pair<const request*, const response*> entry{&to_send[k], &r.value()};
        store_->insert(std::span(&entry, 1));
        stored[k] = 1;
        std::lock_guard lock(stats_mutex_);
        ++stats_.stored;
      };
      std::vector<result> answers;
      if constexpr (requires { inner_.complete(std::span<const request>(to_send), on_result{}); }) {
        std::mutex each_mutex;  // the backend below may report from several threads
        answers = inner_.complete(std::span<const request>(to_send), on_result([&](std::size_t k, const result& r) {
                                    {
                                      std::lock_guard lock(each_mutex);
                                      store(k, r);
                                    }
                                    for (std::size_t i : waiting[k]) {
                                      if (i == waiting[k].front() || !r.ok()) {
                                        tell(i, r);
                                      } else {
                                        result copy = r;
                                        copy.value().from_cache = true;
                                        tell(i, copy);
                                      }
                                    }
                                  }));
      } else {
        answers = inner_.complete(std::span<const request>(to_send));
      }
      std::vector<std::pair<const request*, const response*>> entries;
      for (std::size_t k = 0; k < answers.size(); ++k)
        if (answers[k].ok() && store_ && !stored[k]) entries.emplace_back(&to_send[k], &answers[k].value());
      if (store_ && !entries.empty()) {
        store_->insert(entries);
        std::lock_guard lock(stats_mutex_);
        stats_.stored += entries.size();
      }
      for (std::size_t k = 0; k < answers.size(); ++k)
        for (std::size_t i : waiting[k]) {
          out[i] = answers[k];
          // A request the batch holds twice is sent once: the other is answered without a call.
          if (i != waiting[k].front() && out[i]->ok()) out[i]->value().from_cache = true;
        }
    }
    std::vector<result> results;
    results.reserve(batch.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      tell(i, *out[i]);
      results.push_back(std::move(*out[i]));
    }
    return results;
  }

  /// Whether `r` would be answered from the store (meters use this to not reserve budget for hits).
  bool would_hit(const request& r) {
    if (options_.mode == cache_mode::off || options_.mode == cache_mode::write_only) return false;
    return store_->contains(cache_key(r));
  }

  cache_stats stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
  }
  const cache_options& options() const { return options_; }
  std::remove_reference_t<Backend>& inner() { return inner_; }

 private:
  void count_hit(const usage& u) {
    std::lock_guard lock(stats_mutex_);
    ++stats_.hits;
    stats_.saved.prompt_tokens += u.prompt_tokens;
    stats_.saved.completion_tokens += u.completion_tokens;
    stats_.saved.cached_tokens += u.cached_tokens;
  }
  void count_miss() {
    std::lock_guard lock(stats_mutex_);
    ++stats_.misses;
  }

  cache_options options_;
  Backend inner_;
  std::unique_ptr<response_store> store_;
  mutable std::mutex stats_mutex_;
  cache_stats stats_;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
