/// @file
/// Role routing: each request gets its role's model and sampling parameters and goes to its
/// role's endpoint; `make_backend` assembles the whole stack from a configuration.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/llm/cache.hpp>
#include <judgegrad/llm/config.hpp>
#include <judgegrad/llm/meter.hpp>
#include <judgegrad/llm/openai.hpp>
#include <judgegrad/llm/types.hpp>

#include <future>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Sends each request to the `openai` backend its `endpoint` names (empty: the default one);
/// sub-batches for different endpoints run at the same time.
class endpoint_router {
 public:
  endpoint_router(const std::map<std::string, openai_options>& endpoints, std::string default_endpoint)
      : default_(std::move(default_endpoint)) {
    for (const auto& [name, options] : endpoints) backends_.emplace(name, std::make_unique<openai>(options));
  }

  std::vector<result> complete(std::span<const request> batch) { return complete(batch, {}); }

  /// As `complete`, telling `each` every result as it is known. With requests for several
  /// endpoints, `each` is called from several threads at once.
  std::vector<result> complete(std::span<const request> batch, const on_result& each) {
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < batch.size(); ++i) groups[batch[i].endpoint.empty() ? default_ : batch[i].endpoint].push_back(i);
    std::vector<std::optional<result>> out(batch.size());
    auto run = [&](const std::string& name, const std::vector<std::size_t>& indices) {
      auto it = backends_.find(name);
      if (it == backends_.end()) {
        for (std::size_t i : indices) {
          out[i] = result(error{error_kind::bad_request, 0, fmt::format("request {}: no endpoint named {}", i, name), {}, 0});
          if (each) each(i, *out[i]);
        }
        return;
      }
      std::vector<request> part;
      for (std::size_t i : indices) part.push_back(batch[i]);
      on_result mapped;
      if (each) mapped = [&each, &indices](std::size_t k, const result& r) { each(indices[k], r); };
      auto answers = it->second->complete(part, mapped);
      for (std::size_t k = 0; k < indices.size(); ++k) out[indices[k]] = std::move(answers[k]);
    };
    if (groups.size() == 1) run(groups.begin()->first, groups.begin()->second);
    else {
      std::vector<std::future<void>> running;
      for (const auto& [name, indices] : groups) running.push_back(std::async(std::launch::async, run, std::cref(name), std::cref(indices)));
      for (auto& f : running) f.get();
    }
    std::vector<result> results;
    results.reserve(batch.size());
    for (auto& r : out) results.push_back(std::move(*r));
    return results;
  }

  /// The backend of endpoint `name` (for `cancel`, `probe`, `capabilities`), or null.
  openai* endpoint(const std::string& name) {
    auto it = backends_.find(name);
    return it == backends_.end() ? nullptr : it->second.get();
  }
  void cancel() {
    for (auto& [name, b] : backends_) b->cancel();
  }

 private:
  std::string default_;
  std::map<std::string, std::unique_ptr<openai>> backends_;
};

/// Settles every request's parameters before passing the batch on, by one rule for every role: a
/// value set on the request itself wins, then the configuration's role settings, then the
/// reference's defaults (`reference_defaults`). The model and endpoint come from the role
/// settings when the request names none. Sits outermost, so the cache and the meter see the final
/// model and parameters.
template <class Backend>
  requires chat_backend<std::remove_reference_t<Backend>>
class role_defaults {
 public:
  template <class... Args>
  explicit role_defaults(std::array<std::optional<role_settings>, all_roles.size()> roles, Args&&... inner)
      : roles_(std::move(roles)), inner_(std::forward<Args>(inner)...) {}

  std::vector<result> complete(std::span<const request> batch) {
    std::vector<request> filled(batch.begin(), batch.end());
    for (auto& r : filled) apply(r);
    auto out = inner_.complete(std::span<const request>(filled));
    for (std::size_t i = 0; i < out.size(); ++i)  // what each was asked of, for its record (the meter, when there is one, sets it too)
      if (out[i].ok() && out[i].value().asked_model.empty()) out[i].value().asked_model = filled[i].model;
    return out;
  }

  /// `r` with its role's settings, then the reference's defaults, filled in.
  void apply(request& r) const {
    if (const auto& s = roles_[std::size_t(r.role)]) fill_unset(r, *s);
    fill_unset(r, reference_defaults(r.role));
  }

  std::remove_reference_t<Backend>& inner() { return inner_; }

 private:
  std::array<std::optional<role_settings>, all_roles.size()> roles_;
  Backend inner_;
};

/// The stack a configuration describes: role settings, then budget and metering, then the
/// response cache (mode `off` when the configuration has none), then the endpoints.
using configured_backend = role_defaults<metered<cached<endpoint_router>>>;

/// The stack `config` describes; `counter`, when given, counts every call as it is answered.
inline std::unique_ptr<configured_backend> make_backend(const llm_config& config, activity* counter = nullptr) {
  cache_options cache = config.cache.value_or(cache_options{{}, cache_mode::off, 0});
  cache.activity = counter;
  meter_options meter = config.meter;
  meter.activity = counter;
  auto endpoints = config.endpoints;
  for (auto& [name, o] : endpoints) o.activity = counter;
  return std::make_unique<configured_backend>(config.roles, std::move(meter), std::move(cache), endpoints, config.default_endpoint);
}

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
