// Requests per second of `judgegrad serve` (the real binary, over loopback HTTP with keep-alive)
// against its baseline measured in the same run: the same judge requests answered by the simulated
// world in-process. Counter `x_direct` = time per request / time per in-process reply.
//
// BM_batch/C sends 200 judge requests as one batch through judgegrad's HTTP backend with C requests
// in flight (C = 1, 16, 64): an evaluation through `serve` must not get slower with more
// concurrency (a listen backlog of 5, or fewer workers than kept-alive connections, made it 30x
// slower at 64). Its items_per_second is the server's throughput under that load.
//
// Needs the data (JUDGEGRAD_DATA, else the data judgegrad ships) and the judgegrad binary (JUDGEGRAD_BIN,
// else ../examples/cli/judgegrad next to this program's directory).
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/openai.hpp>
#include <judgegrad/sim.hpp>

#include "ratio.hpp"

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <fmt/core.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace jg = judgegrad;
using summeval = jg::summeval::all;

namespace {

struct fixture {
  std::vector<std::string> prompts;  // judge prompts for the 160 training rows and the first 40 test rows
  std::vector<std::string> bodies;   // the same as chat-completion bodies
  jg::sim::world world;
  double direct_seconds = 0;         // per in-process reply
  pid_t server = -1;
  int port = 0;

  static jg::sim::world load(std::vector<std::string>& prompts, std::vector<std::string>& bodies) {
    auto data = jg::data::summeval_paper<summeval>(jg::data::data_directory());
    auto p = jg::judge::summeval_prompt<summeval>();
    std::vector<jg::example<summeval>> rows(data.train.begin(), data.train.end());
    rows.insert(rows.end(), data.test.begin(), data.test.begin() + 40);
    for (const auto& e : rows) {
      prompts.push_back(jg::judge::render(p, e));
      jg::json_writer w;
      w.begin_object().key("model").value("judgegrad-sim").key("messages").begin_array().begin_object();
      w.key("role").value("user").key("content").value(prompts.back()).end_object().end_array();
      w.key("metadata").begin_object().key("judgegrad_role").value("judge").end_object().end_object();
      bodies.push_back(std::move(w).str());
    }
    return jg::sim::world::of(jg::sim::preset("paper"), data.train, data.test);
  }

  fixture() : world(load(prompts, bodies)) {
    // Baseline: in-process replies, after one warm-up round.
    auto round = [&] {
      for (const auto& p : prompts) {
        jg::llm::request r;
        r.role = jg::llm::role::judge;
        r.messages.push_back({"user", p});
        benchmark::DoNotOptimize(world.respond(r));
      }
    };
    round();
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) round();
    direct_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / (20.0 * static_cast<double>(prompts.size()));

    std::string bin;
    if (const char* b = std::getenv("JUDGEGRAD_BIN")) bin = b;
    else bin = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / ".." / "examples" / "cli" / "judgegrad").string();
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    server = fork();
    if (server == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl(bin.c_str(), bin.c_str(), "serve", "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[512] = {0};
    if (!std::fgets(line, sizeof line, out) || std::sscanf(std::strstr(line, "127.0.0.1:") ? std::strstr(line, "127.0.0.1:") : "", "127.0.0.1:%d", &port) != 1)
      throw std::runtime_error(fmt::format("cannot start {} serve (set JUDGEGRAD_BIN)", bin));
  }
  ~fixture() {
    if (server > 0) {
      kill(server, SIGTERM);
      waitpid(server, nullptr, 0);
    }
  }
};

fixture& shared() {
  static fixture f;
  return f;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

void BM_in_process(benchmark::State& state) {
  auto& f = shared();
  std::size_t i = 0;
  for (auto _ : state) {
    jg::llm::request r;
    r.role = jg::llm::role::judge;
    r.messages.push_back({"user", f.prompts[i++ % f.prompts.size()]});
    benchmark::DoNotOptimize(f.world.respond(r));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_http(benchmark::State& state) {
  auto& f = shared();
  CURL* curl = curl_easy_init();
  std::string url = fmt::format("http://127.0.0.1:{}/v1/chat/completions", f.port);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for large bodies
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 40;
  long failures = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto& body = f.bodies[i++ % f.bodies.size()];
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    long status = 0;
    if (curl_easy_perform(curl) != CURLE_OK) ++failures;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) ++failures;
  }
  double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(state.iterations());
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (failures) state.SkipWithError("some requests failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["x_direct"] = benchmark::Counter(per / f.direct_seconds, benchmark::Counter::kAvgThreads);
}

/// 200 judge requests in one batch through the HTTP backend, `state.range(0)` in flight.
void BM_batch(benchmark::State& state) {
  auto& f = shared();
  jg::llm::openai_options o;
  o.base_url = fmt::format("http://127.0.0.1:{}/v1", f.port);
  o.max_concurrent = static_cast<std::size_t>(state.range(0));
  jg::llm::openai http(o);
  std::vector<jg::llm::request> batch;
  for (const auto& p : f.prompts) {
    jg::llm::request r;
    r.model = "judgegrad-sim";
    r.role = jg::llm::role::judge;
    r.messages.push_back({"user", p});
    batch.push_back(std::move(r));
  }
  for (auto _ : state) {
    auto results = http.complete(batch);
    for (const auto& r : results)
      if (!r.ok()) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
}

/// The in-process world answering the same batch: the baseline of the server's throughput.
void BM_batch_in_process(benchmark::State& state) {
  auto& f = shared();
  std::vector<jg::llm::request> batch;
  for (const auto& p : f.prompts) {
    jg::llm::request r;
    r.role = jg::llm::role::judge;
    r.messages.push_back({"user", p});
    batch.push_back(std::move(r));
  }
  for (auto _ : state) benchmark::DoNotOptimize(f.world.complete(batch));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch.size()));
}

}  // namespace

BENCHMARK(BM_in_process);
BENCHMARK(BM_http)->UseRealTime();
BENCHMARK(BM_http)->Threads(4)->UseRealTime();
BENCHMARK(BM_batch_in_process)->UseRealTime();
BENCHMARK(BM_batch)->Arg(1)->Arg(4)->Arg(16)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    shared();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim_server: %s\n", e.what());
    return 1;
  }
  // Wall time here: the server works in another process, which the client's CPU time would miss.
  int rc = ratio_bench::run(argc, argv,
                            {{"evaluate through serve: 64 in flight vs 1 (>= 1 wanted)", "BM_batch/64/real_time", "BM_batch/1/real_time"},
                             {"evaluate through serve: 16 in flight vs 1", "BM_batch/16/real_time", "BM_batch/1/real_time"},
                             {"server at 64 in flight vs the in-process world", "BM_batch/64/real_time", "BM_batch_in_process/real_time"}},
                            true);
  curl_global_cleanup();
  return rc;
}
