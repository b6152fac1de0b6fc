// The response cache: keys, modes, hits and saved usage, and a store shared by processes.
#include <judgegrad/llm/cache.hpp>
#include <judgegrad/llm/meter.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

namespace test_llm_cache {

namespace llm = judgegrad::llm;

namespace {

/// A backend that answers "<model>|<last message>|<repeat>" and counts what it was asked.
struct counting_backend {
  std::size_t calls = 0;
  std::vector<std::string> asked;
  std::vector<llm::result> complete(std::span<const llm::request> batch) {
    std::vector<llm::result> out;
    for (const auto& r : batch) {
      ++calls;
      asked.push_back(r.messages.back().content);
      if (r.messages.back().content == "fail") {
        out.push_back(llm::error{llm::error_kind::server, 503, "down", {}, 1});
        continue;
      }
      llm::response resp;
      resp.content = r.model + "|" + r.messages.back().content + "|" + std::to_string(r.repeat);
      resp.usage = {100, 20, 30};
      resp.model = r.model;
      resp.finish_reason = "stop";
      if (r.n > 1) resp.choices = {resp.content, resp.content + "#1"};
      out.push_back(std::move(resp));
    }
    return out;
  }
};
static_assert(llm::chat_backend<counting_backend>);

llm::request base() {
  llm::request r;
  r.model = "m";
  r.messages = {{"system", "sys"}, {"user", "hello"}};
  r.temperature = 0.7;
  r.max_tokens = 100;
  r.seed = 1;
  r.stop = {"\n\n"};
  r.format = {llm::response_format::kind::json_schema, "s", R"({"type":"object"})"};
  return r;
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() / ("judgegrad-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

llm::request numbered(int i, const std::string& prefix = "q") {
  llm::request r;
  r.model = "m";
  r.messages = {{"user", prefix + std::to_string(i)}};
  return r;
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 test vectors") {
  using llm::detail::sha256_hex;
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  llm::detail::sha256 split;
  split.update("abcdbcdecdefdefgefghfghighijhijk").update("ijkljklmklmnlmnomnopnopq");
  CHECK(split.hex_digest() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  for (std::size_t chunk : {1, 63, 64, 65, 997}) {  // block boundaries fall anywhere in a chunk
    llm::detail::sha256 h;
    std::string piece(chunk, 'a');
    std::size_t left = 1000000;
    for (; left >= chunk; left -= chunk) h.update(piece);
    h.update(std::string(left, 'a'));
    CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

TEST_CASE("cache keys differ exactly when a field that can change the reply differs") {
  const std::string k0 = llm::cache_key(base());
  CHECK(k0.size() == 64);
  std::vector<std::pair<const char*, std::function<void(llm::request&)>>> changes = {
      {"model", [](auto& r) { r.model = "m2"; }},
      {"message role", [](auto& r) { r.messages[0].role = "user"; }},
      {"message content", [](auto& r) { r.messages[1].content = "hello!"; }},
      {"message split", [](auto& r) { r.messages = {{"system", "sy"}, {"user", "shello"}}; }},
      {"extra message", [](auto& r) { r.messages.push_back({"assistant", ""}); }},
      {"temperature", [](auto& r) { r.temperature = 0.70000001; }},
      {"no temperature", [](auto& r) { r.temperature.reset(); }},
      {"max_tokens", [](auto& r) { r.max_tokens = 101; }},
      {"seed", [](auto& r) { r.seed = 2; }},
      {"no seed", [](auto& r) { r.seed.reset(); }},
      {"stop", [](auto& r) { r.stop = {"\n"}; }},
      {"format type", [](auto& r) { r.format.type = llm::response_format::kind::json_object; }},
      {"schema", [](auto& r) { r.format.schema = R"({"type":"array"})"; }},
      {"schema name", [](auto& r) { r.format.schema_name = "t"; }},
      {"n", [](auto& r) { r.n = 2; }},
      {"logprobs", [](auto& r) { r.logprobs = true; }},
      {"repeat", [](auto& r) { r.repeat = 1; }},
  };
  std::set<std::string> keys = {k0};
  for (auto& [label, change] : changes) {
    std::string name = label;
    llm::request r = base();
    change(r);
    INFO(name);
    CHECK(llm::cache_key(r) != k0);
    keys.insert(llm::cache_key(r));
  }
  CHECK(keys.size() == changes.size() + 1);  // and all differ from each other
  std::vector<std::pair<const char*, std::function<void(llm::request&)>>> same = {
      {"role", [](auto& r) { r.role = llm::role::optimizer; }},
      {"endpoint", [](auto& r) { r.endpoint = "elsewhere"; }},
      {"timeout", [](auto& r) { r.timeout_seconds = 5; }},
      {"temperature computed, not written", [](auto& r) { r.temperature = 7 / 10.0; }},
  };
  for (auto& [label, change] : same) {
    std::string name = label;
    llm::request r = base();
    change(r);
    INFO(name);
    CHECK(llm::cache_key(r) == k0);
  }
  llm::request zero = base(), negative_zero = base();
  zero.temperature = 0.0;
  negative_zero.temperature = -0.0;
  CHECK(llm::cache_key(zero) == llm::cache_key(negative_zero));
}

TEST_CASE("read-write mode: a miss calls through and stores, a hit is served with its usage") {
  temp_dir dir;
  llm::cached<counting_backend> cache(llm::cache_options{dir.path / "c.sqlite"});
  std::vector<llm::request> batch = {numbered(1), numbered(2), numbered(1), base()};
  batch[3].n = 2;
  auto first = cache.complete(batch);
  CHECK(cache.inner().calls == 3);  // the duplicate in the batch was sent once
  for (auto& r : first) REQUIRE(r.ok());
  CHECK(first[2].value().content == "m|q1|0");
  CHECK_FALSE(first[0].value().from_cache);
  auto second = cache.complete(batch);
  CHECK(cache.inner().calls == 3);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    REQUIRE(second[i].ok());
    CHECK(second[i].value().from_cache);
    CHECK(second[i].value().content == first[i].value().content);
    CHECK(second[i].value().usage == llm::usage{100, 20, 30});
  }
  CHECK(second[3].value().choices == std::vector<std::string>{"m|hello|0", "m|hello|0#1"});
  CHECK(cache.stats().hits == 4);
  CHECK(cache.stats().saved.prompt_tokens == 400);
  CHECK(cache.would_hit(numbered(2)));
  CHECK_FALSE(cache.would_hit(numbered(3)));

  // Failures are not stored: the next batch tries again.
  llm::request failing = numbered(0, "fail");
  failing.messages.back().content = "fail";
  CHECK_FALSE(cache.complete(std::vector<llm::request>{failing})[0].ok());
  CHECK_FALSE(cache.complete(std::vector<llm::request>{failing})[0].ok());
  CHECK(cache.inner().calls == 5);

  // A meter on top reports the cost the hits saved and charges nothing for them.
  llm::meter_options m;
  m.prices["m"] = {1.0, 4.0, 0.5};
  llm::metered<llm::cached<counting_backend>&> meter(m, cache);
  auto third = meter.complete(std::vector<llm::request>{numbered(1), numbered(9)});
  auto report = meter.report();
  CHECK(report.total.cache_hits == 1);
  CHECK(report.total.calls == 1);
  CHECK(report.total.usd_saved == doctest::Approx((70 * 1.0 + 30 * 0.5 + 20 * 4.0) / 1e6));
  CHECK(report.total.usd == doctest::Approx((70 * 1.0 + 30 * 0.5 + 20 * 4.0) / 1e6));
}

TEST_CASE("replay-only fails loudly on a miss; write-only always calls; off stores nothing") {
  temp_dir dir;
  auto path = dir.path / "c.sqlite";
  {
    llm::cached<counting_backend> writer(llm::cache_options{path, llm::cache_mode::write_only});
    writer.complete(std::vector<llm::request>{numbered(1)});
    writer.complete(std::vector<llm::request>{numbered(1)});
    CHECK(writer.inner().calls == 2);
  }
  llm::cached<counting_backend> replay(llm::cache_options{path, llm::cache_mode::replay_only});
  llm::request miss = numbered(2);
  miss.role = llm::role::loss;
  auto r = replay.complete(std::vector<llm::request>{numbered(1), miss});
  CHECK(replay.inner().calls == 0);
  REQUIRE(r[0].ok());
  CHECK(r[0].value().content == "m|q1|0");
  REQUIRE_FALSE(r[1].ok());
  CHECK(r[1].error().kind == llm::error_kind::cache_miss);
  CHECK(r[1].error().message.find("request 1 (role loss, model m") != std::string::npos);
  CHECK(r[1].error().message.find("\"q2\"") != std::string::npos);

  llm::cached<counting_backend> off(llm::cache_options{{}, llm::cache_mode::off});
  off.complete(std::vector<llm::request>{numbered(1), numbered(1)});
  CHECK(off.inner().calls == 2);
  CHECK_FALSE(off.would_hit(numbered(1)));
}

TEST_CASE("two processes writing one cache at once lose nothing") {
  temp_dir dir;
  auto path = dir.path / "shared.sqlite";
  { llm::response_store create(path); }
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int status = 0;
      try {
        llm::cached<counting_backend> cache(llm::cache_options{path});
        for (int b = 0; b < 40; ++b) {
          std::vector<llm::request> batch;
          for (int i = 0; i < 10; ++i) batch.push_back(numbered(b * 10 + i, fmt::format("p{}-", p)));
          for (int i = 0; i < 3; ++i) batch.push_back(numbered(b * 3 + i, "both-"));  // overlapping keys
          for (auto& r : cache.complete(batch))
            if (!r.ok()) status = 2;
        }
      } catch (...) {
        status = 3;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  llm::response_store store(path);
  CHECK(store.size() == 2 * 400 + 120);
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < 400; ++i) {
      auto hit = store.find(llm::cache_key(numbered(i, fmt::format("p{}-", p))));
      REQUIRE(hit);
      REQUIRE(hit->content == "m|p" + std::to_string(p) + "-" + std::to_string(i) + "|0");
    }
}

TEST_CASE("a process killed mid-write leaves a readable cache") {
  temp_dir dir;
  auto path = dir.path / "killed.sqlite";
  { llm::response_store create(path); }
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    llm::cached<counting_backend> cache(llm::cache_options{path});
    for (int b = 0;; ++b) {
      std::vector<llm::request> batch;
      for (int i = 0; i < 50; ++i) batch.push_back(numbered(b * 50 + i));
      cache.complete(batch);
      if (b == 2) (void)!::write(ready[1], "x", 1);
    }
  }
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  ::close(ready[0]);
  ::close(ready[1]);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* check = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(check) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(check, 0))) == "ok");
  sqlite3_finalize(check);
  sqlite3_close(db);

  llm::response_store store(path);
  std::uint64_t n = store.size();
  CHECK(n >= 150);
  CHECK(n % 50 == 0);  // whole batches only: each is one transaction
  for (std::uint64_t i = 0; i < n; ++i) {
    auto hit = store.find(llm::cache_key(numbered(int(i))));
    REQUIRE(hit);
    REQUIRE(hit->content == "m|q" + std::to_string(i) + "|0");
  }
  // And it takes new entries.
  llm::cached<counting_backend> again(llm::cache_options{path});
  again.complete(std::vector<llm::request>{numbered(-1)});
  CHECK(store.size() == n + 1);
}

namespace {

/// A backend that tells each result as it is known, then dies (SIGKILL) before returning when the
/// batch holds the request "die": what a process killed mid-batch leaves behind.
struct reporting_backend {
  std::vector<llm::result> complete(std::span<const llm::request> batch) { return complete(batch, {}); }
  std::vector<llm::result> complete(std::span<const llm::request> batch, const llm::on_result& each) {
    std::vector<llm::result> out;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].messages.back().content == "die") ::raise(SIGKILL);
      llm::response resp;
      resp.content = "reply to " + batch[i].messages.back().content;
      resp.model = batch[i].model;
      resp.finish_reason = "stop";
      out.emplace_back(std::move(resp));
      if (each) each(i, out.back());
    }
    return out;
  }
};

}  // namespace

TEST_CASE("replies are stored as they arrive, so a process killed mid-batch keeps them") {
  temp_dir dir;
  auto path = dir.path / "mid-batch.sqlite";
  { llm::response_store create(path); }
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    llm::cached<reporting_backend> cache(llm::cache_options{path});
    std::vector<llm::request> batch{numbered(0), numbered(1), numbered(2)};
    batch.back().messages.back().content = "die";
    cache.complete(batch);
    ::_exit(0);  // not reached
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  llm::response_store store(path);
  CHECK(store.size() == 2);  // the two replies that came back before the kill
  auto hit = store.find(llm::cache_key(numbered(1)));
  REQUIRE(hit);
  CHECK(hit->content == "reply to q1");
  // Afterwards the kept replies answer from the store, and a new one is stored once.
  llm::cached<reporting_backend> cache(llm::cache_options{path});
  auto r = cache.complete(std::vector<llm::request>{numbered(1), numbered(3)});
  CHECK(r[1].value().content == "reply to q3");
  CHECK(cache.stats().hits == 1);
  CHECK(cache.stats().stored == 1);
  CHECK(store.size() == 3);
}
}  // namespace test_llm_cache
