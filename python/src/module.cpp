// movierec._core: the C++ library seen from Python. Python sees the dataset's
// own user and movie ids (ratings.csv's userId / movieId); indices stay here.
// Heavy calls (load, fit, predict, recommend, evaluate, embed) run without the
// GIL, so a Python thread pool scales. python/movierec/__init__.py wraps these
// classes with keyword arguments, pandas / scipy conversions and docstrings.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "binding.h"
#include "models/factor_model.h"
#include "models/poster.h"
#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "net/datasets.h"
#include "report/gallery.h"
#include "util/strings.h"
#include "util/topk.h"
#include "vision/embed.h"
#include "vision/net_desc.h"
#include "vision/poster_folder.h"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace movierec::python {

namespace {

template <typename T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// ---- errors: library exceptions -> the Python classes of movierec/_errors.py

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const DataError& e) {
    py::object cls = py::module_::import("movierec._errors").attr("DataError");
    PyErr_SetObject(cls.ptr(), cls(e.what()).ptr());
  } catch (const NotSupported& e) {
    py::object cls = py::module_::import("movierec._errors").attr("NotSupported");
    PyErr_SetString(cls.ptr(), e.what());
  } catch (const ConfigError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const IoError& e) {
    const std::string m = e.what();
    const bool missing = m.starts_with("data folder not found") || m.starts_with("missing file") ||
                         m.find("No such file or directory") != std::string::npos;
    if (missing) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } else {
      py::object cls = py::module_::import("movierec._errors").attr("IoError");
      PyErr_SetString(cls.ptr(), e.what());
    }
  }
}

// ---- datasets

UserIndex user_index(const Dataset& ds, std::int64_t id) {
  auto u = ds.users.find(id);
  if (!u) throw py::key_error("user id " + std::to_string(id) + " is not in dataset " + ds.name);
  return *u;
}

ItemIndex item_index(const Dataset& ds, std::int64_t id) {
  auto i = ds.items.find(id);
  if (!i) throw py::key_error("movie id " + std::to_string(id) + " is not in dataset " + ds.name);
  return *i;
}

// A title (or "#id") to one movie id, as the CLI resolves `similar "Heat (1995)"`.
std::int64_t find_movie(const Dataset& ds, const std::string& query) { return ds.movies[resolve_movie(ds, query)].id; }

