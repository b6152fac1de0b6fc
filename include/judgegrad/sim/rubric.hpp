/// @file
/// Hidden rubric facets: per criterion, the key ideas a good instruction states, each with the cues
/// (lower-case word-start stems) by which the simulator recognises it in any text. Real facets for
/// the SummEval and BRIGHTER criteria; facets derived from the definition for any other criterion.
#pragma once

#include <judgegrad/config.hpp>
#include <judgegrad/core/score_scale.hpp>
#include <judgegrad/sim/text.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace sim {

/// One key idea of a criterion: the phrase a simulated gradient or optimizer writes, and the cues
/// that reveal it in a text (the phrase always contains one of its cues).
struct facet {
  std::string phrase;
  std::vector<std::string> cues;

  /// Whether the case-folded `folded` text states this facet.
  bool stated_in(std::string_view folded) const {
    return std::any_of(cues.begin(), cues.end(), [&](const std::string& c) { return has_cue(folded, c); });
  }
};

/// What the simulator knows about one criterion: its name, definition, scale and hidden facets.
struct criterion_model {
  std::string name;
  std::string definition;
  score_scale scale;
  std::vector<facet> facets;
};

/// A piece of advice that fits any criterion ("anchor each score level"): the generic share of a
/// diluted gradient. `advice` completes "the instruction should ..."; `rule` is the sentence an
/// optimizer adds; `cue` recognises either.
struct generic_advice {
  std::string_view advice;
  std::string_view rule;
  std::string_view cue;
};

/// The generic advice the simulated gradient draws from, the same for every data set.
inline constexpr std::array<generic_advice, 8> generic_advice_list{{
    {"anchor each score level with a short description", "Anchor each score level with a short description.", "score level"},
    {"include a worked example for each score", "Think of a worked example for each score.", "worked example"},
    {"ask the judge to reason step by step before answering", "Reason step by step before answering.", "step by step"},
    {"ask for the full range of the scale instead of the top score by default", "Use the full range of the scale.", "full range"},
    {"be more specific about what to look for", "Be more specific about what you look for.", "more specific"},
    {"state the scale explicitly at the start", "State the scale explicitly: the lowest score is the worst.", "scale explicitly"},
    {"stay short and clear", "Keep the judgement short and clear.", "short and clear"},
    {"calibrate against typical cases", "Calibrate against typical cases.", "typical cases"},
}};

namespace detail {
inline facet make_facet(std::string_view phrase, std::initializer_list<std::string_view> cues) {
  facet f{std::string(phrase), {}};
  for (auto c : cues) f.cues.emplace_back(c);
  return f;
}

// Words too common to be the key idea of a derived facet.
inline bool is_stopword(std::string_view w) {
  static constexpr std::array<std::string_view, 42> words{
      "about", "above", "after", "again", "against", "being", "below", "between", "could", "doing",
      "during", "every", "other", "should", "their", "there", "these", "those", "through", "under",
      "until", "where", "which", "while", "would", "whether", "score", "scores", "rated", "rating",
      "judge", "criterion", "something", "someone", "things", "thing", "whole", "without", "within", "means",
      "toward", "towards"};
  return std::find(words.begin(), words.end(), w) != words.end();
}
}  // namespace detail

