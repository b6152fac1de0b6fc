/// @file
/// A run directory as a whole: creating one, or opening one written before (its format version
/// checked), its manifest (experiment.json: what the experiment is, on what data, through what
/// backend), and its event log. The per-run files: run_directory.hpp.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/experiment/check.hpp>
#include <judgegrad/experiment/fields.hpp>
#include <judgegrad/experiment/shards.hpp>
#include <judgegrad/llm/meter.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// A resume that went on through a backend answering otherwise than before (`--allow-change`).
struct backend_change {
  std::string at;                        ///< when (ISO 8601 UTC)
  std::vector<std::string> differences;  ///< llm::answering_differences: "roles.judge.model: a -> b"
  std::vector<std::string> runs;         ///< the runs not finished then: their steps mix the two backends
};

/// What experiment.json says.
struct manifest {
  definition experiment;
  std::string created_at;
  std::string judgegrad_version = version_string;
  std::filesystem::path data_directory;
  std::size_t train = 0, validation = 0, test = 0;
  std::string validation_from;  ///< how the validation items were chosen
  std::map<std::string, std::string> data_digests;  ///< "train", "validation", "test" -> data::digest of the items used
  std::string backend_kind = "simulator";  ///< "simulator" (in process) or "endpoints" (DIR/llm.json)
  bool simulated = true;        ///< a simulated model answered (in process, or a judgegrad serve)
  std::string backend;          ///< what answered, in words
  std::string simulator_preset = "paper";
  /// The simulator's knobs (sim::to_json) when a knob file set them (`run --sim-config`, a
  /// calibrated world); empty: the preset's. experiment::simulator_params reads them back.
  std::string simulator_knobs;
  std::map<std::string, std::string> models;  ///< role -> model
  std::vector<std::string> criteria;
  std::vector<std::string> runs;  ///< the jobs' ids, in order (a shard's: its own)
  experiment::shard shard;         ///< the slice of the grid this directory runs (1/1: all of it)
  /// The response cache when it is not DIR/cache.sqlite (a file several shards share).
  std::filesystem::path cache_file;
  std::vector<backend_change> changes;  ///< resumes through another backend, allowed with --allow-change

  /// The response cache of run directory `dir`.
  std::filesystem::path cache_in(const std::filesystem::path& dir) const { return cache_file.empty() ? dir / "cache.sqlite" : cache_file; }
};

/// The roles an optimizer's runs call: the models a manifest records are theirs.
inline constexpr std::initializer_list<llm::role> run_roles = {llm::role::judge, llm::role::loss, llm::role::gradient, llm::role::optimizer};

/// Records in `m` what answers its runs from now on: the endpoints of `endpoints`, else the
/// simulator, whose model is `simulated_model`; the model of each run role; `description` in
/// words. (Whether a simulated model answered, `m.simulated`, is the caller's to say: a resume
/// through endpoints keeps the simulated steps it began with.)
inline void record_backend(manifest& m, const llm::llm_config* endpoints, std::string_view simulated_model, std::string description) {
  m.backend_kind = endpoints ? "endpoints" : "simulator";
  m.backend = std::move(description);
  for (auto r : run_roles) {
    std::string model(simulated_model);
    if (endpoints) {
      const auto& s = endpoints->settings(r);
      model = s ? s->model : std::string();
    }
    m.models[std::string(llm::to_string(r))] = model;
  }
}