DatasetPtr load(const std::string& folder_or_name, const std::string& cache, bool lenient) {
  fs::path dir;
  {
    std::error_code ec;
    if (!fs::is_directory(folder_or_name, ec) && !fs::exists(folder_or_name, ec) &&
        !net::is_known_dataset(folder_or_name)) {
      const std::string m = "'" + folder_or_name +
                            "': no such folder, and not a known dataset name (known: " + net::known_dataset_names() +
                            ")";
      PyErr_SetString(PyExc_FileNotFoundError, m.c_str());
      throw py::error_already_set();
    }
  }
  py::gil_scoped_release nogil;
  net::FetchDataOptions o;
  o.cache = cache;  // empty: $MOVIEREC_DATA or ~/.cache/movierec
  o.progress = false;
  dir = net::resolve_dataset(folder_or_name, o,
                             [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  LoadOptions lo;
  lo.lenient = lenient;
  return std::make_shared<Dataset>(load_dataset(dir, lo));
}

py::tuple ratings_of(const RatingMatrix& m, const Dataset& ds) {
  const std::size_t n = m.nnz();
  py::array_t<std::int64_t> users(n), items(n), times(n);
  py::array_t<float> values(n);
  auto* pu = users.mutable_data();
  auto* pi = items.mutable_data();
  auto* pv = values.mutable_data();
  auto* pt = times.mutable_data();
  std::size_t k = 0;
  for (UserIndex u = 0; u < m.n_users(); ++u) {
    auto it = m.user_items(u);
    auto vs = m.user_values(u);
    auto ts = m.user_times(u);
    for (std::size_t j = 0; j < it.size(); ++j, ++k) {
      pu[k] = ds.users.raw(u);
      pi[k] = ds.items.raw(it[j]);
      pv[k] = vs[j];
      pt[k] = j < ts.size() ? ts[j] : 0;
    }
  }
  return py::make_tuple(users, items, values, times);
}

// The dense rating matrices of a split or dataset as CSR arrays (indptr, indices, data)
// with rows = user indices, columns = movie indices (the dataset's id order).
py::tuple csr_of(const RatingMatrix& m) {
  return py::make_tuple(to_array(std::vector<std::int64_t>(m.user_ptr().begin(), m.user_ptr().end())),
                        to_array(std::vector<std::int32_t>(m.user_items_raw().begin(), m.user_items_raw().end())),
                        to_array(m.user_values_raw()), m.n_users(), m.n_items());
}

std::string dataset_repr(const Dataset& ds) {
  return "<movierec.Dataset '" + ds.name + "' (" + ds.format + "): " + std::to_string(ds.users.size()) + " users, " +
         std::to_string(ds.items.size()) + " movies, " + std::to_string(ds.ratings.nnz()) + " ratings>";
}

// ---- splits

struct SplitHandle {
  DatasetPtr ds;
  std::shared_ptr<Split> split;
};

std::vector<SplitHandle> make_split_handles(const DatasetPtr& ds, const std::string& spec, std::uint64_t seed) {
  std::vector<Split> splits;
  {
    py::gil_scoped_release nogil;
    splits = make_splits(*ds, spec, seed);
  }
  std::vector<SplitHandle> out;
  for (auto& s : splits) out.push_back({ds, std::make_shared<Split>(std::move(s))});
  return out;
}

// ---- models

ParamMap to_params(const py::dict& kwargs) {
  ParamMap p;
  for (auto [k, v] : kwargs) p[py::str(k)] = py::str(v);
  return p;
}

FactorModel& factor_model(Model& m, const char* what) {
  auto* f = dynamic_cast<FactorModel*>(m.rec.get());
  if (!f)
    throw py::attribute_error("model '" + m.name + "' has no " + what +
                              " (factor models: svd, svd-alternating, svdpp, "
                              "als, ials, bpr)");
  if (!m.ds) throw py::attribute_error(std::string(what) + ": the model is not fitted; call fit first");
  return *f;
}

// Zero-copy, read-only view of a factor matrix (rows x k, padded rows: row stride is the padded width).
py::array factors_view(Model& m, py::handle self, bool users) {
  FactorModel& f = factor_model(m, users ? "user_factors" : "item_factors");
  const FactorMatrix& fm = users ? f.user_factors() : f.item_factors();
  py::array a(py::dtype::of<float>(), {static_cast<py::ssize_t>(fm.rows()), static_cast<py::ssize_t>(fm.k())},
              {static_cast<py::ssize_t>(fm.stride() * sizeof(float)), static_cast<py::ssize_t>(sizeof(float))},
              fm.data(), self);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::array bias_view(Model& m, py::handle self, bool users) {
  FactorModel& f = factor_model(m, users ? "user_bias" : "item_bias");
  auto b = users ? f.user_bias() : f.item_bias();
  py::array a(py::dtype::of<float>(), {static_cast<py::ssize_t>(b.size())}, {static_cast<py::ssize_t>(sizeof(float))},
              b.data(), self);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

// (ids, scores) numpy arrays of one list.
py::tuple list_arrays(const Dataset& ds, const std::vector<ScoredItem>& list) {
  py::array_t<std::int64_t> ids(list.size());
  py::array_t<float> scores(list.size());
  for (std::size_t r = 0; r < list.size(); ++r) {
    ids.mutable_data()[r] = ds.items.raw(list[r].item);
    scores.mutable_data()[r] = list[r].score;
  }
  return py::make_tuple(ids, scores);
}

std::vector<std::int64_t> id_vector(const IdArray& a) {
  if (a.ndim() != 1) throw py::value_error("expected a 1-D array of ids, got " + std::to_string(a.ndim()) + "-D");
  return std::vector<std::int64_t>(a.data(), a.data() + a.size());
}

py::array_t<float> predict(Model& m, const IdArray& users, const IdArray& items, bool clip) {
  const Dataset& ds = m.dataset();
  if (users.size() != items.size())
    throw py::value_error("predict: users has " + std::to_string(users.size()) + " ids but items has " +
                          std::to_string(items.size()));
  std::vector<UserIndex> u(users.size());
  std::vector<ItemIndex> i(items.size());
  for (py::ssize_t k = 0; k < users.size(); ++k) {
    u[k] = user_index(ds, users.data()[k]);
    i[k] = item_index(ds, items.data()[k]);
  }
  py::array_t<float> out(users.size());
  float* o = out.mutable_data();
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(m.threads);
    const float lo = clip ? ds.scale.min : -std::numeric_limits<float>::infinity();
    const float hi = clip ? ds.scale.max : std::numeric_limits<float>::infinity();
    run_parallel(u.size(), [&](std::size_t k) { o[k] = std::clamp(m.rec->predict(u[k], i[k]), lo, hi); });
  }
  return out;
}

py::tuple recommend_batch(Model& m, const IdArray& users, std::size_t k, bool exclude_rated) {
  const Dataset& ds = m.dataset();
  std::vector<UserIndex> u;
  for (auto id : id_vector(users)) u.push_back(user_index(ds, id));
  const auto n = static_cast<py::ssize_t>(u.size()), kk = static_cast<py::ssize_t>(k);
  py::array_t<std::int64_t> ids({n, kk});
  py::array_t<float> scores({n, kk});
  std::int64_t* pi = ids.mutable_data();
  float* ps = scores.mutable_data();
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(m.threads);
    auto lists = m.rec->recommend(u, Query{k, exclude_rated ? m.train.get() : nullptr});
    // Shorter lists (fewer unrated movies than k) are padded with id -1 and NaN.
    for (std::size_t r = 0; r < lists.size(); ++r)
      for (std::size_t c = 0; c < k; ++c) {
        const bool has = c < lists[r].size();
        pi[r * k + c] = has ? ds.items.raw(lists[r][c].item) : -1;
        ps[r * k + c] = has ? lists[r][c].score : std::numeric_limits<float>::quiet_NaN();
      }
  }
  return py::make_tuple(ids, scores);
}

py::tuple recommend_one(Model& m, std::int64_t user, std::size_t k, bool exclude_rated) {
  const Dataset& ds = m.dataset();
  UserIndex u = user_index(ds, user);
  std::vector<ScoredItem> list;
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(m.threads);
    list = m.rec->recommend(std::span<const UserIndex>(&u, 1), Query{k, exclude_rated ? m.train.get() : nullptr})[0];
  }
  return list_arrays(ds, list);
}

py::tuple recommend_new_user(Model& m, const std::vector<std::int64_t>& movie_ids, const std::vector<float>& ratings,
                             std::size_t k, bool exclude_rated) {
  const Dataset& ds = m.dataset();
  std::vector<ItemIndex> items;
  for (std::size_t j = 0; j < movie_ids.size(); ++j) {
    items.push_back(item_index(ds, movie_ids[j]));
    if (!(ratings[j] >= ds.scale.min && ratings[j] <= ds.scale.max))
      throw py::value_error("ratings: the rating of movie " + std::to_string(movie_ids[j]) + " must be in [" +
                            fmt_number(ds.scale.min) + ", " + fmt_number(ds.scale.max) + "], got " +
                            fmt_number(ratings[j]));
  }
  std::vector<ScoredItem> list;
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(m.threads);
    std::vector<float> scores(m.rec->n_items());
    m.rec->score_new_user(items, ratings, scores);
    if (exclude_rated)
      for (ItemIndex i : items) scores[i] = std::numeric_limits<float>::quiet_NaN();
    list = top_k(std::span<const float>(scores), k);
  }
  return list_arrays(ds, list);
}

