// Fuzzes the JSON Lines loader: any input either loads or throws load_error.
#include <judgegrad/criteria/summeval.hpp>
#include <judgegrad/data/jsonl.hpp>
#include <judgegrad/data/summeval.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  namespace data = judgegrad::data;
  simdjson::padded_string text(reinterpret_cast<const char*>(bytes), size);
  try {
    auto d = data::load_jsonl_text<judgegrad::summeval::all>(text, "fuzz.jsonl", data::summeval_mapping());
    for (const auto& e : d)
      if (e.id.empty() || e.inputs.size() != 2) __builtin_trap();
  } catch (const data::load_error&) {
  }
  data::column_mapping loose;
  loose.inputs = {"text"};
  loose.allow_missing_scores = true;
  loose.id = "id";
  loose.metadata = {"model_id"};
  try {
    (void)data::load_jsonl_text<judgegrad::summeval::all>(text, "fuzz.jsonl", loose);
  } catch (const data::load_error&) {
  }
  return 0;
}
