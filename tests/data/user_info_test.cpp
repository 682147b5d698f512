// The user files: ml-100k's u.user and ml-1m's users.dat (demographics of cold users).
#include <gtest/gtest.h>

#include "fixtures.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"

namespace movierec {
namespace {

using testing::fixture;
using testing::write_text;

const UserInfo& info_of(const Dataset& ds, std::int64_t user) { return ds.user_info.at(*ds.users.find(user)); }

TEST(UserInfo, Ml100kUserFile) {
  // u.user lists 10, 20 and 99 (no rating: skipped); user 30 rates but is not listed.
  Dataset ds = load_dataset(fixture("ml100k-tiny"));
  ASSERT_EQ(ds.user_info.size(), 3u);
  EXPECT_EQ(info_of(ds, 10).age, 24);
  EXPECT_EQ(info_of(ds, 10).gender, "M");
  EXPECT_EQ(info_of(ds, 10).occupation, "technician");
  EXPECT_EQ(info_of(ds, 20).age, 53);
  EXPECT_EQ(info_of(ds, 20).gender, "F");
  EXPECT_EQ(info_of(ds, 20).occupation, "other");
  EXPECT_EQ(info_of(ds, 30).age, 0);
  EXPECT_EQ(info_of(ds, 30).gender, "");
  EXPECT_EQ(info_of(ds, 30).occupation, "");
}

TEST(UserInfo, Ml1mUsersDatGenderBeforeAge) {
  // users.dat: "1::F::1::10::48067" (age bucket 1 = under 18, occupation code 10).
  Dataset ds = load_dataset(fixture("ml1m-tiny"));
  ASSERT_EQ(ds.user_info.size(), ds.users.size());
  EXPECT_EQ(info_of(ds, 1).age, 1);
  EXPECT_EQ(info_of(ds, 1).gender, "F");
  EXPECT_EQ(info_of(ds, 1).occupation, "10");
  EXPECT_EQ(info_of(ds, 2).age, 56);
  EXPECT_EQ(info_of(ds, 2).occupation, "16");
}

TEST(UserInfo, CsvSetsHaveNone) { EXPECT_TRUE(load_dataset(fixture("csv-tiny")).user_info.empty()); }

TEST(UserInfo, BadRowsNameFileLineAndField) {
  auto dir = testing::temp_dir("user-info-bad");
  for (const char* f : {"u.data", "u.item", "u.genre"}) std::filesystem::copy_file(fixture("ml100k-tiny") / f, dir / f);
  auto error_of = [&](const std::string& body) -> std::string {
    write_text(dir / "u.user", body);
    try {
      load_dataset(dir);
    } catch (const DataError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of("10|24|M|technician|85711\n20|old|F|other|94043\n"),
            "u.user:2: field 'age': expected an age in [0, 150], got \"old\"");
  EXPECT_EQ(error_of("10|24|X|technician|85711\n"), "u.user:1: field 'gender': expected M or F, got \"X\"");
  EXPECT_EQ(error_of("0|24|M|technician|85711\n"),
            "u.user:1: field 'user id': expected a positive integer id, got \"0\"");
  EXPECT_EQ(error_of("10|24|M|technician\n"),
            "u.user:1: expected 5 fields (user id|age|gender|occupation|zip code), got 4: \"10|24|M|technician\"");
  // Lenient: the bad row is skipped and counted, the good ones kept.
  write_text(dir / "u.user", "10|24|M|technician|85711\n20|old|F|other|94043\n");
  LoadOptions lenient;
  lenient.lenient = true;
  LoadReport report;
  Dataset ds = load_dataset(dir, lenient, &report);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(info_of(ds, 10).age, 24);
  EXPECT_EQ(info_of(ds, 20).age, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace movierec
