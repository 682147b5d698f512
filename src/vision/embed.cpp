#include "vision/embed.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include <malloc.h>

#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/strings.h"
#include "vision/image_codec.h"
#include "vision/pca.h"

namespace movierec {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One decoded batch, ready for the network.
struct Batch {
  std::vector<std::int64_t> ids;
  cv::Mat blob;
  std::vector<EmbedFailure> failures;
};

// A bounded queue between the decode threads and the network thread.
class BatchQueue {
 public:
  explicit BatchQueue(std::size_t cap) : cap_(cap) {}
  // False when the consumer stopped.
  bool push(Batch b) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < cap_ || stopped_; });
    if (stopped_) return false;
    q_.push_back(std::move(b));
    not_empty_.notify_one();
    return true;
  }
  // nullopt when every producer finished and the queue is empty.
  std::optional<Batch> pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || producers_ == 0; });
    if (q_.empty()) return std::nullopt;
    Batch b = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return b;
  }
  void set_producers(int n) { producers_ = n; }
  void producer_done() {
    std::lock_guard lock(mu_);
    --producers_;
    not_empty_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    not_full_.notify_all();
  }
  // Blobs go round between the threads instead of being freed and allocated again.
  cv::Mat take_blob() {
    std::lock_guard lock(mu_);
    if (spare_.empty()) return {};
    cv::Mat b = spare_.back();
    spare_.pop_back();
    return b;
  }
  void recycle(cv::Mat blob) {
    std::lock_guard lock(mu_);
    spare_.push_back(std::move(blob));
  }

 private:
  std::size_t cap_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Batch> q_;
  std::vector<cv::Mat> spare_;
  int producers_ = 0;
  bool stopped_ = false;
};

}  // namespace

void keep_freed_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);   // blocks below 64 MB come from the heap, not fresh mmaps
    mallopt(M_TRIM_THRESHOLD, 512 << 20);  // keep up to 512 MB of free heap top
  });
}

cv::Mat decode_image(const std::filesystem::path& file, std::string& reason, std::int64_t max_pixels) {
  Image img = decode_image_file(file, reason, max_pixels);
  if (img.empty()) return {};
  return to_mat(std::move(img));
}

cv::Mat to_mat(Image&& img) {
  cv::Mat m(img.height, img.width, CV_8UC3);
  std::memcpy(m.data, img.bgr.data(), img.bgr.size());
  return m;
}

