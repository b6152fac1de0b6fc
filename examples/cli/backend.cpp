// The tool's backend (common.hpp): the configured endpoint stack or the in-process simulator,
// compiled once for every command.
#include "common.hpp"
#include "experiment.hpp"

#include <judgegrad/experiment/inputs.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/llm.hpp>
#include <judgegrad/sim.hpp>

#include <fstream>
#include <sstream>

namespace judgegrad_cli {

jg::sim::world simulated_world(std::string_view dataset, const std::filesystem::path& dir, const jg::sim::params& p, std::string_view first_split) {
  return load_data(dir, [&] { return jg::experiment::simulated_world(dataset, dir, p, first_split); });
}

jg::sim::params simulator_knobs(const std::string& preset, const std::string& file) {
  jg::sim::params p;
  try {
    p = jg::sim::preset(preset);
  } catch (const jg::sim::config_error& e) {
    throw failure(exit_usage, e.what());
  }
  if (file.empty()) return p;
  std::ifstream in(file);
  if (!in) throw failure(exit_configuration, fmt::format("cannot read the simulator's knob file '{}'", file));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return jg::sim::from_json(text.str(), file, preset);
  } catch (const jg::sim::config_error& e) {
    throw failure(exit_configuration, e.what());
  }
}

jg::sim::params simulator_knobs_of(const ex::manifest& m) {
  try {
    return jg::experiment::simulator_params(m);
  } catch (const jg::sim::config_error& e) {
    throw failure(exit_configuration, e.what());
  }
}

std::string simulator_name(const ex::manifest& m) {
  std::string preset = fmt::format("preset '{}'", m.simulator_preset);
  return m.simulator_knobs.empty() ? preset : preset + " with the knobs of a knob file, kept in experiment.json";
}

/// The two stacks a backend may hold; one of them is set.
struct backend::stacks {
  using configured = jg::llm::configured_backend;
  using in_process = jg::llm::role_defaults<jg::llm::cached<jg::llm::counted<const jg::sim::world&>>>;
  std::unique_ptr<configured> endpoints;
  std::unique_ptr<in_process> world;
};

backend::backend() : activity_(std::make_unique<jg::llm::activity>()), stacks_(std::make_unique<stacks>()) {}
backend::backend(backend&& o) noexcept
    : activity_(std::move(o.activity_)), config_(std::move(o.config_)), stacks_(std::move(o.stacks_)), spent_before_(std::move(o.spent_before_)),
      description_(std::move(o.description_)), simulated_(o.simulated_.load()) {}
backend& backend::operator=(backend&& o) noexcept {
  activity_ = std::move(o.activity_);
  config_ = std::move(o.config_);
  stacks_ = std::move(o.stacks_);
  spent_before_ = std::move(o.spent_before_);
  description_ = std::move(o.description_);
  simulated_ = o.simulated_.load();
  return *this;
}
backend::~backend() = default;

backend backend::from_config(const std::string& config_file, std::initializer_list<jg::llm::role> roles, std::string_view command,
                             std::optional<std::filesystem::path> cache, std::optional<std::filesystem::path> ledger, const jg::llm::budget& raised) {
  return from_config(load_config(config_file, roles, command, raised), config_file, cache, ledger);
}

jg::llm::llm_config backend::load_config(const std::string& config_file, std::initializer_list<jg::llm::role> roles, std::string_view command,
                                         const jg::llm::budget& raised) {
  try {
    auto config = jg::llm::load_llm_config(config_file);
    auto& limits = config.meter.budget;
    if (raised.max_usd) limits.max_usd = raised.max_usd, config.budget_key = "--budget-usd";
    if (raised.max_calls) limits.max_calls = raised.max_calls;
    if (raised.max_tokens) limits.max_tokens = raised.max_tokens;
    jg::llm::require_roles(config, roles, command);
    return config;
  } catch (const jg::llm::config_error& e) {
    throw failure(exit_configuration, e.what());
  }
}

