/// @file
/// A small, correct JSON writer (simdjson only parses): escaping per RFC 8259, UTF-8 passed through
/// unchanged, invalid UTF-8 bytes replaced by U+FFFD so the output is always valid JSON.
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE

/// Appends `text` to `out` as a JSON string literal, quotes included.
inline void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = byte(i);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) out += fmt::format("\\u{:04x}", c);
          else out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // Length of a well-formed UTF-8 sequence starting here, or 0.
    std::size_t len = 0;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3;
    else if (c >= 0xF0 && c <= 0xF4) len = 4;
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) valid = (byte(i + k) & 0xC0) == 0x80;
    if (valid && len == 3) {
      unsigned char c1 = byte(i + 1);
      valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong; surrogates
    }
    if (valid && len == 4) {
      unsigned char c1 = byte(i + 1);
      valid = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);  // overlong; above U+10FFFF
    }
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out.push_back('"');
}

/// Builds one JSON value into a string. Keys and values are appended in call order; the writer
/// inserts commas. Misuse (a value where a key is due) is the caller's bug and is not diagnosed.
///
///     json_writer w;
///     w.begin_object().key("model").value("m").key("n").value(2).end_object();
///     w.str() == R"({"model":"m","n":2})"
class json_writer {
 public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  json_writer& key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view s) {
    separate();
    append_json_string(out_, s);
    return *this;
  }
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(const std::string& s) { return value(std::string_view(s)); }
  json_writer& value(bool b) { return raw(b ? "true" : "false"); }
  json_writer& value(std::int64_t i) { return raw(fmt::format("{}", i)); }
  json_writer& value(std::uint64_t i) { return raw(fmt::format("{}", i)); }
  json_writer& value(int i) { return value(static_cast<std::int64_t>(i)); }
  json_writer& value(unsigned i) { return value(static_cast<std::uint64_t>(i)); }
  /// Finite numbers in shortest round-trip form; NaN and infinities become null (JSON has neither).
  json_writer& value(double d) { return raw(std::isfinite(d) ? fmt::format("{}", d) : std::string("null")); }
  json_writer& null() { return raw("null"); }
  /// Inserts already-serialized JSON as one value.
  json_writer& raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
  }

  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }

 private:
  json_writer& open(char c) {
    separate();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  json_writer& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  void separate() {
    if (after_key_) after_key_ = false;
    else if (!first_ && !out_.empty()) out_.push_back(',');
    first_ = false;
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

JUDGEGRAD_END_NAMESPACE
