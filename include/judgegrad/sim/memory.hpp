/// @file
/// What the simulated world knows: its criteria with their rubric facets, its knobs, and the examples
/// it was given (their gold labels), with the readings every role shares — recognising an example
/// inside a prompt, how an instruction reads for a criterion, which proposals a text states.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/protocol.hpp>
#include <judgegrad/sim/params.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/rubric.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

// The simulator reads prompts through judgegrad's prompt grammar (core/protocol.hpp).
using protocol::find_section;
using protocol::section;
using protocol::split_sections;
namespace titles = protocol::titles;

/// How an instruction reads to the simulated judge, for one criterion.
struct instruction_reading {
  std::size_t own_facets = 0;      ///< facets of the criterion it states
  std::size_t total_facets = 0;    ///< facets the criterion has
  std::size_t foreign_facets = 0;  ///< facets of other criteria it states
  double coverage() const { return total_facets == 0 ? 0.0 : static_cast<double>(own_facets) / static_cast<double>(total_facets); }
};

/// A proposal read from gradient text: a facet (or a piece of generic advice) under the criterion
/// the text names for it.
struct proposal {
  std::size_t named = npos;    ///< criterion the text puts it under; npos when none
  std::size_t owner = npos;    ///< criterion the facet belongs to; npos for generic advice
  std::size_t facet = 0;       ///< facet index within `owner`, or index into generic_advice_list
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  bool generic() const { return owner == npos; }
  friend bool operator==(const proposal&, const proposal&) = default;
};

/// The world's knowledge. Immutable after construction and loading, so it may be read from many
/// threads at once.
class memory {
 public:
  /// One known example: its id, trimmed input texts, gold score per criterion and content key.
  struct known {
    std::string id;
    std::vector<std::string> inputs;
    std::vector<std::optional<double>> gold;
    std::uint64_t key = 0;
  };


  /// Salts that keep the random streams of different purposes apart.
  enum salt : std::uint64_t {
    salt_opinion = 1, salt_sampling, salt_format, salt_loss, salt_gradient, salt_optimizer, salt_opro, salt_rater,
    salt_unknown, salt_resolver
  };

  /// A world over these criteria, with no known examples yet. A criterion given without facets
  /// gets facets derived from its definition.
  explicit memory(std::vector<criterion_model> criteria, params knobs = preset("paper"))
      : criteria_(std::move(criteria)), params_(std::move(knobs)) {
    if (criteria_.empty()) throw std::invalid_argument("judgegrad::sim::world: at least one criterion is needed");
    validate(params_);
    for (auto& c : criteria_) {
      if (c.facets.empty()) c.facets = derive_facets(c.name, c.definition);
      for (const auto& f : c.facets)
        if (f.cues.empty() || f.cues.front().empty())
          throw std::invalid_argument(fmt::format("judgegrad::sim::world: a facet of '{}' has no cue", c.name));
      names_.push_back(c.name);
    }
  }

  /// Learns the examples of `data` (criteria matched by name). An example whose inputs equal a
  /// known one's is skipped: the first one loaded wins.
  template <criteria_set Set>
  void add(const dataset<Set>& data) {
    for (const auto& e : data.examples) {
      std::vector<std::string> inputs;
      for (const auto& f : e.inputs) inputs.push_back(f.text);
      std::vector<std::optional<double>> gold(criteria_.size());
      std::size_t i = 0;
      Set::for_each([&](auto c) {
        auto at = index_of(decltype(c)::type::name);
        if (at != proposal::npos) gold[at] = e.gold[i];
        ++i;
      });
      add_example(e.id, inputs, std::move(gold));
    }
  }

