// The recommender behind `movierec serve`, without HTTP: a read-only model set
// swapped atomically on refit, the ratings store with its in-memory copy, and
// the queries the API answers. Thread safe: every method may be called from
// any request thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "movierec/dataset.h"
#include "movierec/recommender.h"
#include "serve/search.h"
#include "serve/store.h"
#include "vision/poster_folder.h"

namespace movierec::serve {

// A request the service refuses: HTTP status, message and the parameter at fault.
struct ApiError : std::runtime_error {
  ApiError(int s, const std::string& msg, std::string param = "")
      : std::runtime_error(msg), status(s), parameter(std::move(param)) {}
  int status;
  std::string parameter;
};

// One model to serve: fitted from name + params, or loaded from a model file.
struct ModelSpec {
  std::string name;
  ParamMap params;
  std::string model_file;
};

// Models fitted on one snapshot of the data; never changed after construction.
struct ModelSet {
  std::shared_ptr<const Dataset> ds;  // dataset (+ stored ratings after a refit)
  std::vector<std::pair<std::string, std::unique_ptr<Recommender>>> models;
  std::vector<float> mean_rating;  // per movie, NaN without ratings
  std::vector<ItemIndex> popular;  // movies by number of ratings, most first
  int version = 1;
  double fit_seconds = 0;
  // Each movie's JSON object, serialized once by the HTTP layer (hot routes
  // append the scores to these instead of building JSON per request).
  mutable std::once_flag json_once;
  mutable std::vector<std::string> movie_json;

  // The named model, or ApiError 400 listing the loaded ones.
  const Recommender& get(const std::string& name) const;
};

struct ServiceOptions {
  std::vector<ModelSpec> models;
  std::string posters;  // poster folder, may be empty
  std::string db = "movierec-ratings.sqlite";
  bool progress = true;       // fit progress on stderr
  std::string default_model;  // for recommendations; empty: ease, ials, then the first that folds in
};

struct RefitStatus {
  bool running = false;
  std::string stage;  // "fitting svd (2/3)", "done", "failed: ..."
  int version = 1;
  double fit_seconds = 0;
};

class Service {
 public:
  // Loads or fits every model (ds is moved in), opens the store and reads it.
  Service(Dataset ds, ServiceOptions opts);
  ~Service();

  std::shared_ptr<const ModelSet> models() const;
  const std::string& default_model() const { return default_model_; }
  RatingStore& store() { return *store_; }
  const TitleIndex& titles() const { return titles_; }
  const Dataset& base() const { return *base_; }

  // Poster file of a MovieLens movieId, if the poster folder has one.
  std::optional<std::filesystem::path> poster(std::int64_t movie_id) const;
  bool has_poster(ItemIndex i) const { return i < posters_.size() && !posters_[i].empty(); }

  // ItemIndex of a MovieLens movieId, or ApiError 404 naming the parameter.
  ItemIndex item(std::int64_t movie_id, const std::string& parameter) const;

  // Similar movies by one model; min_ratings > 0 keeps only movies with that
  // many ratings (factor models give obscure movies noisy vectors).
  std::vector<ScoredItem> similar(const ModelSet& set, const std::string& model, ItemIndex i, std::size_t k,
                                  std::size_t min_ratings) const;

  // Top-k for a dataset or API user, excluding every movie they rated.
  std::vector<ScoredItem> recommend_user(const ModelSet& set, const std::string& model, std::int64_t user_id,
                                         std::size_t k) const;
  // Top-k for anonymous (movie, rating) pairs, nothing stored.
  std::vector<ScoredItem> recommend_ratings(const ModelSet& set, const std::string& model,
                                            const std::vector<std::pair<ItemIndex, float>>& ratings,
                                            std::size_t k) const;

  bool user_exists(std::int64_t user_id) const;
  std::int64_t create_user();
  // Validated ratings of one user, stored in one transaction, then visible.
  void put_ratings(std::int64_t user_id, const std::vector<StoredRating>& ratings);
  bool remove_rating(std::int64_t user_id, std::int64_t movie_id);
  // Stored ratings of a user (dataset ratings not included), by movie.
  std::vector<StoredRating> user_ratings(std::int64_t user_id) const;
  std::int64_t stored_count() const { return stored_count_.load(); }

  // Starts a refit in the background; false when one is running.
  bool start_refit();
  RefitStatus refit_status() const;

 private:
  std::shared_ptr<ModelSet> build(std::shared_ptr<const Dataset> ds, int version, bool progress, bool use_files);
  std::shared_ptr<const Dataset> dataset_with_stored() const;

  ServiceOptions opts_;
  std::shared_ptr<const Dataset> base_;
  TitleIndex titles_;
  std::vector<std::filesystem::path> posters_;  // by ItemIndex, empty: none
  std::unique_ptr<RatingStore> store_;
  std::string default_model_;

  // Read on every request: an atomic shared_ptr, not a mutex (a reader never
  // waits for a thread the scheduler parked while holding a lock).
  std::atomic<std::shared_ptr<const ModelSet>> set_;

  std::mutex write_mu_;  // one writer at a time: commit, then the memory copy
  mutable std::shared_mutex users_mu_;
  std::unordered_map<std::int64_t, std::map<std::int64_t, StoredRating>> stored_;  // user -> movie -> rating
  std::unordered_map<std::int64_t, bool> api_users_;
  std::int64_t next_user_id_ = 1;
  std::atomic<std::int64_t> stored_count_{0};

  mutable std::mutex refit_mu_;
  RefitStatus refit_;
  std::thread refit_thread_;
};

}  // namespace movierec::serve
