#include "net/datasets.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "net/archive.h"
#include "net/digest.h"
#include "util/atomic_file.h"

namespace movierec::net {

namespace {

// The folder the zip unpacked into: its only top-level folder (GroupLens zips
// hold "ml-1m/..."), or the extraction folder itself when files lie at the top.
std::filesystem::path dataset_root(const std::filesystem::path& extracted) {
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(extracted)) {
    auto n = e.path().filename().string();
    if (n == "__MACOSX" || n == ".DS_Store") continue;
    entries.push_back(e.path());
  }
  if (entries.size() == 1 && std::filesystem::is_directory(entries[0])) return entries[0];
  return extracted;
}

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  return "/tmp";
}

}  // namespace

const std::vector<DatasetInfo>& known_datasets() {
  static const std::vector<DatasetInfo> kSets = {
      {"ml-latest-small", "MovieLens latest, small: about 100 thousand ratings by 610 users (1 MB zip)", 256 << 20},
      {"ml-100k", "MovieLens 100K (1998): 100 thousand ratings by 943 users of 1,682 movies (5 MB zip)", 256 << 20},
      {"ml-1m", "MovieLens 1M (2003): about 1 million ratings by 6,040 users (6 MB zip)", 256 << 20},
      {"ml-25m", "MovieLens 25M (2019): about 25 million ratings (250 MB zip)", std::uint64_t(4) << 30},
      {"ml-32m", "MovieLens 32M (2023): about 32 million ratings (240 MB zip)", std::uint64_t(4) << 30},
  };
  return kSets;
}

bool dataset_file(const std::filesystem::path& relative) {
  const std::string n = relative.filename().string();
  if (n.rfind("README", 0) == 0) return true;
  static const char* kNames[] = {"ratings.csv", "movies.csv", "links.csv", "tags.csv",    "ratings.dat",
                                 "movies.dat",  "users.dat",  "tags.dat",  "u.data",      "u.item",
                                 "u.genre",     "u.user",     "u.info",    "u.occupation"};
  for (const char* k : kNames)
    if (n == k) return true;
  // ml-100k's predefined splits: u1..u5, ua, ub with .base / .test.
  if (n.size() == 7 && n[0] == 'u' && (n.ends_with(".base") || n.ends_with(".test")))
    return (n[1] >= '1' && n[1] <= '5') || n[1] == 'a' || n[1] == 'b';
  return false;
}

bool is_known_dataset(const std::string& name) {
  for (const auto& d : known_datasets())
    if (d.name == name) return true;
  return false;
}

std::string known_dataset_names() {
  std::string s;
  for (const auto& d : known_datasets()) s += (s.empty() ? "" : ", ") + d.name;
  return s;
}

std::filesystem::path data_cache_dir() {
  if (const char* d = std::getenv("MOVIEREC_DATA"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "movierec";
  return std::filesystem::path(home_dir()) / ".cache" / "movierec";
}

std::string default_dataset_base_url() {
  if (const char* u = std::getenv("MOVIEREC_DATA_URL"); u && *u) return u;
  return "https://files.grouplens.org/datasets/movielens";
}

std::size_t remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return 0;
  std::size_t removed = 0;
  std::vector<std::filesystem::path> stale;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    // ".fetch-<pid>-<n>" folders, temp_path_for's "<name>.tmp.<pid>.<n>" files.
    const long pid = n.rfind(".fetch-", 0) == 0 ? temp_file_pid(n, ".fetch-") : temp_file_pid(n, ".tmp.");
    if (pid > 0 && pid != ::getpid() && !process_alive(pid)) stale.push_back(e.path());
  }
  for (const auto& p : stale) removed += std::filesystem::remove_all(p, ec) > 0;
  return removed;
}

std::filesystem::path resolve_dataset(const std::string& folder_or_name, const FetchDataOptions& o,
                                      const std::function<void(const std::string&)>& note) {
  std::error_code ec;
  const std::filesystem::path p(folder_or_name);
  if (std::filesystem::is_directory(p, ec)) return p;
  if (std::filesystem::exists(p, ec))
    throw ConfigError("dataset '" + folder_or_name +
                      "' is a file; expected a dataset folder or one of: " + known_dataset_names());
  if (is_known_dataset(folder_or_name)) {
    const std::filesystem::path cache = o.cache.empty() ? data_cache_dir() : o.cache;
    const auto cached = cache / folder_or_name;
    if (std::filesystem::is_directory(cached, ec)) return cached;
    if (note) note("fetching " + folder_or_name + " into " + cache.string() + " (first use)");
    auto r = fetch_dataset(folder_or_name, o);
    if (note) note("  " + r.checksum_note);
    return r.dir;
  }
  throw ConfigError("dataset '" + folder_or_name +
                    "': no such folder, and not a known dataset name (known: " + known_dataset_names() +
                    "; fetched into " + (o.cache.empty() ? data_cache_dir() : o.cache).string() + " on first use)");
}

