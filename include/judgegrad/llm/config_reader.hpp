/// @file
/// Reading a JSON configuration file with errors that name the file and the key: config_reader,
/// config_error and the process environment it expands `${NAME}` from.
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// A configuration file that cannot be used; the message names the file and the key.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Typed access to a parsed JSON configuration (a simdjson DOM): every read names the file and the
/// key path in its error (config_error: "llm.json: roles.judge.temperature: 3 is outside 0..2"),
/// unknown keys are refused, and `${NAME}` expands from the environment it is given. The LLM
/// configuration and the experiment files are read through it.
///
///     llm::config_reader in("exp.json", llm::process_environment);
///     auto top = in.object(doc, "(top level)", {"name", "steps"});
///     double t = in.temperature(element, "roles.judge.temperature");
class config_reader {
 public:
  using lookup = std::function<std::optional<std::string>(const std::string&)>;
  config_reader(std::string file, lookup env) : file_(std::move(file)), env_(std::move(env)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw config_error(fmt::format("{}: {}: {}", file_, path, what));
  }
  static std::string join(const std::string& path, std::string_view key) { return path.empty() ? std::string(key) : path + "." + std::string(key); }

  simdjson::dom::object object(simdjson::dom::element e, const std::string& path, std::initializer_list<std::string_view> allowed) const {
    simdjson::dom::object o;
    if (e.get_object().get(o)) fail(path, "expected an object");
    if (allowed.size())
      for (auto field : o)
        if (std::find(allowed.begin(), allowed.end(), field.key) == allowed.end())
          fail(join(path, field.key), fmt::format("unknown key (expected one of: {})", fmt::join(allowed, ", ")));
    return o;
  }
  double number(simdjson::dom::element e, const std::string& path) const {
    double d;
    if (e.get_double().get(d)) fail(path, "expected a number");
    return d;
  }
  std::uint64_t count(simdjson::dom::element e, const std::string& path) const {
    std::uint64_t v;
    if (e.get_uint64().get(v)) {
      double d;
      if (e.get_double().get(d) || d < 0 || d != std::floor(d) || d > 9e18) fail(path, "expected a non-negative integer");
      v = std::uint64_t(d);
    }
    return v;
  }
  /// A number of at least `low`.
  double at_least(simdjson::dom::element e, const std::string& path, double low) const {
    double d = number(e, path);
    if (!(d >= low)) fail(path, fmt::format("{} is below {}", d, low));
    return d;
  }
  /// A number above zero.
  double positive(simdjson::dom::element e, const std::string& path) const {
    double d = number(e, path);
    if (!(d > 0)) fail(path, fmt::format("{} must be above 0", d));
    return d;
  }
  /// A sampling temperature: 0 to 2, the range of the OpenAI API.
  double temperature(simdjson::dom::element e, const std::string& path) const {
    double d = number(e, path);
    if (!(d >= 0 && d <= 2)) fail(path, fmt::format("{} is outside 0..2, the range of a sampling temperature", d));
    return d;
  }
  /// A completion token limit: 1 or more.
  int max_tokens(simdjson::dom::element e, const std::string& path) const {
    std::uint64_t v = count(e, path);
    if (v < 1 || v > 10'000'000) fail(path, fmt::format("{} is not a token limit (1 or more)", v));
    return static_cast<int>(v);
  }
  bool boolean(simdjson::dom::element e, const std::string& path) const {
    bool b;
    if (e.get_bool().get(b)) fail(path, "expected true or false");
    return b;
  }
  std::string text(simdjson::dom::element e, const std::string& path) const {
    std::string_view s;
    if (e.get_string().get(s)) fail(path, "expected a string");
    return std::string(s);
  }
  /// `text` with each `${NAME}` replaced by the environment variable NAME (missing: an error).
  std::string expand(const std::string& value, const std::string& path) const {
    std::string out;
    for (std::size_t i = 0; i < value.size();) {
      if (value.compare(i, 2, "${") == 0) {
        auto end = value.find('}', i);
        if (end == std::string::npos) fail(path, "unterminated ${...}");
        std::string name = value.substr(i + 2, end - i - 2);
        auto v = env_(name);
        if (!v) fail(path, fmt::format("environment variable {} is not set", name));
        out += *v;
        i = end + 1;
      } else {
        out.push_back(value[i++]);
      }
    }
    return out;
  }
  std::optional<std::string> env(const std::string& name) const { return env_(name); }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  lookup env_;
};

/// The process environment as a config_reader's lookup: the variable's value, or nothing when unset.
inline std::optional<std::string> process_environment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
