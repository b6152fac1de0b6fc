/// @file
/// What an experiment runs on, from its definition: the criteria set of its data set, the rows of
/// its split with the validation items its gates judge, its seed prompt, and the simulated world
/// that stands in for a model when no endpoint answers. Every program that runs a definition (the
/// judgegrad tool's run, diagnose and evaluate among them) takes them from here.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/criteria/brighter.hpp>
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/brighter.hpp>
#include <judgegrad/data/digest.hpp>
#include <judgegrad/data/error.hpp>
#include <judgegrad/data/split.hpp>
#include <judgegrad/data/summeval.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/judge/prompts.hpp>
#include <judgegrad/sim/world.hpp>

#include <boost/hana/type.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// The seed with which judgegrad draws an experiment's validation items from its training split.
inline constexpr std::uint32_t validation_seed = 42;

/// Calls `f(boost::hana::type_c<Set>)` with the criteria set of data set `dataset` ("summeval":
/// summeval::all, "brighter": brighter::all) and returns what it returns; a definition_error for
/// any other name.
template <class F>
decltype(auto) with_criteria_of(std::string_view dataset, F&& f) {
  if (dataset == "summeval") return std::forward<F>(f)(boost::hana::type_c<summeval::all>);
  if (dataset != "brighter") throw definition_error(fmt::format("no data set named '{}' (summeval or brighter)", dataset));
  return std::forward<F>(f)(boost::hana::type_c<brighter::all>);
}

/// An experiment's rows, and where its validation items come from, in words for its manifest.
template <criteria_set Set>
struct experiment_data {
  data::splits<Set> splits;
  std::string validation_from;
};

/// The rows definition `d` runs on, from data directory `dir`: its data set's split (`d.split`), and
/// the validation items its gates judge. judgegrad's own mode draws `d.validation` training rows
/// by source group (data::split_groups, validation_seed), so that no article's or text's summaries
/// sit on both sides, and trains on the rest; BRIGHTER's official split brings its dev split for
/// that. Faithful mode keeps the whole training split, as the reference drew its validation items
/// from it (optim::run_settings::validation_from_training). A data::load_error when a file is
/// missing or malformed, or when the training split cannot spare the validation items and a batch.
template <criteria_set Set>
experiment_data<Set> load_experiment_data(const definition& d, const std::filesystem::path& dir) {
  data::train_test<Set> tt;
  std::optional<dataset<Set>> dev;
  if constexpr (std::is_same_v<Set, summeval::all>) {
    tt = d.split == "docsplit" ? data::summeval_docsplit<Set>(dir) : data::summeval_paper<Set>(dir);
  } else {
    static_assert(std::is_same_v<Set, brighter::all>, "an experiment's data set is summeval or brighter");
    if (d.split == "official") {
      auto o = data::brighter_official<Set>(dir);
      tt = {std::move(o.train), std::move(o.test)};
      dev = std::move(o.dev);
    } else {
      tt = data::brighter_paper<Set>(dir);
    }
  }
  if (d.faithful)
    return {{std::move(tt.train), {}, std::move(tt.test)},
            fmt::format("{} rows of the training split (shuffled with seed 42), overlapping the batches, as the reference drew them", d.validation)};
  if (dev) return {{std::move(tt.train), std::move(*dev), std::move(tt.test)}, "the official dev split"};
  if (tt.train.size() <= d.validation + d.batch)
    throw data::load_error(dir.string(), 0, "",
                           fmt::format("the {} {} training split has {} rows: too few for {} validation items and batches of {}", d.dataset, d.split,
                                       tt.train.size(), d.validation, d.batch));
  double share = static_cast<double>(d.validation) / static_cast<double>(tt.train.size());
  auto s = data::split_groups(tt.train, {share, 0.0}, validation_seed);
  std::string from = fmt::format("{} training rows by source group (seed {}); the other {} train", s.validation.size(), validation_seed, s.train.size());
  return {{std::move(s.train), std::move(s.validation), std::move(tt.test)}, std::move(from)};
}

/// The digest of each split of `s` (data::digest): "train", "validation", "test".
template <criteria_set Set>
std::map<std::string, std::string> data_digests(const data::splits<Set>& s) {
  return {{"train", data::digest(s.train)}, {"validation", data::digest(s.validation)}, {"test", data::digest(s.test)}};
}

