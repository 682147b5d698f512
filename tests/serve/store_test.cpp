// The SQLite ratings store: replace, remove, schema migration, refusals.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "serve/store.h"

using namespace movierec;
using namespace movierec::serve;
using namespace movierec::testing;

namespace {
void raw_exec(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}
}  // namespace

TEST(RatingStore, PutReplacesRemoveAndReopen) {
  auto dir = temp_dir("store");
  {
    RatingStore s(dir / "r.sqlite");
    EXPECT_EQ(s.schema_version(), RatingStore::kSchemaVersion);
    std::vector<StoredRating> a = {{7, 6, 4.5f, 100}, {7, 1, 2.0f, 101}, {8, 6, 3.0f, 102}};
    s.put(a);
    std::vector<StoredRating> again = {{7, 6, 1.0f, 200}};
    s.put(again);
    EXPECT_EQ(s.count(), 3);
    EXPECT_TRUE(s.remove(8, 6));
    EXPECT_FALSE(s.remove(8, 6));
    s.add_user(7, 50);
    s.add_user(7, 60);  // once
  }
  RatingStore s(dir / "r.sqlite");
  auto all = s.all_ratings();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].user_id, 7);
  EXPECT_EQ(all[0].movie_id, 1);
  EXPECT_EQ(all[1].movie_id, 6);
  EXPECT_EQ(all[1].rating, 1.0f);
  EXPECT_EQ(all[1].timestamp, 200);
  EXPECT_EQ(s.users(), std::vector<std::int64_t>{7});
  std::filesystem::remove_all(dir);
}

TEST(RatingStore, MigratesVersion1) {
  auto dir = temp_dir("store-v1");
  const auto f = dir / "v1.sqlite";
  raw_exec(f,
           "CREATE TABLE ratings(user_id INTEGER NOT NULL, movie_id INTEGER NOT NULL, rating REAL NOT NULL, "
           "timestamp INTEGER NOT NULL, PRIMARY KEY(user_id, movie_id)) WITHOUT ROWID;"
           "INSERT INTO ratings VALUES(700, 6, 4.5, 10), (700, 1, 3, 5), (701, 2, 1, 7);"
           "PRAGMA user_version=1;");
  RatingStore s(f);
  EXPECT_EQ(s.schema_version(), 2);
  EXPECT_EQ(s.count(), 3);
  EXPECT_EQ(s.users(), (std::vector<std::int64_t>{700, 701}));  // the v2 users table, filled from v1's ratings
  std::filesystem::remove_all(dir);
}

TEST(RatingStore, RefusesNewerSchemaForeignAndNonSqliteFiles) {
  auto dir = temp_dir("store-bad");
  { RatingStore s(dir / "new.sqlite"); }
  raw_exec(dir / "new.sqlite", "PRAGMA user_version=3");
  try {
    RatingStore s(dir / "new.sqlite");
    FAIL() << "a newer schema was opened";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("new.sqlite"), std::string::npos) << m;
    EXPECT_NE(m.find("version 3"), std::string::npos) << m;
    EXPECT_NE(m.find("newer movierec"), std::string::npos) << m;
  }
  raw_exec(dir / "other.sqlite", "CREATE TABLE t(x)");
  EXPECT_THROW(RatingStore(dir / "other.sqlite"), DataError);
  std::ofstream(dir / "text.sqlite") << "this is not a database, just some text that is long enough to be a header";
  EXPECT_THROW(RatingStore(dir / "text.sqlite"), DataError);
  EXPECT_THROW(RatingStore(dir / "no-such-dir" / "r.sqlite"), IoError);
  std::filesystem::remove_all(dir);
}
