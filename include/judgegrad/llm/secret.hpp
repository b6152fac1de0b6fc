/// @file
/// API keys: shown only redacted, and scrubbed from any text that leaves the process.
#pragma once

#include <judgegrad/config.hpp>

#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// `key` as "****" plus its last four characters (only "****" for keys too short to hide in).
inline std::string redact(std::string_view key) {
  if (key.size() < 12) return "****";
  return "****" + std::string(key.substr(key.size() - 4));
}

/// `text` with every occurrence of `key` replaced by its redacted form.
inline std::string scrub(std::string text, std::string_view key) {
  if (key.size() < 4) return text;  // too short to be a real key; scrubbing would mangle text
  std::string hidden = redact(key);
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + hidden.size()))
    text.replace(at, key.size(), hidden);
  return text;
}

/// An API key that cannot be printed by accident: no stream or format operator, only `redacted()`.
class secret {
 public:
  secret() = default;
  explicit secret(std::string key) : key_(std::move(key)) {}
  bool empty() const { return key_.empty(); }
  std::string redacted() const { return redact(key_); }
  /// The key itself, for the Authorization header and scrubbing; nowhere else.
  const std::string& reveal() const { return key_; }

 private:
  std::string key_;
};

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
