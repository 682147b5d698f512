#include "serve/service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/topk.h"

namespace movierec::serve {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

const Recommender& ModelSet::get(const std::string& name) const {
  for (const auto& [n, m] : models)
    if (n == name) return *m;
  std::string names;
  for (const auto& [n, m] : models) names += (names.empty() ? "" : ", ") + n;
  throw ApiError(400, "model \"" + name + "\" is not loaded; loaded: " + names, "model");
}

Service::Service(Dataset ds, ServiceOptions opts) : opts_(std::move(opts)) {
  if (opts_.models.empty()) throw ConfigError("serve: no model to serve");
  base_ = std::make_shared<const Dataset>(std::move(ds));
  titles_ = TitleIndex(*base_);
  if (!opts_.posters.empty()) {
    PosterFolder folder(opts_.posters);
    posters_.resize(base_->movies.size());
    for (ItemIndex i = 0; i < base_->movies.size(); ++i)
      if (auto p = folder.find(base_->movies[i])) posters_[i] = *p;
  }
  store_ = std::make_unique<RatingStore>(opts_.db);
  for (const auto& r : store_->all_ratings()) stored_[r.user_id][r.movie_id] = r;
  stored_count_ = store_->count();
  for (auto u : store_->users()) api_users_[u] = true;
  std::int64_t max_id = 0;
  for (auto raw : base_->users.raw_ids()) max_id = std::max<std::int64_t>(max_id, raw);
  for (const auto& [u, _] : api_users_) max_id = std::max(max_id, u);
  next_user_id_ = max_id + 1;

  // Ratings stored by an earlier run are part of the first model set only
  // after a refit; until then they are folded in per request.
  set_.store(build(base_, 1, opts_.progress, true));
  refit_.stage = "idle";
  default_model_ = opts_.default_model;
  if (default_model_.empty()) {
    for (const char* pref : {"ease", "ials"})
      for (const auto& [n, m] : models()->models)
        if (n == pref && default_model_.empty()) default_model_ = n;
  }
  if (default_model_.empty()) {
    // The first model that folds in a new user.
    std::vector<float> out;
    for (const auto& [n, m] : models()->models) {
      out.assign(m->n_items(), 0.f);
      try {
        m->score_new_user({}, {}, out);
        default_model_ = n;
        break;
      } catch (const NotSupported&) {
      }
    }
  }
  if (default_model_.empty()) default_model_ = models()->models.front().first;
  models()->get(default_model_);
}

Service::~Service() {
  if (refit_thread_.joinable()) refit_thread_.join();
}

std::shared_ptr<ModelSet> Service::build(std::shared_ptr<const Dataset> ds, int version, bool progress,
                                         bool use_files) {
  auto set = std::make_shared<ModelSet>();
  set->ds = ds;
  set->version = version;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < opts_.models.size(); ++k) {
    const ModelSpec& spec = opts_.models[k];
    {
      std::lock_guard lock(refit_mu_);
      refit_.stage =
          "fitting " + spec.name + " (" + std::to_string(k + 1) + "/" + std::to_string(opts_.models.size()) + ")";
    }
    const auto t1 = std::chrono::steady_clock::now();
    std::unique_ptr<Recommender> m;
    if (use_files && !spec.model_file.empty()) {
      m = load_model(spec.model_file, *ds);
      // A refit fits the same model with the same parameters on the new data.
      opts_.models[k].name = std::string(m->name());
      opts_.models[k].params = m->params();
    } else {
      FitOptions fo;
      fo.progress = progress;
      m = fit_model(*ds, spec.name, spec.params, fo);
    }
    if (progress)
      std::cerr << (use_files && !spec.model_file.empty() ? "loaded " : "fitted ") << m->name() << " in "
                << static_cast<int>(seconds_since(t1) * 1000) << " ms\n";
    set->models.emplace_back(std::string(m->name()), std::move(m));
  }
  set->fit_seconds = seconds_since(t0);
  const auto& r = ds->ratings;
  set->mean_rating.assign(ds->movies.size(), std::numeric_limits<float>::quiet_NaN());
  for (ItemIndex i = 0; i < r.n_items() && i < ds->movies.size(); ++i) {
    auto b = r.item_ptr()[i], e = r.item_ptr()[i + 1];
    if (b == e) continue;
    double s = 0;
    for (auto p = b; p < e; ++p) s += r.item_values_raw()[p];
    set->mean_rating[i] = static_cast<float>(s / double(e - b));
  }
  set->popular.resize(ds->movies.size());
  for (ItemIndex i = 0; i < set->popular.size(); ++i) set->popular[i] = i;
  auto count = [&](ItemIndex i) { return i < r.n_items() ? r.item_count(i) : 0; };
  std::stable_sort(set->popular.begin(), set->popular.end(),
                   [&](ItemIndex a, ItemIndex b) { return count(a) > count(b); });
  return set;
}

