/// @file
/// Specificity-aware routing, the gradient stage of a routed decomposition (routed<Scorer,
/// Threshold>): after a combined gradient round, each criterion's share of the joint gradient is
/// rated (by the evaluator role or the lexical proxy), and a criterion rated below the threshold
/// gets a gradient call of its own.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/criteria.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/optim/lexicon.hpp>
#include <judgegrad/optim/prompts/evaluator.hpp>
#include <judgegrad/optim/rating.hpp>
#include <judgegrad/optim/record.hpp>
#include <judgegrad/optim/stages.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace stages {

/// How a routed gradient stage decides (routed<Scorer, Threshold>, as values).
struct routing {
  bool evaluator = false;  ///< rate with the evaluator role, else with the lexical proxy
  double threshold = 6;
  std::string_view scorer = "lexical";
};

/// Specificity-aware routing after a combined gradient round: rates each criterion's share of the
/// joint gradient of each example (`how`), and gives every criterion rated below the threshold, or
/// without a share, a separate gradient call for that example (one batch). Returns the gradients
/// per example with the routed criteria's shares replaced (`words`: the lexical proxy's criterion
/// words, unused when the evaluator rates) by their own gradients; the records keep
/// both (the joint text in the calls, its remaining criteria in `gradients`) and say per criterion
/// and example what was decided and why (`routing`).
template <class Merge, criteria_set Set, class Backend>
std::vector<pieces> route(recorder<Backend>& rec, const step_input<Set>& in, std::vector<pieces> gradients,
                          const std::vector<pieces>& critiques, const routing& how, const ratings::lexicon* words, step_record& record) {
  struct share {
    std::size_t example, criterion;
    std::string text;
  };
  std::vector<share> shares;
  for (std::size_t i = 0; i < gradients.size(); ++i)
    for (std::size_t c = 0; c < Set::size; ++c) {
      std::string text;
      for (const auto& p : gradients[i])
        if (std::find(p.criteria.begin(), p.criteria.end(), c) != p.criteria.end()) text += (text.empty() ? "" : "\n\n") + p.text;
      shares.push_back({i, c, std::move(text)});
    }
  std::vector<double> score(shares.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<std::string> why(shares.size());
  if (how.evaluator) {
    std::vector<llm::request> requests;
    std::vector<std::size_t> asked;
    std::vector<std::string_view> names(Set::names.begin(), Set::names.end());
    for (std::size_t k = 0; k < shares.size(); ++k) {
      if (shares[k].text.empty()) continue;
      auto name = Set::names[shares[k].criterion];
      llm::call_tag tag{in.step, "routing", std::string(name), in.ids[shares[k].example]};
      requests.push_back(detail::make_request(llm::role::evaluator, prompts::specificity(in.settings.style, name, shares[k].text, names),
                                              in.settings.evaluator, std::move(tag), false));
      asked.push_back(k);
    }
    if (!requests.empty()) {
      auto [results, first] = rec.send(requests, "the routing stage's ratings");
      for (std::size_t j = 0; j < asked.size(); ++j) {
        std::size_t k = asked[j];
        if (!results[j].ok()) {
          why[k] = "no rating: the evaluator's call failed";
          continue;
        }
        if (auto r = ratings::parse_rating(results[j].value().content)) score[k] = *r;
        else {
          why[k] = "no rating: the evaluator's reply held none";
          record.calls[first + j].outcome = "no rating";
        }
      }
    }
  } else {
    for (std::size_t k = 0; k < shares.size(); ++k) {
      if (shares[k].text.empty()) continue;
      score[k] = words ? words->specificity(shares[k].criterion, shares[k].text) : std::numeric_limits<double>::quiet_NaN();
      if (std::isnan(score[k])) why[k] = "no rating: the text names no criterion's words";
    }
  }
  std::vector<gradient_job> jobs;
  std::vector<std::vector<bool>> routed(gradients.size(), std::vector<bool>(Set::size, false));
  for (std::size_t k = 0; k < shares.size(); ++k) {
    const auto& x = shares[k];
    routing_record r{std::string(Set::names[x.criterion]), in.ids[x.example], std::string(how.scorer), score[k], how.threshold, false, {}};
    if (x.text.empty()) r.reason = "no share of the joint gradient";
    else if (std::isnan(score[k])) r.reason = why[k];
    else r.reason = fmt::format("{:.2g} {} {:g}", score[k], score[k] < how.threshold ? "<" : ">=", how.threshold);
    r.routed = x.text.empty() || std::isnan(score[k]) || score[k] < how.threshold;
    if (r.routed) {
      jobs.push_back({{x.criterion}, x.example});
      routed[x.example][x.criterion] = true;
    }
    record.routing.push_back(std::move(r));
  }
  if (jobs.empty()) return gradients;
  // The joint texts stand for the criteria that kept them; the records say so.
  for (std::size_t i = 0; i < gradients.size(); ++i) {
    auto& list = gradients[i];
    for (auto& p : list) std::erase_if(p.criteria, [&](std::size_t c) { return routed[i][c]; });
    std::erase_if(list, [](const merge::piece& p) { return p.criteria.empty(); });
  }
  std::vector<text_record> kept;
  for (auto& t : record.gradients) {
    std::size_t i = std::find(in.ids.begin(), in.ids.end(), t.example) - in.ids.begin();
    if (i >= gradients.size()) {
      kept.push_back(std::move(t));
      continue;
    }
    std::erase_if(t.criteria, [&](std::size_t c) { return routed[i][c]; });  // the criteria that kept it
    if (t.criteria.empty()) continue;
    kept.push_back(std::move(t));
  }
  record.gradients = std::move(kept);
  auto own = gradient_calls<Merge, Set>(rec, in, jobs, critiques, record);
  for (std::size_t i = 0; i < gradients.size(); ++i)
    for (auto& p : own[i]) gradients[i].push_back(std::move(p));
  return gradients;
}

}  // namespace stages
JUDGEGRAD_END_NAMESPACE