py::tuple similar_items(Model& m, std::int64_t movie, std::size_t k) {
  const Dataset& ds = m.dataset();
  ItemIndex i = item_index(ds, movie);
  std::vector<ScoredItem> list;
  {
    py::gil_scoped_release nogil;
    ScopedThreads scope(m.threads);
    list = m.rec->similar_items(i, k);
  }
  return list_arrays(ds, list);
}

// Metric names as evaluate() reports them; k from "name@k" (one k per call).
EvalOptions eval_options(const Model& m, const std::vector<std::string>& metrics, int threads, float relevance,
                         const Dataset& ds) {
  EvalOptions eo;
  eo.threads = threads > 0 ? threads : m.threads;
  eo.relevance_threshold = relevance;
  eo.dataset = &ds;
  eo.ranking = metrics.empty();
  for (const auto& name : metrics) {
    auto at = name.find('@');
    if (at == std::string::npos) continue;
    long long k = 0;
    if (!parse_int64(name.substr(at + 1), k) || k <= 0)
      throw py::value_error("metric '" + name + "': expected name@k with k > 0, as 'ndcg@10'");
    if (eo.ranking && static_cast<std::size_t>(k) != eo.k)
      throw py::value_error("metrics: one cut-off per call, got @" + std::to_string(eo.k) + " and @" +
                            std::to_string(k));
    eo.ranking = true;
    eo.k = static_cast<std::size_t>(k);
  }
  return eo;
}

