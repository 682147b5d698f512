// The one table of models (no static self-registration: see STYLE.md).
#include "movierec/registry.h"

#include <functional>

#include "models/als.h"
#include "models/article_cf.h"
#include "models/baseline.h"
#include "models/blend.h"
#include "models/bpr.h"
#include "models/content_factors.h"
#include "models/content_knn.h"
#include "models/ease.h"
#include "models/hybrid_mf.h"
#include "models/ials.h"
#include "models/knn.h"
#include "models/ltr.h"
#include "models/mix.h"
#include "models/poster.h"
#include "models/sgd_mf.h"
#include "models/svdpp.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/params.h"
#include "util/strings.h"

namespace movierec {
namespace {

struct Entry {
  const char* name;
  const char* description;
  std::function<std::unique_ptr<Recommender>(Params&)> make;
};

template <typename Model>
std::function<std::unique_ptr<Recommender>(Params&)> maker() {
  return [](Params& p) { return std::make_unique<Model>(p); };
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      {"global-mean", "predicts the mean training rating (reference floor)", maker<GlobalMean>()},
      {"baseline", "mean + regularised user and movie biases", maker<Baseline>()},
      {"popularity", "ranks movies by number of ratings (top-N reference)", maker<Popularity>()},
      {"article-user-cosine",
       "the tutorial's user-based CF: cosine of zero-filled rating vectors, weighted mean over all users",
       [](Params& p) { return std::make_unique<ArticleCosine>(p, ArticleCosine::Kind::kUser); }},
      {"article-item-cosine",
       "the tutorial's item-based CF: cosine of zero-filled rating vectors, weighted mean over all movies",
       [](Params& p) { return std::make_unique<ArticleCosine>(p, ArticleCosine::Kind::kItem); }},
      {"user-knn", "k most similar users who rated the movie, baseline-centred, shrunk pearson-baseline",
       [](Params& p) { return std::make_unique<Knn>(p, Knn::Kind::kUser); }},
      {"item-knn", "k most similar movies the user rated, baseline-centred, shrunk pearson-baseline",
       [](Params& p) { return std::make_unique<Knn>(p, Knn::Kind::kItem); }},
      {"svd", "biased matrix factorisation by parallel SGD (Funk, Koren)", maker<Svd>()},
      {"svd-alternating", "biased MF by SGD, alternating user and movie passes (the tutorial's variant)",
       maker<SvdAlternating>()},
      {"svdpp", "SVD++: biased MF plus which movies each user rated (Koren 2008)", maker<SvdPlusPlus>()},
      {"als", "explicit ALS with weighted-lambda regularisation (Zhou et al. 2008)", maker<Als>()},
      {"ials", "implicit-feedback ALS for top-N (Hu, Koren, Volinsky 2008); ranking only", maker<ImplicitAls>()},
      {"bpr", "Bayesian personalised ranking by Hogwild SGD (Rendle et al. 2009); ranking only", maker<Bpr>()},
      {"ease", "EASE closed-form item-item model (Steck 2019); ranking only", maker<Ease>()},
      {"poster", "content-based: cosine of CNN poster features (needs features=FILE from `posters embed`)",
       maker<PosterModel>()},
      {"content-knn",
       "content-based: mean cosine of side features (side=genres,year,tags,posters=FILE) to the user's liked movies",
       maker<ContentKnn>()},
      {"content-factors",
       "hybrid: a factor model (ials) plus a ridge map from side features to movie factors and popularity; "
       "new movies get predicted factors",
       maker<ContentFactors>()},
      {"hybrid-mf",
       "hybrid: LightFM-style factorisation, a movie is the sum of its side features' embeddings (identity "
       "optional); warp or bpr loss, adagrad, Hogwild; new movies by construction",
       maker<HybridMf>()},
      {"ltr",
       "learning to rank: LambdaMART (xgboost rank:ndcg) re-ranks the candidates of base models (ease, session-ease, "
       "ials, popularity) from a weighted blend of their scores, with their scores and ranks, popularity, year and "
       "side-feature similarities; trained on a carve-out of train",
       maker<Ltr>()},
      {"mix",
       "a weighted blend of other models (default item-knn + poster): scores and similar-movie lists standardised "
       "per part, then weighted; predictions averaged",
       maker<Mix>()},
      {"blend",
       "hybrid rating model: out-of-fold predictions of rating models (svdpp, svd, item-knn, user-knn, baseline) "
       "blended by ridge plus boosted trees (xgboost) over user and movie statistics and side features",
       maker<Blend>()},
      // Last: tests/fuzz/model_file_fuzz picks a model by its place in this table
      // (byte 0 of its committed inputs), so new models go at the end.
      {"session-ease",
       "EASE on sessions: movies rated within `window` consecutive ratings of a user (by time) co-occur; ranking only",
       [](Params& p) { return std::make_unique<Ease>(p, Ease::Kind::kSession); }},
  };
  return table;
}

const Entry& find_entry(const std::string& name) {
  for (const auto& e : entries())
    if (name == e.name) return e;
  std::vector<std::string> names;
  for (const auto& e : entries()) names.push_back(e.name);
  throw ConfigError("unknown model '" + name + "'; available models: " + join(names, ", "));
}

}  // namespace

std::vector<ModelInfo> list_models() {
  std::vector<ModelInfo> out;
  for (const auto& e : entries()) {
    Params p(e.name, {});
    e.make(p);
    out.push_back({e.name, e.description, p.specs()});
  }
  return out;
}

std::unique_ptr<Recommender> create_model(const std::string& name, const ParamMap& params) {
  const Entry& e = find_entry(name);
  // Keys starting with '_' are provenance recorded by `train` (split, seed), not parameters.
  ParamMap model_params;
  for (const auto& [k, v] : params)
    if (k.empty() || k[0] != '_') model_params[k] = v;
  Params p(name, model_params);
  auto model = e.make(p);
  p.finish();
  model->set_params(params);
  return model;
}

ParamMap parse_params(const std::vector<std::string>& key_values) {
  ParamMap out;
  for (const auto& kv : key_values) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError("parameter '" + kv + "': expected key=value");
    out[std::string(trim(kv.substr(0, eq)))] = std::string(trim(kv.substr(eq + 1)));
  }
  return out;
}

ParamMap params_for(const std::string& model, const std::vector<std::string>& key_values) {
  std::vector<std::string> mine;
  for (const auto& kv : key_values) {
    auto eq = kv.find('=');
    auto dot = kv.find('.');
    if (dot != std::string::npos && eq != std::string::npos && dot < eq) {
      if (kv.substr(0, dot) == model) mine.push_back(kv.substr(dot + 1));
    } else {
      mine.push_back(kv);
    }
  }
  return parse_params(mine);
}

std::unique_ptr<Recommender> fit_model(const Dataset& ds, const std::string& name, const ParamMap& params,
                                       FitOptions opts) {
  auto model = create_model(name, params);
  opts.dataset = &ds;
  model->fit(ds.ratings, opts);
  return model;
}

}  // namespace movierec
