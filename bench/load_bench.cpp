// Loader speed: (a) ml-latest-small from ../shared (median of 15 loads);
// (b) a synthetic MovieLens-shaped ratings.csv of N rows (default 25M):
// parse-only and full load_dataset on 1 thread and on all threads, MB/s, peak
// memory vs the parsed arrays, and pandas.read_csv on the same file timed
// inside python (the reference), with the ratio.
//
// usage: load_bench [rows] [shared_dir]   (shared_dir: $MOVIEREC_SHARED or ../shared)
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/ratings_reader.h"
#include "data/text_scan.h"
#include "movierec/dataset.h"
#include "support/measure.h"
#include "support/synthetic.h"

namespace fs = std::filesystem;
using namespace movierec;
using namespace movierec::bench;

namespace {

std::size_t matrix_bytes(const RatingMatrix& m) {
  // CSR rows and 32-bit timestamps (the CSC is built on first use: not by a load).
  return m.user_ptr().size() * sizeof(std::size_t) + m.item_ptr().size() * sizeof(std::size_t) +
         m.nnz() * (sizeof(ItemIndex) + sizeof(float) + sizeof(std::int32_t));
}

void bench_small(const fs::path& shared) {
  for (const char* name : {"ml-latest-small", "ml-latest-small-2016", "ml-100k"}) {
    fs::path dir = shared / "data" / name;
    if (!fs::exists(dir)) {
      std::printf("%-22s skipped: %s is absent\n", name, dir.c_str());
      continue;
    }
    std::vector<double> ms, cpu_ms;
    std::size_t nnz = 0;
    for (int rep = 0; rep < 15; ++rep) {
      auto t = Clock::now();
      double c = cpu_seconds();
      Dataset ds = load_dataset(dir);
      ms.push_back(seconds_since(t) * 1e3);
      cpu_ms.push_back((cpu_seconds() - c) * 1e3);
      nnz = ds.ratings.nnz();
    }
    std::printf("%-22s load_dataset: median %6.1f ms wall (best %6.1f), %6.1f ms CPU (%zu ratings, %d threads)\n", name,
                median(ms), *std::min_element(ms.begin(), ms.end()), median(cpu_ms), nnz, omp_get_max_threads());
  }
}

struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct Run {
  double seconds = 0, cpu = 0;
  std::size_t peak_delta = 0, arrays = 0;
};

Run parse_only(const fs::path& dir, const Dataset& movies_only, int threads) {
  const data::RatingsFormat fmt = data::csv_ratings_format();
  data::IdLookup lookup(movies_only.items);
  Run run;
  const std::size_t rss0 = status_kb("VmRSS");
  reset_peak();
  auto t = Clock::now();
  double c = cpu_seconds();
  {
    data::FileView fv(dir / "ratings.csv");
    auto parsed = data::parse_ratings(fv.bytes(), fmt, lookup, false, threads, false, &fv, 0);
    IdMap users;
    data::map_users(parsed.users, parsed.max_user, users);
    run.seconds = seconds_since(t);
    run.cpu = cpu_seconds() - c;
    run.arrays = parsed.size() * (sizeof(UserIndex) + sizeof(ItemIndex) + sizeof(float) + sizeof(std::int64_t));
    run.peak_delta = status_kb("VmHWM") - rss0;
  }
  return run;
}

Run full_load(const fs::path& dir) {
  Run run;
  const std::size_t rss0 = status_kb("VmRSS");
  reset_peak();
  auto t = Clock::now();
  double c = cpu_seconds();
  Dataset ds = load_dataset(dir);
  run.seconds = seconds_since(t);
  run.cpu = cpu_seconds() - c;
  run.peak_delta = status_kb("VmHWM") - rss0;
  run.arrays = matrix_bytes(ds.ratings);
  return run;
}

}  // namespace

