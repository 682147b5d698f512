// The model handle and in-memory datasets of the Python module.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "binding.h"
#include "data/titles.h"
#include "models/poster.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/parallel.h"
#include "util/strings.h"

namespace movierec::python {

ScopedThreads::ScopedThreads(int threads) : old_(threads > 0 ? omp_get_max_threads() : 0) {
  if (threads > 0) omp_set_num_threads(threads);
}

ScopedThreads::~ScopedThreads() {
  if (old_ > 0) omp_set_num_threads(old_);
}

void run_parallel(std::size_t n, const std::function<void(std::size_t)>& f) {
  ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t k = 0; k < n; ++k) errors.run([&] { f(k); });
  errors.rethrow();
}

std::string fmt_number(double v) { return format_number(v); }

Model::Model(std::string n, ParamMap p) : name(std::move(n)), params(std::move(p)) {
  if (auto it = params.find("threads"); it != params.end()) {
    long long t = 0;
    if (!parse_int64(it->second, t) || t < 0 || t > 1024)
      throw ConfigError("model '" + name + "': parameter 'threads': expected an integer in [0, 1024], got \"" +
                        it->second + "\"");
    threads = static_cast<int>(t);
  }
  rec = make();  // validates the name and the parameters now
}

Model Model::loaded(std::unique_ptr<Recommender> r, DatasetPtr d) {
  Model m(std::string(r->name()), r->params());
  m.rec = std::move(r);
  m.train = std::shared_ptr<const RatingMatrix>(d, &d->ratings);
  m.ds = std::move(d);
  return m;
}

std::unique_ptr<Recommender> Model::make() const {
  // `threads` works for every model from Python: models without the parameter
  // get it through FitOptions and the OpenMP setting of the calls.
  bool has_threads = false;
  for (const auto& info : list_models())
    if (info.name == name)
      for (const auto& spec : info.params) has_threads = has_threads || spec.name == "threads";
  ParamMap p;
  for (const auto& [k, v] : params)
    if (!k.starts_with("_") && (k != "threads" || has_threads)) p[k] = v;  // "_split", "_seed": model file provenance
  auto r = create_model(name, p);
  if (features) {
    auto* poster = dynamic_cast<PosterModel*>(r.get());
    if (poster) poster->set_features(features);
  }
  return r;
}

void Model::fresh() {
  rec = make();
  ds.reset();
  train.reset();
}

void Model::fit(DatasetPtr d, std::shared_ptr<const RatingMatrix> t) {
  auto r = make();
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(threads);
    FitOptions fo;
    fo.threads = threads;
    fo.dataset = d.get();
    r->fit(*t, fo);
  }
  rec = std::move(r);
  ds = std::move(d);
  train = std::move(t);
}

const Dataset& Model::dataset() const {
  if (!ds) throw py::value_error("model '" + name + "' is not fitted; call fit(data) first");
  return *ds;
}

namespace {

// "<source>:<line>: field '<field>': ...", the shape of the file loaders' messages
// (movierec.DataError parses file, line and field from it); line is the 1-based row.
[[noreturn]] void bad_row(const std::string& source, std::size_t row, const std::string& field,
                          const std::string& what) {
  throw DataError(source + ":" + std::to_string(row + 1) + ": field '" + field + "': " + what);
}

}  // namespace

