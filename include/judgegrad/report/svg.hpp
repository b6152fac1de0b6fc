/// @file
/// The report's charts as inline SVG, written by judgegrad with no runtime dependency: a line
/// chart (series over steps, an optional min-max band and a marked point per series) and a bar
/// chart (bars with optional interval whiskers, in groups). Every chart carries a title and a
/// description (role="img", aria-labelledby), axis labels and a legend as text, and
/// `data-series` = the number of series drawn; each series is a `<g class="series">` whose marks
/// are the elements with class `mark`. Colours come from one palette of eight.
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace report::svg {

/// `s` with &, <, > and " escaped for XML text and attributes.
inline std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

inline constexpr std::string_view palette[] = {"#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b", "#444444"};

/// One line: y per x = 0, 1, ...; NaN values are gaps. `low`/`high` (same length) draw a band.
struct series {
  std::string name;
  std::vector<double> y, low, high;
  std::optional<std::size_t> marker;  ///< the x to mark (a best step)
};

/// One bar; `group` puts bars side by side under one label.
struct bar {
  std::string group, name;
  double value = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN(), high = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {

struct frame {
  double width = 640, height = 300, left = 58, right = 150, top = 34, bottom = 46;
  double y0 = 0, y1 = 1;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
  double y(double v) const { return top + plot_h() * (1 - (v - y0) / (y1 - y0)); }
};

/// A "nice" range covering [lo, hi] and its tick step.
inline void nice_range(double& lo, double& hi, double& step) {
  if (!(hi > lo)) hi = lo + 1;
  double span = hi - lo, raw = span / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / mag;
  step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
}

inline std::string open(std::string_view id, std::string_view title, std::string_view description, const frame& f, std::size_t series) {
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{0}\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" "
                     "role=\"img\" aria-labelledby=\"{0}-title {0}-desc\" data-series=\"{3}\">\n<title id=\"{0}-title\">{4}</title>\n"
                     "<desc id=\"{0}-desc\">{5}</desc>\n<text class=\"chart-title\" x=\"{6}\" y=\"18\">{4}</text>\n",
                     escape(id), f.width, f.height, series, escape(title), escape(description), f.left);
}

inline std::string y_axis(const frame& f, double step, std::string_view label) {
  std::string out = fmt::format("<g class=\"axis y\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", f.left, f.top, f.top + f.plot_h());
  for (double v = f.y0; v <= f.y1 + step * 1e-9; v += step) {
    double y = f.y(v);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\"/><text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       f.left, y, f.left + f.plot_w(), y, f.left - 6, y + 4, fmt::format("{:.4g}", std::abs(v) < step * 1e-6 ? 0.0 : v));
  }
  out += fmt::format("<text class=\"axis-label\" transform=\"translate(14 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text></g>\n",
                     f.top + f.plot_h() / 2, escape(label));
  return out;
}

inline std::string legend(const frame& f, const std::vector<std::string>& names) {
  std::string out = "<g class=\"legend\">\n";
  for (std::size_t i = 0; i < names.size(); ++i) {
    double y = f.top + 6 + 16.0 * static_cast<double>(i);
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n", f.width - f.right + 14, y,
                       palette[i % std::size(palette)], f.width - f.right + 28, y + 9, escape(names[i]));
  }
  return out + "</g>\n";
}

}  // namespace detail

/// A line chart of `lines` over x = 0..n-1 (the steps).
inline std::string line_chart(std::string_view id, std::string_view title, std::string_view description, std::string_view x_label,
                              std::string_view y_label, const std::vector<series>& lines) {
  detail::frame f;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::size_t n = 0;
  for (const auto& s : lines) {
    n = std::max(n, s.y.size());
    for (const auto* v : {&s.y, &s.low, &s.high})
      for (double x : *v)
        if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  double step;
  detail::nice_range(lo, hi, step);
  f.y0 = lo, f.y1 = hi;
  auto x = [&](std::size_t i) { return f.left + (n <= 1 ? f.plot_w() / 2 : f.plot_w() * static_cast<double>(i) / static_cast<double>(n - 1)); };
  std::string out = detail::open(id, title, description, f, lines.size()) + detail::y_axis(f, step, y_label);
  out += fmt::format("<g class=\"axis x\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", f.left, f.top + f.plot_h(), f.left + f.plot_w());
  std::size_t every = std::max<std::size_t>(1, (n + 12) / 13);
  for (std::size_t i = 0; i < n; i += every)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x(i), f.top + f.plot_h() + 16, i);
  out += fmt::format("<text class=\"axis-label\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n", f.left + f.plot_w() / 2, f.height - 8,
                     escape(x_label));
  std::vector<std::string> names;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const auto& s = lines[k];
    auto colour = palette[k % std::size(palette)];
    names.push_back(s.name);
    out += fmt::format("<g class=\"series\" data-name=\"{}\" stroke=\"{}\" fill=\"{}\">\n", escape(s.name), colour, colour);
    if (s.low.size() == s.y.size() && s.high.size() == s.y.size() && !s.y.empty()) {
      std::string band;
      for (std::size_t i = 0; i < s.y.size(); ++i)
        if (!std::isnan(s.high[i])) band += fmt::format("{}{:.1f},{:.1f}", band.empty() ? "M" : " L", x(i), f.y(s.high[i]));
      for (std::size_t i = s.y.size(); i-- > 0;)
        if (!std::isnan(s.low[i])) band += fmt::format(" L{:.1f},{:.1f}", x(i), f.y(s.low[i]));
      if (!band.empty()) out += fmt::format("<path class=\"band\" d=\"{} Z\" stroke=\"none\" fill-opacity=\"0.15\"/>\n", band);
    }
    std::string points;
    for (std::size_t i = 0; i < s.y.size(); ++i)
      if (!std::isnan(s.y[i])) points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x(i), f.y(s.y[i]));
    if (!points.empty()) out += fmt::format("<polyline class=\"line mark\" points=\"{}\" fill=\"none\" stroke-width=\"2\"/>\n", points);
    if (s.marker && *s.marker < s.y.size() && !std::isnan(s.y[*s.marker]))
      out += fmt::format("<circle class=\"best\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" stroke=\"#fff\"><title>{}: best at step {} ({:.3f})</title></circle>\n",
                         x(*s.marker), f.y(s.y[*s.marker]), escape(s.name), *s.marker, s.y[*s.marker]);
    out += "</g>\n";
  }
  return out + detail::legend(f, names) + "</svg>\n";
}

