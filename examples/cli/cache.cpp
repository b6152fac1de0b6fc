// `judgegrad cache stats|export`: what a response cache holds (a run directory's or any file), by
// model and role, and every entry as JSON Lines for other tools.
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/cache.hpp>

#include "commands.hpp"
#include "common.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <map>
#include <string>

namespace judgegrad_cli {

namespace {

struct cache_options {
  std::string path;
  std::string out;
};

std::filesystem::path cache_file(const std::string& given) {
  std::filesystem::path p = given;
  if (std::filesystem::is_directory(p)) p /= "cache.sqlite";
  if (!std::filesystem::exists(p)) throw failure(exit_usage, fmt::format("{}: no response cache there", p.string()));
  return p;
}

/// Runs `f` on the cache `given` names; a file that is not a response cache is a data error (exit 3)
/// saying what it is.
template <class F>
int with_cache(const std::string& given, F&& f) {
  auto file = cache_file(given);
  try {
    jg::llm::response_store store(file);
    return f(store);
  } catch (const failure&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw failure(exit_data, fmt::format("{} is not a judgegrad response cache (an SQLite file with its table of replies): {}", file.string(),
                                         e.what()));
  }
}

int stats_of(jg::llm::response_store& store) {
  struct totals {
    std::uint64_t entries = 0, prompt = 0, completion = 0, bytes = 0;
  };
  std::map<std::string, totals> by_model;
  totals all;
  store.for_each([&](const jg::llm::response_store::entry& e) {
    // The simulator's requests name no model: its replies say which (simulated:<preset's model>).
    std::string model = !e.model.empty() ? e.model : !e.answered_by.empty() ? e.answered_by : std::string("(no model named)");
    for (auto* t : {&all, &by_model[model]}) {
      ++t->entries;
      t->prompt += e.prompt_tokens;
      t->completion += e.completion_tokens;
      t->bytes += e.request.size() + e.content.size();
    }
  });
  fmt::print("{}: {} entries, {} prompt + {} completion tokens, {:.1f} MB of requests and replies\n", store.path().string(), all.entries,
             all.prompt, all.completion, static_cast<double>(all.bytes) / 1e6);
  fmt::print("{:<40} {:>9} {:>14} {:>14}\n", "model", "entries", "prompt tok", "completion tok");
  for (const auto& [model, t] : by_model) fmt::print("{:<40} {:>9} {:>14} {:>14}\n", model, t.entries, t.prompt, t.completion);
  return exit_ok;
}

int run_cache_stats(const cache_options& o) {
  return with_cache(o.path, [&](jg::llm::response_store& store) { return stats_of(store); });
}

int export_of(jg::llm::response_store& store, output_file& out, const cache_options& o) {
  std::uint64_t n = 0;
  store.for_each([&](const jg::llm::response_store::entry& e) {
    jg::json_writer w;
    w.begin_object().key("key").value(e.key).key("model").value(e.model).key("request").raw(e.request.empty() ? std::string("null") : e.request)
        .key("content").value(e.content).key("finish_reason").value(e.finish_reason).key("answered_by").value(e.answered_by)
        .key("prompt_tokens").value(e.prompt_tokens).key("completion_tokens").value(e.completion_tokens).key("cached_tokens").value(e.cached_tokens)
        .key("usage_estimated").value(e.usage_estimated).key("latency_seconds").value(e.latency).key("created_at_unix").value(e.created).end_object();
    std::string line = std::move(w).str() + "\n";
    if (out) out.write(line);
    else fmt::print("{}", line);
    ++n;
  });
  if (out) fmt::print(stderr, "judgegrad cache export: {} entries to {}\n", n, o.out);
  return exit_ok;
}

int run_cache_export(const cache_options& o) {
  output_file out(o.out, "--out");
  return with_cache(o.path, [&](jg::llm::response_store& store) { return export_of(store, out, o); });
}

}  // namespace

command add_cache(CLI::App& app) {
  auto options = std::make_shared<cache_options>();
  auto& o = *options;
  auto* cmd = app.add_subcommand("cache", "Inspect a response cache: `cache stats DIR|FILE`, `cache export DIR|FILE --out FILE`");
  cmd->require_subcommand(1);
  auto* stats = cmd->add_subcommand("stats", "Entries, tokens and bytes of a cache, by model");
  stats->add_option("path", o.path, "A run directory or a cache file")->required();
  auto* exporter = cmd->add_subcommand("export", "Every entry as one JSON line: key, model, request, reply, usage");
  exporter->add_option("path", o.path, "A run directory or a cache file")->required();
  exporter->add_option("--out", o.out, "The JSON Lines file to write (default: standard output)");
  return {cmd, [options, stats] { return *stats ? run_cache_stats(*options) : run_cache_export(*options); }};
}

}  // namespace judgegrad_cli
