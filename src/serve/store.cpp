#include "serve/store.h"

#include <sqlite3.h>

#include <chrono>
#include <string>

#include "movierec/errors.h"

namespace movierec::serve {

namespace {

// A statement reset (bindings kept, cleared by the next bind) when it leaves scope.
struct Reset {
  sqlite3_stmt* s;
  ~Reset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

}  // namespace

RatingStore::RatingStore(const std::filesystem::path& file) : file_(file) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw IoError(file.string() + ": cannot open the ratings database: " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // A file that is not SQLite fails here ("file is not a database").
    exec("PRAGMA journal_mode=WAL");
    // In WAL mode, synchronous=NORMAL writes every commit to the WAL file with
    // write() before the commit returns, and fsyncs only at checkpoints. A
    // kill -9 of the server loses nothing that was acknowledged (the WAL is in
    // the OS's page cache and replayed on the next open); only a power loss or
    // kernel crash could roll back the last commits. FULL would fsync on
    // every rating (milliseconds each here) for that case alone.
    exec("PRAGMA synchronous=NORMAL");
    // No checkpoint inside a commit (SQLite's default every 1000 pages fsyncs
    // the database file in the middle of a rating's request, hundreds of ms on
    // a busy disk); checkpoint_loop does them.
    exec("PRAGMA wal_autocheckpoint=0");
    exec("PRAGMA foreign_keys=ON");
    migrate();
    put_ = prepare(
        "INSERT INTO ratings(user_id, movie_id, rating, timestamp) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(user_id, movie_id) DO UPDATE SET rating = excluded.rating, timestamp = excluded.timestamp");
    remove_ = prepare("DELETE FROM ratings WHERE user_id = ?1 AND movie_id = ?2");
    add_user_ = prepare("INSERT OR IGNORE INTO users(user_id, created) VALUES(?1, ?2)");
    if (sqlite3_open_v2(file.c_str(), &checkpoint_db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK)
      throw IoError(file.string() + ": cannot open a second connection for checkpoints");
    sqlite3_busy_timeout(checkpoint_db_, 5000);
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  } catch (...) {
    sqlite3_close(checkpoint_db_);
    checkpoint_db_ = nullptr;
    sqlite3_finalize(put_);
    sqlite3_finalize(remove_);
    sqlite3_finalize(add_user_);
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

RatingStore::~RatingStore() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  sqlite3_close(checkpoint_db_);
  sqlite3_finalize(put_);
  sqlite3_finalize(remove_);
  sqlite3_finalize(add_user_);
  sqlite3_close(db_);  // checkpoints the WAL into the main file
}

void RatingStore::checkpoint_loop() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    lock.unlock();
    // PASSIVE: copies what it can without blocking writers (WAL lets them go on).
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

void RatingStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    const int code = sqlite3_errcode(db_);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      throw DataError(file_.string() + ": not a movierec ratings database (" + msg + ")");
    throw IoError(file_.string() + ": " + msg + " (in \"" + sql + "\")");
  }
}

sqlite3_stmt* RatingStore::prepare(const char* sql) const {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    throw IoError(file_.string() + ": " + sqlite3_errmsg(db_));
  return s;
}

int RatingStore::schema_version() const {
  std::lock_guard lock(mu_);
  sqlite3_stmt* s = prepare("PRAGMA user_version");
  int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  return v;
}

void RatingStore::migrate() {
  sqlite3_stmt* s = prepare("PRAGMA user_version");
  int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
  sqlite3_finalize(s);
  if (v > kSchemaVersion)
    throw DataError(file_.string() + ": ratings database schema version " + std::to_string(v) +
                    " was written by a newer movierec (this one reads versions up to " +
                    std::to_string(kSchemaVersion) + "); upgrade movierec or use another --db");
  if (v == kSchemaVersion) return;
  if (v == 0) {
    // A new file, or an SQLite file of something else: refuse foreign tables.
    sqlite3_stmt* t = prepare("SELECT count(*) FROM sqlite_master");
    const int tables = sqlite3_step(t) == SQLITE_ROW ? sqlite3_column_int(t, 0) : 0;
    sqlite3_finalize(t);
    if (tables > 0) throw DataError(file_.string() + ": an SQLite file but not a movierec ratings database");
  }
  exec("BEGIN IMMEDIATE");
  try {
    if (v < 1)
      exec(
          "CREATE TABLE ratings(user_id INTEGER NOT NULL, movie_id INTEGER NOT NULL, rating REAL NOT NULL, "
          "timestamp INTEGER NOT NULL, PRIMARY KEY(user_id, movie_id)) WITHOUT ROWID");
    if (v < 2) {
      exec("CREATE TABLE users(user_id INTEGER PRIMARY KEY, created INTEGER NOT NULL)");
      // Version 1 had no users table: every user who rated becomes one.
      exec(
          "INSERT INTO users(user_id, created) SELECT user_id, min(timestamp) FROM ratings GROUP BY "
          "user_id");
    }
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void RatingStore::put(std::span<const StoredRating> ratings) {
  std::lock_guard lock(mu_);
  exec("BEGIN IMMEDIATE");
  try {
    for (const auto& r : ratings) {
      Reset reset{put_};
      sqlite3_bind_int64(put_, 1, r.user_id);
      sqlite3_bind_int64(put_, 2, r.movie_id);
      sqlite3_bind_double(put_, 3, r.rating);
      sqlite3_bind_int64(put_, 4, r.timestamp);
      if (sqlite3_step(put_) != SQLITE_DONE) throw IoError(file_.string() + ": " + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

bool RatingStore::remove(std::int64_t user_id, std::int64_t movie_id) {
  std::lock_guard lock(mu_);
  Reset reset{remove_};
  sqlite3_bind_int64(remove_, 1, user_id);
  sqlite3_bind_int64(remove_, 2, movie_id);
  if (sqlite3_step(remove_) != SQLITE_DONE) throw IoError(file_.string() + ": " + sqlite3_errmsg(db_));
  return sqlite3_changes(db_) > 0;
}

void RatingStore::add_user(std::int64_t user_id, std::int64_t created) {
  std::lock_guard lock(mu_);
  Reset reset{add_user_};
  sqlite3_bind_int64(add_user_, 1, user_id);
  sqlite3_bind_int64(add_user_, 2, created);
  if (sqlite3_step(add_user_) != SQLITE_DONE) throw IoError(file_.string() + ": " + sqlite3_errmsg(db_));
}

std::vector<StoredRating> RatingStore::all_ratings() const {
  std::lock_guard lock(mu_);
  sqlite3_stmt* s = prepare("SELECT user_id, movie_id, rating, timestamp FROM ratings ORDER BY user_id, movie_id");
  std::vector<StoredRating> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                   static_cast<float>(sqlite3_column_double(s, 2)), sqlite3_column_int64(s, 3)});
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) throw IoError(file_.string() + ": " + sqlite3_errmsg(db_));
  return out;
}

std::vector<std::int64_t> RatingStore::users() const {
  std::lock_guard lock(mu_);
  sqlite3_stmt* s = prepare("SELECT user_id FROM users ORDER BY user_id");
  std::vector<std::int64_t> out;
  while (sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  return out;
}

std::int64_t RatingStore::count() const {
  std::lock_guard lock(mu_);
  sqlite3_stmt* s = prepare("SELECT count(*) FROM ratings");
  std::int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  return n;
}

}  // namespace movierec::serve
