/// @file
/// Per-role LLM configuration from a JSON file: endpoints (base URL, key by environment variable,
/// limits, capabilities), a model and sampling parameters per role, prices, budgets and the cache.
/// Reads judgegrad's own format and the reference implementation's `llm.json`.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_syntax.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/config_reader.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/secret.hpp>
#include <judgegrad/llm/types.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// Everything `make_backend` needs. API keys live only inside `endpoints[..].secret`-typed fields.
struct llm_config {
  std::map<std::string, openai_options> endpoints;  ///< by name; each with its key already resolved
  std::map<std::string, std::string> key_variables; ///< endpoint name -> environment variable of its key
  std::string default_endpoint;
  std::array<std::optional<role_settings>, all_roles.size()> roles;
  meter_options meter;
  std::optional<cache_options> cache;
  std::string source;  ///< the file it was read from
  bool reference_format = false;  ///< read from the reference implementation's llm.json schema
  std::string budget_key;         ///< where the USD budget was given ("" when none)
  /// What judgegrad decided for the user while reading the file, one sentence each (a reference
  /// file's 5-hour quotas turned into a rate and a budget, prices taken from the built-in table):
  /// a command that calls a model prints them once at its start.
  std::vector<std::string> notes;
  std::vector<role> unpriced;     ///< roles whose model has no price under a USD budget

  const std::optional<role_settings>& settings(role r) const { return roles[std::size_t(r)]; }
  std::optional<role_settings>& settings(role r) { return roles[std::size_t(r)]; }
};

/// Why `url` cannot be an endpoint's base URL, or nothing: it must be http:// or https://, name a
/// host (a name, an IPv4 address or a bracketed IPv6 one), and any port must be a number in
/// 1..65535 ("http://127.0.0.1:8642/v1", "https://openrouter.ai/api/v1").
inline std::optional<std::string> base_url_problem(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "not a URL: it needs a scheme and a host, as in \"https://api.openai.com/v1\"";
  auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return fmt::format("scheme \"{}\": judgegrad speaks http:// and https://", scheme);
  auto rest = url.substr(scheme_end + 3);
  auto authority = rest.substr(0, std::min(rest.find('/'), rest.size()));
  if (authority.find_first_of("?#@ ") != std::string_view::npos) return fmt::format("\"{}\" is not a host[:port]", authority);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos) return "an IPv6 address opened with '[' is not closed";
    host = authority.substr(0, close + 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return fmt::format("\"{}\" after the IPv6 address is not a port", after);
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) return "an empty port after ':'";
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "an empty port after ':'";
  }
  if (host.empty()) return "no host after the scheme";
  if (!host.starts_with('['))
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
        return fmt::format("host \"{}\" holds '{}', which no host name holds", host, c);
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return fmt::format("port \"{}\" is not a number", port);
      value = std::min<unsigned long>(value * 10 + static_cast<unsigned long>(c - '0'), 100000);
    }
    if (value < 1 || value > 65535) return fmt::format("port {} is not in 1..65535", port);
  }
  return std::nullopt;
}