/// A bar chart: one bar per entry, grouped by `group` (in order of first appearance), coloured by
/// `name` (one series per distinct name). `reference` draws dashed lines at given values.
inline std::string bar_chart(std::string_view id, std::string_view title, std::string_view description, std::string_view y_label,
                             const std::vector<bar>& bars, const std::vector<std::pair<std::string, double>>& reference = {}) {
  detail::frame f;
  std::vector<std::string> groups, names;
  double lo = 0, hi = 0;
  for (const auto& b : bars) {
    if (std::find(groups.begin(), groups.end(), b.group) == groups.end()) groups.push_back(b.group);
    if (std::find(names.begin(), names.end(), b.name) == names.end()) names.push_back(b.name);
    for (double v : {b.value, b.low, b.high})
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  for (const auto& r : reference) lo = std::min(lo, r.second), hi = std::max(hi, r.second);
  double step;
  detail::nice_range(lo, hi, step);
  f.y0 = lo, f.y1 = hi;
  double group_w = f.plot_w() / static_cast<double>(std::max<std::size_t>(1, groups.size()));
  double bar_w = group_w * 0.8 / static_cast<double>(std::max<std::size_t>(1, names.size()));
  std::string out = detail::open(id, title, description, f, names.size()) + detail::y_axis(f, step, y_label);
  out += fmt::format("<g class=\"axis x\"><line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/>\n", f.left, f.y(0), f.left + f.plot_w());
  for (std::size_t g = 0; g < groups.size(); ++g)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", f.left + group_w * (static_cast<double>(g) + 0.5),
                       f.top + f.plot_h() + 16, escape(groups[g]));
  out += "</g>\n";
  for (std::size_t k = 0; k < names.size(); ++k) {
    auto colour = palette[k % std::size(palette)];
    out += fmt::format("<g class=\"series\" data-name=\"{}\" fill=\"{}\" stroke=\"{}\">\n", escape(names[k]), colour, colour);
    for (const auto& b : bars) {
      if (b.name != names[k] || std::isnan(b.value)) continue;
      auto g = static_cast<double>(std::find(groups.begin(), groups.end(), b.group) - groups.begin());
      double x0 = f.left + group_w * g + group_w * 0.1 + bar_w * static_cast<double>(k);
      double top = f.y(std::max(b.value, 0.0)), bottom = f.y(std::min(b.value, 0.0));
      out += fmt::format("<rect class=\"bar mark\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" stroke=\"none\"><title>{} {}: {:.3f}</title></rect>\n",
                         x0, top, bar_w * 0.9, std::max(bottom - top, 0.5), escape(b.group), escape(b.name), b.value);
      if (!std::isnan(b.low) && !std::isnan(b.high))
        out += fmt::format("<line class=\"whisker\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\"/>\n", x0 + bar_w * 0.45,
                           f.y(b.low), f.y(b.high));
    }
    out += "</g>\n";
  }
  for (const auto& [label, v] : reference)
    out += fmt::format("<g class=\"reference\"><line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
                       "<text x=\"{2}\" y=\"{3:.1f}\" text-anchor=\"end\">{4}</text></g>\n",
                       f.left, f.y(v), f.left + f.plot_w(), f.y(v) - 3, escape(label));
  return out + detail::legend(f, names) + "</svg>\n";
}

}  // namespace report::svg
JUDGEGRAD_END_NAMESPACE
