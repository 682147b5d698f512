// content-knn: content-based recommendation from any side features (a
// generalisation of the poster model). Movies are rows of the item-feature
// matrix (src/features), L2-normalised; the similarity of two movies is the
// cosine of their rows. A user's liked movies are those rated at or above the
// user's mean rating in train. The score of movie i is the mean cosine of i to
// its k most similar liked movies (k=0: the cosine of i to the mean of the
// liked rows, Rocchio's profile). New movies score like any other: only
// their content is used. Ranking only.
#pragma once

#include "util/eigen.h"

#include "models/content_side.h"
#include "movierec/recommender.h"

namespace movierec {

class ContentKnn final : public Recommender {
 public:
  explicit ContentKnn(Params& p);
  std::string_view name() const override { return "content-knn"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  // Cosine of the feature rows; works for a movie without ratings.
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return liked_ptr_.size() - 1; }
  std::size_t n_items() const override { return feats_.rows(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  const Eigen::MatrixXf& features() const { return feats_; }  // n_items x dim, unit (or zero) rows

 private:
  void score_liked(std::span<const ItemIndex> liked, std::span<float> out) const;

  SideParams side_;
  int k_;
  // State.
  Eigen::MatrixXf feats_;
  std::vector<std::size_t> liked_ptr_{0};
  std::vector<ItemIndex> liked_;
};

}  // namespace movierec
