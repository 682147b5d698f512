// Issue 11: hostile model files with a valid checksum and dataset fingerprint.
// Every size in a payload is checked against the dataset (its id maps) and the
// bytes left before anything is allocated or computed; non-finite values are
// refused. Each file here is a fitted model's file with one field rewritten and
// the CRC-32 recomputed, so only the payload checks can catch it.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>

#include "mf_fixtures.h"
#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

constexpr const char* kWhat = "model file hostile.mrm";

struct Saved {
  Dataset ds;
  std::string bytes;
  std::size_t payload = 0;  // offset of the payload's first byte
};

Saved saved(const std::string& name, ParamMap params = {}) {
  Saved s;
  s.ds = dataset_of(low_rank_matrix(12, 9, 2, 0.6, 0.3f, 61));
  auto m = create_model(name, params);
  FitOptions fo;
  fo.threads = 1;
  m->fit(s.ds.ratings, fo);
  auto dir = temp_dir("issue11-" + name);
  save_model(dir / "m.mrm", *m, s.ds);
  s.bytes = read_file(dir / "m.mrm");
  std::filesystem::remove_all(dir);
  s.payload = payload_offset(s.bytes);
  return s;
}

// The bytes with a value written at payload offset `at` and the CRC recomputed.
template <typename T>
std::string patched(const Saved& s, std::size_t at, T value) {
  std::string b = s.bytes;
  std::memcpy(b.data() + s.payload + at, &value, sizeof value);
  const std::uint32_t crc = crc32_of(std::string_view(b).substr(0, b.size() - 4));
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
  return b;
}

// Expects a DataError naming the file and holding `problem`, within a second
// (a check that runs before any allocation or computation is instant).
void expect_refused(const Saved& s, const std::string& bytes, const std::string& problem) {
  SCOPED_TRACE(problem);
  const auto start = std::chrono::steady_clock::now();
  try {
    load_model_bytes(bytes, kWhat, s.ds);
    ADD_FAILURE() << "loaded";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(kWhat), std::string::npos) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a DataError: " << e.what();
  }
  // Generous: the unfixed loader took 5-13 s for n_users = 2^28.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
}

constexpr std::uint64_t kWrap = std::numeric_limits<std::uint64_t>::max();

}  // namespace

TEST(Issue11ModelFile, IntactFilesOfEveryPatchedModelLoad) {
  for (const char* name :
       {"item-knn", "user-knn", "article-item-cosine", "ease", "svd", "baseline", "global-mean", "popularity"}) {
    SCOPED_TRACE(name);
    const Saved s = saved(name);
    EXPECT_EQ(load_model_bytes(s.bytes, kWhat, s.ds)->n_users(), 12u);
  }
}

TEST(Issue11ModelFile, KnnUserAndItemCountsThatWrapOrExceedTheDatasetAreRefused) {
  // item-knn payload: u32 version, u32 kind, u64 n_users, u64 n_items, ...
  // n_users = 2^64-1 made user_ptr_.assign(n_users + 1) wrap to 0 elements
  // (heap overflow under ASan); 2^28 allocated 4.2 GB before failing.
  for (const char* name : {"item-knn", "user-knn"}) {
    SCOPED_TRACE(name);
    const Saved s = saved(name);
    expect_refused(s, patched(s, 8, kWrap), "n_users = 18446744073709551615, the dataset has 12 users");
    expect_refused(s, patched(s, 8, std::uint64_t(1) << 28), "n_users = 268435456, the dataset has 12 users");
    expect_refused(s, patched(s, 16, kWrap), "n_items = 18446744073709551615, the dataset has 9 movies");
    expect_refused(s, patched(s, 16, std::uint64_t(10)), "n_items = 10, the dataset has 9 movies");
  }
}

TEST(Issue11ModelFile, ArticleCosineSizesAreCheckedBeforeTheSimilarityBuild) {
  const Saved s = saved("article-item-cosine");
  expect_refused(s, patched(s, 8, std::uint64_t(1) << 24), "n_users = 16777216, the dataset has 12 users");
  expect_refused(s, patched(s, 16, kWrap), "n_items = 18446744073709551615");
}

TEST(Issue11ModelFile, EaseMovieCountIsCheckedBeforeAllocating) {
  // ease payload opens with u64 n_items; 2^40 ended in std::bad_alloc.
  const Saved s = saved("ease");
  expect_refused(s, patched(s, 0, std::uint64_t(1) << 40), "n_items = 1099511627776, the dataset has 9 movies");
  expect_refused(s, patched(s, 0, kWrap), "n_items = 18446744073709551615");
}

