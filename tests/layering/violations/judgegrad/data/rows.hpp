#pragma once
namespace data_detail {
inline int rows = 0;
}  // namespace data_detail
