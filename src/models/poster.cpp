// GCC 12 reports false -Wmaybe-uninitialized inside avx512fintrin.h when it inlines
// Eigen's AVX-512 kernels (-march=native); the values are set before use.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "models/poster.h"

#include <hnswlib/hnswlib.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"
#include "vision/feature_file.h"

namespace movierec {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

PosterModel::PosterModel(Params& p)
    : features_file_(p.get_string("features", "", "feature file from `movierec posters embed` (required)")),
      index_(p.get_string("index", "auto",
                          "neighbour search: exact products, an HNSW graph, or hnsw from hnsw_min posters",
                          {"auto", "exact", "hnsw"})),
      k_(p.get_int("k", 20, "rated posters used per prediction (most similar first)", 1, 100000)),
      neighbours_(p.get_int("neighbours", 50,
                            "similar posters cached per movie at fit (similar_items beyond it searches again)", 1,
                            10000)),
      hnsw_m_(p.get_int("hnsw_m", 16, "HNSW links per node: more is more accurate, bigger, slower to build", 2, 256)),
      hnsw_ef_construction_(p.get_int("hnsw_ef_construction", 200, "HNSW build-time candidate list", 8, 100000)),
      hnsw_ef_(
          p.get_int("hnsw_ef", 100, "HNSW search candidate list (>= k): more is more accurate and slower", 1, 100000)),
      // poster_bench on 5927 x 1280-d MobileNetV2 features: exact lists 1.3 s, HNSW build + search 12.4 s;
      // exact grows as n^2, so HNSW pays off only for catalogues several times larger.
      hnsw_min_(p.get_int("hnsw_min", 50000, "with index=auto, posters from which HNSW replaces exact search", 1,
                          2000000000)),
      min_sim_(p.get_double(
          "min_sim", 0.0,
          "only rated posters with cosine above this take part in a prediction (>= 0 keeps the weights positive)", 0,
          1)) {}

PosterModel::~PosterModel() = default;

void PosterModel::fit(const RatingMatrix& train, const FitOptions& opts) {
  if (!opts.dataset)
    throw ConfigError(
        "model 'poster' needs the dataset in FitOptions.dataset, to map the feature file's movieIds to movies");
  if (features_file_.empty() && !features_)
    throw ConfigError(
        "model 'poster': parameter 'features' is required: the path of a poster feature file (made by "
        "`movierec posters embed`), e.g. features=posters.mrf");
  const Dataset& ds = *opts.dataset;
  if (ds.items.size() != train.n_items())
    throw ConfigError("model 'poster': the dataset has " + std::to_string(ds.items.size()) +
                      " movies but the training matrix " + std::to_string(train.n_items()));
  const FeatureSet f = features_ ? *features_ : read_features(features_file_);
  const std::string source = features_ ? std::string("the features given in memory") : "feature file " + features_file_;

  n_users_ = train.n_users();
  n_items_ = train.n_items();
  global_mean_ = static_cast<float>(train.mean());
  user_ptr_ = train.user_ptr();
  user_items_ = train.user_items_raw();
  user_values_ = train.user_values_raw();
  user_mean_.assign(n_users_, global_mean_);
  for (UserIndex u = 0; u < n_users_; ++u) {
    auto vs = train.user_values(u);
    if (vs.empty()) continue;
    double s = 0;
    for (float v : vs) s += v;
    user_mean_[u] = static_cast<float>(s / vs.size());
  }

  // Feature rows -> items, normalised; zero vectors have no direction and are dropped.
  dim_ = f.dim;
  std::vector<std::pair<ItemIndex, std::size_t>> rows;
  for (std::size_t r = 0; r < f.size(); ++r)
    if (auto idx = ds.items.find(f.movie_ids[r])) rows.push_back({*idx, r});
  std::sort(rows.begin(), rows.end());
  item_of_row_.clear();
  feats_.clear();
  feats_.reserve(rows.size() * dim_);
  for (const auto& [item, r] : rows) {
    const float* x = f.row(r);
    double n2 = 0;
    for (int j = 0; j < dim_; ++j) n2 += double(x[j]) * x[j];
    if (n2 <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(n2));
    item_of_row_.push_back(item);
    for (int j = 0; j < dim_; ++j) feats_.push_back(x[j] * inv);
  }
  if (item_of_row_.empty())
    throw DataError(source + ": none of its " + std::to_string(f.size()) + " movieIds is a movie of dataset " +
                    ds.name + " with a non-zero feature vector");
  row_of_item_.assign(n_items_, -1);
  for (std::size_t r = 0; r < item_of_row_.size(); ++r) row_of_item_[item_of_row_[r]] = static_cast<int>(r);
  use_hnsw_ = index_ == "hnsw" || (index_ == "auto" && item_of_row_.size() >= std::size_t(hnsw_min_));
  {
    std::lock_guard lock(hnsw_mu_);  // a refit needs a new graph
    hnsw_.reset();
    space_.reset();
  }
  compute_neighbour_cache();
}

void PosterModel::compute_neighbour_cache() {
  const std::size_t n = item_of_row_.size();
  cached_k_ = static_cast<int>(std::min<std::size_t>(neighbours_, n - 1));
  auto lists = all_neighbours(cached_k_, use_hnsw_);
  nbr_items_.assign(n * cached_k_, 0);
  nbr_sims_.assign(n * cached_k_, -2.f);  // -2: fewer neighbours than cached_k_ (HNSW may return fewer)
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t t = 0; t < lists[r].size() && t < std::size_t(cached_k_); ++t) {
      nbr_items_[r * cached_k_ + t] = lists[r][t].item;
      nbr_sims_[r * cached_k_ + t] = lists[r][t].score;
    }
}

