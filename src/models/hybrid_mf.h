// hybrid-mf: LightFM-style hybrid factorisation (Kula 2015, "Metadata
// embeddings for user and item cold-start recommendations").
//
// A movie is the sum of the embeddings of its features: with x_i its row of
// the item-feature matrix (src/features: genres, year, tags, posters...), plus
// a one-hot identity feature for every movie with training ratings when
// identity=true,
//   q_i = sum_f x_if V_f,   b_i = sum_f x_if c_f,
// and a user likewise the sum p_u = sum_f y_uf U_f of an identity embedding
// (users with training ratings) and, with user_side=age,gender,occupation
// (datasets with a user file: ml-100k, ml-1m), the user's feature embeddings.
// score(u, i) = p_u . q_i + b_i. A new movie (no training rating) has no
// identity feature, so its representation comes from its content alone: new
// movies (and, with user features, new users) are handled by construction.
//
// Training on the positives (u, i) (ratings >= min_rating), each against a
// sampled negative j among the movies with training ratings that u did not
// rate positively, with x_uij = s_ui - s_uj = sum_f d_f (p_u . V_f + c_f),
// d = x_i - x_j:
//   warp  (Weston et al. 2011) negatives are drawn until one violates
//         s_uj > s_ui - 1 (at most max_sampled draws); after N draws the
//         triple's loss is w (1 - x_uij), w = ln floor((n - 1) / N), n the
//         movies with ratings (capped at 10, as LightFM); the draws are
//         screened with the movie representations of the epoch's start (one
//         dot product each), the step uses the current parameters;
//   bpr   (Rendle et al. 2009) one uniform negative, loss -ln sigma(x_uij).
// Each triple adds reg/2 (|p_u|^2 + sum over d_f != 0 of |V_f|^2 + c_f^2).
// Learning rate: adagrad per coordinate (accumulators start at 1, as LightFM)
// or plain SGD. Threads take pieces of the shuffled positives and update
// without locks (Hogwild); threads=1 is reproducible.
//
// After fit the model is a FactorModel: user factors p_u, movie factors q_i,
// movie biases b_i, so scoring, `similar` (cosine of the q_i) and model files
// are those of every factor model.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/content_side.h"
#include "models/factor_model.h"

namespace movierec {

enum class HybridLoss { kWarp, kBpr };

// One entry of a sparse feature row: feature index f, value (or difference) v.
struct FeatureEntry {
  std::uint32_t f;
  float v;
};

// d = a - b over the union of two sparse rows sorted by feature, entries with
// d_f == 0 left out (sorted by feature). out is cleared first.
void feature_difference(std::span<const FeatureEntry> a, std::span<const FeatureEntry> b,
                        std::vector<FeatureEntry>& out);

// The parameters one triple touches. V and c: every movie feature's embedding
// (rows of `stride` floats, k used) and bias; U: every user feature's
// embedding, p_u = sum_f y_uf U_f over the user's row y (an identity feature
// alone without user features).
struct HybridTriple {
  std::span<const FeatureEntry> user;  // y_u, sorted by feature
  float* U;
  std::span<const FeatureEntry> d;  // x_i - x_j, as feature_difference gives it
  float* V;
  float* c;
  std::size_t stride;
};

// The triple's objective: loss(x_uij) + reg/2 (sum_{f in y_u} |U_f|^2 + sum_{f in d}
// |V_f|^2 + c_f^2), loss = w max(0, 1 - x) for warp, -ln sigma(x) for bpr. In
// double, for the gradient checks of the tests.
double hybrid_triple_objective(HybridLoss loss, float w, const HybridTriple& t, float reg);

// Adagrad accumulators of the touched parameters (same layout as HybridTriple);
// null for plain SGD.
struct HybridAccumulators {
  float* U;
  float* V;
  float* c;
};

// One step on the triple's objective: every touched parameter moves by
// -lr g (sgd) or about -lr g / sqrt(G + g^2) with G += g^2 (adagrad, acc
// non-null), g its gradient at the old values. Returns x_uij before the step.
// scratch: at least 3 * stride floats.
float hybrid_triple_step(HybridLoss loss, float w, const HybridTriple& t, const HybridAccumulators* acc, float lr,
                         float reg, float* scratch);

class HybridMf final : public FactorModel {
 public:
  explicit HybridMf(Params& p);
  std::string_view name() const override { return "hybrid-mf"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;

 private:
  SideParams side_;
  std::string user_side_;
  HybridLoss loss_;
  bool identity_, adagrad_;
  int factors_, epochs_, max_sampled_, threads_;
  float lr_, reg_, min_rating_;
  std::uint64_t seed_;
};

}  // namespace movierec
