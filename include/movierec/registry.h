// Models by name: `--model als --param factors=64`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

struct Dataset;

struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string doc;  // what it does and its range
};

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

// Parses "key=value" strings into a ParamMap (throws ConfigError).
ParamMap parse_params(const std::vector<std::string>& key_values);

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