  /// Learns one example: its id, input texts (in the data set's order) and gold score per
  /// criterion of the world (nothing where unknown).
  void add_example(std::string id, std::span<const std::string> inputs, std::vector<std::optional<double>> gold) {
    if (gold.size() != criteria_.size())
      throw std::invalid_argument(fmt::format("judgegrad::sim::world: example '{}' has {} gold scores for {} criteria", id,
                                              gold.size(), criteria_.size()));
    known k;
    k.id = std::move(id);
    k.gold = std::move(gold);
    k.key = 0x51ab1e;
    for (const auto& text : inputs) {
      auto t = trim(text);
      k.inputs.emplace_back(t);
      k.key = combine({k.key, fnv1a64(t)});
    }
    if (by_key_.count(k.key) != 0) return;
    std::uint32_t index = static_cast<std::uint32_t>(examples_.size());
    by_key_.emplace(k.key, index);
    for (const auto& t : k.inputs) by_text_[fnv1a64(t)].push_back(index);
    examples_.push_back(std::move(k));
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection, for the roles, tests, diagnostics and documentation.

  const params& parameters() const { return params_; }
  const std::vector<criterion_model>& criteria() const { return criteria_; }
  /// Number of distinct known examples.
  std::size_t size() const { return examples_.size(); }
  /// Index of the criterion called `name`, or proposal::npos.
  std::size_t index_of(std::string_view name) const {
    for (std::size_t i = 0; i < criteria_.size(); ++i)
      if (criteria_[i].name == name) return i;
    return proposal::npos;
  }

  /// How `text` reads as the instruction of criterion `c`.
  instruction_reading read_instruction(std::size_t c, std::string_view text) const {
    std::string folded = to_lower(text);
    instruction_reading r;
    r.total_facets = criteria_[c].facets.size();
    for (std::size_t k = 0; k < criteria_.size(); ++k)
      for (const auto& f : criteria_[k].facets)
        if (f.stated_in(folded)) (k == c ? r.own_facets : r.foreign_facets) += 1;
    return r;
  }

  /// The id of the known example whose inputs a Sample section holds, or nothing.
  std::optional<std::string> recognise(std::string_view sample_body) const {
    auto i = find_example(sample_body);
    if (!i) return std::nullopt;
    return examples_[*i].id;
  }

  /// Proposals stated in gradient text. A sentence's proposals go under the first criterion it
  /// names; a sentence naming none, under `default_criterion` (npos: none). Duplicates dropped.
  std::vector<proposal> read_proposals(std::string_view text, std::size_t default_criterion = proposal::npos) const {
    std::vector<proposal> out;
    for (auto sentence : sentences(text)) {
      std::string folded = to_lower(sentence);
      std::size_t named = default_criterion, first = std::string::npos;
      for (std::size_t k = 0; k < criteria_.size(); ++k) {
        std::size_t at = find_word(folded, to_lower(criteria_[k].name));
        if (at < first) first = at, named = k;
      }
      auto push = [&](proposal p) {
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
      };
      for (std::size_t k = 0; k < criteria_.size(); ++k)
        for (std::size_t f = 0; f < criteria_[k].facets.size(); ++f)
          if (criteria_[k].facets[f].stated_in(folded)) push({named, k, f});
      for (std::size_t g = 0; g < generic_advice_list.size(); ++g)
        if (has_cue(folded, generic_advice_list[g].cue)) push({named, proposal::npos, g});
    }
    return out;
  }

  /// Names of the criteria, in order.
  const std::vector<std::string>& names() const { return names_; }
  /// The distinct known examples, in loading order.
  const std::vector<known>& examples() const { return examples_; }

  // A stock answer for criterion c: the gold score of a random known example (the label
  // distribution of the data), or a random level when nothing is known.
  double stock_answer(std::size_t c, rng& r) const {
    if (!examples_.empty())
      for (int tries = 0; tries < 8; ++tries)
        if (const auto& g = examples_[r.below(examples_.size())].gold[c]) return *g;
    const auto& s = criteria_[c].scale;
    return s.value(r.below(s.levels()));
  }

  double base_noise(std::size_t c) const {
    auto it = params_.judge.noise_by_criterion.find(criteria_[c].name);
    return it != params_.judge.noise_by_criterion.end() ? it->second : params_.judge.noise;
  }

  static std::string format_score(double v) {
    if (v == std::floor(v) && std::abs(v) < 1e9) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
  }

  // The known example a Sample section holds. Fast path: the section's fields ("Label: text",
  // core/protocol.hpp), each text looked up by hash; slow path (a sample written some other way):
  // every known example whose inputs all occur in the section.
  std::optional<std::uint32_t> find_example(std::string_view body) const {
    std::vector<std::uint64_t> pieces;
    for (const auto& f : protocol::read_fields(body)) pieces.push_back(fnv1a64(trim(f.text)));
    std::optional<std::uint32_t> best;
    std::size_t best_hits = 0;
    for (auto h : pieces) {
      auto it = by_text_.find(h);
      if (it == by_text_.end()) continue;
      for (auto i : it->second) {
        std::size_t hits = 0;
        for (const auto& t : examples_[i].inputs)
          if (std::find(pieces.begin(), pieces.end(), fnv1a64(t)) != pieces.end()) ++hits;
        if (hits == examples_[i].inputs.size() && hits > best_hits) best = i, best_hits = hits;
      }
    }
    if (best) return best;
    for (std::uint32_t i = 0; i < examples_.size(); ++i) {
      bool all = !examples_[i].inputs.empty();
      for (const auto& t : examples_[i].inputs) all = all && body.find(t) != std::string_view::npos;
      if (all) return i;
    }
    return std::nullopt;
  }

  // A rule sentence stating facet f of criterion `owner` (the optimizer's and OPRO's wording).
  std::string facet_rule(std::size_t owner, std::size_t f, rng& r) const {
    static constexpr std::string_view rules[] = {"Pay attention to {}.", "Check {}.", "Take into account {}."};
    return fmt::format(fmt::runtime(rules[r.below(3)]), criteria_[owner].facets[f].phrase);
  }

  std::string instructions_json(const std::vector<std::pair<std::size_t, std::string>>& result) const {
    std::vector<protocol::named_text> named;
    for (const auto& [c, text] : result) named.push_back({criteria_[c].name, text});
    return protocol::write_instructions_json(named);
  }

  /// The names of the criteria as views, for the protocol's readers.
  std::vector<std::string_view> name_views() const { return {names_.begin(), names_.end()}; }

 private:
  std::vector<criterion_model> criteria_;
  std::vector<std::string> names_;
  params params_;
  std::vector<known> examples_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_key_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_text_;
};

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
