/// @file
/// The simulated LLM world: knows the gold labels of a data set and the hidden rubric facets of its
/// criteria, recognises each role's prompt (sim/protocol.hpp, the judge prompt contract) and answers
/// deterministically in (seed, request content, repeat index). Models llm::chat_backend.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/example.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/llm/types.hpp>
#include <judgegrad/sim/params.hpp>
#include <judgegrad/sim/protocol.hpp>
#include <judgegrad/sim/random.hpp>
#include <judgegrad/sim/rubric.hpp>
#include <judgegrad/sim/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
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

/// The simulated world. Immutable after construction and loading, so one world may answer
/// concurrent requests from many threads.
class world {
 public:
  /// A world over these criteria, with no known examples yet. A criterion given without facets
  /// gets facets derived from its definition.
  explicit world(std::vector<criterion_model> criteria, params knobs = preset("paper"))
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

  /// A world over the criteria of `Set` (built-in facets where known) that knows every example of
  /// each data set given.
  template <criteria_set Set, class... More>
  static world of(params knobs, const dataset<Set>& first, const More&... more) {
    std::vector<criterion_model> models;
    Set::for_each([&](auto c) { models.push_back(model_of<typename decltype(c)::type>()); });
    world w(std::move(models), std::move(knobs));
    w.add(first);
    (w.add(more), ...);
    return w;
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
  // The backend interface.

  /// Answers every request, in order (llm::chat_backend). Never fails: a request the simulator
  /// cannot place still gets a reply saying so.
  std::vector<llm::result> complete(std::span<const llm::request> batch) const {
    std::vector<llm::result> out;
    out.reserve(batch.size());
    for (const auto& r : batch) out.emplace_back(respond(r));
    return out;
  }

  /// The reply to one request.
  llm::response respond(const llm::request& request) const {
    std::string prompt = prompt_of(request);
    auto sections = split_sections(prompt);
    llm::role role = request.role;
    if (role == llm::role::other)
      if (auto r = infer_role(sections)) role = *r;
    std::uint64_t digest = request_digest(request);
    std::string content;
    switch (role) {
      case llm::role::judge: content = judge_reply(sections, digest, request.format.type != llm::response_format::kind::text); break;
      case llm::role::loss: content = loss_reply(sections, digest); break;
      case llm::role::gradient: content = gradient_reply(sections, digest); break;
      case llm::role::optimizer:
        content = find_section(sections, titles::past_instructions) ? opro_reply(sections, digest)
                                                                     : optimizer_reply(sections, digest, request.format.type);
        break;
      case llm::role::evaluator: content = evaluator_reply(sections, digest); break;
      case llm::role::other:
        content =
            "This is the judgegrad simulator (simulated, not a language model). It plays the judge, loss, "
            "gradient, optimizer and evaluator roles of judgegrad's prompts (docs/simulator.md); this request "
            "matched none of them.";
        break;
    }
    llm::response r;
    r.finish_reason = "stop";
    r.usage.prompt_tokens = llm::estimate_prompt_tokens(request);
    if (request.max_tokens && *request.max_tokens >= 0 &&
        llm::estimate_tokens(content) > static_cast<std::uint64_t>(*request.max_tokens)) {
      content = cut_utf8(content, static_cast<std::size_t>(*request.max_tokens) * 4);
      r.finish_reason = "length";
    }
    r.usage.completion_tokens = llm::estimate_tokens(content);
    r.content = std::move(content);
    r.model = "simulated:" + (request.model.empty() ? params_.model : request.model);
    return r;
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection, for tests, diagnostics and documentation.

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

 private:
  struct known {
    std::string id;
    std::vector<std::string> inputs;
    std::vector<std::optional<double>> gold;
    std::uint64_t key = 0;
  };

  // Salts that keep the random streams of different purposes apart.
  enum salt : std::uint64_t {
    salt_opinion = 1, salt_sampling, salt_format, salt_loss, salt_gradient, salt_optimizer, salt_opro, salt_rater,
    salt_unknown
  };

  static std::string prompt_of(const llm::request& request) {
    std::string out;
    for (const auto& m : request.messages) {
      if (m.role == "assistant") continue;
      if (!out.empty()) out += "\n\n";
      out += m.content;
    }
    return out;
  }

  std::uint64_t request_digest(const llm::request& request) const {
    std::uint64_t h = fnv1a64("judgegrad-sim-v1");
    for (const auto& m : request.messages) {
      h = fnv1a64(m.role, h);
      h = fnv1a64(std::string_view("\x1f", 1), h);
      h = fnv1a64(m.content, h);
      h = fnv1a64(std::string_view("\x1e", 1), h);
    }
    return combine({params_.seed, h, request.seed.value_or(0), request.seed ? 1u : 0u, request.repeat,
                    static_cast<std::uint64_t>(request.format.type)});
  }

  static std::string cut_utf8(const std::string& s, std::size_t n) {
    if (n >= s.size()) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
  }

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

  // The known example a Sample section holds. Fast path: the section split at label lines
  // ("Label: text"), each piece looked up by hash; slow path (a text containing a line that looks
  // like a label): every known example whose inputs all occur in the section.
  std::optional<std::uint32_t> find_example(std::string_view body) const {
    std::vector<std::uint64_t> pieces;
    {
      std::size_t pos = 0, start = std::string_view::npos;
      auto close = [&](std::size_t end) {
        if (start != std::string_view::npos) pieces.push_back(fnv1a64(trim(body.substr(start, end - start))));
      };
      while (pos < body.size()) {
        std::size_t eol = body.find('\n', pos);
        if (eol == std::string_view::npos) eol = body.size();
        std::string_view line = body.substr(pos, eol - pos);
        std::size_t colon = line.find(": ");
        bool label = colon != std::string_view::npos && colon > 0 && colon <= 40;
        for (std::size_t i = 0; label && i < colon; ++i) {
          char c = line[i];
          label = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
                  c == '-' || c == '(' || c == ')';
        }
        if (label) {
          close(pos);
          start = pos + colon + 2;
        }
        pos = eol + 1;
      }
      close(body.size());
    }
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

  // ---------------------------------------------------------------------------------------------
  // judge

  std::string judge_reply(const std::vector<section>& sections, std::uint64_t digest, bool json_mode) const {
    const section* instr = find_section(sections, titles::instructions);
    const section* defs = find_section(sections, titles::criteria);
    const section* sample = find_section(sections, titles::sample);
    const section* format = find_section(sections, titles::output_format);
    std::vector<std::string_view> names(names_.begin(), names_.end());
    auto entries = instr ? split_entries(instr->body, names) : std::vector<entry>{};
    auto definitions = defs ? split_entries(defs->body, names) : std::vector<entry>{};

    // The criteria asked for: the keys of the output format in their order, else the entries.
    std::vector<std::size_t> asked;
    if (format) {
      std::vector<std::pair<std::size_t, std::size_t>> found;
      for (std::size_t k = 0; k < criteria_.size(); ++k)
        if (auto at = format->body.find("\"" + criteria_[k].name + "\""); at != std::string_view::npos) found.push_back({at, k});
      std::sort(found.begin(), found.end());
      for (auto [at, k] : found) asked.push_back(k);
    }
    if (asked.empty())
      for (const auto& e : entries) asked.push_back(index_of(e.name));

    const known* ex = nullptr;  // a pointer, not an optional index: GCC 12 misreads the latter
    if (sample)
      if (auto i = find_example(sample->body)) ex = &examples_[*i];
    std::uint64_t example_key = ex ? ex->key : combine({salt_unknown, fnv1a64(sample ? trim(sample->body) : "")});

    // Lengths of the instructions, for the imbalance of a joint prompt.
    double total_tokens = 0;
    for (const auto& e : entries) total_tokens += static_cast<double>(llm::estimate_tokens(e.text));
    double k_count = static_cast<double>(entries.size());
    const auto& jk = params_.judge;

    std::vector<std::pair<std::size_t, double>> scores;
    rng sampling(combine({digest, salt_sampling}));
    for (std::size_t c : asked) {
      const auto& model = criteria_[c];
      std::string_view text = entry_text(entries, model.name).value_or("");
      std::string_view definition = entry_text(definitions, model.name).value_or("");
      std::string seen = std::string(text) + "\n" + std::string(definition);
      instruction_reading own = read_instruction(c, seen);
      instruction_reading in_text = read_instruction(c, text);
      double imbalance = 0;
      if (entries.size() > 1 && total_tokens > 0) {
        double share = static_cast<double>(llm::estimate_tokens(text)) / total_tokens;
        imbalance = std::max(0.0, 1.0 - k_count * share) * std::min(1.0, total_tokens / jk.long_prompt_tokens);
      }
      double q = own.coverage();
      double clarity = 1.0 - jk.coverage_gain * q;
      double interference = 1.0 + jk.foreign_facet_penalty * static_cast<double>(in_text.foreign_facets) + jk.length_penalty * imbalance;
      double sd = base_noise(c) * model.scale.span() * clarity * interference;
      double lapse = std::min(0.95, jk.lapse * clarity * interference);
      double gold;
      if (ex && ex->gold[c]) gold = *ex->gold[c];
      else {
        rng u(combine({params_.seed, example_key, fnv1a64(model.name), salt_unknown}));
        gold = model.scale.value(u.below(model.scale.levels()));
      }
      // The model's fixed opinion of this example (the same in every prompt) and this request's
      // sampling, mixed by persistent_share; both decide the lapse and draw the error.
      rng opinion(combine({params_.seed, example_key, fnv1a64(model.name), salt_opinion}));
      double u_lapse = opinion.chance(jk.persistent_share) ? opinion.uniform() : sampling.uniform();
      double latent;
      if (u_lapse < lapse) {
        latent = stock_answer(c, opinion.chance(jk.persistent_share) ? opinion : sampling);
      } else {
        double z = std::sqrt(jk.persistent_share) * opinion.normal() + std::sqrt(1.0 - jk.persistent_share) * sampling.normal();
        latent = gold + jk.leniency * model.scale.span() * (1.0 - q) + sd * z;
      }
      double steps = std::floor((latent - model.scale.min) / model.scale.step + 0.5);
      steps = std::clamp(steps, 0.0, static_cast<double>(model.scale.levels() - 1));
      scores.push_back({c, model.scale.value(static_cast<std::size_t>(steps))});
    }

    // Format faults: fence, preamble (free-text replies only), missing key, out of range.
    rng faults(combine({digest, salt_format}));
    int fault = -1;
    if (faults.chance(jk.format_fault_rate)) {
      int first = json_mode ? 2 : 0;
      fault = first + static_cast<int>(faults.below(static_cast<std::uint64_t>(4 - first)));
    }
    if (fault == 2 && !scores.empty()) scores.erase(scores.begin() + static_cast<std::ptrdiff_t>(faults.below(scores.size())));
    if (fault == 3 && !scores.empty()) {
      auto& [c, v] = scores[faults.below(scores.size())];
      const auto& s = criteria_[c].scale;
      v = faults.chance(0.5) ? s.max + s.step : s.min - s.step;
    }
    std::string json = "{";
    for (std::size_t i = 0; i < scores.size(); ++i)
      json += fmt::format("{}\"{}\": {}", i ? ", " : "", criteria_[scores[i].first].name, format_score(scores[i].second));
    json += "}";
    if (fault == 0) return "```json\n" + json + "\n```";
    if (fault == 1) return "Here are my scores for this sample:\n" + json;
    return json;
  }

  // ---------------------------------------------------------------------------------------------
  // loss

  struct miss {
    std::optional<double> predicted;
    std::optional<double> human;
  };

  // "predicted 4, human 5" / "predicted none, human 5".
  static miss read_score_line(std::string_view text) {
    miss m;
    auto number_after = [&](std::string_view word) -> std::optional<double> {
      auto at = text.find(word);
      if (at == std::string_view::npos) return std::nullopt;
      std::string rest(trim(text.substr(at + word.size())));
      char* end = nullptr;
      double v = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) return std::nullopt;
      return v;
    };
    m.predicted = number_after("predicted ");
    m.human = number_after("human ");
    return m;
  }

  std::string loss_reply(const std::vector<section>& sections, std::uint64_t digest) const {
    const section* scores = find_section(sections, titles::scores);
    if (!scores) return "There are no scores to review.";
    rng r(combine({digest, salt_loss}));
    std::string out;
    for (const auto& e : split_entries(scores->body)) {
      miss m = read_score_line(e.text);
      std::size_t c = index_of(e.name);
      double step = c == proposal::npos ? 1.0 : criteria_[c].scale.step;
      std::string human = m.human ? format_score(*m.human) : "unknown";
      std::string line;
      if (!m.predicted) {
        line = fmt::format("The judge gave no score where the human score is {}: its answer could not be used, which "
                           "counts as a complete miss.", human);
      } else if (!m.human) {
        line = fmt::format("The judge scored {} but there is no human score to compare with.", format_score(*m.predicted));
      } else {
        double diff = *m.predicted - *m.human;
        double size = std::abs(diff) / step;
        if (size < 0.5) {
          static constexpr std::string_view keep[] = {"whatever led to it should be kept.",
                                                      "the judgement behind it should stay as it is.",
                                                      "nothing about this criterion needs to change for this sample."};
          line = fmt::format("The judge scored {} where the human score is {}: the score is correct, and {}",
                             format_score(*m.predicted), human, keep[r.below(3)]);
        } else {
          std::string_view how = size <= 1.0 ? "a small miss" : size <= 2.0 ? "a clear miss" : "a large miss";
          std::string_view way = diff > 0 ? "too high, so the judge was too lenient" : "too low, so the judge was too harsh";
          line = fmt::format("The judge scored {} where the human score is {}: {} by {} point{} ({}).",
                             format_score(*m.predicted), human, way, format_score(std::abs(diff)),
                             std::abs(diff) == 1.0 ? "" : "s", how);
        }
      }
      out += fmt::format("- {}: {}\n", e.name, line);
    }
    return out.empty() ? std::string("There are no scores to review.") : out;
  }

  // ---------------------------------------------------------------------------------------------
  // gradient

  // The size of the judge's miss on criterion c told by a critique: |predicted - human| in scale
  // widths, half the width when the judge gave nothing, nothing when the critique does not say.
  std::optional<double> read_miss(std::string_view critique, std::size_t c) const {
    const auto& s = criteria_[c].scale;
    std::vector<std::string_view> names(names_.begin(), names_.end());
    auto entries = split_entries(critique, names);
    std::string_view text = entry_text(entries, criteria_[c].name).value_or(entries.empty() ? critique : std::string_view{});
    auto at = text.find("where the human score is ");
    if (at == std::string_view::npos) return std::nullopt;
    if (text.find("gave no score") != std::string_view::npos) return 0.5;
    auto scored = text.rfind("scored ", at);
    if (scored == std::string_view::npos) return std::nullopt;
    std::string p(text.substr(scored + 7, at - scored - 7)), h(text.substr(at + 25, 16));
    char* end = nullptr;
    double pv = std::strtod(p.c_str(), &end);
    if (end == p.c_str()) return std::nullopt;
    double hv = std::strtod(h.c_str(), &end);
    if (end == h.c_str()) return std::nullopt;
    return std::abs(pv - hv) / s.span();
  }

  std::string gradient_reply(const std::vector<section>& sections, std::uint64_t digest) const {
    const section* instr = find_section(sections, titles::instructions);
    const section* crit = find_section(sections, titles::critique);
    std::vector<std::string_view> names(names_.begin(), names_.end());
    auto entries = instr ? split_entries(instr->body, names) : std::vector<entry>{};
    std::vector<std::size_t> covered;
    for (const auto& e : entries) covered.push_back(index_of(e.name));
    if (covered.empty())
      return "The prompt shows no instruction for a criterion I know, so there is nothing specific to improve.";
    const auto& gk = params_.gradient;
    rng r(combine({digest, salt_gradient}));
    std::size_t k = covered.size();

    // Paragraph 1: the misses, as the critique tells them.
    std::vector<double> weight;
    std::string first;
    for (std::size_t c : covered) {
      auto m = crit ? read_miss(crit->body, c) : std::nullopt;
      weight.push_back(m.value_or(0.25) + 0.1);
      const auto& name = criteria_[c].name;
      if (!m) first += fmt::format("For {} the critique gives no clear verdict. ", name);
      else if (*m == 0) first += fmt::format("For {} the judge matched the human score, so the current instruction works for this sample. ", name);
      else first += fmt::format("For {} the judge missed the human score by {:.0f}% of the scale. ", name, *m * 100);
    }

    // Paragraphs 2-3: a fixed budget of proposals shared by the K criteria of the call.
    double generic_p = std::min(0.95, gk.generic_base + gk.generic_per_extra * static_cast<double>(k - 1));
    double own_name_p = 1.0 / (1.0 + gk.misattribution * static_cast<double>(k - 1));
    std::vector<std::pair<std::size_t, std::size_t>> proposed;  // (owner, facet)
    std::vector<std::size_t> generic_used;
    std::string second, third;
    static constexpr std::string_view facet_templates[] = {
        "For {}, the instruction should tell the judge to look at {}.",
        "For {}, add a sentence asking the judge to weigh {}.",
        "For {}, the judge needs to be told about {}.",
    };
    auto pick_weighted = [&]() {
      double total = 0;
      for (double w : weight) total += w;
      double u = r.uniform() * total;
      for (std::size_t i = 0; i < weight.size(); ++i) {
        if (u < weight[i]) return i;
        u -= weight[i];
      }
      return weight.size() - 1;
    };
    auto generic = [&](std::size_t named) {
      std::vector<std::size_t> free;
      for (std::size_t g = 0; g < generic_advice_list.size(); ++g)
        if (std::find(generic_used.begin(), generic_used.end(), g) == generic_used.end()) free.push_back(g);
      if (free.empty()) return;
      std::size_t g = free[r.below(free.size())];
      generic_used.push_back(g);
      third += fmt::format("For {}, the instruction should also {}. ", criteria_[named].name, generic_advice_list[g].advice);
    };
    for (int slot = 0; slot < gk.budget; ++slot) {
      std::size_t t = pick_weighted();
      std::size_t target = covered[t];
      if (r.chance(generic_p)) {
        generic(target);
        continue;
      }
      // A facet of the target missing from its instruction; in a single-criterion call, sometimes
      // one of another criterion of the set (leak).
      std::size_t owner = target;
      if (k == 1 && criteria_.size() > 1 && r.chance(gk.leak_rate)) {
        owner = r.below(criteria_.size() - 1);
        if (owner >= target) ++owner;
      }
      std::string folded = to_lower(entry_text(entries, criteria_[target].name).value_or(""));
      std::vector<std::size_t> missing;
      for (std::size_t f = 0; f < criteria_[owner].facets.size(); ++f)
        if (!criteria_[owner].facets[f].stated_in(folded) &&
            std::find(proposed.begin(), proposed.end(), std::pair{owner, f}) == proposed.end())
          missing.push_back(f);
      if (missing.empty()) {
        generic(target);
        continue;
      }
      std::size_t f = missing[r.below(missing.size())];
      proposed.push_back({owner, f});
      std::size_t named = target;
      if (k > 1 && !r.chance(own_name_p)) {
        std::size_t o = r.below(k - 1);
        if (o >= t) ++o;
        named = covered[o];
      }
      second += fmt::format(fmt::runtime(facet_templates[r.below(3)]), criteria_[named].name, criteria_[owner].facets[f].phrase);
      second += ' ';
    }
    std::string out = std::string(trim(first)) + "\n\n";
    out += second.empty() ? std::string("The instructions already state what matters; the remaining errors look like noise.")
                          : std::string(trim(second));
    out += "\n\n";
    out += third.empty() ? std::string("Keep what already works and add these points in plain sentences.")
                         : std::string(trim(third)) + " Keep what already works.";
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // optimizer

  static std::string capitalised(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
  }

  std::string facet_rule(std::size_t owner, std::size_t f, rng& r) const {
    static constexpr std::string_view rules[] = {"Pay attention to {}.", "Check {}.", "Take into account {}."};
    return fmt::format(fmt::runtime(rules[r.below(3)]), criteria_[owner].facets[f].phrase);
  }

  std::string instructions_json(const std::vector<std::pair<std::size_t, std::string>>& result) const {
    json_writer w;
    w.begin_object().key("instructions").begin_object();
    for (const auto& [c, text] : result) w.key(criteria_[c].name).value(text);
    w.end_object().end_object();
    return std::move(w).str();
  }

  std::string optimizer_reply(const std::vector<section>& sections, std::uint64_t digest, llm::response_format::kind format) const {
    const section* instr = find_section(sections, titles::instructions);
    const section* fb = find_section(sections, titles::feedback);
    std::vector<std::string_view> names(names_.begin(), names_.end());
    auto entries = instr ? split_entries(instr->body, names) : std::vector<entry>{};
    if (entries.empty()) return "There is no instruction of a known criterion to rewrite.";
    bool single = entries.size() == 1;
    std::size_t only = single ? index_of(entries.front().name) : proposal::npos;

    // Proposals: per feedback entry (its name is the default criterion of its sentences), or the
    // whole feedback when it has no entries.
    std::vector<proposal> props;
    if (fb) {
      auto fe = split_entries(fb->body, names);
      auto take = [&](const std::vector<proposal>& ps) {
        for (const auto& p : ps)
          if (std::find(props.begin(), props.end(), p) == props.end()) props.push_back(p);
      };
      if (fe.empty()) take(read_proposals(fb->body, only));
      for (const auto& e : fe) take(read_proposals(e.text, index_of(e.name)));
    }
    const auto& ok = params_.optimizer;
    rng r(combine({digest, salt_optimizer}));
    std::vector<std::pair<std::size_t, std::string>> result;
    for (const auto& e : entries) {
      std::size_t c = index_of(e.name);
      std::string text(e.text);
      for (const auto& p : props) {
        bool mine = p.named == c || (p.named == proposal::npos && single);
        double chance = p.generic() ? ok.generic_adoption : ok.adherence;
        if (!mine) {
          if (!single || p.generic()) continue;
          chance *= ok.cross_adoption;
        }
        if (!r.chance(chance)) continue;
        std::string folded = to_lower(text);
        if (p.generic()) {
          if (has_cue(folded, generic_advice_list[p.facet].cue)) continue;
          text += " " + std::string(generic_advice_list[p.facet].rule);
        } else {
          if (criteria_[p.owner].facets[p.facet].stated_in(folded)) continue;
          text += " " + facet_rule(p.owner, p.facet, r);
        }
      }
      std::string cleaned(trim(text));
      if (cleaned.empty()) cleaned = fmt::format("Judge the {} of the text.", criteria_[c].name);  // never an empty reply
      result.push_back({c, std::move(cleaned)});
    }
    if (single && format == llm::response_format::kind::text) return result.front().second;
    return instructions_json(result);
  }

  // ---------------------------------------------------------------------------------------------
  // OPRO

  std::string opro_reply(const std::vector<section>& sections, std::uint64_t digest) const {
    const section* past = find_section(sections, titles::past_instructions);
    std::vector<std::string_view> names(names_.begin(), names_.end());
    struct candidate {
      double score;
      std::vector<entry> entries;
    };
    std::vector<candidate> sets;
    std::string_view body = past->body;
    std::size_t pos = 0;
    while (pos < body.size()) {
      std::size_t at = body.find("### ", pos);
      if (at == std::string_view::npos) break;
      std::size_t eol = body.find('\n', at);
      if (eol == std::string_view::npos) eol = body.size();
      std::string_view header = body.substr(at, eol - at);
      std::size_t next = body.find("\n### ", eol);
      if (next == std::string_view::npos) next = body.size();
      candidate cand{0, split_entries(body.substr(eol, next - eol), names)};
      if (auto s = header.find("score "); s != std::string_view::npos) {
        std::string num(header.substr(s + 6));
        cand.score = std::strtod(num.c_str(), nullptr);
      }
      sets.push_back(std::move(cand));
      pos = next;
    }
    if (sets.empty()) return instructions_json({});
    std::stable_sort(sets.begin(), sets.end(), [](const candidate& a, const candidate& b) { return a.score > b.score; });
    std::size_t parents = std::min<std::size_t>(sets.size(), static_cast<std::size_t>(params_.opro.parents));
    rng r(combine({digest, salt_opro}));
    std::vector<std::pair<std::size_t, std::string>> result;
    for (std::size_t c = 0; c < criteria_.size(); ++c) {
      std::optional<std::string> text;
      for (std::size_t p = 0; p < parents && !text; ++p)
        if (auto t = entry_text(sets[p].entries, criteria_[c].name)) text = std::string(*t);
      if (!text) continue;
      auto adopt = [&](std::size_t owner, std::size_t f) {
        if (!criteria_[owner].facets[f].stated_in(to_lower(*text))) *text += " " + facet_rule(owner, f, r);
      };
      for (std::size_t p = 1; p < parents; ++p) {
        auto t = entry_text(sets[p].entries, criteria_[c].name);
        if (!t) continue;
        std::string folded = to_lower(*t);
        for (std::size_t k = 0; k < criteria_.size(); ++k)
          for (std::size_t f = 0; f < criteria_[k].facets.size(); ++f)
            if (criteria_[k].facets[f].stated_in(folded) && r.chance(params_.optimizer.adherence)) adopt(k, f);
      }
      if (r.chance(params_.opro.explore)) adopt(c, r.below(criteria_[c].facets.size()));
      if (criteria_.size() > 1 && r.chance(params_.opro.confuse)) {
        std::size_t o = r.below(criteria_.size() - 1);
        if (o >= c) ++o;
        adopt(o, r.below(criteria_[o].facets.size()));
      }
      result.push_back({c, std::string(trim(*text))});
    }
    return instructions_json(result);
  }

  // ---------------------------------------------------------------------------------------------
  // evaluator

  std::string evaluator_reply(const std::vector<section>& sections, std::uint64_t digest) const {
    const section* target = find_section(sections, titles::target_criterion);
    const section* gradient = find_section(sections, titles::gradient);
    const section* old_i = find_section(sections, titles::previous_instruction);
    const section* new_i = find_section(sections, titles::new_instruction);
    std::string wanted = to_lower(trim(target ? target->body : std::string_view{}));
    while (!wanted.empty() && (wanted.back() == '.' || wanted.back() == ':')) wanted.pop_back();
    std::size_t t = proposal::npos;
    for (std::size_t k = 0; k < criteria_.size(); ++k)
      if (to_lower(criteria_[k].name) == wanted) t = k;
    if (t == proposal::npos || !gradient) return "1";
    const auto& ek = params_.evaluator;
    rng r(combine({digest, salt_rater}));
    double rating;
    if (new_i) {
      // Adherence: the share of the facets the gradient proposes for the target (not already in
      // the old instruction) that the new instruction states.
      std::string old_folded = to_lower(old_i ? old_i->body : std::string_view{});
      std::string new_folded = to_lower(new_i->body);
      std::size_t proposed = 0, adopted = 0;
      for (const auto& p : read_proposals(gradient->body, t)) {
        if (p.named != t || p.generic()) continue;
        const auto& f = criteria_[p.owner].facets[p.facet];
        if (f.stated_in(old_folded)) continue;
        ++proposed;
        if (f.stated_in(new_folded)) ++adopted;
      }
      double share = proposed == 0 ? 0.5 : static_cast<double>(adopted) / static_cast<double>(proposed);
      rating = ek.adherence_floor + (10.0 - ek.adherence_floor) * share;
    } else {
      // Specificity: the share of the gradient's facet mentions and generic advice that are facets
      // of the target.
      std::string folded = to_lower(gradient->body);
      std::size_t own = 0, all = 0;
      for (std::size_t k = 0; k < criteria_.size(); ++k)
        for (const auto& f : criteria_[k].facets)
          if (f.stated_in(folded)) ++all, own += (k == t);
      for (const auto& g : generic_advice_list)
        if (has_cue(folded, g.cue)) ++all;
      double share = all == 0 ? 0.0 : static_cast<double>(own) / static_cast<double>(all);
      rating = ek.specificity_floor + (10.0 - ek.specificity_floor) * share;
    }
    rating += ek.noise * r.normal();
    return fmt::format("{}", static_cast<int>(std::clamp(std::floor(rating + 0.5), 1.0, 10.0)));
  }

  std::vector<criterion_model> criteria_;
  std::vector<std::string> names_;
  params params_;
  std::vector<known> examples_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_key_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> by_text_;
};

static_assert(llm::chat_backend<world>);

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