namespace detail {

/// A model's list price, as its provider published it.
struct list_price_entry {
  std::string_view model;
  llm::price cost;
};
inline constexpr std::string_view list_prices_date = "list prices as published by the providers, mid-2025";
/// The few models judgegrad knows a price for, used only to enforce a USD budget for a model the
/// configuration file gives no price for; the resolved configuration records what was used.
inline const list_price_entry* list_price(std::string_view model) {
  static const list_price_entry table[] = {
      {"deepseek/deepseek-chat-v3-0324", {0.27, 1.10, 0.07}}, {"deepseek/deepseek-chat", {0.27, 1.10, 0.07}},
      {"deepseek-chat", {0.27, 1.10, 0.07}},                  {"gpt-4o-mini", {0.15, 0.60, 0.075}},
      {"openai/gpt-4o-mini", {0.15, 0.60, 0.075}},            {"gpt-4o", {2.50, 10.00, 1.25}},
      {"openai/gpt-4o", {2.50, 10.00, 1.25}},                 {"anthropic/claude-sonnet-4", {3.00, 15.00, 0.30}},
  };
  for (const auto& e : table)
    if (e.model == model) return &e;
  return nullptr;
}


/// The API key of an endpoint, given as "${VAR}" (never as the key itself: files get shared).
inline secret key_from(const config_reader& in, const std::string& written, const std::string& path, std::string& variable) {
  if (written.size() < 4 || written.compare(0, 2, "${") != 0 || written.back() != '}' || written.find('}') != written.size() - 1)
    in.fail(path, "write the environment variable that holds the key, as \"${NAME}\", not the key itself");
  variable = written.substr(2, written.size() - 3);
  return secret(in.expand(written, path));
}

inline void read_native_endpoint(const config_reader& in, simdjson::dom::element e, const std::string& path, const std::string& name,
                                 llm_config& cfg) {
  openai_options o;
  o.name = name;
  o.base_url.clear();
  auto obj = in.object(e, path,
                       {"base_url", "api_key_env", "api_key", "max_concurrent", "requests_per_minute", "tokens_per_minute", "burst_seconds",
                        "max_retries", "backoff_initial", "backoff_max", "retry_after_max", "connect_timeout", "timeout",
                        "default_completion_tokens", "max_response_bytes", "headers", "ca_file", "capabilities"});
  for (auto [k, v] : obj) {
    std::string key(k), at = config_reader::join(path, k);
    if (key == "base_url") o.base_url = in.expand(in.text(v, at), at);
    else if (key == "api_key_env") {
      std::string var = in.text(v, at);
      auto value = in.env(var);
      if (!value) in.fail(at, fmt::format("environment variable {} is not set", var));
      o.api_key = secret(*value);
      cfg.key_variables[name] = var;
    } else if (key == "api_key") {
      std::string var;
      o.api_key = key_from(in, in.text(v, at), at, var);
      cfg.key_variables[name] = var;
    } else if (key == "max_concurrent") o.max_concurrent = std::max<std::uint64_t>(1, in.count(v, at));
    else if (key == "requests_per_minute") o.requests_per_minute = in.at_least(v, at, 0);
    else if (key == "tokens_per_minute") o.tokens_per_minute = in.at_least(v, at, 0);
    else if (key == "burst_seconds") o.burst_seconds = in.positive(v, at);
    else if (key == "max_retries") o.max_retries = int(std::min<std::uint64_t>(in.count(v, at), 100));
    else if (key == "backoff_initial") o.backoff_initial = in.at_least(v, at, 0);
    else if (key == "backoff_max") o.backoff_max = in.at_least(v, at, 0);
    else if (key == "retry_after_max") o.retry_after_max = in.at_least(v, at, 0);
    else if (key == "connect_timeout") o.connect_timeout = in.positive(v, at);
    else if (key == "timeout") o.total_timeout = in.positive(v, at);
    else if (key == "default_completion_tokens") o.default_completion_tokens = in.count(v, at);
    else if (key == "max_response_bytes") o.max_response_bytes = in.count(v, at);
    else if (key == "ca_file") o.ca_file = in.expand(in.text(v, at), at);
    else if (key == "headers") {
      simdjson::dom::array arr;
      if (v.get_array().get(arr)) in.fail(at, "expected an array of \"Name: value\" strings");
      for (auto h : arr) o.extra_headers.push_back(in.expand(in.text(h, at), at));
    } else if (key == "capabilities") {
      auto caps = in.object(v, at, {"n", "logprobs", "json_schema", "json_object", "seed", "metadata"});
      for (auto [ck, cv] : caps) {
        std::string cat = config_reader::join(at, ck);
        bool b = in.boolean(cv, cat);
        if (ck == "n") o.capabilities.n = b;
        else if (ck == "logprobs") o.capabilities.logprobs = b;
        else if (ck == "json_schema") o.capabilities.json_schema = b;
        else if (ck == "json_object") o.capabilities.json_object = b;
        else if (ck == "seed") o.capabilities.seed = b;
        else o.capabilities.metadata = b;
      }
    }
  }
  if (o.base_url.empty()) in.fail(path + ".base_url", "missing (e.g. \"https://openrouter.ai/api/v1\")");
  if (auto why = base_url_problem(o.base_url)) in.fail(path + ".base_url", fmt::format("\"{}\": {}", o.base_url, *why));
  cfg.endpoints[name] = std::move(o);
}

inline void read_native(const config_reader& in, simdjson::dom::element doc, llm_config& cfg, const std::filesystem::path& dir) {
  auto top = in.object(doc, "", {"endpoints", "default_endpoint", "roles", "prices", "budget", "cache"});
  for (auto [k, v] : top) {
    std::string key(k);
    if (key == "endpoints") {
      for (auto [name, e] : in.object(v, key, {})) read_native_endpoint(in, e, "endpoints." + std::string(name), std::string(name), cfg);
    } else if (key == "default_endpoint") cfg.default_endpoint = in.text(v, key);
    else if (key == "roles") {
      for (auto [rname, rv] : in.object(v, key, {"judge", "loss", "gradient", "optimizer", "evaluator", "other"})) {
        std::string path = "roles." + std::string(rname);
        role_settings s;
        for (auto [f, fv] : in.object(rv, path, {"model", "endpoint", "temperature", "max_tokens", "timeout", "seed"})) {
          std::string at = config_reader::join(path, f);
          if (f == "model") s.model = in.text(fv, at);
          else if (f == "endpoint") s.endpoint = in.text(fv, at);
          else if (f == "temperature") s.temperature = in.temperature(fv, at);
          else if (f == "max_tokens") s.max_tokens = in.max_tokens(fv, at);
          else if (f == "timeout") s.timeout_seconds = in.positive(fv, at);
          else s.seed = in.count(fv, at);
        }
        cfg.settings(*role_named(rname)) = std::move(s);
      }
    } else if (key == "prices") {
      for (auto [model, pv] : in.object(v, key, {})) {
        std::string path = "prices." + std::string(model);
        price p;
        for (auto [f, fv] : in.object(pv, path, {"input_per_mtok", "output_per_mtok", "cached_input_per_mtok"})) {
          double d = in.at_least(fv, config_reader::join(path, f), 0);
          if (f == "input_per_mtok") p.input_per_mtok = d;
          else if (f == "output_per_mtok") p.output_per_mtok = d;
          else p.cached_input_per_mtok = d;
        }
        cfg.meter.prices[std::string(model)] = p;
      }
    } else if (key == "budget") {
      auto limits = [&](const std::string& at, std::string_view f, simdjson::dom::element fv, budget& b) {
        if (f == "max_calls") b.max_calls = in.count(fv, at);
        else if (f == "max_tokens") b.max_tokens = in.count(fv, at);
        else {
          b.max_usd = in.at_least(fv, at, 0);
          if (cfg.budget_key.empty()) cfg.budget_key = at;
        }
      };
      for (auto [f, fv] : in.object(v, key, {"max_calls", "max_tokens", "max_usd", "default_completion_tokens", "roles"})) {
        std::string at = config_reader::join(key, f);
        if (f == "default_completion_tokens") cfg.meter.default_completion_tokens = in.count(fv, at);
        else if (f == "roles") {
          for (auto [rname, rv] : in.object(fv, at, {"judge", "loss", "gradient", "optimizer", "evaluator", "other"})) {
            std::string path = config_reader::join(at, rname);
            budget& b = cfg.meter.role_budgets[*role_named(rname)];
            for (auto [g, gv] : in.object(rv, path, {"max_calls", "max_tokens", "max_usd"})) limits(config_reader::join(path, g), g, gv, b);
          }
        } else limits(at, f, fv, cfg.meter.budget);
      }
    } else if (key == "cache") {
      cache_options c;
      for (auto [f, fv] : in.object(v, key, {"path", "mode", "busy_timeout_ms"})) {
        std::string at = config_reader::join(key, f);
        if (f == "path") {
          std::filesystem::path p = in.expand(in.text(fv, at), at);
          c.path = p.is_absolute() ? p : dir / p;
        } else if (f == "mode") {
          auto m = cache_mode_named(in.text(fv, at));
          if (!m) in.fail(at, "expected \"read_write\", \"replay_only\", \"write_only\" or \"off\"");
          c.mode = *m;
        } else c.busy_timeout_ms = int(in.count(fv, at));
      }
      if (c.path.empty() && c.mode != cache_mode::off) in.fail("cache.path", "missing");
      cfg.cache = c;
    }
  }
}

/// The reference implementation's llm.json: task/loss/gradient/optimizer `_model` entries
/// ({name, max_tokens, temperature, timeout, reasoning}) and endpoints with "${VAR}" keys.
/// litellm-style model names ("openrouter/deepseek/...") pick the base URL from their prefix.
inline void read_reference(const config_reader& in, simdjson::dom::element doc, llm_config& cfg) {
  auto top = in.object(doc, "", {"task_model", "optimizer_model", "gradient_model", "loss_model", "endpoints", "api_base",
                                 "load_balancing", "endpoint_env_vars"});
  std::string api_base;
  simdjson::dom::element e;
  if (!top["api_base"].get(e) && !e.is_null()) api_base = in.expand(in.text(e, "api_base"), "api_base");
  if (!top["load_balancing"].get(e)) in.text(e, "load_balancing");
  if (!top["endpoint_env_vars"].get(e) && e.get_array().error()) in.fail("endpoint_env_vars", "expected an array");

  // Endpoints: like the reference, the first endpoint's key serves every role; limits add up.
  openai_options o;
  o.name = "default";
  o.base_url.clear();
  o.max_concurrent = 0;
  double calls_5h = 0;
  std::optional<double> usd_5h;  // a budget only when an endpoint states one
  bool first = true, any = false;
  if (!top["endpoints"].get(e))
    for (auto [name, ev] : in.object(e, "endpoints", {})) {
      std::string path = "endpoints." + std::string(name);
      any = true;
      double ep_calls = 1000;
      std::uint64_t ep_conc = 5;
      for (auto [f, fv] : in.object(ev, path, {"endpoint_id", "api_key", "max_calls_5h", "max_calls_1w", "budget_5h_usd", "max_concurrent"})) {
        std::string at = config_reader::join(path, f);
        if (f == "endpoint_id") in.text(fv, at);
        else if (f == "api_key") {
          std::string var;
          secret s = key_from(in, in.text(fv, at), at, var);
          if (first) {
            o.api_key = s;
            cfg.key_variables["default"] = var;
          }
        } else if (f == "max_calls_5h") ep_calls = in.positive(fv, at);
        else if (f == "max_calls_1w") in.positive(fv, at);
        else if (f == "budget_5h_usd") usd_5h = usd_5h.value_or(0) + in.at_least(fv, at, 0);
        else ep_conc = std::max<std::uint64_t>(1, in.count(fv, at));
      }
      calls_5h += ep_calls;
      o.max_concurrent += ep_conc;
      first = false;
    }
  if (any) {
    // A quota per 5-hour window: the bucket refills at the window's rate and holds the whole quota,
    // so a run may spend it at once, as the reference's limiter allows.
    o.requests_per_minute = calls_5h / 300;  // 5 h = 300 min
    o.burst_seconds = 5 * 3600;
    cfg.notes.push_back(fmt::format("endpoints.*.max_calls_5h {:g} (summed over endpoints) becomes a rate of {:.1f} requests/min with bursts of "
                                    "up to {:g} s of that rate ({:g} requests at once)",
                                    calls_5h, o.requests_per_minute, o.burst_seconds, calls_5h));
    if (usd_5h) {
      cfg.meter.budget.max_usd = *usd_5h;    // a 5-hour budget, kept as a budget for the whole run
      cfg.budget_key = "endpoints.*.budget_5h_usd";
      cfg.notes.push_back(fmt::format("endpoints.*.budget_5h_usd {:g} becomes a budget of ${:.2f} for the whole run (judgegrad keeps no "
                                      "5-hour window; a resumed run counts what was spent before)",
                                      *usd_5h, *usd_5h));
    }
  } else {
    o.max_concurrent = 16;
  }

  std::string base_from_prefix;
  // A field the file leaves out stays unset, so the reference's effective defaults apply to it
  // (llm::reference_defaults: the reference itself ignored these fields and used those).
  // A role the file does not describe stays unconfigured; a command that uses it says so
  // (require_roles).
  auto read_model = [&](std::string_view field, std::initializer_list<role> roles) {
    simdjson::dom::element m;
    if (top[field].get(m)) return;
    std::string path(field);
    role_settings s;
    for (auto [f, fv] : in.object(m, path, {"name", "max_tokens", "temperature", "timeout", "reasoning"})) {
      std::string at = config_reader::join(path, f);
      if (f == "name") s.model = in.text(fv, at);
      else if (f == "max_tokens") s.max_tokens = in.max_tokens(fv, at);
      else if (f == "temperature") s.temperature = in.temperature(fv, at);
      else if (f == "timeout") s.timeout_seconds = in.positive(fv, at);
      else in.boolean(fv, at);
    }
    if (s.model.empty()) in.fail(path + ".name", "missing");
    // litellm provider prefixes name the service; the rest is the model id the service knows.
    static constexpr std::pair<std::string_view, std::string_view> prefixes[] = {
        {"openrouter/", "https://openrouter.ai/api/v1"}, {"openai/", "https://api.openai.com/v1"},
        {"ollama_chat/", "http://localhost:11434/v1"},   {"ollama/", "http://localhost:11434/v1"},
        {"hosted_vllm/", "http://localhost:8000/v1"}};
    for (auto [prefix, base] : prefixes)
      if (s.model.compare(0, prefix.size(), prefix) == 0) {
        s.model.erase(0, prefix.size());
        if (base_from_prefix.empty()) base_from_prefix = base;
        break;
      }
    for (role r : roles) cfg.settings(r) = s;
  };
  read_model("task_model", {role::judge, role::evaluator});
  read_model("loss_model", {role::loss});
  read_model("gradient_model", {role::gradient});
  read_model("optimizer_model", {role::optimizer});
  cfg.reference_format = true;
  o.base_url = !api_base.empty() ? api_base : !base_from_prefix.empty() ? base_from_prefix : std::string("https://api.openai.com/v1");
  if (auto why = base_url_problem(o.base_url)) in.fail("api_base", fmt::format("\"{}\": {}", o.base_url, *why));
  cfg.endpoints["default"] = std::move(o);
  cfg.default_endpoint = "default";
}

}  // namespace detail

