// Models by name, with their parameters ("als" with factors=64).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

struct Dataset;

struct ModelInfo {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
};

// Every registered model with its parameters (for --help and the server).
std::vector<ModelInfo> list_models();

// Creates a model by name. Throws ConfigError for an unknown name (listing the
// candidates), an unknown parameter (listing the valid ones) or a bad value.
std::unique_ptr<Recommender> create_model(const std::string& name, const ParamMap& params = {});

// Parses "key=value" strings into a ParamMap (throws ConfigError naming the
// string).
ParamMap parse_params(const std::vector<std::string>& key_values);

// The parameters of one model out of "key=value" strings given for several:
// "key=value" applies to every model, "model.key=value" only to that model
// (so "svd.factors=50" and "factors=50" both reach svd, "ials.alpha=2" does
// not). Throws ConfigError as parse_params.
ParamMap params_for(const std::string& model, const std::vector<std::string>& key_values);

// Creates model `name` with params and fits it on every rating of ds (ds is
// passed as side information: poster features, genres). opts.dataset is
// overridden with &ds.
std::unique_ptr<Recommender> fit_model(const Dataset& ds, const std::string& name, const ParamMap& params = {},
                                       FitOptions opts = {});

// Model files (.mrm): versioned header (magic, format version, model name,
// parameters, dataset fingerprint, raw id maps), the model's payload, CRC-32.
// Written atomically.
void save_model(const std::filesystem::path& file, const Recommender& model, const Dataset& ds);
// Refuses a truncated, corrupted, wrong-version or other-dataset file with
// DataError (IoError when it cannot be read). Every size in the payload is
// checked against the dataset and the bytes left before anything is allocated.
std::unique_ptr<Recommender> load_model(const std::filesystem::path& file, const Dataset& ds);
// The same from a file's bytes; what names it in errors ("model file x.mrm").
std::unique_ptr<Recommender> load_model_bytes(std::string_view bytes, const std::string& what, const Dataset& ds);

}  // namespace movierec
