// Side information about movies as one dense item-feature matrix, for every
// model that uses content (content-knn, content-factors, ltr).
//
// Blocks, each optional and weighted (`side=genres,year,tags,posters=FILE:0.5`):
//   genres   multi-hot over the dataset's genre vocabulary
//   year     release year (from the title): standardised number + one-hot buckets
//   tags     tf-idf over the tags.csv vocabulary, capped to the tags_max tags
//            found on most training movies; rows L2-normalised
//   genome   genome-scores.csv tag relevance (ml-25m, ml-32m)
//   posters  CNN poster features (a .mrf from `movierec posters embed`),
//            PCA-reduced to poster_pca dimensions
// Every block ends with one "missing" column: 1 for a movie without the
// feature (no poster, no tag, "(no genres listed)", no year), whose other
// columns are 0. Each block is then scaled so that its rows have mean squared
// norm 1 over the training movies, times its weight.
//
// No leakage: every statistic (tag vocabulary and idf, year mean, std and
// buckets, PCA basis, block scales) is fitted on the training movies only, the
// movies with at least one rating in the training matrix; the test ratings are
// never read, and a new movie's row depends only on its own content.
//
// Layout: values[i * dim + j] is feature j of item i (ItemIndex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "movierec/rating_matrix.h"

namespace movierec {

struct Dataset;

struct SideFeature {
  std::string name;            // genres, year, tags, genome, posters
  std::filesystem::path file;  // posters: the .mrf file
  float weight = 1;
};

// Parses "genres,year,tags,posters=FILE[:weight]" (any name may take ":weight",
// e.g. "genres:2"). Throws ConfigError naming the bad entry and listing the names.
std::vector<SideFeature> parse_side(const std::string& spec);

struct SideOptions {
  int tags_max = 100;    // tag vocabulary cap: more tags describe more movies, but rarer tags are noise
  int poster_pca = 32;   // 0: raw CNN features (1280 for MobileNetV2), else PCA dimensions
  int year_bucket = 10;  // years per bucket (decades)
};

struct FeatureBlock {
  std::string name;
  std::size_t offset = 0, dim = 0;  // columns [offset, offset + dim), the last one "missing"
  std::size_t missing = 0;          // movies without this feature (of every movie of the dataset)
  float weight = 1;
};

struct ItemFeatures {
  std::size_t n_items = 0, dim = 0;
  std::vector<float> values;  // n_items x dim
  std::vector<FeatureBlock> blocks;
  std::vector<char> complete;  // per item: every block present

  const float* row(ItemIndex i) const { return values.data() + std::size_t(i) * dim; }
  // "genres 21 (missing 34), year 12 (missing 13)...": dimensions and missing counts.
  std::string summary() const;
};

// Per movie, whether it has every requested feature (no statistics involved):
// the eligibility of cold_items_split. Throws like build_item_features on a
// feature the dataset lacks.
std::vector<char> side_available(const Dataset& ds, const std::vector<SideFeature>& side);

// Builds the matrix; statistics from the movies rated in train (see above).
// Throws ConfigError for a feature the dataset lacks (naming it and why),
// DataError for a feature file of another dataset.
ItemFeatures build_item_features(const Dataset& ds, const RatingMatrix& train, const std::vector<SideFeature>& side,
                                 const SideOptions& opts = {});

}  // namespace movierec
