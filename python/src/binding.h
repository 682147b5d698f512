// Shared pieces of the Python module's two files: the model handle and
// in-memory datasets.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "movierec/dataset.h"
#include "movierec/recommender.h"
#include "vision/feature_file.h"

namespace movierec::python {

namespace py = pybind11;
using DatasetPtr = std::shared_ptr<Dataset>;

// Sets OpenMP's thread count for the calling thread while in scope (0: unchanged).
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int old_ = 0;
};

// f(k) for k in [0, n) on OpenMP threads; the first exception is rethrown after the loop.
void run_parallel(std::size_t n, const std::function<void(std::size_t)>& f);

std::string fmt_number(double v);

// A model as Python holds it: the recommender, the parameters it was made
// with, and after fit the dataset (for ids) and the ratings it was fitted on
// (rated movies are excluded from recommendations). Not thread safe for fit;
// the query methods are.
struct Model {
  std::string name;
  ParamMap params;
  int threads = 0;  // the model's `threads` parameter when given
  std::unique_ptr<Recommender> rec;
  DatasetPtr ds;
  std::shared_ptr<const RatingMatrix> train;
  std::shared_ptr<const FeatureSet> features;  // poster model: features given in memory

  // Validates name and parameters (ValueError listing candidates).
  Model(std::string name, ParamMap params);
  static Model loaded(std::unique_ptr<Recommender> rec, DatasetPtr ds);

  // A fresh, unfitted recommender with this model's parameters (and features).
  std::unique_ptr<Recommender> make() const;
  // Drops the fitted state: a fresh recommender, no dataset.
  void fresh();
  // Fits a fresh recommender on train (ds's ratings or a split's train part), without the GIL.
  void fit(DatasetPtr ds, std::shared_ptr<const RatingMatrix> train);
  // The fitted dataset; ValueError when not fitted.
  const Dataset& dataset() const;
};

// Contiguous arrays, converted by pybind11 when the caller passes another dtype.
using IdArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using ValueArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// A dataset from arrays of ids (pandas, numpy, scipy.sparse through the Python
// layer). users, items: raw ids per rating; values: ratings; times: seconds or
// empty. user_ids / movie_ids: the catalogue, in index order (empty: order of
// first appearance in the ratings); every rated movie must be in movie_ids.
// titles / genres ("A|B"): per movie id, or empty. scale: (min, max, step) or
// empty to infer it from the values.
DatasetPtr from_arrays(const IdArray& users, const IdArray& items, const ValueArray& values,
                       const std::optional<IdArray>& times, const std::optional<IdArray>& user_ids,
                       const std::optional<IdArray>& movie_ids, const std::vector<std::string>& titles,
                       const std::vector<std::string>& genres, const std::string& name, const std::string& source,
                       const std::vector<float>& scale);

}  // namespace movierec::python
