// Loading the data sets judgegrad ships and splitting them: the SummEval paper split, a document-disjoint
// validation part carved from a training file, and the reference's row orders.
//
//     example.data_load [data-directory]     (else $JUDGEGRAD_DATA, else the data judgegrad ships)
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <optional>

namespace jg = judgegrad;
namespace data = jg::data;

int main(int argc, char** argv) try {
  auto dir = data::data_directory(argc > 1 ? std::optional<std::filesystem::path>(argv[1]) : std::nullopt);

  auto paper = data::summeval_paper(dir);  // 160 train / 480 test rows
  fmt::print("{}: {} rows, {}: {} rows\n", paper.train.name, paper.train.size(), paper.test.name, paper.test.size());
  const auto& first = paper.test[0];
  fmt::print("first test item {} (article {}), human fluency {}\n", first.id, first.group.substr(0, 8), *first.gold.at("fluency"));

  // A validation part with no source article shared with what stays in train.
  auto doc = data::summeval_docsplit(dir);
  auto parts = data::split_groups(doc.train, {.validation = 0.3, .test = 0}, 42);
  data::check_disjoint(parts, true);
  fmt::print("docsplit train -> {} train / {} validation rows, no article in both\n", parts.train.size(), parts.validation.size());

  // Fixed-size batches, one per step.
  data::batch_schedule batches(parts.train.size(), 3, 42);
  for (std::size_t step = 0; step < 3; ++step) fmt::print("step {} batch: {}\n", step, fmt::join(batches(step), ", "));

  // The reference's orders: train() is a seed-42 reorder; its validation batch is the tail of another.
  auto ref_train = data::reference::split_order(paper.train);
  auto ref_val = data::reference::validation_batch(ref_train);
  fmt::print("reference validation batch: {} rows, drawn from the training rows\n", ref_val.size());

  auto brighter = data::brighter_official(dir);
  fmt::print("BRIGHTER official: {} / {} / {} rows; first id {}\n", brighter.train.size(), brighter.dev.size(),
             brighter.test.size(), brighter.train[0].id);
  return 0;
} catch (const data::load_error& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
