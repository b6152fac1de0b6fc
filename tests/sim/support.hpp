// Helpers for the simulator's tests: the SummEval paper split (data loaders), judge prompts rendered
// by the judge code (the prompt contract), its reply parser, and Spearman from stats.
#pragma once

#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/judge/parse.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/judge/render.hpp>
#include <judgegrad/optim/prompts/evaluator.hpp>
#include <judgegrad/optim/prompts/gradient.hpp>
#include <judgegrad/optim/prompts/loss.hpp>
#include <judgegrad/optim/prompts/opro.hpp>
#include <judgegrad/optim/prompts/resolve.hpp>
#include <judgegrad/optim/prompts/update.hpp>
#include <judgegrad/sim.hpp>
#include <judgegrad/stats/correlation.hpp>

#include <simdjson.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace simtest {

namespace jg = judgegrad;
using summeval = jg::summeval::all;

inline std::filesystem::path data_dir() { return jg::data::data_directory(std::nullopt, JUDGEGRAD_TEST_DATA); }

inline const jg::data::train_test<summeval>& paper() {
  static const auto d = jg::data::summeval_paper<summeval>(data_dir());
  return d;
}
inline const jg::dataset<summeval>& paper_test() { return paper().test; }
inline const jg::dataset<summeval>& paper_train() { return paper().train; }

using named_text = jg::protocol::named_text;
using score_line = jg::protocol::score_line;
using scored_set = jg::protocol::scored_set;
using instructions = std::vector<named_text>;

// The optimizer's role prompts (optim/prompts/, standard style), in the shapes these tests use.
inline std::string loss_prompt(const std::vector<score_line>& lines) { return jg::prompts::loss(jg::prompt_style::standard, lines); }
/// A gradient prompt with one critique text (as a separate call shows it).
inline std::string gradient_prompt(const instructions& instr, const std::vector<named_text>& sample, std::string_view judged,
                                   std::string_view critique) {
  std::vector<jg::protocol::group> groups{{{}, {std::string(critique)}}};
  jg::prompts::gradient_input in{"(the judge prompt)", sample, judged, groups, instr, false};
  return jg::prompts::gradient(jg::prompt_style::standard, in);
}
/// An update prompt; `feedback` named by criterion becomes one group per criterion, a single
/// unnamed text one unlabelled group.
inline std::string optimizer_prompt(const instructions& instr, std::string_view, const std::vector<named_text>& feedback) {
  std::vector<jg::protocol::group> groups;
  for (const auto& f : feedback) groups.push_back({f.name, {f.text}});
  jg::prompts::update_input in{instr, "(the judge prompt)", {}, groups, 0};
  return jg::prompts::update(jg::prompt_style::standard, in);
}
/// The OPRO meta-prompt over `past`, worst first.
inline std::string opro_prompt(std::vector<scored_set> past) {
  std::stable_sort(past.begin(), past.end(), [](const auto& a, const auto& b) { return a.score < b.score; });
  return jg::prompts::opro(jg::prompt_style::standard, past);
}
inline std::string specificity_prompt(std::string_view target, std::string_view gradient) {
  return jg::prompts::specificity(jg::prompt_style::standard, target, gradient);
}
inline std::string adherence_prompt(std::string_view target, std::string_view old_i, std::string_view new_i, std::string_view gradient) {
  return jg::prompts::adherence(jg::prompt_style::standard, target, old_i, new_i, gradient);
}

inline instructions seed_instructions() {
  instructions out;
  for (auto n : summeval::names) out.push_back({std::string(n), "Rate from 1 to 5."});
  return out;
}

/// The judge prompt for `e` rendered by the judge code: joint when `instr` names every criterion,
/// else the named criteria only (one: the per-criterion layout).
inline std::string judge_prompt(const instructions& instr, const jg::example<summeval>& e) {
  auto p = jg::judge::summeval_prompt<summeval>();
  std::vector<std::size_t> shown;
  for (const auto& i : instr) {
    p = p.with_instruction(i.name, i.text);
    shown.push_back(summeval::index_of(i.name));
  }
  return jg::judge::render(p, e, std::span<const std::size_t>(shown));
}

inline jg::llm::request request(jg::llm::role role, std::string prompt, std::uint32_t repeat = 0) {
  jg::llm::request r;
  r.model = "sim";
  r.role = role;
  r.repeat = repeat;
  r.messages.push_back({"user", std::move(prompt)});
  return r;
}

/// The scores of a judge reply read naively (first '{' to last '}', any number kept), to see the
/// faults the simulator injects before a parser repairs them.
inline std::vector<std::pair<std::string, double>> read_scores(std::string_view reply) {
  std::vector<std::pair<std::string, double>> out;
  auto a = reply.find('{'), b = reply.rfind('}');
  if (a == std::string_view::npos || b == std::string_view::npos || b < a) return out;
  simdjson::dom::parser parser;
  simdjson::padded_string s(reply.substr(a, b - a + 1));
  simdjson::dom::object o;
  if (parser.parse(s).get(o)) return out;
  for (auto [k, v] : o) {
    double d;
    if (!v.get(d)) out.push_back({std::string(k), d});
  }
  return out;
}

}  // namespace simtest