const hnswlib::HierarchicalNSW<float>& PosterModel::hnsw() const {
  std::lock_guard lock(hnsw_mu_);
  if (!hnsw_) {
    const std::size_t n = item_of_row_.size();
    space_ = std::make_unique<hnswlib::InnerProductSpace>(dim_);
    hnsw_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), n, hnsw_m_, hnsw_ef_construction_, 100);
    hnsw_->setEf(hnsw_ef_);
    // hnswlib's addPoint is safe to call from several threads; the first point
    // goes in alone so the others find an entry point.
    hnsw_->addPoint(feats_.data(), 0);
    ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic, 64)
    for (std::size_t r = 1; r < n; ++r) errors.run([&] { hnsw_->addPoint(feats_.data() + r * dim_, r); });
    errors.rethrow();
  }
  return *hnsw_;
}

std::vector<std::vector<ScoredItem>> PosterModel::all_neighbours(std::size_t k, bool use_hnsw) const {
  const std::size_t n = item_of_row_.size();
  k = std::min(k, n - 1);
  std::vector<std::vector<ScoredItem>> out(n);
  ExceptionKeeper errors;
  if (use_hnsw) {
    const auto& index = hnsw();
#pragma omp parallel for schedule(dynamic, 64)
    for (std::size_t r = 0; r < n; ++r)
      errors.run([&] {
        auto pq = index.searchKnn(feats_.data() + r * dim_, k + 1);
        auto& list = out[r];
        for (; !pq.empty(); pq.pop())
          if (pq.top().second != r) list.push_back({item_of_row_[pq.top().second], 1.f - pq.top().first});
        std::sort(list.begin(), list.end(), [](const ScoredItem& a, const ScoredItem& b) {
          return a.score > b.score || (a.score == b.score && a.item < b.item);
        });
        if (list.size() > k) list.resize(k);
      });
  } else {
    // Blocks of query rows against every row: S = F_block F^T, one GEMM each,
    // with the block sized to keep S near 16 MB.
    const std::size_t block = std::clamp<std::size_t>((std::size_t(4) << 20) / n, 16, 512);
    const std::size_t n_blocks = (n + block - 1) / block;
    Eigen::Map<const MatrixF> F(feats_.data(), n, dim_);
#pragma omp parallel
    {
      MatrixF S;
#pragma omp for schedule(dynamic)
      for (std::size_t b = 0; b < n_blocks; ++b)
        errors.run([&] {
          const std::size_t lo = b * block, rows = std::min(n, lo + block) - lo;
          S.resize(rows, n);
          S.noalias() = F.middleRows(lo, rows) * F.transpose();
          for (std::size_t t = 0; t < rows; ++t) {
            const std::size_t self = lo + t;
            auto best = top_k(std::span<const float>(S.row(t).data(), n), k, [self](ItemIndex c) { return c == self; });
            for (auto& s : best) s.item = item_of_row_[s.item];
            out[self] = std::move(best);
          }
        });
    }
  }
  errors.rethrow();
  return out;
}