TEST(Issue11ModelFile, GlobalMeanAndPopularityCountsAreChecked) {
  const Saved g = saved("global-mean");  // f32 mu, u64 n_users, u64 n_items
  expect_refused(g, patched(g, 4, std::uint64_t(1) << 40), "n_users = 1099511627776");
  expect_refused(g, patched(g, 12, std::uint64_t(13)), "n_items = 13, the dataset has 9 movies");
  const Saved p = saved("popularity");  // u64 n_users, vector<f32> scores
  expect_refused(p, patched(p, 0, kWrap), "n_users = 18446744073709551615");
}

TEST(Issue11ModelFile, NonFiniteFactorsAndBiasesAreRefused) {
  // svd payload: user factors (u64 rows = 12, u64 k = 32, rows x k f32), movie
  // factors (9 x 32), f32 mu, vector<f32> user biases, vector<f32> movie biases.
  const Saved s = saved("svd");
  const std::size_t k = 32, user_bytes = 16 + 12 * k * 4, item_bytes = 16 + 9 * k * 4;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  expect_refused(s, patched(s, 16, nan), "user factors row 0: non-finite value at index 0");
  expect_refused(s, patched(s, user_bytes + 16 + 4 * k * 4 + 8, -inf),
                 "movie factors row 4: non-finite value at index 2");
  expect_refused(s, patched(s, user_bytes + item_bytes, nan), "global mean: non-finite");
  expect_refused(s, patched(s, user_bytes + item_bytes + 4 + 8 + 4 * 3, nan),
                 "user biases: non-finite value at index 3");
  expect_refused(s, patched(s, user_bytes + item_bytes + 4 + 8 + 4 * 12 + 8, inf),
                 "movie biases: non-finite value at index 0");
  // Baseline: f32 mu, vector<f32> user biases, vector<f32> movie biases.
  const Saved b = saved("baseline");
  expect_refused(b, patched(b, 4 + 8 + 4, nan), "user biases: non-finite value at index 1");
}

TEST(Issue11ModelFile, NonFiniteRatingsInASimilarityPayloadAreRefused) {
  // item-knn: u32, u32, u64 n_users, u64 n_items, vector<u32> users (u64 n + 4n),
  // vector<u32> items, vector<f32> values.
  const Saved s = saved("item-knn");
  std::uint64_t nnz;
  std::memcpy(&nnz, s.bytes.data() + s.payload + 24, 8);
  const std::size_t values = 24 + 2 * (8 + 4 * nnz) + 8;
  expect_refused(s, patched(s, values + 4, std::numeric_limits<float>::quiet_NaN()),
                 "ratings: non-finite value at index 1");
}

namespace {

// The file with both bias vectors of a latent-factor payload emptied (the
// payload's length and the CRC-32 rewritten): user factors (u64 rows, u64 k,
// rows x k f32), movie factors, f32 mu, vector<f32> user biases, vector<f32>
// movie biases, then the model's extra state, kept.
std::string without_biases(const Saved& s) {
  BinaryReader r(std::string_view(s.bytes).substr(s.payload, s.bytes.size() - 4 - s.payload), "test");
  for (int side = 0; side < 2; ++side) {
    const auto rows = r.get<std::uint64_t>(), k = r.get<std::uint64_t>();
    for (std::uint64_t v = 0; v < rows * k; ++v) r.get<float>();
  }
  r.get<float>();
  const std::size_t biases = r.position();
  r.get_vector<float>();
  r.get_vector<float>();
  const std::size_t extra = r.position();
  BinaryWriter w;
  w.append(s.bytes.data(), s.payload - 8);
  std::string payload = s.bytes.substr(s.payload, biases);
  payload.append(16, '\0');  // two empty vectors
  payload += s.bytes.substr(s.payload + extra, s.bytes.size() - 4 - s.payload - extra);
  w.put_string(payload);
  w.put(crc32_of(w.bytes()));
  return w.bytes();
}

}  // namespace

TEST(Issue11ModelFile, FactorModelsWhoseFoldInReadsBiasesNeedThem) {
  // svd, svd-alternating, svdpp and als (with its default biases) read both bias
  // vectors in fold-in (score_new_user); a payload with empty ones loaded, and
  // fold-in then indexed an empty vector (found by model_file_fuzz: UBSan
  // pointer overflow in SgdMf::score_new_user; a segmentation fault in Release).
  for (const char* name : {"svd", "svd-alternating", "svdpp", "als"}) {
    SCOPED_TRACE(name);
    const Saved s = saved(name);
    expect_refused(s, without_biases(s), "no user biases");
  }
  // Models without biases (ials) or with movie biases only (bpr) still load.
  for (const char* name : {"ials", "bpr"}) {
    SCOPED_TRACE(name);
    const Saved s = saved(name);
    EXPECT_EQ(load_model_bytes(without_biases(s), kWhat, s.ds)->n_users(), 12u);
  }
  // als fitted without biases writes none and loads back.
  const Saved plain = saved("als", {{"biases", "false"}});
  EXPECT_EQ(load_model_bytes(plain.bytes, kWhat, plain.ds)->n_users(), 12u);
}