inline std::string to_json(const manifest& m) {
  json_writer w;
  w.begin_object().key("format").value(directory_format).key("format_version").value(directory_format_version)
      .key("judgegrad_version").value(m.judgegrad_version).key("created_at").value(m.created_at).key("definition");
  write_json(w, m.experiment);
  w.key("data").begin_object().key("directory").value(m.data_directory.string()).key("train").value(std::uint64_t(m.train))
      .key("validation").value(std::uint64_t(m.validation)).key("test").value(std::uint64_t(m.test)).key("validation_from").value(m.validation_from)
      .key("digests").begin_object();
  for (const auto& [part, digest] : m.data_digests) w.key(part).value(digest);
  w.end_object().end_object();
  w.key("backend").begin_object().key("kind").value(m.backend_kind).key("simulated").value(m.simulated).key("description").value(m.backend)
      .key("simulator_preset").value(m.simulator_preset).key("simulator_knobs");
  if (m.simulator_knobs.empty()) w.null();
  else w.raw(m.simulator_knobs);
  w.key("models").begin_object();
  for (const auto& [role, model] : m.models) w.key(role).value(model);
  w.end_object().end_object().key("criteria").begin_array();
  for (const auto& c : m.criteria) w.value(c);
  w.end_array().key("runs").begin_array();
  for (const auto& r : m.runs) w.value(r);
  w.end_array().key("shard").begin_object().key("index").value(std::uint64_t(m.shard.index)).key("count").value(std::uint64_t(m.shard.count))
      .end_object().key("cache");
  if (m.cache_file.empty()) w.null();
  else w.value(m.cache_file.string());
  w.key("backend_changes").begin_array();
  for (const auto& c : m.changes) {
    w.begin_object().key("at").value(c.at).key("differences").begin_array();
    for (const auto& d : c.differences) w.value(d);
    w.end_array().key("runs").begin_array();
    for (const auto& r : c.runs) w.value(r);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

/// Reads DIR/experiment.json. A directory of another format version is refused with a message
/// saying which judgegrad wrote it.
inline manifest read_manifest(const std::filesystem::path& dir) {
  auto file = dir / run_files::manifest;
  std::string text = files::read_all(file);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) throw storage_error(fmt::format("{}: not valid JSON (a damaged run directory?)", file.string()));
  detail::field_reader in(file.string());
  std::string format = in.text(in.at(doc, "format"));
  if (format != directory_format) in.fail(fmt::format("not a judgegrad run directory (format \"{}\")", format));
  std::int64_t version = in.integer(in.at(doc, "format_version"));
  manifest m;
  m.judgegrad_version = in.text(in.at(doc, "judgegrad_version"));
  if (version != directory_format_version)
    in.fail(fmt::format("written by judgegrad {} in run-directory format {}; this judgegrad ({}) reads format {}: use that version "
                        "to resume or report it",
                        m.judgegrad_version, version, version_string, directory_format_version));
  m.created_at = in.text(in.at(doc, "created_at"));
  m.experiment = parse_definition(simdjson::minify(in.at(doc, "definition")), file.string() + " (definition)").experiment;
  m.experiment.source = file.string();
  auto data = in.at(doc, "data");
  m.data_directory = in.text(in.at(data, "directory"));
  m.train = static_cast<std::size_t>(in.integer(in.at(data, "train")));
  m.validation = static_cast<std::size_t>(in.integer(in.at(data, "validation")));
  m.test = static_cast<std::size_t>(in.integer(in.at(data, "test")));
  m.validation_from = in.text(in.at(data, "validation_from"));
  auto backend = in.at(doc, "backend");
  m.backend_kind = in.text(in.at(backend, "kind"));
  m.simulated = in.boolean(in.at(backend, "simulated"));
  m.backend = in.text(in.at(backend, "description"));
  m.simulator_preset = in.text(in.at(backend, "simulator_preset"));
  simdjson::dom::object models;
  if (in.at(backend, "models").get_object().get(models)) in.fail("backend.models: expected an object");
  for (auto [k, v] : models) m.models[std::string(k)] = in.text(v);
  for (auto c : in.array(in.at(doc, "criteria"))) m.criteria.push_back(in.text(c));
  for (auto r : in.array(in.at(doc, "runs"))) m.runs.push_back(in.text(r));
  simdjson::dom::element e;  // "shard" and "cache" are later additions: a directory without them ran the whole grid
  if (!doc["shard"].get(e)) {
    auto index = in.integer(in.at(e, "index")), count = in.integer(in.at(e, "count"));
    if (count < 1 || index < 1 || index > count) in.fail(fmt::format("shard {} of {} does not exist", index, count));
    m.shard = {static_cast<std::size_t>(index), static_cast<std::size_t>(count)};
  }
  if (!doc["cache"].get(e) && !e.is_null()) m.cache_file = in.text(e);
  if (!backend["simulator_knobs"].get(e) && !e.is_null()) {  // a later addition: null or absent is the preset's
    if (!e.is_object()) in.fail("backend.simulator_knobs: expected an object of the simulator's knobs or null");
    m.simulator_knobs = simdjson::minify(e);
  }
  simdjson::dom::object digests;  // later additions too: "digests" and "backend_changes"
  if (!data["digests"].get(digests))
    for (auto [part, digest] : digests) m.data_digests[std::string(part)] = in.text(digest);
  if (!doc["backend_changes"].get(e))
    for (auto c : in.array(e)) {
      backend_change change;
      change.at = in.text(in.at(c, "at"));
      for (auto d : in.array(in.at(c, "differences"))) change.differences.push_back(in.text(d));
      for (auto r : in.array(in.at(c, "runs"))) change.runs.push_back(in.text(r));
      m.changes.push_back(std::move(change));
    }
  return m;
}

/// Whether `dir` holds a run directory (its experiment.json).
inline bool is_run_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / run_files::manifest, ec);
}

