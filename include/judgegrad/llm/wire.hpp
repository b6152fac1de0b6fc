/// @file
/// The OpenAI chat-completions wire format: request bodies (written with core/json_writer.hpp),
/// reply parsing (simdjson), the normalized request text that cache keys hash, and UTF-8 repair.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/detail/sha256.hpp>
#include <judgegrad/llm/options.hpp>
#include <judgegrad/llm/types.hpp>

#include <simdjson.h>

#include <string>
#include <string_view>
#include <variant>

JUDGEGRAD_BEGIN_NAMESPACE
namespace llm {

/// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
inline std::string sanitize_utf8(std::string_view text) {
  // The JSON writer already knows well-formed UTF-8: quote, then undo the escaping it added.
  std::string quoted;
  append_json_string(quoted, text);
  std::string out;
  out.reserve(text.size());
  std::string_view body(quoted.data() + 1, quoted.size() - 2);
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out.push_back(body[i]);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': out.push_back(static_cast<char>(std::stoi(std::string(body.substr(i + 1, 4)), nullptr, 16))); i += 4; break;
      default: out.push_back(e);
    }
  }
  return out;
}

namespace detail {
inline void write_format(json_writer& w, const response_format& f) {
  switch (f.type) {
    case response_format::kind::text: w.begin_object().key("type").value("text").end_object(); break;
    case response_format::kind::json_object: w.begin_object().key("type").value("json_object").end_object(); break;
    case response_format::kind::json_schema:
      w.begin_object().key("type").value("json_schema").key("json_schema").begin_object();
      w.key("name").value(f.schema_name.empty() ? std::string("reply") : f.schema_name);
      w.key("strict").value(true).key("schema");
      if (f.schema.empty()) w.begin_object().end_object();
      else w.raw(f.schema);
      w.end_object().end_object();
      break;
  }
}
}  // namespace detail

/// The body of one POST /chat/completions for `r`, asking for `n` choices, within what `caps`
/// allows. `choice_offset` shifts the seed of emulated extra choices so they can differ.
inline std::string request_body(const request& r, const capabilities& caps, int n, std::uint32_t choice_offset = 0) {
  json_writer w;
  w.begin_object().key("model").value(r.model).key("messages").begin_array();
  for (const auto& m : r.messages)
    w.begin_object().key("role").value(m.role).key("content").value(m.content).end_object();
  w.end_array();
  if (r.temperature) w.key("temperature").value(*r.temperature);
  if (r.max_tokens) w.key("max_tokens").value(*r.max_tokens);
  if (r.seed && caps.seed) w.key("seed").value(*r.seed + choice_offset);
  if (!r.stop.empty()) {
    w.key("stop").begin_array();
    for (const auto& s : r.stop) w.value(s);
    w.end_array();
  }
  response_format f = r.format;
  if (f.type == response_format::kind::json_schema && !caps.json_schema) f = {response_format::kind::json_object, {}, {}};
  if (f.type == response_format::kind::json_object && !caps.json_object) f = {};
  if (f.type != response_format::kind::text) detail::write_format(w.key("response_format"), f);
  if (n > 1) w.key("n").value(n);
  if (r.logprobs && caps.logprobs) w.key("logprobs").value(true);
  if (caps.metadata) {
    // Values are strings: OpenAI accepts only string metadata values.
    w.key("metadata").begin_object().key("judgegrad_role").value(to_string(r.role));
    if (r.repeat) w.key("judgegrad_repeat").value(std::to_string(r.repeat));
    w.end_object();
  }
  w.end_object();
  return std::move(w).str();
}