std::shared_ptr<const ModelSet> Service::models() const { return set_.load(); }

std::optional<std::filesystem::path> Service::poster(std::int64_t movie_id) const {
  auto i = base_->items.find(movie_id);
  if (!i || !has_poster(*i)) return std::nullopt;
  return posters_[*i];
}

ItemIndex Service::item(std::int64_t movie_id, const std::string& parameter) const {
  auto i = base_->items.find(movie_id);
  if (!i) throw ApiError(404, "no movie with id " + std::to_string(movie_id), parameter);
  return *i;
}

std::vector<ScoredItem> Service::similar(const ModelSet& set, const std::string& model, ItemIndex i, std::size_t k,
                                         std::size_t min_ratings) const {
  const Recommender& m = set.get(model);
  try {
    return similar_with_min_ratings(m, i, k, set.ds->ratings, min_ratings);
  } catch (const NotSupported& e) {
    throw ApiError(422, "model " + model + " has no item similarity: " + e.what(), "model");
  }
}

bool Service::user_exists(std::int64_t user_id) const {
  if (base_->users.find(user_id)) return true;
  std::shared_lock lock(users_mu_);
  return api_users_.count(user_id) > 0;
}

std::int64_t Service::create_user() {
  std::lock_guard write(write_mu_);
  const std::int64_t id = next_user_id_++;
  store_->add_user(id, now_seconds());
  std::unique_lock lock(users_mu_);
  api_users_[id] = true;
  return id;
}

void Service::put_ratings(std::int64_t user_id, const std::vector<StoredRating>& ratings) {
  // One writer at a time: the store commits, then the memory copy changes, so
  // a reader never sees a rating that is not durable. Readers wait only for
  // the memory update, never for the commit.
  std::lock_guard write(write_mu_);
  store_->put(ratings);
  std::unique_lock lock(users_mu_);
  auto& mine = stored_[user_id];
  for (const auto& r : ratings) {
    if (!mine.count(r.movie_id)) ++stored_count_;
    mine[r.movie_id] = r;
  }
}

bool Service::remove_rating(std::int64_t user_id, std::int64_t movie_id) {
  std::lock_guard write(write_mu_);
  if (!store_->remove(user_id, movie_id)) return false;
  std::unique_lock lock(users_mu_);
  auto it = stored_.find(user_id);
  if (it != stored_.end() && it->second.erase(movie_id)) --stored_count_;
  return true;
}

std::vector<StoredRating> Service::user_ratings(std::int64_t user_id) const {
  std::shared_lock lock(users_mu_);
  std::vector<StoredRating> out;
  auto it = stored_.find(user_id);
  if (it != stored_.end())
    for (const auto& [_, r] : it->second) out.push_back(r);
  return out;
}

