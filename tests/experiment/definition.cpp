// Experiment definitions: the presets, judgegrad's JSON format (every key optional, errors that
// name the file and the key path), the reference's experiment files recognised by their keys, and
// write_json read back to the same definition.
#include <judgegrad/experiment/definition.hpp>

#include <doctest/doctest.h>

#include <string>

namespace test_experiment_definition {

namespace jg = judgegrad;
namespace ex = judgegrad::experiment;

namespace {
std::string error_of(std::string_view json, std::string source = "exp.json") {
  try {
    ex::parse_definition(json, source);
  } catch (const ex::definition_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("the paper preset is the reference's study") {
  auto d = ex::paper_preset();
  CHECK(d.dataset == "summeval");
  CHECK(d.modes == std::vector<std::string>{"single-task", "SSS", "SSC", "SCC", "CCC"});
  CHECK(d.gates == std::vector<std::string>{"none", "mae"});
  CHECK(d.seeds == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(d.steps == 12);
  CHECK(d.batch == 3);
  CHECK(d.merges == std::vector<std::string>{"labeled_sections"});
  auto f = ex::paper_preset(true);
  CHECK(f.faithful);
  CHECK(f.merges == std::vector<std::string>{"concatenate"});  // the reference duplicated combined gradients
  CHECK(ex::preset("brighter")->dataset == "brighter");
  CHECK_FALSE(ex::preset("summeval"));
  CHECK(ex::settings_of(d).steps == 12);
  CHECK(ex::settings_of(f).quirks.positional_ids);
}

TEST_CASE("an empty object is the paper preset; keys override it") {
  auto d = ex::parse_definition("{}", "e.json").experiment;
  auto p = ex::paper_preset();
  p.source = "e.json";
  CHECK(d == p);
  auto g = ex::parse_definition(R"({"preset": "brighter", "modes": ["SSC", "opro"], "gates": ["pareto-mae"], "seeds": [7], "steps": 2,
                                     "layouts": ["per_criterion", "joint"], "parallel_runs": 2, "llm": "llm.json"})",
                                "g.json", "/data/exp")
               ;
  CHECK(g.experiment.dataset == "brighter");
  CHECK(g.experiment.modes == std::vector<std::string>{"SSC", "opro"});
  CHECK(g.experiment.seeds == std::vector<std::uint32_t>{7});
  CHECK(g.experiment.steps == 2);
  CHECK(g.experiment.parallel_runs == 2);
  CHECK(g.llm == std::filesystem::path("/data/exp/llm.json"));
  CHECK_FALSE(g.reference_format);
}

TEST_CASE("write_json reads back to the same definition") {
  ex::definition d = ex::brighter_preset(true);
  d.modes = {"CSC", "opro(mae)"};
  d.layouts = {"per_criterion"};
  d.seeds = {4000000000u, 0};
  d.validation = 37;
  d.test_every = 0;
  jg::json_writer w;
  ex::write_json(w, d);
  auto back = ex::parse_definition(std::move(w).str(), d.source).experiment;
  CHECK(back == d);
}

TEST_CASE("errors name the file and the key") {
  CHECK(error_of("{", "a.json").starts_with("a.json: not valid JSON"));
  CHECK(error_of(R"({"mode": ["SSC"]})").find("mode") != std::string::npos);
  CHECK(error_of(R"({"mode": ["SSC"]})").find("unknown key") != std::string::npos);
  CHECK(error_of(R"({"modes": ["SSC", "XYZ"]})") ==
        "exp.json: modes[1]: unknown value \"XYZ\" (known: single-task, SSS, SSC, SCC, CCC, CSS, CSC, CCS, SCS, opro, opro(mae))");
  CHECK(error_of(R"({"gates": ["mae", "mae"]})") == "exp.json: gates[1]: \"mae\" is listed twice");
  CHECK(error_of(R"({"seeds": [1, 2, 1]})") == "exp.json: seeds[2]: seed 1 is listed twice");
  CHECK(error_of(R"({"seeds": []})") == "exp.json: seeds: give at least one");
  CHECK(error_of(R"({"steps": 0})").find("steps") != std::string::npos);
  CHECK(error_of(R"({"steps": "12"})").find("steps") != std::string::npos);
  CHECK(error_of(R"({"seeds": [1.5]})").find("seeds[0]") != std::string::npos);
  CHECK(error_of(R"({"dataset": "brighter", "split": "docsplit"})") ==
        "exp.json: split: unknown value \"docsplit\" for brighter (known: paper, official)");
  CHECK(error_of(R"({"preset": "nope"})").find("unknown preset \"nope\"") != std::string::npos);
  CHECK(error_of(R"({"name": "a/b"})").find("name") != std::string::npos);
  CHECK(error_of(R"([1, 2])").find("expected an object") != std::string::npos);
}

TEST_CASE("the reference's experiment files are recognised by their keys") {
  auto f = ex::parse_definition(R"({"llm": "conf/llm.json", "dataset": "SummEval", "steps": 4, "batch_size": 5, "eval_every": 2,
                                     "seed": 9, "output_dir": "out", "checkpoint_every": 1, "verbosity": 2})",
                                "ref.json", "/x");
  CHECK(f.reference_format);
  CHECK(f.experiment.dataset == "summeval");
  CHECK(f.experiment.steps == 4);
  CHECK(f.experiment.batch == 5);
  CHECK(f.experiment.test_every == 2);
  CHECK(f.experiment.seeds == std::vector<std::uint32_t>{9});
  CHECK(f.experiment.modes == ex::paper_preset().modes);  // the paper's grid with the file's numbers
  CHECK(f.output_dir == std::filesystem::path("out"));  // the working directory's, as the reference takes it
  CHECK(f.llm == std::filesystem::path("/x/conf/llm.json"));
  // Its defaults when a key is left out: seed 42, 10 steps, batch 10.
  auto g = ex::parse_definition(R"({"batch_size": 10, "dataset": "BRIGHTER"})", "ref.json");
  CHECK(g.experiment.seeds == std::vector<std::uint32_t>{42});
  CHECK(g.experiment.steps == 10);
  CHECK(g.experiment.dataset == "brighter");
  CHECK(error_of(R"({"batch_size": 3, "dataset": "XSum"})").find("dataset") != std::string::npos);
  CHECK(error_of(R"({"batch_size": 3, "llm": {"model": "x"}})").find("give its path") != std::string::npos);
  // A key of judgegrad's format is unknown in the reference's.
  CHECK(error_of(R"({"batch_size": 3, "modes": ["SSC"]})").find("unknown key") != std::string::npos);
}

TEST_CASE("load_definition names a missing file") {
  try {
    ex::load_definition("/nonexistent/exp.json");
    FAIL("no error");
  } catch (const ex::definition_error& e) {
    CHECK(std::string(e.what()) == "/nonexistent/exp.json: cannot open the experiment file");
  }
}
}  // namespace test_experiment_definition
