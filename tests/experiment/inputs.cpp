// What an experiment runs on, from its definition, checked on the data judgegrad ships: the
// criteria set of a data set, the validation items drawn by source group from the training rows
// (disjoint groups, every row once, the same draw from the same seed), the faithful and official
// variants, a training split too small for its validation items, the seed prompt and the world.
#include <judgegrad/experiment/directory.hpp>
#include <judgegrad/experiment/inputs.hpp>
#include <judgegrad/llm/config.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <vector>
#include <string>
#include <type_traits>

namespace test_experiment_inputs {

namespace jg = judgegrad;
namespace ex = judgegrad::experiment;

namespace {

template <class Set>
std::set<std::string> ids(const jg::dataset<Set>& d) {
  std::set<std::string> out;
  for (const auto& e : d.examples) out.insert(e.id);
  return out;
}

template <class Set>
std::set<std::string> groups(const jg::dataset<Set>& d) {
  std::set<std::string> out;
  for (const auto& e : d.examples) out.insert(e.group);
  return out;
}

}  // namespace

TEST_CASE("a data set's name gives its criteria set; another name is refused") {
  CHECK(ex::with_criteria_of("summeval", [](auto t) { return std::is_same_v<typename decltype(t)::type, jg::summeval::all>; }));
  CHECK(ex::with_criteria_of("brighter", [](auto t) { return std::is_same_v<typename decltype(t)::type, jg::brighter::all>; }));
  CHECK_THROWS_WITH_AS(ex::with_criteria_of("sumeval", [](auto) { return 0; }), doctest::Contains("no data set named 'sumeval'"), ex::definition_error);
}

TEST_CASE("the paper preset's validation items: training rows by source group, drawn with seed 42") {
  using Set = jg::summeval::all;
  auto d = ex::paper_preset();
  auto in = ex::load_experiment_data<Set>(d, JUDGEGRAD_TEST_DATA);
  auto whole = jg::data::summeval_paper<Set>(JUDGEGRAD_TEST_DATA);
  const auto& s = in.splits;
  // Every training row once, on one side; no article's summaries on both sides.
  CHECK(s.train.size() + s.validation.size() == whole.train.size());
  std::set<std::string> both = ids(s.train);
  for (const auto& id : ids(s.validation)) CHECK(both.insert(id).second);
  CHECK(both == ids(whole.train));
  for (const auto& g : groups(s.validation)) CHECK_FALSE(groups(s.train).count(g));
  // About the 100 items asked for, in whole groups; the test split as it is.
  CHECK(s.validation.size() >= 90);
  CHECK(s.validation.size() <= 110);
  CHECK(ids(s.test) == ids(whole.test));
  CHECK(in.validation_from == fmt::format("{} training rows by source group (seed 42); the other {} train", s.validation.size(), s.train.size()));
  // The draw is data::split_groups' with validation_seed, and the same every time.
  auto drawn = jg::data::split_groups(whole.train, {100.0 / static_cast<double>(whole.train.size()), 0.0}, 42);
  CHECK(ids(drawn.validation) == ids(s.validation));
  CHECK(ids(ex::load_experiment_data<Set>(d, JUDGEGRAD_TEST_DATA).splits.validation) == ids(s.validation));
}

TEST_CASE("faithful mode trains on the whole training split; BRIGHTER's official split validates on its dev split") {
  using S = jg::summeval::all;
  auto faithful = ex::load_experiment_data<S>(ex::paper_preset(true), JUDGEGRAD_TEST_DATA);
  CHECK(faithful.splits.validation.size() == 0);
  CHECK(faithful.splits.train.size() == jg::data::summeval_paper<S>(JUDGEGRAD_TEST_DATA).train.size());
  CHECK(faithful.validation_from.find("as the reference drew them") != std::string::npos);

  using B = jg::brighter::all;
  auto d = *ex::preset("brighter");
  d.split = "official";
  auto official = ex::load_experiment_data<B>(d, JUDGEGRAD_TEST_DATA);
  auto files = jg::data::brighter_official<B>(JUDGEGRAD_TEST_DATA);
  CHECK(ids(official.splits.validation) == ids(files.dev));
  CHECK(ids(official.splits.train) == ids(files.train));
  CHECK(official.validation_from == "the official dev split");
}

TEST_CASE("a training split that cannot spare the validation items and a batch is a data error naming the numbers") {
  using S = jg::summeval::all;
  auto d = ex::paper_preset();
  auto rows = jg::data::summeval_paper<S>(JUDGEGRAD_TEST_DATA).train.size();
  d.validation = rows - d.batch;
  const auto expected = fmt::format("the summeval paper training split has {} rows: too few for {} validation items and batches of 3", rows, rows - 3);
  CHECK_THROWS_WITH_AS(ex::load_experiment_data<S>(d, JUDGEGRAD_TEST_DATA), doctest::Contains(expected.c_str()), jg::data::load_error);
  d.validation = rows - d.batch - 1;  // one row to spare: enough
  CHECK(ex::load_experiment_data<S>(d, JUDGEGRAD_TEST_DATA).splits.train.size() >= 1);
  CHECK_THROWS_AS(ex::load_experiment_data<S>(ex::paper_preset(), "/nonexistent/judgegrad-data"), jg::data::load_error);
}

TEST_CASE("the manifest records the data an experiment began with; a resume on other data is refused naming the split") {
  using S = jg::summeval::all;
  auto d = ex::paper_preset();
  auto in = ex::load_experiment_data<S>(d, JUDGEGRAD_TEST_DATA);
  ex::manifest m;
  ex::record_data(m, in, JUDGEGRAD_TEST_DATA);
  CHECK(m.data_directory.is_absolute());
  CHECK(m.test == 480);
  CHECK(m.train + m.validation == jg::data::summeval_paper<S>(JUDGEGRAD_TEST_DATA).train.size());
  CHECK(m.validation == d.validation);
  CHECK(m.validation_from == in.validation_from);
  CHECK(m.criteria == std::vector<std::string>{"fluency", "relevance", "coherence", "consistency"});
  REQUIRE(m.data_digests.size() == 3);
  CHECK(m.data_digests.at("test") == jg::data::digest(in.splits.test));
  CHECK_NOTHROW(ex::check_same_data(m, in, JUDGEGRAD_TEST_DATA));

  // One gold score changed in the test split: the digests differ, the sizes do not.
  auto changed = in;
  changed.splits.test.examples[7].gold[0] = 1.0 + changed.splits.test.examples[7].gold[0].value_or(0.0);
  CHECK_THROWS_WITH_AS(ex::check_same_data(m, changed, "/elsewhere"),
                       doctest::Contains(("/elsewhere: these data differ from those the experiment began with: test (digest " +
                                          jg::data::digest(changed.splits.test) + ", began with " + m.data_digests.at("test") + ")").c_str()),
                       jg::data::load_error);
  // A manifest without digests (written before they were kept) compares the sizes.
  m.data_digests.clear();
  CHECK_NOTHROW(ex::check_same_data(m, changed, "/elsewhere"));
  changed.splits.test.examples.pop_back();
  CHECK_THROWS_WITH_AS(ex::check_same_data(m, changed, "/elsewhere"), doctest::Contains("479 test) differ"), jg::data::load_error);
}

TEST_CASE("the manifest records what answers the runs: each run role's model, from the endpoints or the simulator") {
  ex::manifest m;
  ex::record_backend(m, nullptr, "simulated:paper", "the simulator");
  CHECK(m.backend_kind == "simulator");
  CHECK(m.backend == "the simulator");
  CHECK(m.models == std::map<std::string, std::string>{{"judge", "simulated:paper"}, {"loss", "simulated:paper"},
                                                       {"gradient", "simulated:paper"}, {"optimizer", "simulated:paper"}});
  jg::llm::llm_config config;
  config.settings(jg::llm::role::judge).emplace().model = "judge-model";
  config.settings(jg::llm::role::optimizer).emplace().model = "writer-model";
  config.settings(jg::llm::role::evaluator).emplace().model = "not a run role";
  m.simulated = true;  // steps answered by the simulator before: the caller's to keep
  ex::record_backend(m, &config, "simulated:paper", "the endpoints of llm.json");
  CHECK(m.backend_kind == "endpoints");
  CHECK(m.simulated);
  CHECK(m.backend == "the endpoints of llm.json");
  CHECK(m.models == std::map<std::string, std::string>{{"judge", "judge-model"}, {"loss", ""}, {"gradient", ""}, {"optimizer", "writer-model"}});
}

TEST_CASE("the seed prompt is the data set's judge prompt, in the reference's words in faithful mode") {
  using S = jg::summeval::all;
  using B = jg::brighter::all;
  CHECK(ex::seed_prompt<S>(ex::paper_preset()).fingerprint() == jg::judge::summeval_prompt<S>(jg::prompt_style::standard).fingerprint());
  CHECK(ex::seed_prompt<S>(ex::paper_preset(true)).fingerprint() == jg::judge::summeval_prompt<S>(jg::prompt_style::faithful).fingerprint());
  CHECK(ex::seed_prompt<S>(ex::paper_preset()).fingerprint() != ex::seed_prompt<S>(ex::paper_preset(true)).fingerprint());
  CHECK(ex::seed_prompt<B>(*ex::preset("brighter")).fingerprint() == jg::judge::brighter_prompt<B>(jg::prompt_style::standard).fingerprint());
}

TEST_CASE("the simulated world of a data set answers for its items; another name or no data is an error") {
  auto world = ex::simulated_world("summeval", JUDGEGRAD_TEST_DATA, jg::sim::preset("paper"));
  CHECK(world.parameters().model == jg::sim::preset("paper").model);
  CHECK_NOTHROW(ex::simulated_world("brighter", JUDGEGRAD_TEST_DATA, jg::sim::preset("paper"), "official"));
  CHECK_THROWS_AS(ex::simulated_world("sumeval", JUDGEGRAD_TEST_DATA, jg::sim::preset("paper")), ex::definition_error);
  CHECK_THROWS_AS(ex::simulated_world("summeval", "/nonexistent/judgegrad-data", jg::sim::preset("paper")), jg::data::load_error);
}
}  // namespace test_experiment_inputs
