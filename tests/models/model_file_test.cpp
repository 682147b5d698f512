// Damaged model files (.mrm, layout in src/models/model_file.cpp) of factor
// models: every one is refused with a DataError naming the file and the
// problem, never a crash, a hang or a huge allocation.
#include <gtest/gtest.h>

#include <array>
#include <fstream>

#include "mf_fixtures.h"
#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// A fitted model's file, its bytes and its dataset.
struct SavedModel {
  std::string name;
  Dataset ds;
  std::filesystem::path dir, file;
  std::string bytes;
};

SavedModel saved(const std::string& name) {
  SavedModel s;
  s.name = name;
  RatingMatrix r = name == "ials" ? two_group_matrix(12, 9, 0.5, 0.1, 50) : low_rank_matrix(12, 9, 2, 0.5, 0.3f, 51);
  s.ds = dataset_of(r);
  auto m = create_model(name, {{"factors", "3"}, {name == "ials" ? "iterations" : "epochs", "2"}, {"threads", "1"}});
  m->fit(r, {});
  s.dir = temp_dir("model-file-" + name);
  s.file = s.dir / "model.mrm";
  save_model(s.file, *m, s.ds);
  s.bytes = read_file(s.file);
  return s;
}

void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The bytes with their last 4 replaced by the CRC-32 of the rest: a damage
// that the checksum does not catch, so the check behind it must.
std::string with_crc(std::string bytes) {
  const std::uint32_t crc = crc32_of(std::string_view(bytes).substr(0, bytes.size() - 4));
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  return bytes;
}

// Writes bytes to the model's file and expects load_model against ds to throw a
// DataError whose message names the file and holds `problem`.
void expect_refused(const SavedModel& s, const std::string& bytes, const std::string& problem,
                    const Dataset* ds = nullptr) {
  SCOPED_TRACE(problem + " (" + std::to_string(bytes.size()) + " bytes)");
  write_bytes(s.file, bytes);
  try {
    load_model(s.file, ds ? *ds : s.ds);
    ADD_FAILURE() << "loaded";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(s.file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a DataError: " << e.what();
  }
}

// Runs body on a freshly saved file of each factor model (svd, ials), then
// removes the file.
template <typename Body>
void for_each_model(Body body) {
  for (const char* name : {"svd", "ials"}) {
    SCOPED_TRACE(name);
    const SavedModel s = saved(name);
    body(s);
    std::filesystem::remove_all(s.dir);
  }
}

}  // namespace

TEST(ModelFile, IntactFilesLoad) {
  // The damages below start from files that do load.
  for_each_model([](const SavedModel& s) { EXPECT_EQ(load_model(s.file, s.ds)->name(), s.name); });
}

TEST(ModelFile, MissingFileIsAnIoErrorNamingIt) {
  auto s = saved("svd");
  std::filesystem::remove(s.file);
  try {
    load_model(s.file, s.ds);
    ADD_FAILURE() << "loaded";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(s.file.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(s.dir);
}

TEST(ModelFile, EmptyFileAndBadMagicAreRefused) {
  for_each_model([](const SavedModel& s) {
    expect_refused(s, "", "empty");
    std::string bad = s.bytes;
    bad[0] = 'X';
    expect_refused(s, bad, "bad magic");
    expect_refused(s, "MOVIEREX", "bad magic");
  });
}

TEST(ModelFile, TruncatedFilesAreRefused) {
  for_each_model([](const SavedModel& s) {
    const std::size_t n = s.bytes.size();
    // Inside the magic, inside the version, at the header's end, in the
    // middle, the CRC missing, the last byte missing.
    for (std::size_t len : {std::size_t(3), std::size_t(8), std::size_t(10), std::size_t(15), std::size_t(16),
                            std::size_t(40), n / 2, n - 4, n - 1})
      expect_refused(s, s.bytes.substr(0, len), "truncated");
  });
}

TEST(ModelFile, FlippedPayloadByteIsRefusedByTheChecksum) {
  for_each_model([](const SavedModel& s) {
    const std::size_t payload = payload_offset(s.bytes);
    for (std::size_t at : {payload, payload + 20, s.bytes.size() - 5}) {
      std::string bad = s.bytes;
      bad[at] ^= 0x10;
      expect_refused(s, bad, "checksum mismatch");
    }
  });
}

TEST(ModelFile, OtherFormatVersionIsRefusedByTheVersionCheck) {
  for_each_model([](const SavedModel& s) {
    std::string bad = s.bytes;
    const std::uint32_t version = 2;  // u32 after the 8-byte magic; we write version 1
    std::memcpy(bad.data() + 8, &version, 4);
    expect_refused(s, with_crc(bad), "format version 2, this movierec reads version 1");
  });
}

TEST(ModelFile, AnotherDatasetIsRefused) {
  for_each_model([](const SavedModel& s) {
    // Other sizes.
    const Dataset bigger = dataset_of(low_rank_matrix(13, 9, 2, 0.5, 0.3f, 52));
    expect_refused(s, s.bytes, "trained on another dataset", &bigger);
    // The same ids, one rating changed: only the fingerprint tells.
    std::vector<Rating> t = s.ds.ratings.triplets();
    t[0].value = t[0].value == 1.f ? 2.f : 1.f;
    const Dataset changed = dataset_of(RatingMatrix(s.ds.ratings.n_users(), s.ds.ratings.n_items(), t));
    ASSERT_EQ(changed.users.raw_ids(), s.ds.users.raw_ids());
    expect_refused(s, s.bytes, "trained on another dataset", &changed);
  });
}

TEST(ModelFile, TrailingGarbageIsRefused) {
  for_each_model([](const SavedModel& s) {
    // After the CRC: the last 4 bytes are no longer the checksum.
    expect_refused(s, s.bytes + "garbage!", "checksum mismatch");
    // Before the CRC, checksum recomputed: the reader finds bytes after the payload.
    std::string bad = s.bytes;
    bad.insert(bad.size() - 4, "garbage!");
    expect_refused(s, with_crc(bad), "trailing bytes");
  });
}

TEST(ModelFile, ImpossiblePayloadSizesAreRefused) {
  for_each_model([](const SavedModel& s) {
    // The payload opens with the user factor matrix: u64 rows, u64 k. Checksums recomputed.
    const std::size_t at = payload_offset(s.bytes);
    auto patched = [&](std::uint64_t rows, std::uint64_t k) {
      std::string b = s.bytes;
      std::memcpy(b.data() + at, &rows, 8);
      std::memcpy(b.data() + at + 8, &k, 8);
      return with_crc(b);
    };
    // Rows are checked against the dataset's 12 users before anything else.
    expect_refused(s, patched(std::uint64_t(1) << 40, 3),
                   "user factors rows = 1099511627776, the dataset has 12 users");
    expect_refused(s, patched(12, std::uint64_t(1) << 40), "user factors of 12 x 1099511627776");
    // k = 0 would need no bytes: refused, not looped over.
    expect_refused(s, patched(12, 0), "user factors of 12 x 0");
    expect_refused(s, patched(std::uint64_t(1) << 62, 0), "user factors rows = 4611686018427387904");
    // One user too many.
    expect_refused(s, patched(13, 3), "user factors rows = 13, the dataset has 12 users");
  });
}
