// Ratings given through the server, kept in SQLite (one file, WAL mode).
// The database is the durable copy; the server keeps a copy in memory for
// reads (RatingStore::snapshot), updated after each commit.
//
// Schema (PRAGMA user_version):
//   1: ratings(user_id, movie_id, rating, timestamp), one row per (user, movie)
//   2: + users(user_id, created): the users created through the API
// Opening a version-1 file migrates it to 2 in one transaction; a file with a
// higher version than kSchemaVersion (written by a newer movierec) is refused.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace movierec::serve {

struct StoredRating {
  std::int64_t user_id = 0;   // MovieLens-style userId
  std::int64_t movie_id = 0;  // MovieLens movieId
  float rating = 0;
  std::int64_t timestamp = 0;  // seconds since the epoch
};

class RatingStore {
 public:
  static constexpr int kSchemaVersion = 2;

  // Opens or creates the database and migrates it. Throws DataError naming the
  // file when it is not a movierec database or has a newer schema version,
  // IoError when it cannot be opened.
  explicit RatingStore(const std::filesystem::path& file);
  ~RatingStore();
  RatingStore(const RatingStore&) = delete;
  RatingStore& operator=(const RatingStore&) = delete;

  // Inserts or replaces the ratings in one transaction; returns after the
  // commit (durable against a kill of the process, see the constructor).
  void put(std::span<const StoredRating> ratings);
  // Removes one rating; false when there was none.
  bool remove(std::int64_t user_id, std::int64_t movie_id);
  // Records a new API user.
  void add_user(std::int64_t user_id, std::int64_t created);

  // Every stored rating, ordered by user then movie.
  std::vector<StoredRating> all_ratings() const;
  // Every API user id.
  std::vector<std::int64_t> users() const;
  std::int64_t count() const;
  int schema_version() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  void exec(const char* sql) const;
  void migrate();
  sqlite3_stmt* prepare(const char* sql) const;

  void checkpoint_loop();

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  // WAL checkpoints (copying the WAL into the database file, with an fsync)
  // run here, on a second connection, once a second: never on a request.
  sqlite3* checkpoint_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  mutable std::mutex mu_;  // one connection; SQLite serialises writers anyway
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  sqlite3_stmt* add_user_ = nullptr;
};

}  // namespace movierec::serve