std::vector<ScoredItem> PosterModel::similar_items(ItemIndex i, std::size_t k) const {
  if (!has_poster(i)) return {};
  const std::size_t r = row_of_item_[i], n = item_of_row_.size();
  k = std::min(k, n - 1);
  if (k <= std::size_t(cached_k_)) {
    std::vector<ScoredItem> out;
    for (std::size_t t = 0; t < k && nbr_sims_[r * cached_k_ + t] > -2.f; ++t)
      out.push_back({nbr_items_[r * cached_k_ + t], nbr_sims_[r * cached_k_ + t]});
    return out;
  }
  if (use_hnsw_) {
    auto pq = hnsw().searchKnn(feats_.data() + r * dim_, k + 1);
    std::vector<ScoredItem> out;
    for (; !pq.empty(); pq.pop())
      if (pq.top().second != r) out.push_back({item_of_row_[pq.top().second], 1.f - pq.top().first});
    std::sort(out.begin(), out.end(), [](const ScoredItem& a, const ScoredItem& b) {
      return a.score > b.score || (a.score == b.score && a.item < b.item);
    });
    if (out.size() > k) out.resize(k);
    return out;
  }
  Eigen::Map<const MatrixF> F(feats_.data(), n, dim_);
  Eigen::VectorXf s = F * F.row(r).transpose();
  auto best = top_k(std::span<const float>(s.data(), n), k, [r](ItemIndex c) { return c == r; });
  for (auto& x : best) x.item = item_of_row_[x.item];
  return best;
}

float PosterModel::combine(std::vector<std::pair<float, float>>& sims, float mu) const {
  // sims: (s_ij, r_uj - mu_u); keep the k most similar above min_sim.
  auto end = std::remove_if(sims.begin(), sims.end(), [&](const auto& p) { return !(p.first > min_sim_); });
  sims.erase(end, sims.end());
  if (sims.empty()) return mu;
  if (sims.size() > std::size_t(k_)) {
    std::nth_element(sims.begin(), sims.begin() + k_, sims.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    sims.resize(k_);
  }
  double num = 0, den = 0;
  for (const auto& [s, c] : sims) {
    num += double(s) * c;
    den += s;
  }
  return den > 0 ? static_cast<float>(mu + num / den) : mu;
}

// Predictions for every item from the user's rated posters (rows) and centred
// ratings: one product S = F R^T (n_posters x m), then the k best per item.
void PosterModel::predict_rows(const std::vector<int>& rated_rows, const std::vector<float>& centred, float mu,
                               std::span<float> out) const {
  std::fill(out.begin(), out.end(), mu);
  const std::size_t m = rated_rows.size(), n = item_of_row_.size();
  if (m == 0) return;
  Eigen::Map<const MatrixF> F(feats_.data(), n, dim_);
  MatrixF R(m, dim_);
  for (std::size_t t = 0; t < m; ++t) R.row(t) = F.row(rated_rows[t]);
  MatrixF S = F * R.transpose();
  std::vector<std::pair<float, float>> sims;
  for (std::size_t r = 0; r < n; ++r) {
    sims.clear();
    for (std::size_t t = 0; t < m; ++t)
      if (std::size_t(rated_rows[t]) != r) sims.push_back({S(r, t), centred[t]});  // not the movie itself
    out[item_of_row_[r]] = combine(sims, mu);
  }
}

void PosterModel::score(std::span<const UserIndex> users, std::span<float> out) const {
  std::vector<int> rows;
  std::vector<float> centred;
  for (std::size_t q = 0; q < users.size(); ++q) {
    const UserIndex u = users[q];
    std::span<float> o = out.subspan(q * n_items_, n_items_);
    rows.clear();
    centred.clear();
    float mu = global_mean_;
    if (u < n_users_) {
      mu = user_mean_[u];
      for (std::size_t p = user_ptr_[u]; p < user_ptr_[u + 1]; ++p)
        if (int r = row_of_item_[user_items_[p]]; r >= 0) {
          rows.push_back(r);
          centred.push_back(user_values_[p] - mu);
        }
    }
    predict_rows(rows, centred, mu, o);
  }
}

float PosterModel::predict(UserIndex u, ItemIndex i) const {
  if (u >= n_users_) return global_mean_;
  const float mu = user_mean_[u];
  if (!has_poster(i)) return mu;
  const float* fi = feats_.data() + std::size_t(row_of_item_[i]) * dim_;
  std::vector<std::pair<float, float>> sims;
  for (std::size_t p = user_ptr_[u]; p < user_ptr_[u + 1]; ++p) {
    const ItemIndex j = user_items_[p];
    if (j == i || row_of_item_[j] < 0) continue;
    const float* fj = feats_.data() + std::size_t(row_of_item_[j]) * dim_;
    float s = 0;
    for (int t = 0; t < dim_; ++t) s += fi[t] * fj[t];
    sims.push_back({s, user_values_[p] - mu});
  }
  return combine(sims, mu);
}

void PosterModel::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                                 std::span<float> out) const {
  float mu = global_mean_;
  if (!values.empty()) {
    double s = 0;
    for (float v : values) s += v;
    mu = static_cast<float>(s / values.size());
  }
  std::vector<int> rows;
  std::vector<float> centred;
  for (std::size_t t = 0; t < items.size(); ++t)
    if (items[t] < n_items_ && row_of_item_[items[t]] >= 0) {
      rows.push_back(row_of_item_[items[t]]);
      centred.push_back(values[t] - mu);
    }
  predict_rows(rows, centred, mu, out);
}

