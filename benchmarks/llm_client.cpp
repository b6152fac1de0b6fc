// Throughput and client CPU of the openai backend against a local server, at concurrency 1, 16, 64
// and 256, beside a raw libcurl multi loop sending the same prebuilt request (the baseline); and
// cache lookup and insert rates beside a bare SQLite primary-key query and insert.
//
// The peer is a minimal single-threaded epoll HTTP/1.1 server in this process (keep-alive, fixed
// tiny chat-completion reply), so that the server costs as little as possible and its CPU is
// measured separately (its thread's CPU clock).
#include <judgegrad/llm.hpp>

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <thread>
#include <unordered_map>

namespace llm = judgegrad::llm;

namespace {

double thread_cpu_seconds(clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

/// A keep-alive HTTP/1.1 server on one thread: reads requests (headers + Content-Length body) and
/// answers each with the same small chat completion.
class epoll_server {
 public:
  epoll_server() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int yes = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 4096);
    std::string body =
        R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},)"
        R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}})";
    reply_ = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    thread_ = std::thread([this] { run(); });
    ::pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_);
  }
  ~epoll_server() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  double cpu_seconds() const { return thread_cpu_seconds(cpu_clock_); }

 private:
  void run() {
    int ep = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd_;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd_, &ev);
    std::unordered_map<int, std::string> buffers;
    epoll_event events[256];
    char chunk[65536];
    while (!stop_) {
      int n = ::epoll_wait(ep, events, 256, 20);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          for (int c; (c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
            int one = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            epoll_event cev{};
            cev.events = EPOLLIN;
            cev.data.fd = c;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
            buffers[c];
          }
          continue;
        }
        std::string& buf = buffers[fd];
        bool closed = false;
        for (;;) {
          ssize_t got = ::read(fd, chunk, sizeof chunk);
          if (got > 0) buf.append(chunk, std::size_t(got));
          else {
            closed = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            break;
          }
        }
        std::string out;
        for (;;) {  // every complete request in the buffer
          auto head_end = buf.find("\r\n\r\n");
          if (head_end == std::string::npos) break;
          std::size_t length = 0;
          for (std::size_t at = 0; at < head_end;) {
            auto eol = buf.find("\r\n", at);
            if (eol > head_end) eol = head_end;
            if (eol - at > 15 && ::strncasecmp(buf.data() + at, "content-length:", 15) == 0) length = std::strtoul(buf.data() + at + 15, nullptr, 10);
            at = eol + 2;
          }
          if (buf.size() < head_end + 4 + length) break;
          buf.erase(0, head_end + 4 + length);
          out += reply_;
        }
        if (!out.empty()) {
          std::size_t sent = 0;
          while (sent < out.size()) {
            ssize_t w = ::write(fd, out.data() + sent, out.size() - sent);
            if (w <= 0) break;  // tiny replies on loopback: the socket buffer always has room
            sent += std::size_t(w);
          }
        }
        if (closed) {
          ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
          ::close(fd);
          buffers.erase(fd);
        }
      }
    }
    for (auto& [fd, b] : buffers) ::close(fd);
    ::close(ep);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::string reply_;
  std::thread thread_;
  clockid_t cpu_clock_{};
  std::atomic<bool> stop_{false};
};

epoll_server& server() {
  static epoll_server s;
  return s;
}

std::map<std::string, double> rates;  // name -> requests per second, for the ratio table

std::vector<llm::request> batch_of(std::size_t n) {
  std::vector<llm::request> batch(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch[i].model = "m";
    batch[i].messages = {{"system", "You rate summaries."}, {"user", "Rate this summary, item " + std::to_string(i) + "."}};
    batch[i].temperature = 0.1;
    batch[i].max_tokens = 16;
    batch[i].role = llm::role::judge;
  }
  return batch;
}

void report(benchmark::State& state, const std::string& name, std::size_t requests, double client_cpu, double server_cpu) {
  state.SetItemsProcessed(std::int64_t(requests));
  state.counters["client_cpu_us_per_req"] = benchmark::Counter(client_cpu * 1e6 / double(requests));
  state.counters["server_cpu_us_per_req"] = benchmark::Counter(server_cpu * 1e6 / double(requests));
  state.counters["req_per_s"] = benchmark::Counter(double(requests), benchmark::Counter::kIsRate);
  (void)name;
}

void BM_openai(benchmark::State& state) {
  auto concurrency = std::size_t(state.range(0));
  llm::openai_options o;
  o.base_url = server().base_url();
  o.max_concurrent = concurrency;
  llm::openai backend(o);
  auto batch = batch_of(std::max<std::size_t>(512, 4 * concurrency));
  backend.complete(batch);  // warm: connections open
  std::size_t requests = 0, failed = 0;
  double cpu0 = thread_cpu_seconds(), srv0 = server().cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto results = backend.complete(batch);
    for (auto& r : results) failed += !r.ok();
    requests += results.size();
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report(state, "openai", requests, thread_cpu_seconds() - cpu0, server().cpu_seconds() - srv0);
  if (failed) state.SkipWithError("some requests failed");
  rates["openai/" + std::to_string(concurrency)] = double(requests) / wall;
}
BENCHMARK(BM_openai)->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->MinTime(1.0);

size_t discard(char*, size_t, size_t n, void*) { return n; }

