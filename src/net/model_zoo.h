// Pretrained ImageNet CNNs from the ONNX model zoo, for poster features:
// downloaded into <cache>/models/, size and sha256 checked, written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "net/http.h"

namespace movierec::net {

struct ModelSpec {
  std::string name;               // "vgg16": what `fetch-model` takes
  std::string file;               // "vgg16-7.onnx": the zoo's file name, kept in the cache
  std::uint64_t size = 0;         // bytes, from the Git LFS pointer
  std::string sha256;             // from the Git LFS pointer (lower-case hex)
  std::vector<std::string> urls;  // mirrors, tried in order; each must give these exact bytes
  std::string description;
};

// vgg16, resnet50, mobilenetv2.
const std::vector<ModelSpec>& known_models();
// ConfigError listing the known names when absent.
const ModelSpec& find_model(const std::string& name);

struct FetchModelOptions {
  std::filesystem::path cache;  // empty: data_cache_dir(); files go to <cache>/models/
  // Replaces the mirrors by <base_url>/<file> (tests, local mirrors). Empty:
  // $MOVIEREC_MODEL_URL when set, else the spec's mirrors.
  std::string base_url;
  bool force = false;
  bool progress = true;
  HttpOptions http = [] {
    HttpOptions h;
    h.timeout_ms = 0;  // vgg16 is 553 MB: stall_timeout_s instead of a total limit
    return h;
  }();
};

struct FetchModelResult {
  std::filesystem::path file;
  bool downloaded = false;         // false: already in the cache with the right size
  std::string url;                 // where it came from (when downloaded)
  std::vector<std::string> tried;  // mirrors that failed, with the reason
};

// Throws IoError when no mirror gave the expected bytes (each mirror's reason
// in the message); nothing is left in the cache then.
FetchModelResult fetch_model(const ModelSpec& spec, const FetchModelOptions& o = {});
FetchModelResult fetch_model(const std::string& name, const FetchModelOptions& o = {});

}  // namespace movierec::net
