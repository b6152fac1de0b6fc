/// @file
/// Predictions and reports as JSON, for run logs: one JSON object per judged item (JSON Lines)
/// with its id, per-criterion outcome and every call, and one object for a per-criterion report.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/judge/metrics.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/run.hpp>

#include <string>

JUDGEGRAD_BEGIN_NAMESPACE
namespace judge {

/// {"id":..., "index":..., "layout":"joint", "prompt":"<fingerprint>",
///  "scores":{"<criterion>":{"status":"ok","value":4,"detail":""},...},
///  "calls":[{"criteria":["fluency",...],"round":0,"status":"ok","model":"...","reply":"...","error":"","problems":""},...]}
/// A value is null when no number was read; `layout` and `prompt` tell evaluations apart in one file.
template <criteria_set Set>
void write_json(json_writer& w, const prediction<Set>& p, std::string_view layout = {}, std::string_view prompt = {}) {
  w.begin_object().key("id").value(p.id).key("index").value(static_cast<std::uint64_t>(p.index));
  w.key("layout").value(layout).key("prompt").value(prompt);
  w.key("scores").begin_object();
  for (std::size_t c = 0; c < Set::size; ++c) {
    const auto& s = p.scores[c];
    w.key(Set::names[c]).begin_object().key("status").value(to_string(s.status)).key("value");
    if (s.value) w.value(*s.value);
    else w.null();
    w.key("detail").value(s.detail).end_object();
  }
  w.end_object().key("calls").begin_array();
  for (const auto& call : p.calls) {
    w.begin_object().key("criteria").begin_array();
    for (std::size_t c : call.criteria) w.value(Set::names[c]);
    w.end_array().key("round").value(call.round).key("status").value(to_string(call.status)).key("model").value(call.model);
    w.key("reply").value(call.reply).key("error").value(call.error).key("problems").value(call.problems).end_object();
  }
  w.end_array().end_object();
}

/// {"<criterion>":{"items":480,"scored":478,"coverage":0.9958,"metrics":{"spearman":{"value":..,
///  "low":..,"high":..,"standard_error":..},...}},...}; NaN is written as null.
template <criteria_set Set>
void write_json(json_writer& w, const per_criterion<Set, criterion_report>& report) {
  w.begin_object();
  for (std::size_t c = 0; c < Set::size; ++c) {
    const auto& r = report[c];
    w.key(Set::names[c]).begin_object();
    w.key("items").value(static_cast<std::uint64_t>(r.items)).key("scored").value(static_cast<std::uint64_t>(r.scored));
    w.key("coverage").value(r.coverage).key("metrics").begin_object();
    for (const auto& m : r.metrics)
      w.key(m.name).begin_object().key("value").value(m.value).key("low").value(m.low).key("high").value(m.high)
          .key("standard_error").value(m.standard_error).end_object();
    w.end_object().end_object();
  }
  w.end_object();
}

/// An evaluation's summary as one JSON object: calls, repair calls, failed items, the prompt's
/// fingerprint and the per-criterion report (above); its items go to to_jsonl.
template <criteria_set Set>
void write_json(json_writer& w, const evaluation<Set>& ev) {
  w.begin_object().key("calls").value(static_cast<std::uint64_t>(ev.calls)).key("repair_calls").value(static_cast<std::uint64_t>(ev.repair_calls))
      .key("failed_items").value(static_cast<std::uint64_t>(ev.failed_items)).key("prompt").value(ev.prompt).key("criteria");
  write_json<Set>(w, ev.criteria);
  w.end_object();
}

/// Every item of `p` as JSON Lines (one object per line, in item order, each line ending in '\n').
template <criteria_set Set>
std::string to_jsonl(const predictions<Set>& p) {
  std::string out;
  for (const auto& item : p.items) {
    json_writer w;
    write_json(w, item, p.layout, p.prompt);
    out += w.str();
    out.push_back('\n');
  }
  return out;
}

}  // namespace judge
JUDGEGRAD_END_NAMESPACE
