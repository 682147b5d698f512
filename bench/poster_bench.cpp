// Poster embedding speed, measured side by side in one run on the same posters:
//   bare     the network's forward pass alone on pre-decoded, pre-made batches;
//   serial   decode + preprocess + forward one batch after another on one thread;
//   pipeline embed_posters end to end: decode threads overlapped with the
//            network, feature file written (what `movierec posters embed` does);
//   python   shared/reference/poster_ref.py's loop (cv2.imread + blobFromImages +
//            forward, batches of 16) on the same files, with --python.
// Pipeline overhead = pipeline / bare - 1 (target <= 10%).
// Then, with --features FILE (all posters, from `posters embed`): the 10 nearest
// posters of every poster, exact (blocked Eigen products) vs HNSW, and the
// HNSW recall@10.
//
// usage: poster_bench [--shared DIR] [-n 256] [--batch 16] [--rounds 3] [--python]
//                     [--features FILE]
#include <omp.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <opencv2/core.hpp>

#include "models/poster.h"
#include "movierec/dataset.h"
#include "movierec/registry.h"
#include "util/atomic_file.h"
#include "vision/embed.h"
#include "vision/feature_file.h"
#include "vision/net_desc.h"
#include "vision/poster_folder.h"

using namespace movierec;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of the whole process (all threads): on a busy shared machine wall
// time mixes in other people's work, CPU time does not.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// Wall and CPU seconds of one run.
struct Timing {
  double wall = 1e9, cpu = 1e9;
  template <typename F>
  void measure(F&& f) {
    const double c = cpu_now();
    const auto t = Clock::now();
    f();
    wall = std::min(wall, since(t));
    cpu = std::min(cpu, cpu_now() - c);
  }
};

struct Args {
  // $MOVIEREC_SHARED, else ../shared beside the source tree (as tests/support/shared.h).
  std::string shared =
      std::getenv("MOVIEREC_SHARED")
          ? std::getenv("MOVIEREC_SHARED")
          : (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "shared").string();
  std::size_t n = 256;
  int batch = 16, rounds = 3;
  bool python = false;
  std::string features;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", s.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (s == "--shared")
      a.shared = next();
    else if (s == "-n")
      a.n = std::stoul(next());
    else if (s == "--batch")
      a.batch = std::stoi(next());
    else if (s == "--rounds")
      a.rounds = std::stoi(next());
    else if (s == "--python")
      a.python = true;
    else if (s == "--features")
      a.features = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", s.c_str());
      std::exit(2);
    }
  }
  return a;
}