/// Reads a configuration from JSON text. `source` names it in errors; relative cache paths are
/// resolved against `dir`; `env` looks up environment variables (the process environment by default).
inline llm_config parse_llm_config(std::string_view json, const std::string& source, const std::filesystem::path& dir = ".",
                                   config_reader::lookup env = process_environment) {
  config_reader in(source, std::move(env));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto code = parser.parse(json.data(), json.size()).get(doc))
    throw config_error(fmt::format("{}: not valid JSON: {}", source, json_error_text(json, simdjson::error_message(code))));
  simdjson::dom::object top = in.object(doc, "(top level)", {});
  llm_config cfg;
  cfg.source = source;
  simdjson::dom::element probe;
  bool reference = false;
  for (std::string_view k : {"task_model", "loss_model", "gradient_model", "optimizer_model"}) reference = reference || !top[k].get(probe);
  if (reference) detail::read_reference(in, doc, cfg);
  else detail::read_native(in, doc, cfg, dir);
  if (cfg.endpoints.empty()) in.fail("endpoints", "at least one endpoint is needed");
  if (cfg.default_endpoint.empty()) {
    if (cfg.endpoints.size() > 1) in.fail("default_endpoint", "missing (needed with more than one endpoint)");
    cfg.default_endpoint = cfg.endpoints.begin()->first;
  }
  if (!cfg.endpoints.count(cfg.default_endpoint)) in.fail("default_endpoint", fmt::format("no endpoint named {}", cfg.default_endpoint));
  for (role r : all_roles)
    if (auto& s = cfg.settings(r); s && !s->endpoint.empty() && !cfg.endpoints.count(s->endpoint))
      in.fail(fmt::format("roles.{}.endpoint", to_string(r)), fmt::format("no endpoint named {}", s->endpoint));
  // A USD budget needs a price for every model it would pay for: from the file, else judgegrad's
  // table of list prices; a model in neither is recorded, and a command that uses it refuses to
  // start (require_roles).
  bool usd = cfg.meter.budget.max_usd.has_value();
  for (const auto& [r, b] : cfg.meter.role_budgets) usd = usd || b.max_usd.has_value();
  if (usd && !cfg.meter.prices.count("*"))
    for (role r : all_roles) {
      const auto& s = cfg.settings(r);
      if (!s || s->model.empty() || cfg.meter.prices.count(s->model)) continue;
      if (const auto* known = detail::list_price(s->model)) {
        auto [at, added] = cfg.meter.prices.emplace(s->model, known->cost);
        if (added)
          cfg.notes.push_back(fmt::format("{} is priced at ${:g} in / ${:g} out per million tokens from judgegrad's table of list prices ({}), "
                                          "for the USD budget; give \"prices\" to set your own",
                                          s->model, known->cost.input_per_mtok, known->cost.output_per_mtok, detail::list_prices_date));
      } else {
        cfg.unpriced.push_back(r);
      }
    }
  return cfg;
}

