#include "net/model_zoo.h"

#include <cstdlib>

#include "movierec/errors.h"
#include "net/datasets.h"

namespace movierec::net {

namespace {

// Mirrors of one zoo file: the Git LFS object at the commit whose pointer gave
// the checksum, then the zoo's Hugging Face mirror (onnx/models moved its files
// to huggingface.co/onnxmodelzoo/legacy_models when GitHub LFS downloads became
// unreliable). A mirror serving other bytes fails the sha256 check and the next
// one is tried.
std::vector<std::string> zoo_urls(const std::string& commit, const std::string& path,
                                  std::vector<std::string> extra = {}) {
  std::vector<std::string> urls = {"https://media.githubusercontent.com/media/onnx/models/" + commit + "/" + path,
                                   "https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/" + path};
  urls.insert(urls.end(), extra.begin(), extra.end());
  return urls;
}

}  // namespace

const std::vector<ModelSpec>& known_models() {
  // size and sha256 are the "size" and "oid sha256:" lines of the Git LFS
  // pointer files in github.com/onnx/models, read at the commits named here:
  //   vision/classification/vgg/model/vgg16-7.onnx            @ 13fcb614fdedcc09864c0691c080ccf82ca3b85b
  //   vision/classification/resnet/model/resnet50-v2-7.onnx   @ b9a54e89508f101a1611cd64f4ef56b9cb62c7cf
  //   vision/classification/mobilenet/model/mobilenetv2-7.onnx @ 13fcb614fdedcc09864c0691c080ccf82ca3b85b
  static const std::vector<ModelSpec> kModels = {
      {"vgg16", "vgg16-7.onnx", 553437328, "f20805a3ecccaa88647bbab4ad011ff2412a9838485ea844de0fcbce349820b9",
       zoo_urls("13fcb614fdedcc09864c0691c080ccf82ca3b85b", "vision/classification/vgg/model/vgg16-7.onnx"),
       "VGG-16 (ONNX zoo vgg16-7, opset 7), 224x224 RGB, 528 MB"},
      {"resnet50", "resnet50-v2-7.onnx", 102442450, "1e80e8a7c8eec8e8b20c440d7dd7f2f8590779c7c2859dc4514870dc463845d3",
       zoo_urls("b9a54e89508f101a1611cd64f4ef56b9cb62c7cf", "vision/classification/resnet/model/resnet50-v2-7.onnx",
                {"https://huggingface.co/onnxmodelzoo/resnet50-v2-7/resolve/main/resnet50-v2-7.onnx"}),
       "ResNet-50 v2 (ONNX zoo resnet50-v2-7, opset 7), 224x224 RGB, 98 MB"},
      {"mobilenetv2", "mobilenetv2-7.onnx", 14246826,
       "c1c513582d56afceff8516c73804e484c81c6a830712ab6d682253f4a3cd042f",
       zoo_urls("13fcb614fdedcc09864c0691c080ccf82ca3b85b", "vision/classification/mobilenet/model/mobilenetv2-7.onnx",
                {"https://huggingface.co/onnxmodelzoo/mobilenetv2-7/resolve/main/mobilenetv2-7.onnx"}),
       "MobileNetV2 1.0 (ONNX zoo mobilenetv2-7, opset 7), 224x224 RGB, 14 MB"},
  };
  return kModels;
}

const ModelSpec& find_model(const std::string& name) {
  std::string names;
  for (const auto& m : known_models()) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw ConfigError("unknown model '" + name + "'; known models: " + names);
}

FetchModelResult fetch_model(const ModelSpec& spec, const FetchModelOptions& o) {
  const auto dir = (o.cache.empty() ? data_cache_dir() : o.cache) / "models";
  FetchModelResult res;
  res.file = dir / spec.file;
  std::error_code ec;
  // Only a verified download is ever renamed to this name, so the size is
  // enough to tell it is there (re-hashing 553 MB on each call is not).
  if (!o.force && std::filesystem::is_regular_file(res.file, ec) &&
      std::filesystem::file_size(res.file, ec) == spec.size)
    return res;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError("cannot create " + dir.string() + ": " + ec.message());
  remove_stale_temporaries(dir);

  std::vector<std::string> urls = spec.urls;
  std::string base = o.base_url;
  if (base.empty())
    if (const char* env = std::getenv("MOVIEREC_MODEL_URL"); env && *env) base = env;
  if (!base.empty()) urls = {join_url(base, spec.file)};

  HttpOptions ho = o.http;
  ho.progress = o.progress;
  HttpClient http(ho);
  DownloadCheck check;
  check.size = spec.size;
  check.sha256 = spec.sha256;
  for (const auto& url : urls) {
    try {
      http.download(url, res.file, check, spec.file);
      res.downloaded = true;
      res.url = url;
      return res;
    } catch (const IoError& e) {
      if (cancel_requested()) throw;
      res.tried.push_back(e.what());
    }
  }
  std::string msg = "could not fetch model " + spec.name + " (" + spec.file + ")";
  for (const auto& t : res.tried) msg += "\n  " + t;
  throw IoError(msg);
}

FetchModelResult fetch_model(const std::string& name, const FetchModelOptions& o) {
  return fetch_model(find_model(name), o);
}

}  // namespace movierec::net