/// `dir` holds something other than a run directory (or its lock): a new run cannot start there.
struct occupied_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A directory claimed for a new run directory, before anything of the run is written: created
/// (or found empty), then locked, then found still empty but for its lock. Two processes that
/// claim one directory at once: one gets it, the other a storage_error saying it is in use by the
/// first (pid N). Until keep(), destroying the claim removes what it made (the directory, when it
/// created it, else what was put in it), so a run refused before its manifest was written leaves
/// nothing behind.
class claimed_directory {
 public:
  explicit claimed_directory(const std::filesystem::path& dir) : dir_(dir) {
    std::error_code ec;
    made_ = std::filesystem::create_directories(dir, ec);
    if (ec) throw storage_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    lock_.emplace(dir);  // a storage_error naming the holder when another process has it
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().filename() != "lock") {
        lock_.reset();
        made_ = false;
        throw occupied_error(fmt::format("{} exists and is not a judgegrad run directory; name an empty or new directory with --out",
                                         dir.string()));
      }
  }
  claimed_directory(const claimed_directory&) = delete;
  claimed_directory& operator=(const claimed_directory&) = delete;
  ~claimed_directory() {
    if (kept_ || !lock_) return;
    std::error_code ec;
    if (made_) {
      std::filesystem::remove_all(dir_, ec);
    } else {
      std::vector<std::filesystem::path> made;
      for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) made.push_back(e.path());
      for (const auto& p : made) std::filesystem::remove_all(p, ec);
    }
  }
  /// The run directory is whole (its manifest written): it stays.
  void keep() { kept_ = true; }

 private:
  std::filesystem::path dir_;
  bool made_ = false, kept_ = false;
  std::optional<files::directory_lock> lock_;
};

/// Creates `dir` (and runs/, results/) for a new experiment and writes its manifest. `dir` must
/// not be a run directory already.
inline void create_run_directory(const std::filesystem::path& dir, const manifest& m) {
  std::error_code ec;
  if (is_run_directory(dir)) throw storage_error(fmt::format("{} is a run directory already: resume it, or name another", dir.string()));
  for (auto sub : {"runs", "results"}) {
    std::filesystem::create_directories(dir / sub, ec);
    if (ec) throw storage_error(fmt::format("cannot create {}: {}", (dir / sub).string(), ec.message()));
  }
  files::write_atomic(dir / run_files::manifest, to_json(m));
}

/// Every run `dir`'s manifest lists, checked against its commit point (check_run). The manifest
/// itself must be readable (read_manifest throws otherwise).
inline std::vector<run_check> check_runs(const std::filesystem::path& dir) {
  std::vector<run_check> out;
  for (const auto& id : read_manifest(dir).runs) out.push_back(check_run(dir / run_files::runs / id));
  return out;
}

/// The run directory's ledger: what the calls of every process that worked in it spent (calls,
/// tokens, USD; in all, per role and per model), as the backend's meter counts them. Rewritten
/// atomically after each reply (and waited onto the disk after each batch), so a killed process
/// loses at most the replies it had in flight. A resumed run's meter carries it on, so a budget
/// bounds the run, not one process.
inline constexpr const char* spend_file = "spend.json";

/// The ledger of `dir`; an empty report when there is none (a simulated run, or one that made no
/// call yet). A damaged ledger is a storage_error naming the file and the field.
inline llm::meter_report read_spend(const std::filesystem::path& dir) {
  std::error_code ec;
  auto file = dir / spend_file;
  if (!std::filesystem::exists(file, ec)) return {};
  try {
    return llm::meter_report::from_json(files::read_all(file));
  } catch (const std::invalid_argument& e) {
    throw storage_error(fmt::format("{}: a damaged ledger ({}); it holds what earlier processes spent, so a budget cannot be enforced "
                                    "without it: restore it, or delete it to count from zero",
                                    file.string(), e.what()));
  }
}

/// Replaces the ledger of `dir` by `spent`; `durable` waits for the disk (see files::write_atomic).
inline void write_spend(const std::filesystem::path& dir, const llm::meter_report& spent, bool durable = true) {
  files::write_atomic(dir / spend_file, spent.to_json() + "\n", durable);
}

/// Appends one event (a start, a resume, a stop) to DIR/events.jsonl with its time.
inline void log_event(const std::filesystem::path& dir, std::string_view event, std::string_view detail = {}) {
  json_writer w;
  w.begin_object().key("event").value(event).key("detail").value(detail).key("pid").value(std::int64_t(::getpid()))
      .key("event_at").value(now_utc()).end_object();
  files::append_durable(dir / run_files::events, std::move(w).str() + "\n");
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
