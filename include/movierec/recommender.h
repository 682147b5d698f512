// The one interface every movierec model implements.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "movierec/rating_matrix.h"
#include "movierec/types.h"

namespace movierec {

struct Dataset;
class Recommender;
namespace detail {
class BinaryWriter;  // the library's model-file streams; not part of the public API
class BinaryReader;
}  // namespace detail

// One line of a learning curve, reported by iterative models after each epoch.
// Rating models (svd, svdpp, als) report the RMSEs; ranking models (ials, bpr)
// report the ranking metrics of the validation set instead. NaN: not reported.
struct EpochReport {
  int epoch = 0;  // 1-based
  double train_rmse = std::numeric_limits<double>::quiet_NaN();
  double valid_rmse = std::numeric_limits<double>::quiet_NaN();  // NaN without validation
  double loss = std::numeric_limits<double>::quiet_NaN();        // model's objective
  double seconds = 0;                                            // time of this epoch
  // NDCG@k and recall@k of the top-k among the movies the user did not rate
  // in train, filled by FitOptions::measure_epoch (evaluate() measures them
  // as it measures its own ranking metrics).
  double valid_ndcg = std::numeric_limits<double>::quiet_NaN();
  double valid_recall = std::numeric_limits<double>::quiet_NaN();
};

struct FitOptions {
  int threads = 0;                   // 0: every core (OpenMP default)
  bool progress = false;             // progress lines on stderr
  const Dataset* dataset = nullptr;  // side information (genres, tags, posters), may be null
  // Learning curves: iterative models call on_epoch after each epoch. Rating
  // models report train RMSE, and valid_rmse on `validation` when set.
  // Without on_epoch nothing is measured.
  const RatingMatrix* validation = nullptr;
  std::function<void(const EpochReport&)> on_epoch;
  // Ranking models (ials, bpr) do not grade themselves: with on_epoch, they
  // call measure_epoch after each epoch, before on_epoch, outside their
  // parallel regions and with the model ready to score, to fill the ranking
  // fields of the report (evaluate() supplies it; null: not measured; each
  // call ranks every movie for every validation user, often more than the
  // epoch itself costs).
  std::function<void(const Recommender& model, EpochReport& rep)> measure_epoch;
};

struct Query {
  std::size_t k = 10;
  // Items the user rated in this matrix are not recommended (usually the
  // training matrix). Null: nothing is excluded.
  const RatingMatrix* exclude = nullptr;
};

// A recommender. fit, then the const methods; const methods are thread safe.
class Recommender {
 public:
  virtual ~Recommender() = default;

  // Registry name ("svd", "item-knn"...).
  virtual std::string_view name() const = 0;

  virtual void fit(const RatingMatrix& train, const FitOptions& opts) = 0;

  // Scores every item for each user; higher is better.
  // @param out size users.size() * n_items(): out[r * n_items() + i] is the
  //            score of item i for users[r].
  virtual void score(std::span<const UserIndex> users, std::span<float> out) const = 0;

  // Predicted rating on the dataset's scale (unclipped). Ranking-only models
  // (popularity, ials, bpr, ease) throw NotSupported.
  virtual float predict(UserIndex u, ItemIndex i) const;
  virtual bool predicts_ratings() const { return false; }
  // Whether fit() reads the ratings' timestamps (session-ease, and models built
  // on it): the training matrix must keep them.
  virtual bool needs_timestamps() const { return false; }

  // The k items most similar to item i (i itself excluded), best first.
  virtual std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const;

  // Scores every item for a user who is not in the training data, from a few
  // (item, rating) pairs, without refitting (fold-in). out: n_items() scores.
  virtual void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                              std::span<float> out) const;

  virtual std::size_t n_users() const = 0;
  virtual std::size_t n_items() const = 0;

  // The model's state after fit, for model files (save_model writes the
  // header and checksum around it). Library models implement these; a model
  // defined outside the library keeps the defaults, which throw NotSupported
  // (it cannot be saved to a model file).
  virtual void save_payload(detail::BinaryWriter& out) const;
  virtual void load_payload(detail::BinaryReader& in);

  // Top-k items per user, excluding q.exclude's items; computed once here for
  // every model (evaluation, CLI and server share it).
  std::vector<std::vector<ScoredItem>> recommend(std::span<const UserIndex> users, const Query& q) const;

  // The parameters this model was created with (set by the registry).
  const ParamMap& params() const { return params_; }
  void set_params(ParamMap p) { params_ = std::move(p); }

 private:
  ParamMap params_;
};

// model.similar_items(i, k), keeping only movies with at least min_ratings
// ratings in `ratings` (0: all; usually the training matrix). Factor models
// give obscure movies noisy vectors, so a small floor makes their lists
// readable.
std::vector<ScoredItem> similar_with_min_ratings(const Recommender& model, ItemIndex i, std::size_t k,
                                                 const RatingMatrix& ratings, std::size_t min_ratings);

}  // namespace movierec