static int run(int argc, char** argv) {
  std::size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 25000000;
  fs::path shared = shared_dir();
  if (argc > 2) shared = argv[2];
  const int all = omp_get_max_threads();
  std::printf("== (a) small datasets from %s\n", shared.c_str());
  bench_small(shared);

  std::printf("== (b) synthetic ratings.csv, %zu rows\n", rows);
  TempDir tmp{fs::temp_directory_path() / ("movierec-load-bench-" + std::to_string(::getpid()))};
  fs::create_directories(tmp.path);
  bench::SyntheticSpec spec;
  // ml-25m's shape: 162,541 users and 59,047 rated movies for 25,000,095 ratings.
  spec.n_users = std::max<std::size_t>(10, rows * 162541 / 25000095);
  spec.n_items = std::max<std::size_t>(1000, rows * 59047 / 25000095);
  spec.n_ratings = rows;
  spec.factors = 8;
  spec.seed = 7;
  {
    auto t = Clock::now();
    auto ratings = bench::generate_ratings(spec);
    double gen = seconds_since(t);
    t = Clock::now();
    bench::write_ratings_csv(tmp.path / "ratings.csv", ratings);
    bench::write_movies_csv(tmp.path / "movies.csv", spec.n_items);
    std::printf("generated %zu users x %zu movies in %.2f s, wrote the CSVs in %.2f s (%d threads)\n", spec.n_users,
                spec.n_items, gen, seconds_since(t), all);
  }
  const double mb = static_cast<double>(fs::file_size(tmp.path / "ratings.csv")) / 1e6;
  std::printf("ratings.csv: %.1f MB\n", mb);
  Dataset movies_only;
  {
    // The movie ids, as load_dataset has them before the ratings.
    Dataset d = load_dataset(tmp.path);
    movies_only.items = d.items;
    double mean = d.ratings.mean(), var = 0;
    for (float v : d.ratings.user_values_raw()) var += (v - mean) * (v - mean);
    std::printf("loaded back: %zu ratings (%s), %zu users, %zu rated movies, mean %.2f, sd %.2f\n", d.ratings.nnz(),
                d.ratings.nnz() == rows ? "all" : "MISSING SOME", d.users.size(), d.rated_movies(), mean,
                std::sqrt(var / static_cast<double>(d.ratings.nnz())));
  }

  std::vector<int> thread_counts{1};
  if (all > 1) thread_counts.push_back(all);
  double ours_1 = 0, ours_1_cpu = 0;
  for (int th : thread_counts) {
    omp_set_num_threads(th);
    Run p = parse_only(tmp.path, movies_only, th);
    Run f = full_load(tmp.path);
    if (th == 1) ours_1 = mb / p.seconds, ours_1_cpu = mb / p.cpu;
    std::printf(
        "ours, %2d thread%s: parse        %6.2f s wall = %6.1f MB/s, %6.2f s CPU = %6.1f MB/s per CPU-s; "
        "peak +%.0f MB for %.0f MB of parsed ratings (x%.2f)\n",
        th, th == 1 ? " " : "s", p.seconds, mb / p.seconds, p.cpu, mb / p.cpu, p.peak_delta / 1e6, p.arrays / 1e6,
        static_cast<double>(p.peak_delta) / static_cast<double>(p.arrays));
    std::printf(
        "ours, %2d thread%s: load_dataset %6.2f s wall = %6.1f MB/s, %6.2f s CPU = %6.1f MB/s per CPU-s; "
        "peak +%.0f MB for a %.0f MB RatingMatrix (x%.2f)\n",
        th, th == 1 ? " " : "s", f.seconds, mb / f.seconds, f.cpu, mb / f.cpu, f.peak_delta / 1e6, f.arrays / 1e6,
        static_cast<double>(f.peak_delta) / static_cast<double>(f.arrays));
  }
  omp_set_num_threads(all);

  // The reference: pandas.read_csv on the same file, timed inside python
  // (wall and CPU time of the read alone).
  std::string cmd =
      "/usr/bin/python3 -c \"import time, pandas; t = time.perf_counter(); c = time.process_time(); "
      "df = pandas.read_csv('" +
      (tmp.path / "ratings.csv").string() +
      "'); print(time.perf_counter() - t, time.process_time() - c, len(df))\" 2>&1";
  FILE* py = ::popen(cmd.c_str(), "r");
  double pandas_s = 0, pandas_cpu = 0;
  std::size_t pandas_rows = 0;
  if (py && std::fscanf(py, "%lf %lf %zu", &pandas_s, &pandas_cpu, &pandas_rows) == 3 && pandas_s > 0 &&
      pandas_cpu > 0) {
    std::printf("pandas.read_csv:          %6.2f s wall = %6.1f MB/s, %6.2f s CPU = %6.1f MB/s per CPU-s (%zu rows)\n",
                pandas_s, mb / pandas_s, pandas_cpu, mb / pandas_cpu, pandas_rows);
    std::printf("ratio ours (1 thread parse) / pandas: %.1fx wall, %.1fx CPU\n", ours_1 / (mb / pandas_s),
                ours_1_cpu / (mb / pandas_cpu));
  } else {
    std::printf("pandas.read_csv: not measured (/usr/bin/python3 with pandas is needed)\n");
  }
  if (py) ::pclose(py);
  return 0;
}

int main(int argc, char** argv) {
  // Caught here so that TempDir's destructor removes the files on errors too.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_bench: %s\n", e.what());
    return 1;
  }
}
