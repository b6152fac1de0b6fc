// The loaders on the real data files (counts, score ranges, known rows) and on small bad files,
// each of which must fail with an error naming file, line and field.
#include <judgegrad/data.hpp>

#include "test_data_dir.hpp"
#include "../support/scratch.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace test_data_loaders {

namespace jg = judgegrad;
namespace data = jg::data;
namespace fs = std::filesystem;

namespace {

template <class Set>
std::map<double, int> histogram(const jg::dataset<Set>& d, std::string_view criterion) {
  std::map<double, int> h;
  for (const auto& e : d) ++h[*e.gold.at(criterion)];
  return h;
}

template <class Set>
void check_complete(const jg::dataset<Set>& d) {
  std::set<std::string> ids;
  REQUIRE(d.size() > 0);
  for (const auto& e : d) {
    ids.insert(e.id);
    REQUIRE(e.gold.values.size() == Set::size);
    for (const auto& g : e.gold.values) {
      REQUIRE(g.has_value());
      CHECK(std::isfinite(*g));
    }
  }
  CHECK(ids.size() == d.size());  // ids are unique within every file
}

/// A scratch directory removed at the end of the test.
struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() / ("judgegrad-data-" + std::to_string(std::rand()) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& content) const {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  }
};

/// Runs `f`, which must throw data::load_error with this line and field and a message containing `what`.
template <class F>
void expect_load_error(F&& f, std::size_t line, const std::string& field, const std::string& what) {
  try {
    f();
    FAIL("no error for: " << what);
  } catch (const data::load_error& e) {
    INFO(e.what());
    CHECK(e.line() == line);
    CHECK(e.field() == field);
    CHECK(std::string(e.what()).find(what) != std::string::npos);
    CHECK(std::string(e.what()).find(e.file()) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("SummEval: the paper split and the document-disjoint split") {
  auto paper = data::summeval_paper(test_data_dir());
  CHECK(paper.train.size() == 160);
  CHECK(paper.test.size() == 480);
  CHECK(paper.train.name == "paper-train");
  check_complete(paper.train);
  check_complete(paper.test);
  // Label counts of the test split as the reference notes report them (section 4.4).
  CHECK(histogram(paper.test, "fluency") == std::map<double, int>{{1, 4}, {2, 17}, {3, 38}, {4, 22}, {5, 399}});
  CHECK(histogram(paper.test, "consistency") == std::map<double, int>{{1, 13}, {2, 22}, {3, 17}, {4, 9}, {5, 419}});
  CHECK(histogram(paper.test, "relevance") == std::map<double, int>{{1, 8}, {2, 52}, {3, 126}, {4, 166}, {5, 128}});
  CHECK(histogram(paper.test, "coherence") == std::map<double, int>{{1, 41}, {2, 88}, {3, 130}, {4, 103}, {5, 118}});

  const auto& first = paper.train[0];
  REQUIRE(first.inputs.size() == 2);
  CHECK(first.inputs[0].name == "text");  // source first, then the summary (prompt order)
  CHECK(first.inputs[1].name == "machine_summary");
  CHECK(first.inputs[0].text.starts_with("Rome (CNN)Italy is coping with a rising wave of"));
  CHECK(first.inputs[1].text.starts_with("rome ( cnn ) italy is coping with a rising wave of"));
  CHECK(first.gold.at("fluency") == 5);
  CHECK(first.gold.at("relevance") == 5);
  CHECK(first.gold.at("coherence") == 3);
  CHECK(first.gold.at("consistency") == 5);
  CHECK(first.id == data::content_id(first.inputs));
  CHECK(first.id.size() == 16);
  CHECK(first.group == jg::text::hex64(jg::text::fnv1a64(first.inputs[0].text)));
  CHECK(first.metadata.empty());

  // Groups: 80 articles in train, 99 in test, 79 shared, 376 test rows share an article with train.
  std::set<std::string> train_groups, test_groups;
  for (const auto& e : paper.train) train_groups.insert(e.group);
  int leaked = 0;
  for (const auto& e : paper.test) {
    test_groups.insert(e.group);
    leaked += train_groups.count(e.group) > 0;
  }
  CHECK(train_groups.size() == 80);
  CHECK(test_groups.size() == 99);
  CHECK(leaked == 376);

  // The paper's test split holds identical (source, summary) pairs: they keep distinct ids by suffix.
  int suffixed = 0;
  for (const auto& e : paper.test) suffixed += e.id.size() > 16;
  CHECK(suffixed == 57);

  auto doc = data::summeval_docsplit(test_data_dir());
  CHECK(doc.train.size() == 160);
  CHECK(doc.test.size() == 480);
  check_complete(doc.test);
  const auto& d0 = doc.train[0];
  CHECK(d0.meta("model_id") != nullptr);
  CHECK(d0.meta("model_id")->text == "M11");
  CHECK(d0.gold.at("coherence") == 2);
  CHECK(d0.gold.at("consistency") == 1);
  CHECK(d0.gold.at("relevance") == 4);
  std::set<std::string> g_train, g_test;
  for (const auto& e : doc.train) g_train.insert(e.group);
  for (const auto& e : doc.test) g_test.insert(e.group);
  CHECK(g_train.size() == 10);
  CHECK(g_test.size() == 30);
  for (const auto& g : g_train) CHECK(g_test.count(g) == 0);  // document-disjoint indeed
}

TEST_CASE("BRIGHTER: official CSV files and the paper's copies") {
  auto official = data::brighter_official(test_data_dir());
  // Rows counted by Python's csv module on the same files (header excluded).
  CHECK(official.train.size() == 2763);
  CHECK(official.dev.size() == 115);
  CHECK(official.test.size() == 2765);
  check_complete(official.train);
  CHECK(official.train[0].id == "eng_train_track_b_00001");
  CHECK(official.train[0].inputs.at(0).text == "Colorado, middle of nowhere.");
  CHECK(official.train[0].gold.at("fear") == 1);
  CHECK(official.train[0].gold.at("surprise") == 1);
  CHECK(official.train[0].gold.at("anger") == 0);
  // Line 25: a quoted field that starts with a doubled quote.
  const auto* q = official.train.find("eng_train_track_b_00024");
  REQUIRE(q != nullptr);
  CHECK(q->inputs[0].text == "\" She awoke from this odd dream and told her mum to wake up her sister.");
  CHECK(official.test.examples.back().inputs[0].text == "`` Bella my head is fine.");
  CHECK(official.test.examples.back().gold.at("joy") == 1);
  CHECK(histogram(official.test, "fear") == std::map<double, int>{{0, 1222}, {1, 832}, {2, 486}, {3, 225}});
  CHECK(official.dev[0].gold.at("anger") == 3);

  auto paper = data::brighter_paper(test_data_dir());
  CHECK(paper.train.size() == 2768);
  CHECK(paper.test.size() == 2767);
  check_complete(paper.test);
  CHECK(histogram(paper.test, "anger") == std::map<double, int>{{0, 2445}, {1, 188}, {2, 97}, {3, 37}});
  CHECK(paper.test[0].inputs[0].text == "It was pouring out with thunder and lightning.");
  CHECK(paper.test[0].gold.at("fear") == 2);
  CHECK(paper.test[0].gold.at("surprise") == 1);
  CHECK(paper.test[0].group.empty());
}

TEST_CASE("a data directory from JUDGEGRAD_DATA or an argument") {
  CHECK(data::data_directory(fs::path("/x/y")) == fs::path("/x/y"));
  const char* old = std::getenv("JUDGEGRAD_DATA");
  std::string saved = old ? old : "";
  ::setenv("JUDGEGRAD_DATA", "/from/env", 1);
  CHECK(data::data_directory(std::nullopt, "/fallback") == fs::path("/from/env"));
  CHECK(data::data_directory(fs::path("/given"), "/fallback") == fs::path("/given"));
  ::unsetenv("JUDGEGRAD_DATA");
  CHECK(data::data_directory(std::nullopt, "/fallback") == fs::path("/fallback"));
  // Nothing named: the data judgegrad ships, found from this test program inside the build tree.
  CHECK(fs::equivalent(data::data_directory(), fs::path(JUDGEGRAD_TEST_SOURCE_DIR) / ".." / "data"));
  if (old) ::setenv("JUDGEGRAD_DATA", saved.c_str(), 1);
}

TEST_CASE("the data judgegrad ships, found from where an executable is") {
  judgegrad_test::temp_dir t("jg-shipped");
  auto touch = [](const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
  };
  // Installed: <prefix>/bin/tool reads <prefix>/share/judgegrad/data.
  touch(t.path / "prefix/bin/tool");
  fs::create_directories(t.path / "prefix/share/judgegrad/data/summeval");
  CHECK(data::shipped_data_directory(t.path / "prefix/bin/tool") == t.path / "prefix/share/judgegrad/data");
  // Built inside a source tree: the nearest directory above that holds judgegrad's headers and data/.
  touch(t.path / "clone/include/judgegrad/judgegrad.hpp");
  fs::create_directories(t.path / "clone/data/brighter");
  touch(t.path / "clone/build/release/examples/cli/tool");
  CHECK(data::shipped_data_directory(t.path / "clone/build/release/examples/cli/tool") == t.path / "clone/data");
  // A source tree without data/ is passed over; a data/ without judgegrad's headers is not judgegrad's.
  touch(t.path / "bare/include/judgegrad/judgegrad.hpp");
  touch(t.path / "bare/build/tool");
  fs::create_directories(t.path / "other/data/summeval");
  touch(t.path / "other/build/tool");
  for (auto tool : {"bare/build/tool", "other/build/tool"}) {
    // ... so the directory the build named (JUDGEGRAD_DEFAULT_DATA: this source tree's data/) answers.
    auto found = data::shipped_data_directory(t.path / tool);
    REQUIRE_FALSE(found.empty());
    CHECK(fs::equivalent(found, fs::path(JUDGEGRAD_TEST_SOURCE_DIR) / ".." / "data"));
  }
}

TEST_CASE("a data set's digest changes with any row, field or score, and only then") {
  auto paper = data::summeval_paper<jg::summeval::all>(test_data_dir());
  auto again = data::summeval_paper<jg::summeval::all>(test_data_dir());
  const std::string d = data::digest(paper.test);
  CHECK(d.size() == 16);
  CHECK(data::digest(again.test) == d);
  CHECK(data::digest(paper.train) != d);
  auto score = paper.test;
  score.examples[7].gold[0] = *score.examples[7].gold[0] == 1 ? 2.0 : 1.0;
  auto text = paper.test;
  text.examples[300].inputs[0].text.back() ^= 1;
  auto order = paper.test;
  std::swap(order.examples[0], order.examples[1]);
  auto fewer = paper.test;
  fewer.examples.pop_back();
  auto unscored = paper.test;
  unscored.examples[5].gold[2].reset();
  std::set<std::string> seen{d};
  for (const auto* changed : {&score, &text, &order, &fewer, &unscored}) CHECK(seen.insert(data::digest(*changed)).second);
  CHECK(seen.size() == 6);
}

TEST_CASE("CSV: RFC 4180 quoting") {
  auto recs = data::parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\nlast,\"\",z");
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK(recs[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK(recs[1].line == 2);
  CHECK(recs[2].line == 4);  // the quoted newline moved the line count on
  CHECK(recs[2].fields == std::vector<std::string>{"", "", ""});
  CHECK(recs[3].fields == std::vector<std::string>{"last", "", "z"});
  CHECK(data::parse_csv("\xEF\xBB\xBFh\n\n1\n").size() == 2);  // BOM and an empty line skipped
}

TEST_CASE("loading a custom JSON Lines file through a column mapping") {
  scratch s;
  auto file = s.write("mine.jsonl",
                      "{\"doc\": \"D1\", \"summ\": \"S1\", \"flu\": 4, \"relevance\": 2, \"coherence\": 3, \"consistency\": 5, \"uid\": \"a\", \"sys\": \"M1\"}\r\n"
                      "\n"
                      "{\"doc\": \"D1\", \"summ\": \"S2\", \"flu\": \"5\", \"relevance\": 2, \"coherence\": 3, \"consistency\": null, \"uid\": \"b\", \"extra\": [1]}\n");
  data::column_mapping m;
  m.inputs = {"doc", "summ"};
  m.criteria = {{"fluency", "flu"}};
  m.id = "uid";
  m.group = "doc";
  m.metadata = {"sys"};
  m.allow_missing_scores = true;
  auto d = data::load_jsonl<jg::summeval::all>(file, m);
  REQUIRE(d.size() == 2);
  CHECK(d.name == "mine");
  CHECK(d[0].id == "a");
  CHECK(d[0].group == "D1");
  CHECK(d[0].gold.at("fluency") == 4);
  CHECK(d[0].meta("sys")->text == "M1");
  CHECK(d[1].gold.at("fluency") == 5);  // a numeric string is a number
  CHECK_FALSE(d[1].gold.at("consistency").has_value());
  CHECK(d[1].metadata.empty());

  m.allow_missing_scores = false;
  expect_load_error([&] { data::load_jsonl<jg::summeval::all>(file, m); }, 3, "consistency", "missing score");
}

TEST_CASE("bad input: each case names file, line and field, and returns nothing") {
  scratch s;
  using se = jg::summeval::all;
  auto line = [](std::string summary, std::string fluency) {
    return "{\"text\": \"T\", \"machine_summary\": \"" + summary + "\", \"fluency\": " + fluency +
           ", \"relevance\": 3, \"coherence\": 3, \"consistency\": 3}\n";
  };
  SUBCASE("missing file") {
    expect_load_error([&] { data::load_summeval(s.dir / "nope.jsonl"); }, 0, "", "no such file");
    expect_load_error([&] { data::summeval_paper(s.dir); }, 0, "", "paper-train.jsonl");
  }
  SUBCASE("malformed line") {
    auto f = s.write("bad.jsonl", line("a", "4") + "{\"text\": \"T\", \"machine_summary\": \n" + line("b", "4"));
    expect_load_error([&] { data::load_summeval(f); }, 2, "", "not valid JSON");
    auto g = s.write("array.jsonl", line("a", "4") + "[1, 2]\n");
    expect_load_error([&] { data::load_summeval(g); }, 2, "", "not a JSON object");
    auto u = s.write("utf8.jsonl", line("a\xff", "4"));
    expect_load_error([&] { data::load_summeval(u); }, 1, "", "not valid JSON");
  }
  SUBCASE("missing column") {
    auto f = s.write("missing.jsonl", line("a", "4") + "{\"text\": \"T\", \"fluency\": 4, \"relevance\": 3, \"coherence\": 3, \"consistency\": 3}\n");
    expect_load_error([&] { data::load_summeval(f); }, 2, "machine_summary", "missing column");
    auto c = s.write("missing.csv", "id,text,anger,fear,joy,sadness\nx,hello,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(c); }, 1, "surprise", "missing column");
  }
  SUBCASE("score outside the scale") {
    auto f = s.write("range.jsonl", line("a", "4") + line("b", "4") + line("c", "6"));
    expect_load_error([&] { data::load_summeval(f); }, 3, "fluency", "outside the scale");
    auto h = s.write("half.jsonl", line("a", "4.5"));
    expect_load_error([&] { data::load_summeval(h); }, 1, "fluency", "outside the scale");
    auto c = s.write("range.csv", "id,text,anger,fear,joy,sadness,surprise\nx,hello,0,0,0,0,0\ny,\"multi\nline\",0,4,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(c); }, 3, "fear", "outside the scale");
    auto t = s.write("text.jsonl", line("a", "\"high\""));
    expect_load_error([&] { data::load_summeval(t); }, 1, "fluency", "not a number");
  }
  SUBCASE("duplicate id") {
    auto c = s.write("dup.csv", "id,text,anger,fear,joy,sadness,surprise\nx,a,0,0,0,0,0\ny,b,0,0,0,0,0\nx,c,0,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(c); }, 4, "id", "duplicate id 'x' (first seen on line 2)");
    // Without an id column, repeated content gets "-2", "-3" suffixes in file order instead.
    auto j = s.write("dup.jsonl", line("a", "4") + line("a", "5") + line("a", "3"));
    auto d = data::load_summeval(j);
    REQUIRE(d.size() == 3);
    CHECK(d[1].id == d[0].id + "-2");
    CHECK(d[2].id == d[0].id + "-3");
  }
  SUBCASE("CSV structure") {
    auto q = s.write("quote.csv", "id,text,anger,fear,joy,sadness,surprise\nx,\"open,0,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(q); }, 2, "", "unterminated quoted field");
    auto w = s.write("width.csv", "id,text,anger,fear,joy,sadness,surprise\nx,a,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(w); }, 2, "", "6 fields where the header has 7");
    auto b = s.write("bare.csv", "id,text,anger,fear,joy,sadness,surprise\nx,a \"b\",0,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(b); }, 2, "", "a quote inside an unquoted field");
    auto a = s.write("after.csv", "id,text,anger,fear,joy,sadness,surprise\nx,\"a\"b,0,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(a); }, 2, "", "text after a closing quote");
    auto e = s.write("empty.csv", "");
    expect_load_error([&] { data::load_brighter_csv(e); }, 0, "", "the file is empty: no header row");
    auto h = s.write("header.csv", "id,text,anger,fear,joy,sadness,surprise\n");
    expect_load_error([&] { data::load_brighter_csv(h); }, 0, "", "the file is empty: a header row, no records");
    auto j = s.write("empty.jsonl", "\n\n");
    expect_load_error([&] { data::load_summeval(j); }, 0, "", "the file is empty: no records");
    auto i = s.write("noid.csv", "id,text,anger,fear,joy,sadness,surprise\n ,a,0,0,0,0,0\n");
    expect_load_error([&] { data::load_brighter_csv(i); }, 2, "id", "empty id");
  }
  SUBCASE("a mapping naming a criterion outside the set") {
    data::column_mapping m;
    m.inputs = {"text"};
    m.criteria = {{"grammar", "g"}};
    auto f = s.write("x.jsonl", "");
    expect_load_error([&] { data::load_jsonl<se>(f, m); }, 0, "g", "criterion 'grammar'");
  }
}

TEST_CASE("all nine data files: every example has a finite gold score for every criterion and a unique id") {
  // Their load times are measured by benchmarks/data_load.cpp, not here.
  auto a = data::summeval_paper(test_data_dir());
  auto b = data::summeval_docsplit(test_data_dir());
  auto c = data::brighter_official(test_data_dir());
  auto d = data::brighter_paper(test_data_dir());
  for (const auto* split : {&a.train, &a.test, &b.train, &b.test}) check_complete(*split);
  for (const auto* split : {&c.train, &c.dev, &c.test, &d.train, &d.test}) check_complete(*split);
}
}  // namespace test_data_loaders