backend backend::from_config(jg::llm::llm_config loaded, const std::string& config_file, std::optional<std::filesystem::path> cache,
                             std::optional<std::filesystem::path> ledger) {
  backend b;
  b.config_ = std::move(loaded);
  for (const auto& note : b.config_->notes) fmt::print(stderr, "judgegrad: {}: {}\n", config_file, note);
  if (cache && !b.config_->cache) b.config_->cache = jg::llm::cache_options{*cache};  // a cache the file names is kept
  auto config = *b.config_;
  if (ledger) {
    try {
      b.spent_before_ = jg::experiment::read_spend(*ledger);
    } catch (const jg::experiment::storage_error& e) {
      throw failure(exit_storage, e.what());
    }
    // A reply's update may come on a thread of the HTTP client: a write that fails there (a full
    // disk) is kept and raised by the batch's last update, on the thread that asked.
    config.meter.on_spend = [dir = *ledger, failed = std::make_shared<std::string>()](const jg::llm::meter_report& r, bool end_of_batch) {
      try {
        jg::experiment::write_spend(dir, r, end_of_batch);
      } catch (const jg::experiment::storage_error& e) {
        if (end_of_batch) throw;
        if (failed->empty()) *failed = e.what();
        return;
      }
      if (end_of_batch && !failed->empty()) throw jg::experiment::storage_error(std::exchange(*failed, std::string()));
    };
  }
  b.stacks_->endpoints = jg::llm::make_backend(config, b.activity_.get());
  b.stacks_->endpoints->inner().carry(b.spent_before_);
  b.description_ = fmt::format("the endpoints of {}", config_file);
  return b;
}

backend backend::from_world(const jg::sim::world& world, std::string name, std::optional<std::filesystem::path> cache) {
  backend b;
  jg::llm::cache_options c{cache.value_or(std::filesystem::path()), cache ? jg::llm::cache_mode::read_write : jg::llm::cache_mode::off};
  c.activity = b.activity_.get();
  c.keep_requests = false;  // the simulator's replies cost nothing to make again: keep the cache small
  // Every role asks for the simulator's model by name, as a configuration naming it for
  // `judgegrad serve` does: the records then say the same in process and over HTTP (the model
  // asked for, and the simulated one that answered).
  std::array<std::optional<jg::llm::role_settings>, jg::llm::all_roles.size()> roles;
  for (auto& r : roles) {
    r.emplace();
    r->model = std::string(world.parameters().model);
  }
  b.stacks_->world = std::make_unique<stacks::in_process>(roles, std::move(c), *b.activity_, world);
  b.description_ = fmt::format("SIMULATED LLM (judgegrad's simulator, {}): not a language model; see docs/simulator.md", name);
  b.simulated_ = true;
  return b;
}

std::vector<jg::llm::result> backend::complete(std::span<const jg::llm::request> batch) {
  if (interrupts::requested()) {  // Ctrl-C: no new call goes out
    std::vector<jg::llm::result> out;
    for (std::size_t i = 0; i < batch.size(); ++i)
      out.emplace_back(jg::llm::error{jg::llm::error_kind::cancelled, 0, "interrupted (Ctrl-C or SIGTERM): the call was not sent", {}, 0});
    return out;
  }
  std::vector<jg::llm::result> out = stacks_->world ? stacks_->world->complete(batch) : stacks_->endpoints->complete(batch);
  for (const auto& r : out)
    if (r.ok() && r.value().model.starts_with("simulated:")) simulated_ = true;
  return out;
}

void backend::abandon() {
  if (stacks_->endpoints) stacks_->endpoints->inner().inner().inner().cancel();
}

std::optional<jg::llm::meter_report> backend::meter() const {
  if (!stacks_->endpoints) return std::nullopt;
  return stacks_->endpoints->inner().report();
}

void probe(backend& b, const jg::llm::request& r, std::string_view consequence) {
  if (!b.config()) return;
  auto e = jg::llm::probe(b, r);
  if (!e) return;
  throw failure(e->kind == jg::llm::error_kind::budget_exhausted ? exit_budget : exit_backend,
                fmt::format("the first call to {} failed, {}: {}: {}", b.description(), consequence, jg::llm::to_string(e->kind), e->message));
}

}  // namespace judgegrad_cli