/// Throws config_error unless every role of `roles` has a model configured, priced when a USD
/// budget applies: what a command uses must be there, what it does not use may be left out.
inline void require_roles(const llm_config& cfg, std::initializer_list<role> roles, std::string_view command) {
  for (role r : roles) {
    const auto& s = cfg.settings(r);
    if (s && !s->model.empty()) continue;
    std::string key = cfg.reference_format ? std::string(r == role::judge || r == role::evaluator ? "task_model"
                                                         : r == role::loss                         ? "loss_model"
                                                         : r == role::gradient                     ? "gradient_model"
                                                                                                   : "optimizer_model")
                                           : fmt::format("roles.{}.model", to_string(r));
    throw config_error(fmt::format("{}: {}: missing ({} uses the {} role)", cfg.source, key, command, to_string(r)));
  }
  for (role r : roles)
    if (std::find(cfg.unpriced.begin(), cfg.unpriced.end(), r) != cfg.unpriced.end()) {
      const std::string& model = cfg.settings(r)->model;
      throw config_error(fmt::format("{}: {}: a USD budget needs a price for model {} (role {}), and neither the file nor judgegrad's "
                                     "table has one: give \"prices\": {{\"{}\": {{\"input_per_mtok\": ..., \"output_per_mtok\": ...}}}} "
                                     "(judgegrad's format), or drop the budget",
                                     cfg.source, cfg.budget_key, model, to_string(r), model));
    }
}