void PosterModel::save_payload(BinaryWriter& out) const {
  out.put<std::uint64_t>(n_users_);
  out.put<std::uint64_t>(n_items_);
  out.put(global_mean_);
  out.put_vector(user_mean_);
  out.put_vector(user_ptr_);
  out.put_vector(user_items_);
  out.put_vector(user_values_);
  out.put<std::int32_t>(dim_);
  out.put_vector(item_of_row_);
  out.put_vector(feats_);
  out.put<std::uint32_t>(use_hnsw_);
  out.put<std::int32_t>(cached_k_);
  out.put_vector(nbr_items_);
  out.put_vector(nbr_sims_);
}

void PosterModel::load_payload(BinaryReader& in) {
  n_users_ = in.get_n_users("n_users");
  n_items_ = in.get_n_items("n_items");
  global_mean_ = in.get<float>();
  user_mean_ = in.get_vector<float>();
  user_ptr_ = in.get_vector<std::size_t>();
  user_items_ = in.get_vector<ItemIndex>();
  user_values_ = in.get_vector<float>();
  dim_ = in.get<std::int32_t>();
  item_of_row_ = in.get_vector<ItemIndex>();
  feats_ = in.get_vector<float>();
  use_hnsw_ = in.get<std::uint32_t>() != 0;
  cached_k_ = in.get<std::int32_t>();
  nbr_items_ = in.get_vector<ItemIndex>();
  nbr_sims_ = in.get_vector<float>();
  // Every index is checked here, so a corrupted payload cannot index out of range later.
  const std::size_t n = item_of_row_.size();
  if (user_mean_.size() != n_users_ || user_ptr_.size() != n_users_ + 1 || user_ptr_.front() != 0 ||
      user_ptr_.back() != user_items_.size() || user_items_.size() != user_values_.size() || dim_ <= 0 ||
      feats_.size() != n * std::size_t(dim_) || cached_k_ < 0 || nbr_items_.size() != n * std::size_t(cached_k_) ||
      nbr_sims_.size() != nbr_items_.size() || n == 0)
    in.fail("inconsistent poster model sizes");
  for (std::size_t u = 0; u < n_users_; ++u)
    if (user_ptr_[u] > user_ptr_[u + 1]) in.fail("user offsets not increasing");
  for (auto i : user_items_)
    if (i >= n_items_) in.fail("rated movie index out of range");
  row_of_item_.assign(n_items_, -1);
  for (std::size_t r = 0; r < n; ++r) {
    if (item_of_row_[r] >= n_items_ || row_of_item_[item_of_row_[r]] >= 0) in.fail("bad poster movie index");
    row_of_item_[item_of_row_[r]] = static_cast<int>(r);
  }
  for (auto i : nbr_items_)
    if (i >= n_items_) in.fail("neighbour index out of range");
  in.check_finite({&global_mean_, 1}, "global mean");
  in.check_finite(user_mean_, "user means");
  in.check_finite(user_values_, "ratings");
  in.check_finite(feats_, "poster features");
  in.check_finite(nbr_sims_, "neighbour similarities");
}

}  // namespace movierec
