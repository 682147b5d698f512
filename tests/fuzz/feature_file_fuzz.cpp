// Fuzzes poster feature files (.mrf). Input: byte 0 bit 0 set: the rest is a
// whole file; clear: the rest is a file without its CRC-32, appended here, so
// inputs reach the readers behind the checksum. A file that loads is used:
// every row read, PCA applied to one raw vector.
#include <cmath>

#include "fuzz_support.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "vision/feature_file.h"

using namespace movierec;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    int n = 0;
    for (int pca : {0, 1})
      for (auto dtype : {FeatureDtype::kFloat32, FeatureDtype::kFloat16}) {
        FeatureSet f;
        f.network = "seed";
        f.layer = "pool";
        f.dim = 3;
        f.movie_ids = {1, 6, 32};
        f.data = {1, 0, 0, 0.5f, 0.5f, 0, -1, 2, 0.25f};
        if (pca) {
          f.raw_dim = 4;
          f.pca_mean = {0.1f, 0.2f, 0.3f, 0.4f};
          f.pca_components = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
        }
        auto file = fuzz::scratch() / "seed.mrf";
        write_features(file, f, dtype);
        const std::string bytes = fuzz::read_all(file);
        fuzz::write_seed(dir, n++, std::string(1, 1) + bytes);
        fuzz::write_seed(dir, n++, std::string(1, 0) + bytes.substr(0, bytes.size() - 4));
      }
    // No vectors at all (the null memcpy of issue 11).
    FeatureSet empty;
    empty.network = "seed";
    empty.layer = "pool";
    empty.dim = 2;
    write_features(fuzz::scratch() / "empty.mrf", empty, FeatureDtype::kFloat32);
    fuzz::write_seed(dir, n++, std::string(1, 1) + fuzz::read_all(fuzz::scratch() / "empty.mrf"));
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!(data[0] & 1)) {
    const std::uint32_t crc = crc32_of(bytes);
    bytes.append(reinterpret_cast<const char*>(&crc), 4);
  }
  try {
    FeatureSet f = parse_features(bytes, "feature file fuzz.mrf");
    double s = 0;
    for (std::size_t i = 0; i < f.size(); ++i)
      for (int d = 0; d < f.dim; ++d) s += f.row(i)[d];
    if (f.raw_dim > 0)
      for (int d = 0; d < f.dim; ++d)
        for (int r = 0; r < f.raw_dim; ++r) s += f.pca_components[std::size_t(d) * f.raw_dim + r] * f.pca_mean[r];
    volatile double sink = s;  // keeps the reads
    (void)sink;
  } catch (const movierec::Error&) {
  }
  return 0;
}
