// Content-based model on poster features (`--model poster --param features=F.mrf`).
// Item similarity: cosine of L2-normalised CNN features of the posters. Each
// movie's `neighbours` most similar posters are found at fit time, exactly by
// blocked matrix products (Eigen) or approximately with an HNSW graph (hnswlib)
// for large catalogues.
// Rating prediction, as item-based CF with visual similarity in place of
// co-rating similarity (the tutorial's formula, centred on the user's mean):
//   r_ui = mu_u + sum_{j in N_k(u,i)} s_ij (r_uj - mu_u) / sum_{j in N_k(u,i)} s_ij
// where N_k(u,i) are the k movies rated by u whose posters are most similar to
// i's, keeping only s_ij > min_sim. Without such a neighbour (no poster, no
// rated poster similar enough) the prediction is mu_u, or the global mean for
// a user without ratings. Movies without a poster have no visual neighbours.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "movierec/recommender.h"
#include "util/params.h"
#include "vision/feature_file.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace movierec {

class PosterModel final : public Recommender {
 public:
  explicit PosterModel(Params& p);
  ~PosterModel() override;
  std::string_view name() const override { return "poster"; }
  // REQUIRES opts.dataset (maps the feature file's movieIds to items): ConfigError without it.
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  bool predicts_ratings() const override { return true; }
  // Empty for a movie without a poster.
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return n_users_; }
  std::size_t n_items() const override { return n_items_; }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  // Features in memory (the Python module's embed_posters) instead of the
  // `features` file; fit reads them instead of the file when set.
  void set_features(std::shared_ptr<const FeatureSet> f) { features_ = std::move(f); }

  bool has_poster(ItemIndex i) const { return i < row_of_item_.size() && row_of_item_[i] >= 0; }
  std::size_t n_posters() const { return item_of_row_.size(); }
  bool uses_hnsw() const { return use_hnsw_; }
  // The k nearest posters of every poster, exactly (blocked Eigen products) or by
  // HNSW search; row r belongs to item_of_row()[r]. For recall measurements.
  std::vector<std::vector<ScoredItem>> all_neighbours(std::size_t k, bool hnsw) const;
  const std::vector<ItemIndex>& item_of_row() const { return item_of_row_; }

 private:
  // Predicted rating from (similarity, centred rating) pairs of the user's rated posters.
  float combine(std::vector<std::pair<float, float>>& sims, float mu) const;
  void predict_rows(const std::vector<int>& rated_rows, const std::vector<float>& centred, float mu,
                    std::span<float> out) const;
  const hnswlib::HierarchicalNSW<float>& hnsw() const;  // built on first use
  void compute_neighbour_cache();

  // Parameters.
  std::string features_file_, index_;
  std::shared_ptr<const FeatureSet> features_;
  int k_, neighbours_, hnsw_m_, hnsw_ef_construction_, hnsw_ef_;
  int hnsw_min_;
  double min_sim_;

  // State (saved in the payload).
  std::size_t n_users_ = 0, n_items_ = 0;
  float global_mean_ = 0;
  std::vector<float> user_mean_;
  std::vector<std::size_t> user_ptr_{0};  // the training ratings, CSR by user
  std::vector<ItemIndex> user_items_;
  std::vector<float> user_values_;
  int dim_ = 0;
  std::vector<ItemIndex> item_of_row_;  // poster rows -> items
  std::vector<float> feats_;            // n_posters x dim, L2-normalised rows
  bool use_hnsw_ = false;
  int cached_k_ = 0;                  // neighbours cached per poster row
  std::vector<ItemIndex> nbr_items_;  // n_posters x cached_k_
  std::vector<float> nbr_sims_;
  // Derived.
  std::vector<int> row_of_item_;  // -1: no poster
  mutable std::mutex hnsw_mu_;
  mutable std::unique_ptr<hnswlib::InnerProductSpace> space_;
  mutable std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw_;
};

}  // namespace movierec