FetchDataResult fetch_dataset(const std::string& name, const FetchDataOptions& o) {
  if (!is_known_dataset(name))
    throw ConfigError("unknown dataset '" + name + "'; known datasets: " + known_dataset_names());
  const std::filesystem::path cache = o.cache.empty() ? data_cache_dir() : o.cache;
  FetchDataResult res;
  res.dir = cache / name;
  std::error_code ec;
  if (!o.force && std::filesystem::is_directory(res.dir, ec)) {
    res.checksum_note = "already in the cache";
    return res;
  }
  std::filesystem::create_directories(cache, ec);
  if (ec)
    throw IoError("cannot create the data cache " + cache.string() + ": " + ec.message() +
                  " (set MOVIEREC_DATA, or the cache option, to a writable folder)");
  remove_stale_temporaries(cache);

  static std::atomic<unsigned> counter{0};
  const auto stage = cache / (".fetch-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  struct StageGuard {
    std::filesystem::path p;
    ~StageGuard() {
      std::error_code e;
      std::filesystem::remove_all(p, e);
    }
  } guard{stage};
  std::filesystem::create_directories(stage / "x");

  const std::string base = o.base_url.empty() ? default_dataset_base_url() : o.base_url;
  const std::string zip_url = join_url(base, name + ".zip");
  HttpClient http(o.http);

  // GroupLens publishes <name>.zip.md5 next to each zip: use it when offered.
  std::string expected_md5;
  {
    HttpResponse r = http.get(zip_url + ".md5");
    if (r.ok()) {
      expected_md5 = find_hex_digest(r.body, 16);
      if (expected_md5.empty())
        res.checksum_note = "the server's " + name + ".zip.md5 holds no MD5; zip not checked against it";
    } else {
      res.checksum_note = "no " + name + ".zip.md5 from the server (" + r.describe() +
                          "); zip checked only by its CRCs while unzipping";
    }
  }

  HttpOptions ho = o.http;
  ho.progress = o.progress;
  HttpClient dl(ho);
  const auto zip = stage / (name + ".zip");
  DownloadCheck check;
  check.md5 = expected_md5;
  DownloadResult d = dl.download(zip_url, zip, check, name + ".zip");
  res.downloaded = true;
  res.zip_bytes = d.bytes;
  res.zip_sha256 = d.sha256;
  if (!expected_md5.empty()) res.checksum_note = "md5 " + d.md5 + " matches the server's " + name + ".zip.md5";

  // A bad archive from the server is a failed download (exit 1), not bad user input.
  ExtractStats xs;
  try {
    ExtractLimits limits;
    for (const auto& k : known_datasets())
      if (k.name == name) limits.max_bytes = k.max_unzipped_bytes;
    limits.max_ratio = kMaxUnzipRatio;
    limits.keep = dataset_file;
    xs = extract_zip(zip, stage / "x", limits);
  } catch (const DataError& e) {
    throw IoError("the zip from " + mask_secrets(zip_url, o.http.secrets) +
                  " is broken, nothing was installed: " + e.what());
  }
  res.files = xs.files;
  std::filesystem::remove(zip, ec);
  const auto root = dataset_root(stage / "x");

  if (o.verify_load) {
    try {
      Dataset ds = load_dataset(root);
      res.load_note = "loads: " + std::to_string(ds.ratings.nnz()) + " ratings, " + std::to_string(ds.users.size()) +
                      " users, " + std::to_string(ds.movies.size()) + " movies";
    } catch (const Error& e) {
      throw IoError("the downloaded " + name + " does not load, so it was not installed: " + e.what());
    }
  } else {
    res.load_note = "not verified (verify_load off)";
  }

  // Install: exchange with an existing folder (force) or plain rename.
  if (std::filesystem::is_directory(res.dir, ec)) {
    if (::renameat2(AT_FDCWD, root.c_str(), AT_FDCWD, res.dir.c_str(), RENAME_EXCHANGE) != 0) {
      // No RENAME_EXCHANGE (old kernel or file system): move the old one aside first.
      auto old = stage / "old";
      std::filesystem::rename(res.dir, old, ec);
      if (ec) throw IoError("cannot replace " + res.dir.string() + ": " + ec.message());
      std::filesystem::rename(root, res.dir, ec);
      if (ec) {
        std::error_code ec2;
        std::filesystem::rename(old, res.dir, ec2);
        throw IoError("cannot install " + res.dir.string() + ": " + ec.message());
      }
    }
    // The old folder now sits where root was, inside stage: the guard removes it.
  } else {
    std::filesystem::rename(root, res.dir, ec);
    if (ec) {
      // Another process installed it meanwhile: theirs is as good as ours.
      if (std::filesystem::is_directory(res.dir)) return res;
      throw IoError("cannot install " + res.dir.string() + ": " + ec.message());
    }
  }
  return res;
}

}  // namespace movierec::net