MetricMap evaluate(Model& m, const SplitHandle& s, const std::vector<std::string>& metrics, bool fit, int threads,
                   float relevance) {
  EvalOptions eo = eval_options(m, metrics, threads, relevance, *s.ds);
  eo.fit = fit;
  MetricMap out;
  {
    py::gil_scoped_release nogil;
    if (fit) m.fresh();
    out = movierec::evaluate(*m.rec, *s.split, s.ds->scale, eo);
  }
  m.ds = s.ds;
  m.train = std::shared_ptr<const RatingMatrix>(s.split, &s.split->train);
  return out;
}

py::dict cross_validate(Model& m, const std::vector<SplitHandle>& splits, const std::vector<std::string>& metrics,
                        int threads, float relevance) {
  if (splits.empty()) throw py::value_error("cross_validate: no splits");
  EvalOptions eo = eval_options(m, metrics, threads, relevance, *splits[0].ds);
  CrossValResult r;
  {
    py::gil_scoped_release nogil;
    // The library's cross_validate takes a vector of splits; the handles own theirs, so each is evaluated here.
    for (const auto& s : splits) {
      auto model = m.make();
      r.per_split.push_back(movierec::evaluate(*model, *s.split, s.ds->scale, eo));
    }
  }
  py::dict out;
  py::list per;
  for (const auto& f : r.per_split) per.append(py::cast(f));
  out["per_split"] = per;
  return out;
}

// ---- posters

py::tuple embed_posters(const fs::path& folder, const fs::path& net_file, const std::string& arch, const fs::path& out,
                        const DatasetPtr& ds, int batch, int pca, std::size_t limit, bool progress) {
  PosterFolder posters(folder);
  std::vector<PosterFile> files = ds ? posters.resolve(*ds) : posters.by_movie_id();
  FeatureSet f;
  {
    py::gil_scoped_release nogil;
    cv::dnn::Net net = load_network(net_file);
    std::string a = arch.empty() ? detect_architecture(net) : arch;
    if (a.empty())
      throw ConfigError("cannot tell which network " + net_file.string() + " is; pass arch= (" +
                        join(builtin_architectures(), ", ") + ")");
    FeatureExtractor extractor(std::move(net), builtin_description(a));
    EmbedOptions o;
    o.batch = batch;
    o.pca = pca;
    o.limit = limit;
    o.progress = progress;
    fs::path file = out;
    fs::path tmp_dir;
    if (file.empty()) {
      // The pipeline writes a feature file (incremental, atomic); without out= it is a temporary one.
      tmp_dir = fs::temp_directory_path() / ("movierec-embed-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(reinterpret_cast<std::uintptr_t>(&f)));
      fs::create_directories(tmp_dir);
      file = tmp_dir / "posters.mrf";
    }
    try {
      embed_posters(files, extractor, file, o);
      f = read_features(file);
    } catch (...) {
      if (!tmp_dir.empty()) fs::remove_all(tmp_dir);
      throw;
    }
    if (!tmp_dir.empty()) fs::remove_all(tmp_dir);
  }
  py::array_t<float> x({static_cast<py::ssize_t>(f.size()), static_cast<py::ssize_t>(f.dim)});
  std::copy(f.data.begin(), f.data.end(), x.mutable_data());
  return py::make_tuple(to_array(f.movie_ids), x);
}

py::tuple read_feature_file(const fs::path& file) {
  FeatureSet f = read_features(file);
  py::array_t<float> x({static_cast<py::ssize_t>(f.size()), static_cast<py::ssize_t>(f.dim)});
  std::copy(f.data.begin(), f.data.end(), x.mutable_data());
  return py::make_tuple(to_array(f.movie_ids), x);
}

void set_features(Model& m, const IdArray& ids, const ValueArray& x) {
  if (m.name != "poster") throw py::value_error("features=(ids, vectors) is a parameter of the poster model only");
  if (x.ndim() != 2 || ids.ndim() != 1 || x.shape(0) != ids.shape(0))
    throw py::value_error(
        "features: expected (ids, vectors) with ids of shape (n,) and vectors of shape (n, dim), got " +
        std::to_string(ids.size()) + " ids and vectors of " + std::to_string(x.ndim()) + " dimensions");
  auto f = std::make_shared<FeatureSet>();
  f->network = "memory";
  f->dim = static_cast<int>(x.shape(1));
  f->movie_ids.assign(ids.data(), ids.data() + ids.size());
  std::unordered_set<std::int64_t> seen;
  for (auto id : f->movie_ids)
    if (!seen.insert(id).second) throw py::value_error("features: movie id " + std::to_string(id) + " appears twice");
  f->data.assign(x.data(), x.data() + x.size());
  m.features = std::move(f);
  m.fresh();
}

void gallery(const fs::path& file, const DatasetPtr& ds, const fs::path& posters,
             const std::vector<std::pair<std::string, Model*>>& models, const std::vector<std::int64_t>& queries,
             std::size_t k, const std::string& title) {
  std::vector<std::pair<std::string, const Recommender*>> recs;
  for (const auto& [name, m] : models) {
    if (!m->ds || m->ds->fingerprint() != ds->fingerprint())
      throw py::value_error("gallery: model '" + name + "' is not fitted on dataset " + ds->name);
    recs.push_back({name, m->rec.get()});
  }
  std::vector<ItemIndex> q;
  for (auto id : queries) q.push_back(item_index(*ds, id));
  py::gil_scoped_release nogil;
  PosterFolder folder(posters);
  GalleryOptions go;
  go.title = title;
  write_gallery_html(file, *ds, folder, gallery_queries(recs, q, k), go);
}

}  // namespace