/// The normalized text of everything in `r` that can change the reply: model, messages, every
/// sampling parameter, response format, `n`, logprobs and the repeat index, in a fixed order
/// with fixed number formatting. Role, endpoint and timeout do not change a reply and are left out.
inline std::string normalized_request(const request& r) {
  json_writer w;
  w.begin_object().key("v").value(1).key("model").value(r.model).key("messages").begin_array();
  for (const auto& m : r.messages) w.begin_array().value(m.role).value(m.content).end_array();
  w.end_array();
  w.key("temperature");
  if (r.temperature) w.value(*r.temperature == 0 ? 0.0 : *r.temperature);  // -0.0 and 0.0 sample alike
  else w.null();
  w.key("max_tokens");
  if (r.max_tokens) w.value(*r.max_tokens);
  else w.null();
  w.key("seed");
  if (r.seed) w.value(*r.seed);
  else w.null();
  w.key("stop").begin_array();
  for (const auto& s : r.stop) w.value(s);
  w.end_array();
  w.key("format").begin_array().value(static_cast<int>(r.format.type)).value(r.format.schema_name).value(r.format.schema).end_array();
  w.key("n").value(r.n).key("logprobs").value(r.logprobs).key("repeat").value(r.repeat).end_object();
  return std::move(w).str();
}

/// The cache key of `r`: SHA-256 of `normalized_request(r)`, 64 hex digits.
inline std::string cache_key(const request& r) { return detail::sha256_hex(normalized_request(r)); }

/// Parses a chat-completion body. `prompt` is used to estimate usage when the body has none.
/// Bytes that are not UTF-8 are replaced by U+FFFD rather than failing the call.
inline std::variant<response, error> parse_completion(simdjson::dom::parser& parser, std::string_view body,
                                                      const request& prompt) {
  auto fail = [&](std::string why) {
    error e;
    e.kind = error_kind::malformed_response;
    e.message = std::move(why);
    e.body_excerpt = sanitize_utf8(body.substr(0, 200));
    return e;
  };
  simdjson::dom::element doc;
  auto code = parser.parse(body.data(), body.size()).get(doc);
  std::string repaired;
  if (code == simdjson::UTF8_ERROR) {
    repaired = sanitize_utf8(body);
    code = parser.parse(repaired.data(), repaired.size()).get(doc);
  }
  if (code) return fail(std::string("reply is not JSON: ") + simdjson::error_message(code));
  simdjson::dom::object top;
  if (doc.get_object().get(top)) return fail("reply is not a JSON object");
  simdjson::dom::array choices;
  if (top["choices"].get_array().get(choices)) {
    simdjson::dom::element err;
    if (!top["error"].get(err)) {
      error e = fail("endpoint reported an error in a 200 reply");
      e.kind = error_kind::server;
      std::string_view msg;
      if (!err["message"].get_string().get(msg)) e.message += std::string(": ") + std::string(msg);
      return e;
    }
    return fail("reply has no \"choices\" array");
  }
  response out;
  for (simdjson::dom::element choice : choices) {
    std::string_view content;
    auto content_code = choice["message"]["content"].get_string().get(content);
    if (content_code) return fail("a choice has no string \"message.content\"");
    out.choices.emplace_back(content);
    if (out.choices.size() == 1) {
      std::string_view finish;
      if (!choice["finish_reason"].get_string().get(finish)) out.finish_reason = finish;
    }
  }
  if (out.choices.empty()) return fail("reply has an empty \"choices\" array");
  out.content = out.choices.front();
  std::string_view model;
  if (!top["model"].get_string().get(model)) out.model = model;
  simdjson::dom::object u;
  if (!top["usage"].get_object().get(u)) {
    std::uint64_t v = 0;
    if (!u["prompt_tokens"].get_uint64().get(v)) out.usage.prompt_tokens = v;
    if (!u["completion_tokens"].get_uint64().get(v)) out.usage.completion_tokens = v;
    if (!u.at_pointer("/prompt_tokens_details/cached_tokens").get_uint64().get(v)) out.usage.cached_tokens = v;
  } else {
    out.usage_estimated = true;
    out.usage.prompt_tokens = estimate_prompt_tokens(prompt);
    for (const auto& c : out.choices) out.usage.completion_tokens += estimate_tokens(c);
  }
  return out;
}

}  // namespace llm
JUDGEGRAD_END_NAMESPACE
