/// @file
/// `data::load_error`: what went wrong while loading a data file, and where (file, line, field).
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

JUDGEGRAD_BEGIN_NAMESPACE
namespace data {

/// Thrown by every loader; a loader that throws has returned nothing, so no data set is ever
/// half-loaded. `line` is 1-based (0 when the error concerns the whole file), `field` names the
/// column involved (empty when none). The message reads "<file>:<line>: field '<field>': <what>".
class load_error : public std::runtime_error {
 public:
  load_error(std::string file, std::size_t line, std::string field, const std::string& what)
      : std::runtime_error(format(file, line, field, what)),
        file_(std::move(file)),
        line_(line),
        field_(std::move(field)) {}

  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  static std::string format(const std::string& file, std::size_t line, const std::string& field,
                            const std::string& what) {
    std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
    if (!field.empty()) return fmt::format("judgegrad: {}: field '{}': {}", where, field, what);
    return fmt::format("judgegrad: {}: {}", where, what);
  }
  std::string file_;
  std::size_t line_;
  std::string field_;
};

}  // namespace data
JUDGEGRAD_END_NAMESPACE