DatasetPtr from_arrays(const IdArray& users, const IdArray& items, const ValueArray& values,
                       const std::optional<IdArray>& times, const std::optional<IdArray>& user_ids,
                       const std::optional<IdArray>& movie_ids, const std::vector<std::string>& titles,
                       const std::vector<std::string>& genres, const std::string& name, const std::string& source,
                       const std::vector<float>& scale) {
  const std::size_t n = users.size();
  if (users.ndim() != 1 || items.ndim() != 1 || values.ndim() != 1 || items.size() != users.size() ||
      values.size() != users.size() || (times && times->size() != users.size()))
    throw py::value_error("users, items, ratings (and timestamps) must be 1-D arrays of one length; got " +
                          std::to_string(users.size()) + ", " + std::to_string(items.size()) + ", " +
                          std::to_string(values.size()) + (times ? ", " + std::to_string(times->size()) : ""));
  if (movie_ids && !titles.empty() && titles.size() != static_cast<std::size_t>(movie_ids->size()))
    throw py::value_error("titles: " + std::to_string(titles.size()) + " titles for " +
                          std::to_string(movie_ids->size()) + " movie ids");
  if (movie_ids && !genres.empty() && genres.size() != static_cast<std::size_t>(movie_ids->size()))
    throw py::value_error("genres: " + std::to_string(genres.size()) + " entries for " +
                          std::to_string(movie_ids->size()) + " movie ids");
  if (!scale.empty() && (scale.size() < 2 || !(scale[0] < scale[1])))
    throw py::value_error("rating_scale: expected (min, max) with min < max");

  auto ds = std::make_shared<Dataset>();
  ds->name = name;
  ds->format = source;
  const std::int64_t* pu = users.data();
  const std::int64_t* pi = items.data();
  const float* pv = values.data();
  const std::int64_t* pt = times ? times->data() : nullptr;
  {
    py::gil_scoped_release nogil;
    if (user_ids) {
      for (py::ssize_t k = 0; k < user_ids->size(); ++k)
        if (ds->users.add(user_ids->data()[k]) != static_cast<std::uint32_t>(k))
          throw DataError(source + ": user id " + std::to_string(user_ids->data()[k]) + " appears twice in user_ids");
    }
    const bool catalogue = movie_ids.has_value();
    if (catalogue) {
      for (py::ssize_t k = 0; k < movie_ids->size(); ++k) {
        const std::int64_t id = movie_ids->data()[k];
        if (ds->items.add(id) != static_cast<std::uint32_t>(k))
          throw DataError(source + ": movie id " + std::to_string(id) + " appears twice in the movies");
        Movie m;
        m.id = id;
        if (!titles.empty()) {
          m.title = titles[k];
          m.year = data::title_year(m.title);
        }
        if (!genres.empty() && !genres[k].empty()) m.genres = split(genres[k], '|');
        ds->movies.push_back(std::move(m));
      }
    }
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    bool whole = true;
    for (std::size_t k = 0; k < n; ++k) {
      const float v = pv[k];
      if (!std::isfinite(v)) bad_row(source, k, "rating", "expected a finite number, got " + format_number(v));
      if (!scale.empty() && (v < scale[0] || v > scale[1]))
        bad_row(source, k, "rating",
                "expected a number in [" + format_number(scale[0]) + ", " + format_number(scale[1]) + "], got " +
                    format_number(v));
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      whole = whole && v == std::floor(v);
    }
    std::vector<Rating> triplets(n);
    for (std::size_t k = 0; k < n; ++k) {
      std::uint32_t u;
      if (user_ids) {
        auto f = ds->users.find(pu[k]);
        if (!f) bad_row(source, k, "user", "user id " + std::to_string(pu[k]) + " is not in user_ids");
        u = *f;
      } else {
        u = ds->users.add(pu[k]);
      }
      std::uint32_t i;
      if (catalogue) {
        auto f = ds->items.find(pi[k]);
        if (!f) bad_row(source, k, "item", "movie id " + std::to_string(pi[k]) + " is not in the movies");
        i = *f;
      } else {
        i = ds->items.add(pi[k]);
      }
      triplets[k] = Rating{u, i, pv[k], pt ? pt[k] : 0};
    }
    // Duplicates named by their ids and rows (the matrix would name indices).
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return triplets[a].user != triplets[b].user ? triplets[a].user < triplets[b].user
                                                  : triplets[a].item < triplets[b].item;
    });
    for (std::size_t k = 1; k < n; ++k) {
      const Rating &a = triplets[order[k - 1]], &b = triplets[order[k]];
      if (a.user == b.user && a.item == b.item)
        bad_row(source, std::max(order[k - 1], order[k]), "item",
                "duplicate rating of user " + std::to_string(pu[order[k]]) + " for movie " +
                    std::to_string(pi[order[k]]) + " (also row " + std::to_string(std::min(order[k - 1], order[k])) +
                    ")");
    }
    if (!catalogue) {
      for (std::size_t i = 0; i < ds->items.size(); ++i) {
        Movie m;
        m.id = ds->items.raw(static_cast<std::uint32_t>(i));
        ds->movies.push_back(std::move(m));
      }
    }
    if (!scale.empty()) {
      ds->scale = RatingScale{scale[0], scale[1], scale.size() > 2 ? scale[2] : (whole ? 1.f : 0.5f)};
    } else if (n > 0) {
      ds->scale = RatingScale{lo, hi, whole ? 1.f : 0.5f};
    }
    ds->ratings = RatingMatrix(ds->users.size(), ds->items.size(), std::move(triplets));
  }
  return ds;
}

}  // namespace movierec::python
