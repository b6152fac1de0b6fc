/// @file
/// JSON Lines loading through a `column_mapping`, parsed with simdjson.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/json_syntax.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/data/error.hpp>
#include <judgegrad/data/mapping.hpp>
#include <judgegrad/data/source.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

namespace detail {
/// Converts one simdjson value to a cell: strings and numbers keep their text.
inline cell to_cell(simdjson::dom::element v) {
  cell c;
  switch (v.type()) {
    case simdjson::dom::element_type::STRING:
      c.type = cell::kind::string;
      c.text = std::string(std::string_view(v.get_string().value_unsafe()));
      break;
    case simdjson::dom::element_type::INT64:
      c.type = cell::kind::number;
      c.number = static_cast<double>(v.get_int64().value_unsafe());
      c.text = fmt::format("{}", v.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      c.type = cell::kind::number;
      c.number = static_cast<double>(v.get_uint64().value_unsafe());
      c.text = fmt::format("{}", v.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      c.type = cell::kind::number;
      c.number = v.get_double().value_unsafe();
      c.text = fmt::format("{}", c.number);
      break;
    case simdjson::dom::element_type::NULL_VALUE: c.type = cell::kind::null; break;
    default: c.type = cell::kind::other; break;
  }
  return c;
}
}  // namespace detail

/// As load_jsonl, from text in memory (padded, as simdjson requires); `file` names it in errors.
/// The data set's name is `file`.
template <criteria_set Set>
dataset<Set> load_jsonl_text(const simdjson::padded_string& content, const std::string& file, const column_mapping& mapping) {
  detail::row_builder<Set> builder(mapping, file);
  dataset<Set> out;
  out.name = file;
  simdjson::dom::parser parser;
  std::vector<std::optional<detail::cell>> cells(builder.columns().size());
  const char* base = content.data();
  std::size_t n = content.size(), i = 0, line = 0;
  if (std::string_view(base, n).substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < n) {
    ++line;
    std::size_t end = std::string_view(base, n).find('\n', i);
    if (end == std::string_view::npos) end = n;
    std::string_view row(base + i, end - i);
    std::size_t next = end + 1;
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    i = next;
    if (text::trim(row).empty()) continue;
    // The line lies inside the padded file buffer, so simdjson may read past it without a copy.
    simdjson::dom::element doc;
    if (auto err = parser.parse(row.data(), row.size(), false).get(doc))
      throw load_error(file, line, "", fmt::format("not valid JSON ({})", json_error_text(row, simdjson::error_message(err))));
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) throw load_error(file, line, "", "not a JSON object");
    for (auto& c : cells) c.reset();
    for (auto kv : obj) {
      std::size_t s = builder.slot_of(kv.key);
      if (s == builder.npos) continue;
      if (cells[s]) throw load_error(file, line, std::string(kv.key), "key given twice");
      cells[s] = detail::to_cell(kv.value);
    }
    out.examples.push_back(builder.build(cells, line));
  }
  return out;
}

/// Loads a JSON Lines file (one JSON object per line) into a data set named after the file's stem.
/// Blank lines are skipped, a UTF-8 byte-order mark at the start and a '\r' before each '\n' are
/// ignored; keys the mapping does not name are ignored. A line that is not a JSON object, a
/// missing key, a key given twice or a bad value is a load_error naming file, line and key; so is a
/// file without any record.
template <criteria_set Set>
dataset<Set> load_jsonl(const std::filesystem::path& path, const column_mapping& mapping) {
  auto content = read_file(path);
  auto out = load_jsonl_text<Set>(content, path.string(), mapping);
  if (out.examples.empty()) throw load_error(path.string(), 0, "", "the file is empty: no records");
  out.name = path.stem().string();
  return out;
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
