// FactorModel: the common scoring / similarity / model-file half of every
// latent-factor model (svd, svdpp, als, ials, bpr); each subclass fits.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "models/factor_matrix.h"
#include "movierec/recommender.h"
#include "util/dot.h"

namespace movierec {

// Threads to use: the model parameter when > 0, else FitOptions.threads when
// > 0, else by the amount of work, `work` multiply-adds (threads_for_flops:
// small fits run on one thread).
int fit_threads(int param_threads, const FitOptions& opts, double work);

// score(u, i) = mu + b_u + b_i + p_u . q_i, where the bias vectors may be
// empty (ials: no biases; bpr: item biases only). Subclasses fit; this class
// scores, predicts, finds similar items and reads/writes the state.
class FactorModel : public Recommender {
 public:
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  // Cosine between the movies' factor vectors (biases excluded).
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  std::size_t n_users() const override { return user_.rows(); }
  std::size_t n_items() const override { return item_.rows(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  const FactorMatrix& user_factors() const { return user_; }
  const FactorMatrix& item_factors() const { return item_; }
  float global_mean() const { return mu_; }
  std::span<const float> user_bias() const { return user_bias_; }
  std::span<const float> item_bias() const { return item_bias_; }

 protected:
  float score_one(UserIndex u, ItemIndex i) const {
    float s = mu_ + dot(user_.row(u), item_.row(i), user_.stride());
    if (!user_bias_.empty()) s += user_bias_[u];
    if (!item_bias_.empty()) s += item_bias_[i];
    return s;
  }
  // Scores every item for one user vector p (k floats) with user bias bu.
  void score_vector(std::span<const float> p, float bu, std::span<float> out) const;
  // NaN / infinity check of every fitted array.
  void check_fitted(std::string_view hint) const;
  // For a subclass that always has both biases and reads them in fold-in (svd,
  // svdpp, als with biases): refuses a payload whose bias vectors are empty.
  void require_biases(detail::BinaryReader& in) const;
  // Extra state of a subclass, after the common part of the payload.
  virtual void save_extra(detail::BinaryWriter&) const {}
  virtual void load_extra(detail::BinaryReader&) {}

  FactorMatrix user_, item_;
  float mu_ = 0;
  std::vector<float> user_bias_, item_bias_;  // empty when the model has none
};

}  // namespace movierec
