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

namespace movierec {

struct Dataset;
class BinaryWriter;  // src/util/binary_io.h
class BinaryReader;

struct ScoredItem {
  ItemIndex item;
  float score;
};

// One line of a learning curve, reported by iterative models after each epoch.
// Rating models (svd, svdpp, als) report the RMSEs; ranking models (ials, bpr)
// report the ranking metrics of the validation set instead. NaN: not reported.
struct EpochReport {
  int epoch = 0;  // 1-based
  double train_rmse = std::numeric_limits<double>::quiet_NaN();
  double valid_rmse = std::numeric_limits<double>::quiet_NaN();  // NaN without validation
  double loss = std::numeric_limits<double>::quiet_NaN();        // model's objective
  double seconds = 0;                                            // time of this epoch
  // NDCG@k and recall@k (k = FitOptions::validation_k) of the top-k among the
  // movies the user did not rate in train, as evaluate() measures them.
  double valid_ndcg = std::numeric_limits<double>::quiet_NaN();
  double valid_recall = std::numeric_limits<double>::quiet_NaN();
};

struct FitOptions {
  int threads = 0;                 // 0: every core (OpenMP default)
  bool progress = false;           // progress lines on stderr
  const Dataset* dataset = nullptr;  // side information (genres, tags, posters), may be null
  // Optional held-out ratings for learning curves; iterative models report
  // valid_rmse (rating models) or valid_ndcg / valid_recall (ranking models)
  // on it after each epoch through on_epoch. Without on_epoch nothing is
  // measured.
  const RatingMatrix* validation = nullptr;
  std::function<void(const EpochReport&)> on_epoch;
  // Cut-off of the ranking models' per-epoch metrics; 0: not measured (each
  // measurement ranks every movie for every validation user, often more
  // than the epoch itself costs).
  std::size_t validation_k = 10;
  float validation_relevance = 0;  // validation ratings >= this are relevant (0: all)
};

struct Query {
  std::size_t k = 10;
  // Items the user rated in this matrix are not recommended (usually the
  // training matrix). Null: nothing is excluded.
  const RatingMatrix* exclude = nullptr;
};

// Model parameters as given on the command line: key -> value.
using ParamMap = std::map<std::string, std::string>;

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

  // The k items most similar to item i (i itself excluded), best first.
  virtual std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const;

  // Scores every item for a user who is not in the training data, from a few
  // (item, rating) pairs, without refitting (fold-in). out: n_items() scores.
  virtual void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                              std::span<float> out) const;

  virtual std::size_t n_users() const = 0;
  virtual std::size_t n_items() const = 0;

  // The model's state after fit, for model files (src/models/model_file.cpp
  // writes the header and checksum around it).
  virtual void save_payload(BinaryWriter& out) const = 0;
  virtual void load_payload(BinaryReader& in) = 0;

  // Top-k items per user, excluding q.exclude's items; computed once here for
  // every model (evaluation, CLI and server share it).
  std::vector<std::vector<ScoredItem>> recommend(std::span<const UserIndex> users,
                                                 const Query& q) const;

  // The parameters this model was created with (set by the registry).
  const ParamMap& params() const { return params_; }
  void set_params(ParamMap p) { params_ = std::move(p); }

 private:
  ParamMap params_;
};

}  // namespace movierec
