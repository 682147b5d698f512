// MovieLens datasets from GroupLens: download, check, unzip, install into the
// cache atomically.
//
// Cache layout: <cache>/<name>/ is a complete dataset folder or absent. Work
// happens in <cache>/.fetch-<pid>-<n>/ and the folder is renamed into place at
// the end, so an interrupted or failed fetch leaves the cache as it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "net/http.h"

namespace movierec::net {

struct DatasetInfo {
  std::string name;         // "ml-latest-small": also the zip's name and its top folder
  std::string description;  // for --help and error messages
  // Cap on the unzipped files kept (dataset_file), with a wide margin: measured
  // here ml-latest-small unpacks to 3.2 MB and ml-100k to 16 MB (cap 256 MB);
  // the big sets' zips are about 250 MB (cap 4 GiB, 16x the zip).
  std::uint64_t max_unzipped_bytes = 0;
};

// Unzipped files worth installing, by name: README*, the MovieLens CSV files
// (ratings, movies, links, tags), the .dat files of ml-1m/ml-10m, ml-100k's
// u.* files and its predefined splits (u1..u5, ua, ub .base/.test). Anything
// else in a zip (genome scores, junk) is not written.
bool dataset_file(const std::filesystem::path& relative);
// Unzipped bytes may be at most this many times the zip's size (MovieLens
// text compresses about 3-5x; a zip bomb of zeros about 1000x).
constexpr double kMaxUnzipRatio = 20;

// ml-latest-small, ml-100k, ml-1m, ml-25m, ml-32m.
const std::vector<DatasetInfo>& known_datasets();
bool is_known_dataset(const std::string& name);
// "ml-latest-small, ml-100k, ..." for messages.
std::string known_dataset_names();

// $MOVIEREC_DATA, else $XDG_CACHE_HOME/movierec, else ~/.cache/movierec.
std::filesystem::path data_cache_dir();
// $MOVIEREC_DATA_URL, else https://files.grouplens.org/datasets/movielens.
std::string default_dataset_base_url();

struct FetchDataOptions {
  std::filesystem::path cache;  // empty: data_cache_dir()
  std::string base_url;         // empty: default_dataset_base_url(); the zip is <base>/<name>.zip
  bool force = false;           // download again even when the dataset is in the cache
  // Load the unzipped folder with load_dataset before installing it; a dataset
  // that does not load is not installed. Costs a full load (seconds on ml-25m).
  bool verify_load = true;
  bool progress = true;  // download bar on stderr
  HttpOptions http = [] {
    HttpOptions h;
    h.timeout_ms = 0;  // ml-32m is 239 MB: no total limit, stall_timeout_s instead
    return h;
  }();
};

struct FetchDataResult {
  std::filesystem::path dir;  // <cache>/<name>
  bool downloaded = false;    // false: it was already in the cache
  std::uint64_t zip_bytes = 0;
  std::string zip_sha256;     // of the downloaded zip (for the record)
  std::string checksum_note;  // how the zip was checked against GroupLens' .md5
  std::string load_note;      // how the unzipped folder was checked
  std::size_t files = 0;
};

// Downloads <base>/<name>.zip (checking it against <name>.zip.md5 when the
// server has one), unzips it with libarchive, checks it loads, and renames the
// dataset folder into <cache>/<name>. Returns at once when the folder exists
// (unless force). Throws ConfigError for an unknown name; IoError for network
// or disk failures, a broken zip, or a dataset that does not load.
FetchDataResult fetch_dataset(const std::string& name, const FetchDataOptions& o = {});

// The dataset folder for a folder or a dataset name (the `data` argument of
// the CLI and the server): an existing folder is used as is; a known dataset
// name (ml-latest-small, ml-100k, ml-1m, ml-25m, ml-32m) is looked up in the
// cache (o.cache, default data_cache_dir()) and fetched with o when absent;
// note, when set, receives one line before and after a fetch. Throws
// ConfigError naming folder_or_name when it is a file or neither.
std::filesystem::path resolve_dataset(const std::string& folder_or_name, const FetchDataOptions& o = {},
                                      const std::function<void(const std::string&)>& note = {});

// Removes <dir>/.fetch-<pid>-* folders and *.tmp.<pid>.<n> files left by
// processes that no longer run (a fetch killed with SIGKILL). Returns how many.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace movierec::net