/// `config` in judgegrad's own format, for a run directory: everything needed to rebuild the same
/// stack except the keys themselves, which appear as the environment variables that held them.
/// Reading the text back (`parse_llm_config`) gives the same configuration.
inline std::string to_json(const llm_config& config) {
  json_writer w;
  w.begin_object().key("endpoints").begin_object();
  for (const auto& [name, o] : config.endpoints) {
    w.key(name).begin_object().key("base_url").value(o.base_url);
    if (auto it = config.key_variables.find(name); it != config.key_variables.end()) w.key("api_key_env").value(it->second);
    w.key("max_concurrent").value(std::uint64_t(o.max_concurrent))
        .key("requests_per_minute").value(o.requests_per_minute)
        .key("tokens_per_minute").value(o.tokens_per_minute)
        .key("burst_seconds").value(o.burst_seconds)
        .key("max_retries").value(o.max_retries)
        .key("backoff_initial").value(o.backoff_initial)
        .key("backoff_max").value(o.backoff_max)
        .key("retry_after_max").value(o.retry_after_max)
        .key("connect_timeout").value(o.connect_timeout)
        .key("timeout").value(o.total_timeout)
        .key("default_completion_tokens").value(o.default_completion_tokens)
        .key("max_response_bytes").value(std::uint64_t(o.max_response_bytes));
    if (!o.ca_file.empty()) w.key("ca_file").value(o.ca_file);
    w.key("headers").begin_array();
    for (const auto& h : o.extra_headers) w.value(scrub(h, o.api_key.reveal()));
    w.end_array();
    const auto& c = o.capabilities;
    w.key("capabilities").begin_object().key("n").value(c.n).key("logprobs").value(c.logprobs)
        .key("json_schema").value(c.json_schema).key("json_object").value(c.json_object)
        .key("seed").value(c.seed).key("metadata").value(c.metadata).end_object();
    w.end_object();
  }
  w.end_object().key("default_endpoint").value(config.default_endpoint).key("roles").begin_object();
  for (role r : all_roles) {
    const auto& s = config.settings(r);
    if (!s) continue;
    w.key(to_string(r)).begin_object().key("model").value(s->model);
    if (!s->endpoint.empty()) w.key("endpoint").value(s->endpoint);
    if (s->temperature) w.key("temperature").value(*s->temperature);
    if (s->max_tokens) w.key("max_tokens").value(*s->max_tokens);
    if (s->timeout_seconds) w.key("timeout").value(*s->timeout_seconds);
    if (s->seed) w.key("seed").value(*s->seed);
    w.end_object();
  }
  w.end_object().key("prices").begin_object();
  for (const auto& [model, p] : config.meter.prices) {
    w.key(model).begin_object().key("input_per_mtok").value(p.input_per_mtok).key("output_per_mtok").value(p.output_per_mtok);
    if (p.cached_input_per_mtok) w.key("cached_input_per_mtok").value(*p.cached_input_per_mtok);
    w.end_object();
  }
  auto limits = [&](const budget& b) {
    if (b.max_calls) w.key("max_calls").value(*b.max_calls);
    if (b.max_tokens) w.key("max_tokens").value(*b.max_tokens);
    if (b.max_usd) w.key("max_usd").value(*b.max_usd);
  };
  w.end_object().key("budget").begin_object();
  limits(config.meter.budget);
  w.key("default_completion_tokens").value(config.meter.default_completion_tokens);
  if (!config.meter.role_budgets.empty()) {
    w.key("roles").begin_object();
    for (const auto& [r, b] : config.meter.role_budgets) {
      w.key(to_string(r)).begin_object();
      limits(b);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  if (config.cache)
    w.key("cache").begin_object().key("path").value(config.cache->path.string()).key("mode").value(to_string(config.cache->mode))
        .key("busy_timeout_ms").value(config.cache->busy_timeout_ms).end_object();
  w.end_object();
  return std::move(w).str();
}

/// Reads a configuration file (see docs/backends.md for both formats).
inline llm_config load_llm_config(const std::filesystem::path& path,
                                  config_reader::lookup env = process_environment) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw config_error(fmt::format("{}: cannot open", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  return parse_llm_config(text.str(), path.string(), path.parent_path(), std::move(env));
}

/// How configuration `now` answers the roles `roles` differently from `before`: per role, the
/// model, the endpoint (its base URL), the temperature, max_tokens and the seed, as the requests
/// would carry them (a role's own settings, else the reference's defaults). One line per
/// difference ("roles.judge.model: gpt-4o-mini -> gpt-4o"); empty when they answer alike. Limits,
/// prices, budgets, timeouts and keys may change without changing the answers.
inline std::vector<std::string> answering_differences(const llm_config& before, const llm_config& now, std::initializer_list<role> roles) {
  std::vector<std::string> out;
  auto url = [](const llm_config& c, const role_settings& s) {
    const std::string& name = s.endpoint.empty() ? c.default_endpoint : s.endpoint;
    auto it = c.endpoints.find(name);
    return it == c.endpoints.end() ? name : it->second.base_url;
  };
  auto shown = [](const auto& v) -> std::string {
    if constexpr (requires { v.has_value(); }) return v ? fmt::format("{}", *v) : std::string("(unset)");
    else return v.empty() ? std::string("(unset)") : fmt::format("{}", v);
  };
  for (role r : roles) {
    role_settings a = before.settings(r).value_or(role_settings{}), b = now.settings(r).value_or(role_settings{});
    request ra, rb;  // what the requests would carry
    fill_unset(ra, a), fill_unset(ra, reference_defaults(r));
    fill_unset(rb, b), fill_unset(rb, reference_defaults(r));
    auto differ = [&](std::string_view field, const std::string& x, const std::string& y) {
      if (x != y) out.push_back(fmt::format("roles.{}.{}: {} -> {}", to_string(r), field, x, y));
    };
    differ("model", shown(ra.model), shown(rb.model));
    differ("endpoint", url(before, a), url(now, b));
    differ("temperature", shown(ra.temperature), shown(rb.temperature));
    differ("max_tokens", shown(ra.max_tokens), shown(rb.max_tokens));
    differ("seed", shown(ra.seed), shown(rb.seed));
  }
  return out;
}

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
