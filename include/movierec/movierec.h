// The movierec library in one include: datasets and their loaders, splits,
// models by name (registry), the Recommender interface, evaluation and errors.
//   movierec::Dataset ds = movierec::load_dataset("ml-latest-small");
//   auto model = movierec::create_model("svd", {{"factors", "64"}});
//   model->fit(ds.ratings, {});
#pragma once

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "movierec/rating_matrix.h"
#include "movierec/recommender.h"
#include "movierec/registry.h"
#include "movierec/split.h"
#include "movierec/types.h"