/// The baseline: libcurl's multi interface sending a prebuilt body with no JSON writing, no
/// parsing, no retries and no bookkeeping; the same connection settings.
void BM_raw_curl_multi(benchmark::State& state) {
  auto concurrency = std::size_t(state.range(0));
  std::string url = server().base_url() + "/chat/completions";
  std::string body = llm::request_body(batch_of(1)[0], llm::capabilities{}, 1);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, long(concurrency));
  std::vector<CURL*> handles(concurrency);
  for (auto& h : handles) {
    h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, long(body.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  }
  std::size_t per_batch = std::max<std::size_t>(512, 4 * concurrency);
  auto run_batch = [&] {
    std::size_t started = 0, done = 0;
    for (auto h : handles)
      if (started < per_batch) curl_multi_add_handle(multi, h), ++started;
    while (done < per_batch) {
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL* h = m->easy_handle;
        curl_multi_remove_handle(multi, h);
        ++done;
        if (started < per_batch) curl_multi_add_handle(multi, h), ++started;
      }
      if (done < per_batch) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
  };
  run_batch();
  std::size_t requests = 0;
  double cpu0 = thread_cpu_seconds(), srv0 = server().cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    run_batch();
    requests += per_batch;
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report(state, "raw", requests, thread_cpu_seconds() - cpu0, server().cpu_seconds() - srv0);
  rates["raw/" + std::to_string(concurrency)] = double(requests) / wall;
  for (auto h : handles) curl_easy_cleanup(h);
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
}
BENCHMARK(BM_raw_curl_multi)->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->MinTime(1.0);

struct answer_ok {
  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    std::vector<llm::result> out;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      llm::response r;
      r.content = R"({"fluency": 4, "coherence": 3})";
      r.usage = {250, 12, 0};
      out.push_back(std::move(r));
    }
    return out;
  }
};

std::filesystem::path bench_cache(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("judgegrad-bench-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

std::vector<llm::request> realistic(std::size_t n, std::size_t offset = 0) {
  auto batch = batch_of(n);
  for (std::size_t i = 0; i < n; ++i) batch[i].messages[1].content = std::string(1500, 'x') + std::to_string(i + offset);
  return batch;
}

void BM_cache_lookup(benchmark::State& state) {
  auto dir = bench_cache("lookup");
  llm::cached<answer_ok> cache(llm::cache_options{dir / "c.sqlite"});
  auto batch = realistic(1000);
  cache.complete(batch);  // all stored: every lookup below is a hit
  std::size_t n = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto r = cache.complete(batch);
    benchmark::DoNotOptimize(r);
    n += batch.size();
  }
  rates["cache_lookup"] = double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  state.SetItemsProcessed(std::int64_t(n));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_cache_lookup)->UseRealTime();

void BM_cache_insert(benchmark::State& state) {
  auto dir = bench_cache("insert");
  llm::cached<answer_ok> cache(llm::cache_options{dir / "c.sqlite"});
  std::size_t n = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = realistic(100, n);
    state.ResumeTiming();
    cache.complete(batch);  // all misses: one transaction of 100 inserts
    n += batch.size();
  }
  rates["cache_insert"] = double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  state.SetItemsProcessed(std::int64_t(n));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_cache_insert)->UseRealTime();

/// Baseline for the cache: the same SQLite file layout with bare prepared statements and a
/// precomputed key (no normalization, no hashing, no response decoding).
void BM_sqlite_baseline(benchmark::State& state) {
  auto dir = bench_cache("sqlite");
  sqlite3* db = nullptr;
  sqlite3_open((dir / "raw.sqlite").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t (key TEXT PRIMARY KEY, v TEXT)", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* sel = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2)", -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "SELECT v FROM t WHERE key = ?1", -1, &sel, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back(llm::detail::sha256_hex(std::to_string(i)));
  std::string value = R"({"fluency": 4, "coherence": 3})";
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (auto& k : keys) {
    sqlite3_bind_text(ins, 1, k.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, value.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  std::size_t n = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (auto& k : keys) {
      sqlite3_bind_text(sel, 1, k.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(sel);
      benchmark::DoNotOptimize(sqlite3_column_text(sel, 0));
      sqlite3_reset(sel);
    }
    n += keys.size();
  }
  rates["sqlite_select"] = double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  state.SetItemsProcessed(std::int64_t(n));
  sqlite3_finalize(ins);
  sqlite3_finalize(sel);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_sqlite_baseline)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nopenai backend / raw libcurl multi loop (requests per second, same server, same run):\n");
  for (int c : {1, 16, 64, 256}) {
    auto a = rates.find("openai/" + std::to_string(c)), b = rates.find("raw/" + std::to_string(c));
    if (a != rates.end() && b != rates.end())
      std::printf("  concurrency %3d: %9.0f / %9.0f req/s = %.2f\n", c, a->second, b->second, a->second / b->second);
  }
  if (rates.count("cache_lookup") && rates.count("sqlite_select"))
    std::printf("cache lookup %.0f/s vs bare SQLite select %.0f/s = %.2f\n", rates["cache_lookup"], rates["sqlite_select"],
                rates["cache_lookup"] / rates["sqlite_select"]);
  if (rates.count("cache_insert")) std::printf("cache insert %.0f/s (transactions of 100)\n", rates["cache_insert"]);
  return 0;
}