PYBIND11_MODULE(_core, mod) {
  mod.doc() = "movierec's C++ core; use the movierec package, which wraps it.";
  py::register_exception_translator(&translate);

  py::class_<Dataset, DatasetPtr>(mod, "Dataset")
      .def_property_readonly("name", [](const Dataset& d) { return d.name; })
      .def_property_readonly("format", [](const Dataset& d) { return d.format; })
      .def_property_readonly("dir", [](const Dataset& d) { return d.dir.string(); })
      .def_property_readonly("n_users", [](const Dataset& d) { return d.users.size(); })
      .def_property_readonly("n_items", [](const Dataset& d) { return d.items.size(); })
      .def_property_readonly("n_ratings", [](const Dataset& d) { return d.ratings.nnz(); })
      .def_property_readonly("user_ids", [](const Dataset& d) { return to_array(d.users.raw_ids()); })
      .def_property_readonly("item_ids", [](const Dataset& d) { return to_array(d.items.raw_ids()); })
      .def_property_readonly("scale",
                             [](const Dataset& d) { return py::make_tuple(d.scale.min, d.scale.max, d.scale.step); })
      .def_property_readonly("fingerprint", &Dataset::fingerprint)
      .def("_ratings", [](const Dataset& d) { return ratings_of(d.ratings, d); })
      .def("_csr", [](const Dataset& d) { return csr_of(d.ratings); })
      .def("_movies",
           [](const Dataset& d) {
             py::list titles, genres;
             std::vector<std::int64_t> years, counts;
             for (std::size_t i = 0; i < d.movies.size(); ++i) {
               titles.append(d.movies[i].title);
               genres.append(join(d.movies[i].genres, "|"));
               years.push_back(d.movies[i].year);
               counts.push_back(static_cast<std::int64_t>(d.ratings.item_count(static_cast<ItemIndex>(i))));
             }
             return py::make_tuple(to_array(d.items.raw_ids()), titles, to_array(years), genres, to_array(counts));
           })
      .def("title", [](const Dataset& d, std::int64_t id) { return d.movies[item_index(d, id)].title; })
      .def("find", [](const Dataset& d, const std::string& q) { return find_movie(d, q); })
      .def("__repr__", &dataset_repr);

  mod.def("_load", &load, py::arg("data"), py::arg("cache"), py::arg("lenient"));
  mod.def("_from_arrays", &from_arrays);

  py::class_<SplitHandle>(mod, "Split")
      .def_property_readonly("name", [](const SplitHandle& s) { return s.split->name; })
      .def_property_readonly("dataset", [](const SplitHandle& s) { return s.ds; })
      .def_property_readonly("n_train", [](const SplitHandle& s) { return s.split->train.nnz(); })
      .def_property_readonly("n_test", [](const SplitHandle& s) { return s.split->test.nnz(); })
      .def("_train", [](const SplitHandle& s) { return ratings_of(s.split->train, *s.ds); })
      .def("_test", [](const SplitHandle& s) { return ratings_of(s.split->test, *s.ds); })
      .def("_train_csr", [](const SplitHandle& s) { return csr_of(s.split->train); })
      .def("__repr__", [](const SplitHandle& s) {
        return "<movierec.Split '" + s.split->name + "' of '" + s.ds->name +
               "': " + std::to_string(s.split->train.nnz()) + " train, " + std::to_string(s.split->test.nnz()) +
               " test ratings>";
      });
  mod.def("_split", &make_split_handles);

  py::class_<Model>(mod, "Model")
      .def(py::init([](const std::string& name, const py::dict& params) { return Model(name, to_params(params)); }))
      .def_property_readonly("name", [](const Model& m) { return m.name; })
      .def_property_readonly("params", [](const Model& m) { return m.params; })
      .def_property_readonly("fitted", [](const Model& m) { return m.ds != nullptr; })
      .def_property_readonly("dataset", [](const Model& m) { return m.ds; })
      .def_property_readonly("predicts_ratings", [](const Model& m) { return m.rec->predicts_ratings(); })
      .def_property(
          "threads", [](const Model& m) { return m.threads; }, [](Model& m, int t) { m.threads = t; })
      .def("_fit_dataset",
           [](Model& m, const DatasetPtr& ds) { m.fit(ds, std::shared_ptr<const RatingMatrix>(ds, &ds->ratings)); })
      .def("_fit_split",
           [](Model& m, const SplitHandle& s) {
             m.fit(s.ds, std::shared_ptr<const RatingMatrix>(s.split, &s.split->train));
           })
      .def("_predict", &predict)
      .def("_recommend", &recommend_one)
      .def("_recommend_batch", &recommend_batch)
      .def("_recommend_new_user", &recommend_new_user)
      .def("_similar_items", &similar_items)
      .def("_evaluate", &evaluate)
      .def("_cross_validate", &cross_validate)
      .def("_set_features", &set_features)
      .def("_save",
           [](const Model& m, const fs::path& file) {
             const Dataset& ds = m.dataset();
             py::gil_scoped_release nogil;
             save_model(file, *m.rec, ds);
           })
      .def_property_readonly("user_factors",
                             [](py::object self) { return factors_view(self.cast<Model&>(), self, true); })
      .def_property_readonly("item_factors",
                             [](py::object self) { return factors_view(self.cast<Model&>(), self, false); })
      .def_property_readonly("user_bias", [](py::object self) { return bias_view(self.cast<Model&>(), self, true); })
      .def_property_readonly("item_bias", [](py::object self) { return bias_view(self.cast<Model&>(), self, false); })
      .def_property_readonly("global_mean", [](Model& m) { return factor_model(m, "global_mean").global_mean(); })
      .def_property_readonly("user_ids", [](const Model& m) { return to_array(m.dataset().users.raw_ids()); })
      .def_property_readonly("item_ids", [](const Model& m) { return to_array(m.dataset().items.raw_ids()); });

  mod.def("_load_model", [](const fs::path& file, const DatasetPtr& ds) {
    std::unique_ptr<Recommender> rec;
    {
      py::gil_scoped_release nogil;
      rec = load_model(file, *ds);
    }
    return Model::loaded(std::move(rec), ds);
  });
  mod.def("_models", [] {
    py::list out;
    for (const auto& m : list_models()) {
      py::list params;
      for (const auto& p : m.params) params.append(py::make_tuple(p.name, p.default_value, p.doc));
      out.append(py::make_tuple(m.name, m.description, params));
    }
    return out;
  });
  mod.def("_embed_posters", &embed_posters);
  mod.def("_read_features", &read_feature_file);
  mod.def("_gallery", &gallery);
}

}  // namespace movierec::python
