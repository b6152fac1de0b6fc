/// @file
/// Joining the run directories of an experiment's shards (shards.hpp) into one run directory that
/// `report` and `resume` treat exactly as if one machine had run the whole grid: the runs copied
/// under runs/, the manifest listing them in the grid's order, the response caches united, the
/// event logs concatenated. The shards are left as they are.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/run_reader.hpp>
#include <judgegrad/experiment/shards.hpp>
#include <judgegrad/llm/cache.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// Shards that cannot be merged: of different experiments or versions, one missing or given twice,
/// one not finished. The message names the directory and what is wrong.
struct merge_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a merge did.
struct merge_result {
  std::size_t shards = 0, runs = 0;
  std::uint64_t cache_entries = 0;  ///< replies in the merged cache
};

/// How a run of a run directory stands: "finished", "aborted", "unfinished" (begun, steps to go)
/// or "not started" (no state.json yet).
inline std::string run_standing(const std::filesystem::path& dir, const std::string& run) {
  auto commit = read_commit(dir / run_files::runs / run);
  return commit ? std::string(commit->standing()) : "not started";
}

/// Whether a run of that standing has ended: finished, or aborted (which is final).
inline bool has_ended(std::string_view standing) { return standing == "finished" || standing == "aborted"; }

namespace merge_detail {

/// Why shard manifest `b` (in `where`) is not of the experiment of `a`, or nothing.
inline std::string difference(const manifest& a, const manifest& b) {
  if (b.judgegrad_version != a.judgegrad_version)
    return fmt::format("was written by judgegrad {}, the first shard by judgegrad {}", b.judgegrad_version, a.judgegrad_version);
  if (!same_experiment(a.experiment, b.experiment)) return "holds another experiment (its definition differs)";
  if (b.shard.count != a.shard.count) return fmt::format("is a shard of {}, the first shard one of {}", b.shard.count, a.shard.count);
  if (b.criteria != a.criteria) return "scores other criteria";
  if (b.train != a.train || b.validation != a.validation || b.test != a.test)
    return fmt::format("ran on other data ({} train / {} validation / {} test, the first shard {} / {} / {})", b.train, b.validation, b.test,
                       a.train, a.validation, a.test);
  // The same sizes, other items: the digests of the data (a directory written before they were kept has none: not compared).
  for (const auto& [part, digest] : b.data_digests)
    if (auto it = a.data_digests.find(part); it != a.data_digests.end() && it->second != digest)
      return fmt::format("ran on other data (its {} items differ: digest {}, the first shard's {})", part, digest, it->second);
  if (b.backend_kind != a.backend_kind || b.models != a.models || (b.backend_kind == "simulator" && (b.simulator_preset != a.simulator_preset || b.simulator_knobs != a.simulator_knobs)))
    return fmt::format("was answered by another backend ({}; the first shard: {})", b.backend, a.backend);
  return {};
}

inline std::string list(const std::vector<std::size_t>& v) {
  std::string out;
  for (auto x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
  return out;
}

}  // namespace merge_detail

/// Merges the shard run directories `shards` (each made by `judgegrad run --shard I/N`, all N of
/// them, in any order) into the new run directory `out`. Refuses (merge_error) shards of different
/// experiments, judgegrad versions or shard counts, a shard given twice, missing shards (named by
/// index), and shards with runs not finished (a shard's aborted runs are finished: they are final).
/// `out` is written beside itself and renamed into place, so it appears whole or not at all.
inline merge_result merge_shards(std::span<const std::filesystem::path> shards, const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  if (shards.empty()) throw merge_error("no shard directories given");
  std::vector<manifest> ms;
  std::vector<std::unique_ptr<files::directory_lock>> locks;  // no process may work in a shard while it is copied
  for (std::size_t k = 0; k < shards.size(); ++k)
    for (std::size_t j = 0; j < k; ++j) {
      std::error_code same;
      if (std::filesystem::equivalent(shards[j], shards[k], same))
        throw merge_error(fmt::format("{} is given twice ({} and {})", shards[k].string(), shards[j].string(), shards[k].string()));
    }
  for (const auto& dir : shards) {
    if (!is_run_directory(dir)) throw merge_error(fmt::format("{} is not a judgegrad run directory (it has no experiment.json)", dir.string()));
    ms.push_back(read_manifest(dir));
    locks.push_back(std::make_unique<files::directory_lock>(dir));
  }
  const manifest& first = ms.front();
  const std::size_t n = first.shard.count;
  std::vector<const fs::path*> by_index(n + 1, nullptr);
  std::vector<const manifest*> manifest_of(n + 1, nullptr);
  for (std::size_t k = 0; k < ms.size(); ++k) {
    if (auto why = merge_detail::difference(first, ms[k]); !why.empty())
      throw merge_error(fmt::format("{} {}: it cannot be merged with {}", shards[k].string(), why, shards.front().string()));
    std::size_t i = ms[k].shard.index;
    if (by_index[i])
      throw merge_error(fmt::format("{} and {} are both shard {}", by_index[i]->string(), shards[k].string(), ms[k].shard.name()));
    by_index[i] = &shards[k];
    manifest_of[i] = &ms[k];
  }
  std::vector<std::size_t> missing;
  for (std::size_t i = 1; i <= n; ++i)
    if (!by_index[i]) missing.push_back(i);
  if (!missing.empty())
    throw merge_error(fmt::format("missing shard{} {} of {}: give every shard's directory", missing.size() > 1 ? "s" : "",
                                  merge_detail::list(missing), n));

  // The grid's order: the shards took its runs in turn.
  std::size_t total = 0;
  for (std::size_t i = 1; i <= n; ++i) total += manifest_of[i]->runs.size();
  std::vector<std::string> runs;
  std::vector<std::size_t> shard_of;
  for (std::size_t k = 0; k < total; ++k) {
    std::size_t i = k % n + 1, at = k / n;
    if (at >= manifest_of[i]->runs.size())
      throw merge_error(fmt::format("{} lists {} runs, not the {} of shard {} of a grid of {} runs (a damaged manifest?)", by_index[i]->string(),
                                    manifest_of[i]->runs.size(), (total - i) / n + 1, manifest_of[i]->shard.name(), total));
    runs.push_back(manifest_of[i]->runs[at]);
    shard_of.push_back(i);
  }
  std::vector<std::string> unfinished;
  for (std::size_t k = 0; k < total; ++k) {
    std::string standing = run_standing(*by_index[shard_of[k]], runs[k]);
    if (!has_ended(standing))
      unfinished.push_back(fmt::format("{} ({}, shard {})", runs[k], standing, manifest_of[shard_of[k]]->shard.name()));
  }
  if (!unfinished.empty())
    throw merge_error(fmt::format("{} of {} runs have not finished: {}{}; resume their shards (`judgegrad resume DIR`, or submit the sweep "
                                  "again), then merge",
                                  unfinished.size(), total, unfinished.front(), unfinished.size() > 1 ? fmt::format(" and {} more", unfinished.size() - 1) : ""));

  std::error_code ec;
  if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
    throw merge_error(fmt::format("{} exists: name a new (or empty) directory for the merged run directory", out.string()));
  fs::path tmp = out;
  tmp += ".merging";
  fs::remove_all(tmp, ec);  // what an interrupted merge left
  auto made = [&](const fs::path& p) {
    fs::create_directories(p, ec);
    if (ec) throw storage_error(fmt::format("cannot create {}: {}", p.string(), ec.message()));
  };
  struct discard {  // a merge that fails leaves nothing of itself
    const fs::path& dir;
    bool keep = false;
    ~discard() {
      std::error_code ignored;
      if (!keep) fs::remove_all(dir, ignored);
    }
  } partial{tmp};
  made(tmp / run_files::runs);
  made(tmp / "results");

  manifest m = first;
  m.runs = runs;
  m.shard = {};
  m.cache_file.clear();
  for (std::size_t i = 1; i <= n; ++i) {
    m.created_at = std::min(m.created_at, manifest_of[i]->created_at);
    m.simulated = m.simulated || manifest_of[i]->simulated;
  }
  for (std::size_t k = 0; k < total; ++k) {
    fs::path from = *by_index[shard_of[k]] / run_files::runs / runs[k];
    fs::copy(from, tmp / run_files::runs / runs[k], fs::copy_options::recursive, ec);
    if (ec) throw storage_error(fmt::format("cannot copy {} into {}: {}", from.string(), tmp.string(), ec.message()));
  }
  merge_result result{n, total, 0};
  {
    std::set<fs::path> caches;  // shards may share one cache file
    for (std::size_t i = 1; i <= n; ++i) {
      fs::path c = manifest_of[i]->cache_in(*by_index[i]);
      if (fs::exists(c, ec)) caches.insert(fs::weakly_canonical(c, ec));
    }
    llm::response_store merged(tmp / "cache.sqlite", 60000);
    try {
      for (const auto& c : caches) result.cache_entries += merged.absorb(c);
    } catch (const std::runtime_error& e) {
      throw storage_error(e.what());
    }
  }
  {  // each shard kept its own ledger: the merged run spent their sum
    llm::meter_report spent;
    bool any = false;
    for (std::size_t i = 1; i <= n; ++i)
      if (fs::exists(*by_index[i] / spend_file, ec)) spent += read_spend(*by_index[i]), any = true;
    if (any) write_spend(tmp, spent);
  }
  if (first.backend_kind == "endpoints" && fs::exists(*by_index[1] / "llm.json", ec)) {
    fs::copy_file(*by_index[1] / "llm.json", tmp / "llm.json", ec);
    if (ec) throw storage_error(fmt::format("cannot copy {}: {}", (*by_index[1] / "llm.json").string(), ec.message()));
  }
  std::string events;
  for (std::size_t i = 1; i <= n; ++i)
    if (fs::exists(*by_index[i] / run_files::events, ec)) events += files::read_all(*by_index[i] / run_files::events);
  if (!events.empty()) files::append_durable(tmp / run_files::events, events);
  std::string from;
  for (std::size_t i = 1; i <= n; ++i) from += (i > 1 ? ", " : "") + fs::absolute(*by_index[i]).string();
  log_event(tmp, "merge", fmt::format("{} runs of {} shards: {}", total, n, from));
  files::write_atomic(tmp / run_files::manifest, to_json(m));

  if (fs::exists(out, ec)) fs::remove(out, ec);  // the empty directory named
  fs::rename(tmp, out, ec);
  if (ec) throw storage_error(fmt::format("cannot rename {} to {}: {}", tmp.string(), out.string(), ec.message()));
  partial.keep = true;
  return result;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
