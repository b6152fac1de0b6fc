// `judgegrad serve`: the simulated LLM world behind an OpenAI-compatible HTTP server
// (docs/simulator.md). Blocks until SIGINT or SIGTERM, then stops cleanly.
#include <judgegrad/data/brighter.hpp>
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/sim.hpp>
#include <judgegrad/sim/server.hpp>

#include "commands.hpp"
#include "common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace judgegrad_cli {

namespace jg = judgegrad;

namespace {

/// Everything `serve` reads from the command line.
struct serve_options {
  jg::sim::server_options server;
  std::string data_dir;
  std::string dataset = "summeval";
  std::string preset = "paper";
  std::string config_file;
  std::string llm_config_file;  ///< given by mistake: --config is an LLM configuration elsewhere
  std::optional<std::uint64_t> seed;
  std::string api_key_env;
  std::string upstream_key_env;
  bool print_config = false;
};

/// Runs `serve` until SIGINT or SIGTERM; 0 after a clean stop.
int run_serve(const serve_options& o) {
  if (!o.llm_config_file.empty())
    throw failure(exit_usage, fmt::format("--config {}: serve takes the simulator's knobs as --sim-config FILE (--config is an LLM "
                                          "configuration in evaluate and run)", o.llm_config_file));
  {
    jg::sim::params p = simulator_knobs(o.preset, o.config_file);
    if (o.seed) p.seed = *o.seed;
    if (o.print_config) {
      fmt::print("{}\n", jg::sim::to_json(p));
      return 0;
    }
    // A proxy needs no data: its world stays empty.
    auto world = [&] {
      if (!o.server.upstream.empty()) {
        std::vector<jg::sim::criterion_model> none{{"none", "", {1, 5, 1}, {}}};
        return jg::sim::world(none, p);
      }
      return simulated_world(o.dataset, data_dir(o.data_dir), p);
    }();

    jg::sim::server_options so = o.server;
    if (!o.api_key_env.empty()) {
      const char* key = std::getenv(o.api_key_env.c_str());
      if (key == nullptr || *key == '\0') {
        throw failure(exit_usage, fmt::format("--api-key-env {}: that environment variable is not set or empty", o.api_key_env));
      }
      so.api_key = key;
    }

    // Block the stop signals in every thread (the server's threads inherit the mask), then wait
    // for one here: no work happens inside a signal handler.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    if (!o.upstream_key_env.empty()) {
      const char* key = std::getenv(o.upstream_key_env.c_str());
      if (key == nullptr || *key == '\0') {
        throw failure(exit_usage, fmt::format("--upstream-key-env {}: that environment variable is not set or empty", o.upstream_key_env));
      }
      so.upstream_api_key = key;
    }

    jg::sim::server server(world, so);
    int port = 0;
    try {
      port = server.start();
    } catch (const std::runtime_error& e) {
      throw failure(exit_usage, fmt::format("--port {}: {}", o.server.port, e.what()));
    }
    std::string what = so.upstream.empty() ? fmt::format("simulated world: {}, {} examples, seed {}", o.dataset, world.size(), p.seed)
                                           : fmt::format("proxy to {}, faults injected", so.upstream);
    fmt::print("judgegrad serve: listening on http://{}:{} ({}{})\n", so.host, port, what,
               so.api_key.empty() ? "" : ", bearer token required");
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop_signals, &received);
    server.stop();
    auto counts = server.counts();
    fmt::print("judgegrad serve: {} received, stopped after {} requests ({} completions)\n",
               received == SIGTERM ? "SIGTERM" : "SIGINT", counts.requests, counts.ok + counts.proxied);
    return 0;
  }
}

}  // namespace

command add_serve(CLI::App& app) {
  auto options = std::make_shared<serve_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("serve", "Serve the simulated LLM world over an OpenAI-compatible HTTP API");
  o.server.port = 8642;
  cmd->add_option("--port", o.server.port, "Port to listen on (0: any free port, printed)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--host", o.server.host, "Address to bind (loopback unless told otherwise)")->capture_default_str();
  cmd->add_option("--data", o.data_dir, "Data directory holding summeval/ and brighter/ (default: $JUDGEGRAD_DATA, else the data judgegrad ships)");
  cmd->add_option("--dataset", o.dataset, "Data set the world knows")->check(CLI::IsMember({"summeval", "brighter"}))->capture_default_str();
  cmd->add_option("--preset", o.preset, "Knob preset (paper, noiseless)")->capture_default_str();
  cmd->add_option("--sim-config", o.config_file, "JSON file of simulator knobs overriding the preset (docs/simulator.md)");
  cmd->add_option("--config", o.llm_config_file, "")->group("");  // hidden: explained in run_serve
  cmd->add_option("--seed", o.seed, "World seed (overrides the configuration)");
  cmd->add_option("--api-key-env", o.api_key_env, "Require 'Authorization: Bearer <key>' with the key read from this environment variable");
  cmd->add_option("--threads", o.server.threads, "Worker threads; each client connection kept alive holds one")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--rate-429", o.server.faults.rate_limited, "Share of completions answered 429 with Retry-After")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--retry-after", o.server.faults.retry_after_seconds, "Retry-After seconds of a 429")->check(CLI::Range(0, 3600))->capture_default_str();
  cmd->add_option("--rate-5xx", o.server.faults.server_error, "Share answered 500, 502 or 503")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--rate-drop", o.server.faults.dropped, "Share whose connection drops mid-body")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--rate-malformed", o.server.faults.malformed, "Share answered 200 with a body that is not a chat completion")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--latency-ms", o.server.faults.latency_ms, "Fixed latency added to every completion")->check(CLI::Range(0.0, 600000.0));
  cmd->add_option("--latency-jitter-ms", o.server.faults.latency_jitter_ms, "Mean of an exponential latency added on top")->check(CLI::Range(0.0, 600000.0));
  cmd->add_option("--fault-seed", o.server.faults.seed, "Seed of the fault draws")->capture_default_str();
  cmd->add_option("--upstream", o.server.upstream,
                  "Forward completions to this OpenAI-compatible base URL (e.g. https://openrouter.ai/api/v1) instead of the simulator, injecting the faults in front of it");
  cmd->add_option("--upstream-key-env", o.upstream_key_env, "Environment variable holding the upstream's API key");
  cmd->add_option("--model-suffix", o.server.model_suffix,
                  "Appended to the model name each reply gives (-2024-07-18: answer as a dated snapshot, as OpenAI does)");
  cmd->add_flag("--print-config", o.print_config, "Print the resolved knobs as JSON and exit");
  return {cmd, [options] { return run_serve(*options); }};
}

}  // namespace judgegrad_cli