/// The built-in facets of a criterion called `name` (SummEval: fluency, coherence, consistency,
/// relevance; BRIGHTER: anger, fear, joy, sadness, surprise), or an empty list.
inline std::vector<facet> builtin_facets(std::string_view name) {
  using detail::make_facet;
  if (name == "fluency")
    return {make_facet("grammar and agreement errors", {"grammar", "grammat", "agreement error", "subject-verb"}),
            make_facet("spelling mistakes and typos", {"spelling", "misspel", "typo"}),
            make_facet("punctuation and capitalisation", {"punctuation", "capitali"}),
            make_facet("word choice", {"word choice", "wording", "vocabulary", "diction"}),
            make_facet("sentence construction", {"sentence construction", "sentence structure", "syntax", "well-formed sentence"}),
            make_facet("fragments and run-on sentences", {"fragment", "run-on", "incomplete sentence"}),
            make_facet("awkward or unnatural phrasing", {"awkward", "unnatural phrasing", "clunky"}),
            make_facet("the readability of each sentence regardless of content", {"readab", "regardless of content", "reads on its own"})};
  if (name == "coherence")
    return {make_facet("the logical order of the sentences", {"logical order", "sensible order", "order of the sentences", "sentence order"}),
            make_facet("the overall structure and organisation", {"overall structure", "organis", "organiz"}),
            make_facet("transitions between sentences", {"transition", "connective", "linking word"}),
            make_facet("each sentence building on the previous one", {"builds on", "building on", "follows from", "progression"}),
            make_facet("the summary reading as one unified whole", {"unified", "as a whole", "hangs together", "hang together"}),
            make_facet("not being a heap of loosely related facts", {"heap", "loosely related", "disconnected", "jumbled"}),
            make_facet("staying on one topic", {"one topic", "single topic", "on topic"}),
            make_facet("clear pronoun references", {"pronoun", "referent", "dangling reference"}),
            make_facet("abrupt jumps between ideas", {"abrupt", "jumps between", "jump between"})};
  if (name == "consistency")
    return {make_facet("support in the source for every claim", {"support in the source", "supported by the source", "backed by the source", "grounded in the source", "entail"}),
            make_facet("invented or hallucinated facts", {"invent", "hallucinat", "fabricat", "made-up"}),
            make_facet("wrong numbers and quantities", {"number", "quantit", "statistic"}),
            make_facet("wrong names of people and places", {"names", "name of", "entities", "entity", "misnam"}),
            make_facet("wrong dates", {"date", "dates"}),
            make_facet("statements the source contradicts", {"contradict"}),
            make_facet("not penalising a short summary that adds nothing false", {"short summar", "omission", "adds nothing false"}),
            make_facet("misattributed quotes and claims", {"misattribut", "attribut", "quote", "who said"}),
            make_facet("claims that cannot be verified from the source", {"unverifi", "cannot be verified", "outside knowledge", "speculat"})};
  if (name == "relevance")
    return {make_facet("the main points of the source", {"main point", "key point", "main idea", "gist"}),
            make_facet("the most important information", {"important information", "important content", "most important", "coverage"}),
            make_facet("redundant or repeated content", {"redundan", "repeat", "repetit"}),
            make_facet("minor or trivial details", {"minor", "trivial", "peripheral"}),
            make_facet("off-topic or irrelevant material", {"off-topic", "off topic", "irrelevan", "unrelated"}),
            make_facet("selecting what matters most", {"select", "priorit", "salien"}),
            make_facet("conciseness", {"concis", "succinct", "to the point"}),
            make_facet("what a reader of the source would need", {"reader of the source", "reader would need", "informative"})};
  if (name == "anger")
    return {make_facet("irritation and annoyance", {"irritat", "annoy"}),
            make_facet("hostility toward someone", {"hostil", "aggress"}),
            make_facet("insults and swearing", {"insult", "swear", "profan", "curse"}),
            make_facet("blaming others", {"blam", "accus"}),
            make_facet("rage and fury", {"rage", "fury", "furious", "outrage"}),
            make_facet("frustration", {"frustrat", "fed up"}),
            make_facet("wishes for revenge", {"revenge", "retaliat"}),
            make_facet("shouting in capital letters", {"shout", "capital letters", "all caps", "yell"})};
  if (name == "fear")
    return {make_facet("worry and anxiety", {"worr", "anxi"}),
            make_facet("a sense of danger or threat", {"danger", "threat"}),
            make_facet("panic and terror", {"panic", "terror", "terrif"}),
            make_facet("nervousness", {"nervous", "unease", "uneasy"}),
            make_facet("dread of what might happen", {"dread", "what might happen"}),
            make_facet("physical signs such as trembling", {"trembl", "shaking", "heart racing"}),
            make_facet("helplessness", {"helpless", "vulnerab"}),
            make_facet("being scared or afraid", {"scared", "afraid", "frighten"})};
  if (name == "joy")
    return {make_facet("happiness", {"happy", "happi", "glad", "cheer"}),
            make_facet("delight and elation", {"delight", "elat", "thrill"}),
            make_facet("gratitude", {"grateful", "gratitude", "thank"}),
            make_facet("excitement", {"excit", "can't wait"}),
            make_facet("laughter and humour", {"laugh", "funny", "humor", "humour"}),
            make_facet("pride", {"proud", "pride"}),
            make_facet("love and affection", {"love", "affection", "ador"}),
            make_facet("celebration", {"celebrat", "congrat"})};
  if (name == "sadness")
    return {make_facet("grief and mourning", {"grief", "griev", "mourn"}),
            make_facet("disappointment", {"disappoint", "let down", "letdown"}),
            make_facet("loneliness", {"lonel", "isolat"}),
            make_facet("despair and hopelessness", {"despair", "hopeless"}),
            make_facet("crying and tears", {"cry", "cried", "tears", "weep"}),
            make_facet("regret", {"regret", "remorse"}),
            make_facet("the loss of someone or something", {"loss of", "lost someone", "missing someone"}),
            make_facet("low mood and depression", {"depress", "gloom", "low mood", "heartbroken"})};
  if (name == "surprise")
    return {make_facet("unexpected events", {"unexpect", "out of nowhere"}),
            make_facet("astonishment", {"astonish", "amaz", "stun"}),
            make_facet("shock", {"shock"}),
            make_facet("disbelief", {"disbelief", "can't believe", "cannot believe", "unbeliev"}),
            make_facet("suddenness", {"sudden"}),
            make_facet("surprise that is pleasant or not", {"pleasant or", "either pleasant"}),
            make_facet("a realisation that things are otherwise", {"realis", "realiz", "turns out", "discover"}),
            make_facet("being startled", {"startl", "gasp"})};
  return {};
}