std::vector<ScoredItem> Service::recommend_ratings(const ModelSet& set, const std::string& model,
                                                   const std::vector<std::pair<ItemIndex, float>>& ratings,
                                                   std::size_t k) const {
  const Recommender& m = set.get(model);
  std::vector<bool> rated(set.ds->movies.size(), false);
  for (auto [i, v] : ratings) rated[i] = true;
  auto skip = [&](ItemIndex i) { return i < rated.size() && rated[i]; };
  if (ratings.empty()) {
    // Nothing to fold in: the most rated movies.
    std::vector<ScoredItem> out;
    for (ItemIndex i : set.popular) {
      if (out.size() == k) break;
      out.push_back({i, static_cast<float>(set.ds->ratings.item_count(i))});
    }
    return out;
  }
  std::vector<ItemIndex> items;
  std::vector<float> values;
  for (auto [i, v] : ratings)
    if (i < m.n_items()) items.push_back(i), values.push_back(v);
  std::vector<float> scores(m.n_items());
  try {
    m.score_new_user(items, values, scores);
  } catch (const NotSupported&) {
    throw ApiError(422, "model " + model + " cannot fold in a user's ratings; use one of the others", "model");
  }
  return top_k(std::span<const float>(scores), k, skip);
}

std::vector<ScoredItem> Service::recommend_user(const ModelSet& set, const std::string& model, std::int64_t user_id,
                                                std::size_t k) const {
  const Recommender& m = set.get(model);
  auto stored = user_ratings(user_id);
  auto u = set.ds->users.find(user_id);
  if (!u && !user_exists(user_id)) throw ApiError(404, "no user with id " + std::to_string(user_id), "id");
  if (stored.empty() && u && *u < m.n_users()) {
    UserIndex uu = *u;
    Query q;
    q.k = k;
    q.exclude = &set.ds->ratings;
    return m.recommend(std::span<const UserIndex>(&uu, 1), q)[0];
  }
  // Fold in: the user's ratings in the model's data, replaced or completed by
  // the stored ones.
  std::map<ItemIndex, float> merged;
  if (u)
    for (std::size_t p = 0; p < set.ds->ratings.user_items(*u).size(); ++p)
      merged[set.ds->ratings.user_items(*u)[p]] = set.ds->ratings.user_values(*u)[p];
  for (const auto& r : stored)
    if (auto i = set.ds->items.find(r.movie_id)) merged[*i] = r.rating;
  std::vector<std::pair<ItemIndex, float>> list(merged.begin(), merged.end());
  return recommend_ratings(set, model, list, k);
}

std::shared_ptr<const Dataset> Service::dataset_with_stored() const {
  auto ds = std::make_shared<Dataset>(*base_);
  std::map<std::pair<UserIndex, ItemIndex>, Rating> all;
  for (const Rating& r : base_->ratings.triplets()) all[{r.user, r.item}] = r;
  {
    std::shared_lock lock(users_mu_);
    for (const auto& [user, movies] : stored_)
      for (const auto& [movie, s] : movies) {
        auto i = ds->items.find(movie);
        if (!i) continue;
        const UserIndex u = ds->users.add(user);
        all[{u, *i}] = Rating{u, *i, s.rating, s.timestamp};
      }
  }
  std::vector<Rating> triplets;
  triplets.reserve(all.size());
  for (const auto& [_, r] : all) triplets.push_back(r);
  ds->ratings = RatingMatrix(ds->users.size(), ds->items.size(), std::move(triplets));
  return ds;
}

bool Service::start_refit() {
  std::lock_guard lock(refit_mu_);
  if (refit_.running) return false;
  if (refit_thread_.joinable()) refit_thread_.join();
  refit_.running = true;
  refit_.stage = "starting";
  const int version = models()->version + 1;
  refit_thread_ = std::thread([this, version] {
    try {
      auto set = build(dataset_with_stored(), version, false, false);
      set_.store(set);  // in-flight requests keep their shared_ptr to the old set
      std::lock_guard l(refit_mu_);
      refit_.running = false;
      refit_.stage = "done";
      refit_.version = version;
      refit_.fit_seconds = set->fit_seconds;
    } catch (const std::exception& e) {
      std::lock_guard l(refit_mu_);
      refit_.running = false;
      refit_.stage = std::string("failed: ") + e.what();
    }
  });
  return true;
}

RefitStatus Service::refit_status() const {
  auto set = models();
  std::lock_guard lock(refit_mu_);
  RefitStatus s = refit_;
  s.version = set->version;
  s.fit_seconds = set->fit_seconds;
  return s;
}

}  // namespace movierec::serve
