/// @file
/// CSV (RFC 4180) reading: quoted fields with embedded commas, doubled quotes and line breaks;
/// and a loader from CSV files to data sets through a `column_mapping`.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/data/error.hpp>
#include <judgegrad/data/mapping.hpp>
#include <judgegrad/data/source.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// One CSV record: its fields and the 1-based line on which it starts.
struct csv_record {
  std::vector<std::string> fields;
  std::size_t line = 0;
};

/// Parses RFC 4180 text. Records end with LF or CRLF (the last one may lack it); a field is either
/// bare (no quote, comma or line break inside) or enclosed in double quotes, where "" stands for
/// one quote and commas and line breaks are literal. A UTF-8 byte-order mark at the start is
/// skipped; a line that is completely empty is skipped. Errors (a quote inside a bare field, text
/// after a closing quote, an unterminated quoted field) are load_errors naming `file` and the line.
inline std::vector<csv_record> parse_csv(std::string_view text, const std::string& file = "<csv>") {
  std::vector<csv_record> records;
  std::size_t i = 0, line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  const std::size_t n = text.size();
  while (i < n) {
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {  // empty line
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      continue;
    }
    csv_record rec;
    rec.line = line;
    while (true) {  // one field per iteration
      std::string value;
      if (i < n && text[i] == '"') {
        std::size_t start_line = line;
        ++i;
        while (true) {
          if (i >= n) throw load_error(file, start_line, "", "unterminated quoted field");
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              value.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          value.push_back(c);
          ++i;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n'))
          throw load_error(file, line, "", fmt::format("field {}: text after a closing quote", rec.fields.size() + 1));
      } else {
        std::size_t start = i;
        while (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
          if (text[i] == '"')
            throw load_error(file, line, "", fmt::format("field {}: a quote inside an unquoted field", rec.fields.size() + 1));
          ++i;
        }
        value.assign(text.substr(start, i - start));
      }
      rec.fields.push_back(std::move(value));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < n) {  // end of record
        i += text[i] == '\r' ? 2 : 1;
        ++line;
      }
      break;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

/// As load_csv, from text in memory; `file` names it in errors. The data set's name is `file`.
template <criteria_set Set>
dataset<Set> load_csv_text(std::string_view text, const std::string& file, const column_mapping& mapping) {
  auto records = parse_csv(text, file);
  if (records.empty()) throw load_error(file, 0, "", "the file is empty: no header row");
  detail::row_builder<Set> builder(mapping, file);
  const auto& header = records.front().fields;
  std::vector<std::size_t> slot_of_field(header.size(), builder.npos);
  for (std::size_t f = 0; f < header.size(); ++f) {
    std::size_t s = builder.slot_of(header[f]);
    if (s != builder.npos && f > 0)
      for (std::size_t g = 0; g < f; ++g)
        if (slot_of_field[g] == s) throw load_error(file, records.front().line, header[f], "column appears twice in the header");
    slot_of_field[f] = s;
  }
  for (std::size_t s = 0; s < builder.columns().size(); ++s) {
    bool found = false;
    for (std::size_t x : slot_of_field) found = found || x == s;
    if (!found && builder.required(s)) throw load_error(file, records.front().line, builder.columns()[s], "missing column (not in the header)");
  }
  dataset<Set> out;
  out.name = file;
  out.examples.reserve(records.size() - 1);
  std::vector<std::optional<detail::cell>> cells(builder.columns().size());
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto& rec = records[r];
    if (rec.fields.size() != header.size())
      throw load_error(file, rec.line, "",
                       fmt::format("{} fields where the header has {}", rec.fields.size(), header.size()));
    for (auto& c : cells) c.reset();
    for (std::size_t f = 0; f < rec.fields.size(); ++f) {
      if (slot_of_field[f] == builder.npos) continue;
      detail::cell c;
      c.type = detail::cell::kind::string;
      c.text = std::move(rec.fields[f]);
      cells[slot_of_field[f]] = std::move(c);
    }
    out.examples.push_back(builder.build(cells, rec.line));
  }
  return out;
}


/// Loads a CSV file with a header row into a data set named after the file's stem. Every record
/// must have as many fields as the header; the mapping's columns must be in the header (metadata
/// columns excepted). Scores are parsed as numbers; an empty cell is a missing score. A file with no
/// record is a load_error.
template <criteria_set Set>
dataset<Set> load_csv(const std::filesystem::path& path, const column_mapping& mapping) {
  auto content = read_file(path);
  auto out = load_csv_text<Set>(std::string_view(content.data(), content.size()), path.string(), mapping);
  if (out.examples.empty()) throw load_error(path.string(), 0, "", "the file is empty: a header row, no records");
  out.name = path.stem().string();
  return out;
}

}  // namespace data
JUDGEGRAD_END_NAMESPACE