/// Facets derived from a definition, for criteria without built-in ones: each distinct content word
/// of five letters or more (stopwords aside), in order, up to 12, becomes a facet whose phrase is
/// the word and whose cue its first six letters. A definition without such words yields one facet,
/// the criterion's name.
inline std::vector<facet> derive_facets(std::string_view name, std::string_view definition) {
  std::vector<facet> out;
  std::string folded = to_lower(definition);
  std::size_t i = 0;
  while (i < folded.size() && out.size() < 12) {
    while (i < folded.size() && !(folded[i] >= 'a' && folded[i] <= 'z')) ++i;
    std::size_t start = i;
    while (i < folded.size() && folded[i] >= 'a' && folded[i] <= 'z') ++i;
    std::string_view word(folded.data() + start, i - start);
    if (word.size() < 5 || detail::is_stopword(word) || word == to_lower(name)) continue;
    std::string cue(word.substr(0, std::min<std::size_t>(word.size(), 6)));
    bool seen = std::any_of(out.begin(), out.end(), [&](const facet& f) { return f.cues.front() == cue; });
    if (!seen) out.push_back(facet{std::string(word), {cue}});
  }
  if (out.empty()) out.push_back(facet{to_lower(name), {to_lower(name)}});
  return out;
}

/// The model of criterion `C`: built-in facets when the simulator knows its name, else derived.
template <class C>
criterion_model model_of() {
  auto facets = builtin_facets(C::name);
  if (facets.empty()) facets = derive_facets(C::name, C::definition);
  return {std::string(C::name), std::string(C::definition), C::scale, std::move(facets)};
}

}  // namespace sim
JUDGEGRAD_END_NAMESPACE
