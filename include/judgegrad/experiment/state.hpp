/// @file
/// A run's state (optim's run_state: where a run stands after a finished step) as JSON and back,
/// exactly: doubles in their shortest round-trip form, the incumbent's test predictions included so
/// that a resumed run reuses them as the uninterrupted run would.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/experiment/fields.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/optim/optimize.hpp>

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

namespace detail {

template <criteria_set Set>
void write_instructions(json_writer& w, const per_criterion<Set, std::string>& v) {
  w.begin_object();
  for (std::size_t c = 0; c < Set::size; ++c) w.key(Set::names[c]).value(v[c]);
  w.end_object();
}

inline void optional_number(json_writer& w, std::string_view key, const std::optional<double>& v) {
  w.key(key);
  if (v) w.value(*v);
  else w.null();
}

inline judge::score_status status_from(std::string_view s, const field_reader& in) {
  using judge::score_status;
  for (auto v : {score_status::ok, score_status::missing, score_status::out_of_range, score_status::off_scale, score_status::not_a_number,
                 score_status::unparsable, score_status::call_failed})
    if (judge::to_string(v) == s) return v;
  in.fail(fmt::format("unknown score status \"{}\"", s));
}

}  // namespace detail

/// `p` as JSON: what a reused evaluation needs (the items' outcomes and the counts), not the raw
/// calls, which the step log keeps.
template <criteria_set Set>
void write_json(json_writer& w, const judge::predictions<Set>& p) {
  w.begin_object().key("layout").value(p.layout).key("prompt").value(p.prompt).key("calls").value(std::uint64_t(p.calls))
      .key("repair_calls").value(std::uint64_t(p.repair_calls)).key("failed_items").value(std::uint64_t(p.failed_items)).key("items").begin_array();
  for (const auto& item : p.items) {
    w.begin_object().key("id").value(item.id).key("index").value(std::uint64_t(item.index)).key("scores").begin_array();
    for (const auto& s : item.scores) {
      w.begin_object().key("status").value(judge::to_string(s.status)).key("value");
      if (s.value) w.value(*s.value);
      else w.null();
      w.key("detail").value(s.detail).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
}

/// `s` as one JSON object.
template <criteria_set Set>
std::string to_json(const run_state<Set>& s) {
  json_writer w;
  w.begin_object().key("step").value(s.step).key("instructions");
  detail::write_instructions<Set>(w, s.instructions);
  w.key("output_format").value(s.output_format);
  detail::optional_number(w, "bar", s.bar);
  w.key("tested").value(s.tested).key("test_repeats").value(std::uint64_t(s.test_repeats)).key("test");
  if (s.test) write_json<Set>(w, *s.test);
  else w.null();
  w.key("history").begin_array();
  for (const auto& [instructions, score] : s.history) {
    w.begin_object().key("instructions");
    detail::write_instructions<Set>(w, instructions);
    w.key("score").value(score).end_object();
  }
  w.end_array();
  detail::optional_number(w, "batch_score", s.batch_score);
  w.key("frontier").begin_array();
  for (const auto& m : s.frontier) {
    w.begin_object().key("instructions");
    detail::write_instructions<Set>(w, m.instructions);
    w.key("output_format").value(m.output_format).key("step").value(m.step).key("values").begin_array();
    for (double v : m.values) w.value(v);
    w.end_array().end_object();
  }
  w.end_array();
  w.end_object();
  return std::move(w).str();
}

/// Reads a run state from `e` (what to_json wrote); `file` names it in errors.
template <criteria_set Set>
run_state<Set> state_from(simdjson::dom::element e, const std::string& file) {
  detail::field_reader in(file);
  run_state<Set> s;
  s.step = in.integer(in.at(e, "step"));
  s.instructions = in.instructions<Set>(in.at(e, "instructions"));
  s.output_format = in.boolean(in.at(e, "output_format"));
  s.bar = in.optional_number(in.at(e, "bar"));
  s.tested = in.text(in.at(e, "tested"));
  s.test_repeats = static_cast<std::uint32_t>(in.integer(in.at(e, "test_repeats")));
  if (auto t = in.at(e, "test"); !t.is_null()) {
    judge::predictions<Set> p;
    p.layout = in.text(in.at(t, "layout"));
    p.prompt = in.text(in.at(t, "prompt"));
    p.calls = static_cast<std::size_t>(in.integer(in.at(t, "calls")));
    p.repair_calls = static_cast<std::size_t>(in.integer(in.at(t, "repair_calls")));
    p.failed_items = static_cast<std::size_t>(in.integer(in.at(t, "failed_items")));
    for (auto item : in.array(in.at(t, "items"))) {
      judge::prediction<Set> x;
      x.id = in.text(in.at(item, "id"));
      x.index = static_cast<std::size_t>(in.integer(in.at(item, "index")));
      auto scores = in.array(in.at(item, "scores"));
      if (scores.size() != Set::size) in.fail(fmt::format("an item has {} scores, not {}", scores.size(), Set::size));
      std::size_t c = 0;
      for (auto sc : scores) {
        auto& o = x.scores[c++];
        o.status = detail::status_from(in.text(in.at(sc, "status")), in);
        if (auto v = in.at(sc, "value"); !v.is_null()) o.value = in.number(v);
        o.detail = in.text(in.at(sc, "detail"));
      }
      p.items.push_back(std::move(x));
    }
    s.test = std::move(p);
  }
  for (auto h : in.array(in.at(e, "history"))) s.history.emplace_back(in.instructions<Set>(in.at(h, "instructions")), in.number(in.at(h, "score")));
  s.batch_score = in.optional_number(in.at(e, "batch_score"));
  simdjson::dom::element frontier;
  if (!e["frontier"].get(frontier))  // absent in the states of older versions
    for (auto m : in.array(frontier)) {
      pareto::member<Set> x;
      x.instructions = in.instructions<Set>(in.at(m, "instructions"));
      x.output_format = in.boolean(in.at(m, "output_format"));
      x.step = in.integer(in.at(m, "step"));
      for (auto v : in.array(in.at(m, "values"))) x.values.push_back(in.number(v));
      if (x.values.size() != Set::size) in.fail(fmt::format("a frontier member has {} values, not {}", x.values.size(), Set::size));
      s.frontier.push_back(std::move(x));
    }
  return s;
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
