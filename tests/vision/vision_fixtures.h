// Shared pieces of the vision tests: a tiny network built in code, small
// hand-made datasets, image files.
#pragma once

#include <filesystem>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "movierec/dataset.h"
#include "vision/feature_file.h"
#include "vision/net_desc.h"

namespace movierec::testing {

// input (N,3,H,W) -> "conv": 1x1 convolution with 2 outputs,
//   out0 = x_c0,  out1 = x_c0 + x_c1 + x_c2 + 0.5
// -> "pool": global average pooling, (N,2,1,1).
inline cv::dnn::Net tiny_net() {
  cv::dnn::Net net;
  cv::dnn::LayerParams conv;
  conv.set("kernel_size", 1);
  conv.set("num_output", 2);
  conv.set("bias_term", true);
  int wsz[] = {2, 3, 1, 1};
  cv::Mat w(4, wsz, CV_32F);
  const float vals[] = {1, 0, 0, 1, 1, 1};
  std::copy(vals, vals + 6, w.ptr<float>());
  cv::Mat b(1, 2, CV_32F);
  b.at<float>(0) = 0.f;
  b.at<float>(1) = 0.5f;
  conv.blobs = {w, b};
  net.addLayerToPrev("conv", "Convolution", conv);
  cv::dnn::LayerParams pool;
  pool.set("pool", "ave");
  pool.set("global_pooling", true);
  net.addLayerToPrev("pool", "Pooling", pool);
  net.setInputsNames({"data"});
  return net;
}

inline NetDescription tiny_desc(int size = 8) {
  NetDescription d;
  d.name = "tiny";
  d.width = d.height = size;
  d.scale = 1.0 / 255;
  d.rgb = true;
  d.layers = {"pool"};
  return d;
}

// A solid BGR image.
inline cv::Mat solid(int w, int h, int b, int g, int r) { return cv::Mat(h, w, CV_8UC3, cv::Scalar(b, g, r)); }

inline void write_image(const std::filesystem::path& p, const cv::Mat& m) {
  if (!cv::imwrite(p.string(), m)) throw std::runtime_error("cannot write " + p.string());
}

// A dataset of n movies (movieId = 10 * (i + 1)) with titles, years and genres,
// and the given ratings (user index, item index, value).
inline Dataset make_dataset(std::size_t n_users, const std::vector<std::string>& titles,
                            const std::vector<std::vector<std::string>>& genres, std::vector<Rating> ratings) {
  Dataset ds;
  ds.name = "hand-made";
  for (std::size_t u = 0; u < n_users; ++u) ds.users.add(static_cast<std::int64_t>(u + 1));
  for (std::size_t i = 0; i < titles.size(); ++i) {
    ds.items.add(static_cast<std::int64_t>(10 * (i + 1)));
    Movie m;
    m.id = static_cast<std::int64_t>(10 * (i + 1));
    m.title = titles[i];
    m.year = 1990 + static_cast<int>(i % 30);
    m.genres = i < genres.size() ? genres[i] : std::vector<std::string>{};
    m.imdb_id = 100000 + static_cast<std::int64_t>(i);
    m.tmdb_id = 500 + static_cast<std::int64_t>(i);
    ds.movies.push_back(m);
  }
  ds.ratings = RatingMatrix(n_users, titles.size(), std::move(ratings));
  return ds;
}

// Random unit-free features for the movies of ds listed in rows (seeded).
inline FeatureSet random_features(const Dataset& ds, const std::vector<std::size_t>& items, int dim,
                                  std::uint64_t seed) {
  FeatureSet f;
  f.network = "random";
  f.layer = "none";
  f.dim = dim;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  for (auto i : items) {
    f.movie_ids.push_back(ds.movies[i].id);
    for (int j = 0; j < dim; ++j) f.data.push_back(g(rng));
  }
  return f;
}

}  // namespace movierec::testing