EmbedReport embed_posters(const std::vector<PosterFile>& posters, FeatureExtractor& net,
                          const std::filesystem::path& out, const EmbedOptions& opts) {
  const auto t0 = Clock::now();
  keep_freed_memory();
  if (opts.batch < 1 || opts.batch > 4096)
    throw ConfigError("batch: expected 1..4096, got " + std::to_string(opts.batch));
  if (opts.pca < 0) throw ConfigError("pca: expected >= 0, got " + std::to_string(opts.pca));
  if (opts.decode_threads < 1) throw ConfigError("decode_threads: expected >= 1");
  const NetDescription& desc = net.description();
  const std::string layer = join(desc.layers, "+");

  // The existing file: what to keep, and the basis new vectors must share.
  FeatureSet existing;
  std::error_code ec;
  const bool have_existing = std::filesystem::exists(out, ec);
  if (have_existing) {
    existing = read_features(out);
    if (existing.network != desc.name || existing.layer != layer)
      throw ConfigError("feature file " + out.string() + " holds features of network '" + existing.network +
                        "' layer '" + existing.layer + "', not '" + desc.name + "' layer '" + layer +
                        "'; write to another file or delete it");
    if (opts.pca > 0 && existing.raw_dim == 0)
      throw ConfigError("feature file " + out.string() + " holds unreduced features; pca " + std::to_string(opts.pca) +
                        " needs a new file");
    if (opts.pca > 0 && existing.dim != opts.pca)
      throw ConfigError("feature file " + out.string() + " was reduced to " + std::to_string(existing.dim) +
                        " dimensions, not pca " + std::to_string(opts.pca));
  }
  std::unordered_set<std::int64_t> have(existing.movie_ids.begin(), existing.movie_ids.end());
  std::vector<PosterFile> todo;
  {
    std::unordered_set<std::int64_t> queued;
    for (const auto& p : posters)
      if (!have.count(p.movie_id) && queued.insert(p.movie_id).second) todo.push_back(p);
  }
  if (opts.limit > 0 && todo.size() > opts.limit) todo.resize(opts.limit);

  EmbedReport report;
  report.kept = existing.size();
  const std::size_t n_batches = (todo.size() + opts.batch - 1) / opts.batch;
  std::vector<std::int64_t> new_ids;
  std::vector<float> new_rows;  // raw network features
  int raw_dim = existing.raw_dim > 0 ? existing.raw_dim : existing.dim;

  if (n_batches > 0) {
    BatchQueue queue(std::max(1, opts.queue));
    const int n_threads = static_cast<int>(std::min<std::size_t>(opts.decode_threads, n_batches));
    queue.set_producers(n_threads);
    std::atomic<std::size_t> next{0};
    std::atomic<double> decode_seconds{0};
    ExceptionKeeper errors;
    // Producers take batch numbers in turn; order does not matter (rows are keyed by movieId).
    auto produce = [&] {
      errors.run([&] {
        for (std::size_t b; (b = next++) < n_batches;) {
          const auto td = Clock::now();
          Batch batch;
          std::vector<cv::Mat> images;
          const std::size_t lo = b * opts.batch, hi = std::min(todo.size(), lo + opts.batch);
          for (std::size_t k = lo; k < hi; ++k) {
            std::string reason;
            cv::Mat img = decode_image(todo[k].file, reason, opts.max_pixels);
            if (img.empty()) {
              batch.failures.push_back({todo[k].file, reason});
              continue;
            }
            images.push_back(std::move(img));
            batch.ids.push_back(todo[k].movie_id);
          }
          if (!images.empty()) {
            batch.blob = queue.take_blob();
            make_blob(images, desc, batch.blob);
          }
          decode_seconds.fetch_add(since(td));
          if (!queue.push(std::move(batch))) return;
        }
      });
      queue.producer_done();
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t) threads.emplace_back(produce);

    Progress progress("embedding posters", todo.size(), opts.progress);
    try {
      while (auto batch = queue.pop()) {
        for (auto& f : batch->failures) report.failures.push_back(std::move(f));
        progress.add(batch->failures.size());
        if (batch->ids.empty()) continue;
        const auto ti = Clock::now();
        cv::Mat feats = net.forward(batch->blob);
        report.infer_seconds += since(ti);
        if (raw_dim == 0) raw_dim = feats.cols;
        if (feats.cols != raw_dim)
          throw ConfigError("network '" + desc.name + "' gives " + std::to_string(feats.cols) +
                            " features, the feature file " + out.string() + " holds " + std::to_string(raw_dim));
        if (new_rows.empty()) new_rows.reserve(todo.size() * std::size_t(raw_dim));
        new_ids.insert(new_ids.end(), batch->ids.begin(), batch->ids.end());
        new_rows.insert(new_rows.end(), feats.ptr<float>(), feats.ptr<float>() + feats.total());
        progress.add(batch->ids.size());
        queue.recycle(std::move(batch->blob));
      }
    } catch (...) {
      queue.stop();
      while (queue.pop()) {
      }
      for (auto& t : threads) t.join();
      throw;
    }
    for (auto& t : threads) t.join();
    errors.rethrow();
    progress.done();
    report.decode_seconds = decode_seconds;
  }
  report.embedded = new_ids.size();
  std::sort(report.failures.begin(), report.failures.end(),
            [](const EmbedFailure& a, const EmbedFailure& b) { return a.file < b.file; });

  // Merge, reducing the new vectors with the stored basis or a new PCA.
  FeatureSet f;
  f.network = desc.name;
  f.layer = layer;
  if (existing.raw_dim > 0) {
    f.raw_dim = existing.raw_dim;
    f.pca_mean = existing.pca_mean;
    f.pca_components = existing.pca_components;
  } else if (opts.pca > 0 && !new_ids.empty()) {
    Pca p = fit_pca(new_rows.data(), new_ids.size(), raw_dim, opts.pca);
    f.raw_dim = raw_dim;
    f.pca_mean = p.mean;
    f.pca_components = p.components;
  }
  f.dim = f.raw_dim > 0 ? static_cast<int>(f.pca_components.size() / f.raw_dim) : raw_dim;
  if (f.dim == 0) f.dim = existing.dim;
  std::vector<float> reduced;
  if (f.raw_dim > 0 && !new_ids.empty()) {
    Pca p;
    p.in_dim = f.raw_dim;
    p.out_dim = f.dim;
    p.mean = f.pca_mean;
    p.components = f.pca_components;
    reduced.resize(new_ids.size() * f.dim);
    p.project(new_rows.data(), new_ids.size(), reduced.data());
  } else {
    reduced = std::move(new_rows);
  }
  // Rows sorted by movieId, kept and new together.
  std::vector<std::pair<std::int64_t, const float*>> rows;
  for (std::size_t i = 0; i < existing.size(); ++i) rows.push_back({existing.movie_ids[i], existing.row(i)});
  for (std::size_t i = 0; i < new_ids.size(); ++i) rows.push_back({new_ids[i], reduced.data() + i * f.dim});
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  f.movie_ids.reserve(rows.size());
  f.data.reserve(rows.size() * f.dim);
  for (const auto& [id, p] : rows) {
    f.movie_ids.push_back(id);
    f.data.insert(f.data.end(), p, p + f.dim);
  }
  report.total = f.size();
  report.dim = f.dim;
  if (f.dim > 0) write_features(out, f, opts.float16 ? FeatureDtype::kFloat16 : FeatureDtype::kFloat32);
  report.seconds = since(t0);
  return report;
}

}  // namespace movierec
