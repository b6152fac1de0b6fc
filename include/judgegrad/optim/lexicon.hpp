/// @file
/// A cheap lexical proxy for gradient specificity, beside the evaluator's rating: the share of a
/// text's criterion words that belong to the target criterion. Each criterion's words are its name
/// and the words of five letters or more of its definition (common words aside), compared by their
/// first six letters; a word that two criteria share belongs to neither. The proxy is 1 + 9 * share,
/// on the evaluator's 1-10 scale, and undefined (NaN) for a text that names no criterion's word.
/// It knows only what the criteria say of themselves, not the simulator's hidden rubric.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/text.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace ratings {

/// Criterion words: the stems of each criterion, and which criterion owns each stem.
class lexicon {
 public:
  /// From the criteria's names and definitions, in the same order.
  lexicon(std::span<const std::string_view> names, std::span<const std::string_view> definitions) : criteria_(names.size()) {
    std::map<std::string, std::vector<std::size_t>> owners;
    for (std::size_t c = 0; c < names.size(); ++c) {
      std::vector<std::string> mine{stem(names[c])};
      if (c < definitions.size())
        for_each_word(definitions[c], [&](std::string_view w) {
          if (w.size() >= 5 && !common(w)) mine.push_back(stem(w));
        });
      std::sort(mine.begin(), mine.end());
      mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
      for (auto& s : mine) owners[s].push_back(c);
    }
    for (auto& [s, who] : owners)
      if (who.size() == 1) owner_.emplace(s, who.front());
  }
  /// For a criteria set: `lexicon::of<Set>()`.
  template <class Set>
  static lexicon of() {
    std::array<std::string_view, Set::size> defs{};
    std::size_t i = 0;
    Set::for_each([&](auto t) { defs[i++] = decltype(t)::type::definition; });
    return lexicon(std::span<const std::string_view>(Set::names), std::span<const std::string_view>(defs));
  }

  /// The proxy for `text` and the criterion at `target`: 1 + 9 * (target's words / all criteria's words).
  double specificity(std::size_t target, std::string_view text) const {
    std::size_t own = 0, all = 0;
    for_each_word(text, [&](std::string_view w) {
      auto it = owner_.find(stem(w));
      if (it == owner_.end()) return;
      ++all;
      own += it->second == target;
    });
    if (all == 0) return std::numeric_limits<double>::quiet_NaN();
    return 1.0 + 9.0 * static_cast<double>(own) / static_cast<double>(all);
  }
  /// The stems that count for criterion `c`.
  std::vector<std::string> words_of(std::size_t c) const {
    std::vector<std::string> out;
    for (const auto& [s, who] : owner_)
      if (who == c) out.push_back(s);
    return out;
  }
  std::size_t size() const { return criteria_; }

 private:
  static std::string stem(std::string_view w) { return text::to_lower(w.substr(0, std::min<std::size_t>(w.size(), 6))); }
  template <class F>
  static void for_each_word(std::string_view s, F&& f) {
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && !std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      std::size_t start = i;
      while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      if (i > start) f(s.substr(start, i - start));
    }
  }
  static bool common(std::string_view w) {
    static constexpr std::array<std::string_view, 24> words{"about", "after", "other", "their", "there", "these", "those", "which",
                                                           "while", "where", "whether", "every", "rather", "together", "previous",
                                                           "matter", "within", "without", "being", "would", "could", "should",
                                                           "summary", "source"};
    auto lower = text::to_lower(w);
    return std::find(words.begin(), words.end(), lower) != words.end();
  }

  std::size_t criteria_ = 0;
  std::map<std::string, std::size_t> owner_;
};

}  // namespace ratings
JUDGEGRAD_END_NAMESPACE
