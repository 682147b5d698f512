// The one table of models (no static self-registration: see STYLE.md).
#include "movierec/registry.h"

#include <functional>

#include "models/baseline.h"
#include "models/poster.h"
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
      {"poster", "content-based: cosine of CNN poster features (needs features=FILE from `posters embed`)",
       maker<PosterModel>()},
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
  Params p(name, params);
  auto model = e.make(p);
  p.finish();
  model->set_params(params);
  return model;
}

ParamMap parse_params(const std::vector<std::string>& key_values) {
  ParamMap out;
  for (const auto& kv : key_values) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("--param '" + kv + "': expected key=value");
    out[std::string(trim(kv.substr(0, eq)))] = std::string(trim(kv.substr(eq + 1)));
  }
  return out;
}

}  // namespace movierec