void bench_embedding(const Args& a) {
  const auto model = std::filesystem::path(a.shared) / "models/mobilenet_v2_1.0_224.onnx";
  const auto poster_dir = std::filesystem::path(a.shared) / "data/posters";
  if (!std::filesystem::exists(model) || !std::filesystem::exists(poster_dir)) {
    std::printf("skipped embedding: %s or %s is absent\n", model.c_str(), poster_dir.c_str());
    return;
  }
  keep_freed_memory();  // the same allocator settings for every variant (embed_posters sets them anyway)
  auto files = PosterFolder(poster_dir).by_movie_id();
  files.resize(std::min(files.size(), a.n));
  const std::size_t n = files.size();
  FeatureExtractor fx(load_network(model), builtin_description("mobilenetv2-shared"));
  const NetDescription& d = fx.description();
  std::printf("poster embedding: %zu shared posters, MobileNetV2 pool_features, batch %d, OpenCV %s, %d threads\n", n,
              a.batch, CV_VERSION, cv::getNumThreads());

  // The same batches for every variant, decoded once for "bare".
  std::vector<cv::Mat> blobs;
  for (std::size_t lo = 0; lo < n; lo += a.batch) {
    std::vector<cv::Mat> imgs;
    for (std::size_t k = lo; k < std::min(n, lo + a.batch); ++k) {
      std::string why;
      imgs.push_back(decode_image(files[k].file, why));
    }
    blobs.push_back(make_blob(imgs, d));
  }
  fx.forward(blobs[0]);  // warm-up: first-run allocations of the network

  const auto out = std::filesystem::temp_directory_path() / "poster_bench.mrf";
  Timing bare, serial, pipe;
  for (int r = 0; r < a.rounds; ++r) {
    bare.measure([&] {
      for (const auto& b : blobs) fx.forward(b);
    });
    serial.measure([&] {
      for (std::size_t lo = 0; lo < n; lo += a.batch) {
        std::vector<cv::Mat> imgs;
        for (std::size_t k = lo; k < std::min(n, lo + a.batch); ++k) {
          std::string why;
          imgs.push_back(decode_image(files[k].file, why));
        }
        fx.forward(make_blob(imgs, d));
      }
    });
    std::filesystem::remove(out);
    EmbedOptions o;
    o.batch = a.batch;
    pipe.measure([&] {
      EmbedReport rep = embed_posters(files, fx, out, o);
      if (rep.embedded != n) std::printf("warning: embedded %zu of %zu\n", rep.embedded, n);
    });
    std::printf(
        "  round %d (best so far, wall / cpu): bare %.2f / %.2f s, serial %.2f / %.2f s, pipeline %.2f / %.2f s\n",
        r + 1, bare.wall, bare.cpu, serial.wall, serial.cpu, pipe.wall, pipe.cpu);
  }
  std::filesystem::remove(out);
  auto line = [&](const char* what, const Timing& t) {
    std::printf("  %-34s %7.2f s %6.1f posters/s %6.2f ms/poster x%.3f | cpu %6.2f ms/poster x%.3f\n", what, t.wall,
                n / t.wall, 1000 * t.wall / n, t.wall / bare.wall, 1000 * t.cpu / n, t.cpu / bare.cpu);
  };
  std::printf("best of %d rounds (wall, then process CPU time; ratios to the bare forward pass):\n", a.rounds);
  line("bare forward (pre-made batches)", bare);
  line("serial decode+preprocess+forward", serial);
  line("pipeline end to end (+ file)", pipe);
  std::printf("  pipeline overhead over the bare forward pass: wall %+.1f%%, cpu %+.1f%% (target <= 10%%)\n",
              100 * (pipe.wall / bare.wall - 1), 100 * (pipe.cpu / bare.cpu - 1));
  std::printf("  decode hidden by the pipeline: serial - pipeline = %.2f s wall\n", serial.wall - pipe.wall);

  if (a.python) {
    // poster_ref.py's embedding loop on the same files, timed inside Python.
    const auto list = std::filesystem::temp_directory_path() / "poster_bench_files.txt";
    std::string names;
    for (const auto& f : files) names += f.file.string() + "\n";
    write_file_atomically(list, names);
    const std::string py =
        "import sys, time, cv2, numpy as np\n"
        "net = cv2.dnn.readNetFromONNX(sys.argv[1]); files = open(sys.argv[2]).read().split()\n"
        "def run():\n"
        "  t0 = time.time(); c0 = time.process_time()\n"
        "  for b in range(0, len(files), 16):\n"
        "    imgs = [cv2.imread(f) for f in files[b:b+16]]\n"
        "    blob = cv2.dnn.blobFromImages(imgs, 1/127.5, (224, 224), (127.5, 127.5, 127.5), swapRB=True, crop=False)\n"
        "    net.setInput(blob); net.forward('pool_features')\n"
        "  return time.time() - t0, time.process_time() - c0\n"
        "runs = [run() for _ in range(int(sys.argv[3]))]\n"
        "print(min(r[0] for r in runs), min(r[1] for r in runs))\n";
    const auto script = std::filesystem::temp_directory_path() / "poster_bench_ref.py";
    write_file_atomically(script, py);
    const std::string cmd = "/usr/bin/python3 " + script.string() + " " + model.string() + " " + list.string() + " " +
                            std::to_string(a.rounds);
    FILE* p = ::popen(cmd.c_str(), "r");
    Timing py_t;
    if (p) {
      if (std::fscanf(p, "%lf %lf", &py_t.wall, &py_t.cpu) != 2) py_t.wall = -1;
      ::pclose(p);
    }
    if (py_t.wall > 0 && py_t.wall < 1e9) {
      line("python reference loop (poster_ref)", py_t);
      std::printf("  pipeline speed-up over the python reference: x%.2f wall, x%.2f cpu\n", py_t.wall / pipe.wall,
                  py_t.cpu / pipe.cpu);
    } else {
      std::printf("  python reference failed (needs /usr/bin/python3 with cv2)\n");
    }
  }
  std::printf("  shared/README.md's figure for poster_ref.py: about 26 ms/poster here -> pipeline x%.2f (wall)\n",
              0.026 / (pipe.wall / n));
}

void bench_neighbours(const Args& a) {
  if (a.features.empty()) return;
  FeatureSet f = read_features(a.features);
  // A dataset whose movies are the feature file's movies (no ratings needed).
  Dataset ds;
  ds.name = "features";
  ds.users.add(1);
  for (auto id : f.movie_ids) {
    ds.items.add(id);
    Movie m;
    m.id = id;
    ds.movies.push_back(m);
  }
  ds.ratings = RatingMatrix(1, f.size(), {});
  std::printf("\nsimilar posters: %zu vectors of %d dims (%s)\n", f.size(), f.dim, a.features.c_str());
  auto model = create_model("poster", {{"features", a.features}, {"index", "exact"}, {"neighbours", "1"}});
  FitOptions fo;
  fo.dataset = &ds;
  model->fit(ds.ratings, fo);
  const auto& pm = dynamic_cast<const PosterModel&>(*model);
  auto t = Clock::now();
  auto exact = pm.all_neighbours(10, false);
  const double t_exact = since(t);
  t = Clock::now();
  auto approx = pm.all_neighbours(10, true);  // includes building the graph
  const double t_hnsw_build = since(t);
  t = Clock::now();
  approx = pm.all_neighbours(10, true);
  const double t_hnsw = since(t);
  std::size_t hit = 0;
  for (std::size_t r = 0; r < exact.size(); ++r) {
    std::set<ItemIndex> truth;
    for (const auto& s : exact[r]) truth.insert(s.item);
    for (const auto& s : approx[r]) hit += truth.count(s.item);
  }
  std::printf("  exact (blocked products)   %8.2f s\n", t_exact);
  std::printf("  hnsw build + search        %8.2f s, search only %.2f s (x%.1f faster than exact)\n", t_hnsw_build,
              t_hnsw, t_exact / t_hnsw);
  std::printf("  hnsw recall@10 vs exact: %.4f\n", double(hit) / (exact.size() * 10.0));
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  try {
    bench_embedding(a);
    bench_neighbours(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
