// The side-feature parameters shared by the content models (content-knn,
// content-factors, ltr): side=, tags_max=, poster_pca=.
#pragma once

#include <string>

#include "features/item_features.h"
#include "movierec/errors.h"
#include "util/params.h"

namespace movierec {

struct SideParams {
  std::string spec;
  SideOptions opts;

  SideParams(Params& p, const std::string& default_side, int default_year_bucket = 10)
      : spec(p.get_string("side", default_side,
                          "side features genres,year,tags,genome,posters=FILE[:weight] (CLI: --side)")) {
    opts.tags_max =
        p.get_int("tags_max", opts.tags_max, "tag vocabulary cap (tags on most training movies)", 1, 100000);
    opts.poster_pca =
        p.get_int("poster_pca", opts.poster_pca, "PCA dimensions of the poster features (0: raw)", 0, 4096);
    opts.year_bucket = p.get_int("year_bucket", default_year_bucket, "years per one-hot year bucket", 1, 1000);
  }

  // REQUIRES opts.dataset: ConfigError naming the model without it.
  ItemFeatures build(const std::string& model, const RatingMatrix& train, const Dataset* ds) const {
    if (!ds) throw ConfigError("model '" + model + "' needs the dataset in FitOptions.dataset (its side features)");
    return build_item_features(*ds, train, parse_side(spec), opts);
  }
};

}  // namespace movierec
