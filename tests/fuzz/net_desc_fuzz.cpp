// Fuzzes the network description JSON (--desc). A description that parses
// must survive a round trip: description_to_json, parsed again, gives the same
// JSON (a property, not just "no crash").
#include "fuzz_support.h"
#include "movierec/errors.h"
#include "vision/net_desc.h"

using namespace movierec;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    int n = 0;
    for (const auto& arch : builtin_architectures())
      fuzz::write_seed(dir, n++, description_to_json(builtin_description(arch)));
    fuzz::write_seed(dir, n++, R"({"name":"x","input_size":[1e300,1],"layers":"a"})");
    fuzz::write_seed(dir, n++,
                     R"({"name":"x","input_size":4294967520,"layers":["a","b"],"fit":"crop","resize_shorter":256})");
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  NetDescription d;
  try {
    d = parse_description(text, "fuzz.json");
  } catch (const movierec::Error&) {
    return 0;
  }
  const std::string once = description_to_json(d);
  const std::string twice = description_to_json(parse_description(once, "round trip"));
  if (once != twice) {
    std::fprintf(stderr, "round trip differs:\n%s\n%s\n", once.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}