/// Records in manifest `m` the data an experiment begins with: `in`, read from data directory
/// `dir` (made absolute), its split sizes, how its validation items were drawn, the digest of
/// each split, and the criteria.
template <criteria_set Set>
void record_data(manifest& m, const experiment_data<Set>& in, const std::filesystem::path& dir) {
  m.data_directory = std::filesystem::absolute(dir);
  m.train = in.splits.train.size();
  m.validation = in.splits.validation.size();
  m.test = in.splits.test.size();
  m.validation_from = in.validation_from;
  m.data_digests = data_digests(in.splits);
  m.criteria.assign(Set::names.begin(), Set::names.end());
}

/// Checks that `in`, read from data directory `dir`, are the data manifest `m` recorded when its
/// experiment began: a data::load_error naming each split whose digest differs (or the sizes, for
/// a manifest without digests) and the directory the experiment used.
template <criteria_set Set>
void check_same_data(const manifest& m, const experiment_data<Set>& in, const std::filesystem::path& dir) {
  const auto& data = in.splits;
  if (!m.data_digests.empty()) {
    std::string parts;
    for (const auto& [part, digest] : data_digests(data)) {
      auto began = m.data_digests.find(part);
      const std::string before = began == m.data_digests.end() ? std::string() : began->second;
      if (before != digest) parts += fmt::format("{}{} (digest {}, began with {})", parts.empty() ? "" : ", ", part, digest, before);
    }
    if (!parts.empty())
      throw data::load_error(dir.string(), 0, "",
                             fmt::format("these data differ from those the experiment began with: {}; pass --data with the directory it used ({})",
                                         parts, m.data_directory.string()));
  }
  if (data.train.size() != m.train || data.validation.size() != m.validation || data.test.size() != m.test)
    throw data::load_error(dir.string(), 0, "",
                           fmt::format("these data ({} train / {} validation / {} test) differ from those the experiment began with "
                                       "({} / {} / {}); pass --data with the directory it used ({})",
                                       data.train.size(), data.validation.size(), data.test.size(), m.train, m.validation, m.test,
                                       m.data_directory.string()));
}

/// The prompt definition `d`'s runs start from: its data set's standard judge prompt, in the
/// reference's words in faithful mode.
template <criteria_set Set>
judge_prompt<Set> seed_prompt(const definition& d) {
  auto style = d.faithful ? prompt_style::faithful : prompt_style::standard;
  if constexpr (std::is_same_v<Set, summeval::all>) return judge::summeval_prompt<Set>(style);
  else return judge::brighter_prompt<Set>(style);
}

/// The simulator's knobs a run directory's manifest records: those of its knob file when one set
/// them, else its preset's. A sim::config_error names the manifest's knob that is wrong.
inline sim::params simulator_params(const manifest& m) {
  if (m.simulator_knobs.empty()) return sim::preset(m.simulator_preset);
  return sim::from_json(m.simulator_knobs, "experiment.json (backend.simulator_knobs)", m.simulator_preset);
}

/// The simulated world of data set `dataset` ("summeval" or "brighter") under parameters `p`. It
/// learns the split `first_split` first, so that items in several files carry that split's labels,
/// then every other split of the data set that `dir` holds (SummEval's docsplit and BRIGHTER's
/// official files are optional). A data::load_error when a file is missing or malformed.
inline sim::world simulated_world(std::string_view dataset, const std::filesystem::path& dir, const sim::params& p,
                                  std::string_view first_split = "paper") {
  namespace fs = std::filesystem;
  return with_criteria_of(dataset, [&](auto set) {
    using Set = typename decltype(set)::type;
    std::error_code ec;
    if constexpr (std::is_same_v<Set, summeval::all>) {
      auto paper = data::summeval_paper<Set>(dir);
      if (first_split == "docsplit") {
        auto docsplit = data::summeval_docsplit<Set>(dir);
        return sim::world::of(p, docsplit.test, docsplit.train, paper.test, paper.train);
      }
      if (!fs::exists(data::data_directory(dir) / "summeval" / "docsplit-test.jsonl", ec)) return sim::world::of(p, paper.test, paper.train);
      auto docsplit = data::summeval_docsplit<Set>(dir);
      return sim::world::of(p, paper.test, paper.train, docsplit.test, docsplit.train);
    } else {
      auto paper = data::brighter_paper<Set>(dir);
      if (!fs::exists(data::data_directory(dir) / "brighter" / "eng-test.csv", ec)) return sim::world::of(p, paper.test, paper.train);
      auto official = data::brighter_official<Set>(dir);
      if (first_split == "official") return sim::world::of(p, official.test, official.train, official.dev, paper.test, paper.train);
      return sim::world::of(p, paper.test, paper.train, official.test, official.train, official.dev);
    }
  });
}

}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
