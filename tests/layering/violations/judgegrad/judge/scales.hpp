// A fixture for the layering test: judge/ may not reach into stats' detail, nor data's.
#pragma once
#include <judgegrad/stats/detail/counts.hpp>
namespace judge {
inline double spread = stats::detail::kernel(1) + data_detail::rows;  // one line, two uses
namespace detail {
inline int own = 0;  // its own detail: allowed
}
inline int ok = detail::own + judge::detail::own;
}  // namespace judge
