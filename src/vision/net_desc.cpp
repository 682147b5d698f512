#include "vision/net_desc.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/strings.h"

namespace movierec {
namespace {

// ImageNet statistics of the gluon / torchvision models, on pixel/255.
constexpr std::array<double, 3> kImagenetMean{0.485, 0.456, 0.406};
constexpr std::array<double, 3> kImagenetStd{0.229, 0.224, 0.225};

// The ONNX model zoo's gluon exports share one preprocessing (onnx/models
// validated/vision/classification/resnet/README.md): shorter side to 256,
// centre crop 224, RGB, (pixel/255 - mean) / std.
NetDescription zoo(const std::string& name, const std::string& layer, const std::string& note) {
  NetDescription d;
  d.name = name;
  d.note = note;
  d.scale = 1.0 / 255.0;
  d.mean = kImagenetMean;
  d.std = kImagenetStd;
  d.rgb = true;
  d.fit = "crop";
  d.resize_shorter = 256;
  d.layers = {layer};
  return d;
}

}  // namespace

std::vector<std::string> builtin_architectures() {
  return {"mobilenetv2-shared", "mobilenetv2", "resnet50", "resnet50-v1", "vgg16"};
}

NetDescription builtin_description(const std::string& arch) {
  if (arch == "mobilenetv2-shared") {
    // ../shared/models/README.md: RGB, x = pixel/127.5 - 1, 224x224 squashed, pool_features 1280-d.
    NetDescription d;
    d.name = "mobilenetv2-shared";
    d.note =
        "shared/models/mobilenet_v2_1.0_224.onnx (TF slim MobileNetV2 1.0/224, dequantised); "
        "pool_features is the 1280-d global average pool";
    d.scale = 1.0 / 127.5;
    d.mean = {1, 1, 1};
    d.rgb = true;
    d.fit = "resize";
    d.layers = {"pool_features"};
    return d;
  }
  if (arch == "mobilenetv2")
    return zoo("mobilenetv2", "mobilenetv20_features_pool0_fwd",
               "ONNX model zoo mobilenetv2-7.onnx (gluon); mobilenetv20_features_pool0_fwd is the 1280x1x1 "
               "global average pool before the classifier (an inner node: OpenCV names it "
               "onnx_node!mobilenetv20_features_pool0_fwd)");
  if (arch == "resnet50")
    return zoo("resnet50", "resnetv24_pool1_fwd",
               "ONNX model zoo resnet50-v2-7.onnx (gluon); resnetv24_pool1_fwd is the 2048x1x1 global "
               "average pool before resnetv24_dense0_fwd");
  if (arch == "resnet50-v1")
    return zoo("resnet50-v1", "resnetv17_pool1_fwd",
               "ONNX model zoo resnet50-v1-7.onnx (gluon); resnetv17_pool1_fwd is the 2048x1x1 global "
               "average pool before resnetv17_dense0_fwd");
  if (arch == "vgg16") {
    NetDescription d = zoo("vgg16", "vgg0_pool4_fwd",
                           "ONNX model zoo vgg16-7.onnx (gluon); vgg0_pool4_fwd is the last pooling block, "
                           "512x7x7 = 25088 features flattened (NCHW order), as the tutorial's Keras VGG16 "
                           "without top. Keras' own weights want BGR with mean (103.939, 116.779, 123.68) "
                           "and no std: write a network description for those");
    return d;
  }
  throw ConfigError("unknown network architecture '" + arch + "'; built-in: " + join(builtin_architectures(), ", ") +
                    " (or describe the network in a description file)");
}

void validate(const NetDescription& d, const std::string& what) {
  auto bad = [&](const std::string& key, const std::string& msg) {
    throw ConfigError(what + ": field '" + key + "': " + msg);
  };
  if (d.name.empty()) bad("name", "expected a non-empty name");
  if (d.width < 1 || d.width > 4096 || d.height < 1 || d.height > 4096)
    bad("input_size", "expected [width, height] in [1, 4096], got [" + std::to_string(d.width) + ", " +
                          std::to_string(d.height) + "]");
  if (!(d.scale > 0) || !std::isfinite(d.scale))
    bad("scale", "expected a finite number > 0, got " + format_number(d.scale));
  for (double s : d.std)
    if (!(s > 0) || !std::isfinite(s)) bad("std", "expected 3 finite numbers > 0, got " + format_number(s));
  for (double m : d.mean)
    if (!std::isfinite(m)) bad("mean", "expected 3 finite numbers, got " + format_number(m));
  if (d.fit != "resize" && d.fit != "crop") bad("fit", "expected \"resize\" or \"crop\", got \"" + d.fit + "\"");
  if (d.resize_shorter < 0 || d.resize_shorter > 8192) bad("resize_shorter", "expected 0..8192");
  if (d.resize_shorter > 0 && d.fit != "crop") bad("resize_shorter", "only applies with fit \"crop\"");
  if (d.resize_shorter > 0 && d.resize_shorter < std::max(d.width, d.height))
    bad("resize_shorter", "must be >= the input size, got " + std::to_string(d.resize_shorter));
  if (d.layers.empty()) bad("layers", "expected at least one layer name");
  for (const auto& l : d.layers)
    if (l.empty()) bad("layers", "empty layer name");
  if (d.pool != "none" && d.pool != "avg" && d.pool != "max")
    bad("pool", "expected \"none\", \"avg\" or \"max\", got \"" + d.pool + "\"");
}

NetDescription parse_description(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(what + ": not valid JSON: " + printable(e.what()));
  }
  if (!j.is_object()) throw ConfigError(what + ": expected a JSON object");
  static const std::set<std::string> kKeys = {"name",  "note",     "input_size", "scale",          "mean",
                                              "std",   "channels", "fit",        "resize_shorter", "layers",
                                              "layer", "pool",     "config",     "input"};
  NetDescription d;
  d.layers.clear();
  auto field = [&](const std::string& key) -> const nlohmann::json& { return j.at(key); };
  // An integer that fits an int, checked before narrowing: get<int>() of a
  // double is undefined for 1e300 and 4294967520 would wrap to 224.
  auto integer = [&](const nlohmann::json& v, const std::string& key) -> int {
    constexpr std::int64_t lo = std::numeric_limits<int>::min(), hi = std::numeric_limits<int>::max();
    if (!v.is_number_integer())
      throw ConfigError(what + ": field '" + key + "': expected an integer, got " + printable(v.dump(), 60));
    const bool fits = v.is_number_unsigned() ? v.get<std::uint64_t>() <= std::uint64_t(hi)
                                             : v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi;
    if (!fits) throw ConfigError(what + ": field '" + key + "': " + v.dump() + " is out of range");
    return static_cast<int>(v.get<std::int64_t>());
  };
  try {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!kKeys.count(it.key()))
        throw ConfigError(what + ": unknown field '" + it.key() +
                          "'; fields: " + join(std::vector<std::string>(kKeys.begin(), kKeys.end()), ", "));
    auto triple = [&](const std::string& key, std::array<double, 3>& out) {
      if (!j.contains(key)) return;
      const auto& v = field(key);
      if (v.is_number()) {
        out = {v.get<double>(), v.get<double>(), v.get<double>()};
      } else {
        if (!v.is_array() || v.size() != 3) throw ConfigError(what + ": field '" + key + "': expected 3 numbers");
        for (int c = 0; c < 3; ++c) out[c] = v[c].get<double>();
      }
    };
    if (j.contains("name")) d.name = field("name").get<std::string>();
    if (j.contains("note")) d.note = field("note").get<std::string>();
    if (j.contains("input_size")) {
      const auto& s = field("input_size");
      if (s.is_number()) {
        d.width = d.height = integer(s, "input_size");
      } else {
        if (!s.is_array() || s.size() != 2)
          throw ConfigError(what + ": field 'input_size': expected [width, height] or one number");
        d.width = integer(s[0], "input_size");
        d.height = integer(s[1], "input_size");
      }
    }
    if (j.contains("scale")) d.scale = field("scale").get<double>();
    triple("mean", d.mean);
    triple("std", d.std);
    if (j.contains("channels")) {
      std::string c = field("channels").get<std::string>();
      if (c != "RGB" && c != "BGR")
        throw ConfigError(what + ": field 'channels': expected \"RGB\" or \"BGR\", got \"" + c + "\"");
      d.rgb = c == "RGB";
    }
    if (j.contains("fit")) d.fit = field("fit").get<std::string>();
    if (j.contains("resize_shorter")) d.resize_shorter = integer(field("resize_shorter"), "resize_shorter");
    if (j.contains("layer")) d.layers.push_back(field("layer").get<std::string>());
    if (j.contains("layers")) {
      const auto& l = field("layers");
      if (l.is_string()) {
        d.layers.push_back(l.get<std::string>());
      } else {
        for (const auto& x : l) d.layers.push_back(x.get<std::string>());
      }
    }
    if (j.contains("pool")) d.pool = field("pool").get<std::string>();
    if (j.contains("config")) d.config = field("config").get<std::string>();
    if (j.contains("input")) d.input = field("input").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(what + ": wrong type of value: " + printable(e.what()));
  }
  validate(d, what);
  return d;
}

NetDescription load_description(const std::filesystem::path& file) {
  NetDescription d = parse_description(read_file(file), "network description " + file.string());
  if (!d.config.empty() && std::filesystem::path(d.config).is_relative())
    d.config = (file.parent_path() / d.config).string();
  return d;
}

std::string description_to_json(const NetDescription& d) {
  nlohmann::json j;
  j["name"] = d.name;
  if (!d.note.empty()) j["note"] = d.note;
  j["input_size"] = {d.width, d.height};
  j["scale"] = d.scale;
  j["mean"] = d.mean;
  j["std"] = d.std;
  j["channels"] = d.rgb ? "RGB" : "BGR";
  j["fit"] = d.fit;
  if (d.resize_shorter) j["resize_shorter"] = d.resize_shorter;
  j["layers"] = d.layers;
  j["pool"] = d.pool;
  if (!d.config.empty()) j["config"] = d.config;
  if (!d.input.empty()) j["input"] = d.input;
  return j.dump(2);
}

cv::dnn::Net load_network(const std::filesystem::path& file, const std::string& config) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw InputError("network file " + file.string() + ": not found");
  if (!config.empty() && !std::filesystem::is_regular_file(config, ec))
    throw InputError("network config file " + config + ": not found");
  cv::dnn::Net net;
  try {
    std::string ext = to_lower(file.extension().string());
    net = ext == ".onnx" ? cv::dnn::readNetFromONNX(file.string()) : cv::dnn::readNet(file.string(), config);
  } catch (const cv::Exception& e) {
    throw DataError("network file " + file.string() + ": OpenCV " CV_VERSION " cannot read it: " + e.what());
  }
  if (net.empty()) throw DataError("network file " + file.string() + ": OpenCV read an empty network");
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

std::string detect_architecture(const cv::dnn::Net& net) {
  for (const auto& arch : builtin_architectures()) {
    const std::string layer = builtin_description(arch).layers.front();
    if (net.getLayerId(layer) >= 0 || net.getLayerId("onnx_node!" + layer) >= 0) return arch;
  }
  return "";
}

cv::Mat make_blob(const std::vector<cv::Mat>& images, const NetDescription& d) {
  cv::Mat blob;
  make_blob(images, d, blob);
  return blob;
}

void make_blob(const std::vector<cv::Mat>& images, const NetDescription& d, cv::Mat& blob) {
  std::vector<cv::Mat> bgr(images.size());
  for (std::size_t k = 0; k < images.size(); ++k) {
    const cv::Mat& im = images[k];
    if (im.empty()) throw DataError("make_blob: image " + std::to_string(k) + " is empty");
    cv::Mat m;
    if (im.channels() == 1) {
      cv::cvtColor(im, m, cv::COLOR_GRAY2BGR);
    } else if (im.channels() == 4) {
      cv::cvtColor(im, m, cv::COLOR_BGRA2BGR);
    } else {
      m = im;
    }
    if (d.fit == "crop" && d.resize_shorter > 0) {
      // Shorter side to resize_shorter, then the centre width x height.
      double f = double(d.resize_shorter) / std::min(m.cols, m.rows);
      cv::Mat r;
      cv::resize(
          m, r,
          cv::Size(std::max(d.width, int(std::lround(m.cols * f))), std::max(d.height, int(std::lround(m.rows * f)))),
          0, 0, cv::INTER_LINEAR);
      cv::Rect roi((r.cols - d.width) / 2, (r.rows - d.height) / 2, d.width, d.height);
      m = r(roi);
    }
    bgr[k] = m;
  }
  // blobFromImages computes (pixel - m) * scale per channel, so m = mean / scale;
  // with swapRB it takes m in the output (network) channel order.
  const bool crop = d.fit == "crop" && d.resize_shorter == 0;
  cv::Scalar m(d.mean[0] / d.scale, d.mean[1] / d.scale, d.mean[2] / d.scale);
  cv::dnn::blobFromImages(bgr, blob, d.scale, cv::Size(d.width, d.height), m, d.rgb, crop, CV_32F);
  if (d.std != std::array<double, 3>{1, 1, 1}) {
    const int n = blob.size[0], plane = d.width * d.height;
    float* p = blob.ptr<float>();
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c) {
        float inv = static_cast<float>(1.0 / d.std[c]);
        float* q = p + (std::size_t(i) * 3 + c) * plane;
        for (int k = 0; k < plane; ++k) q[k] *= inv;
      }
  }
}

FeatureExtractor::FeatureExtractor(cv::dnn::Net net, NetDescription d) : net_(std::move(net)), desc_(std::move(d)) {
  validate(desc_, "network description '" + desc_.name + "'");
  for (const auto& l : desc_.layers) resolved_.push_back(resolve(l));
}

std::string FeatureExtractor::resolve(const std::string& layer) const {
  if (net_.getLayerId(layer) >= 0) return layer;
  // OpenCV >= 4.6 names inner ONNX nodes "onnx_node!<node name>".
  if (net_.getLayerId("onnx_node!" + layer) >= 0) return "onnx_node!" + layer;
  std::vector<std::string> outs;
  for (const auto& s : net_.getUnconnectedOutLayersNames()) outs.push_back(s);
  auto names = net_.getLayerNames();
  std::vector<std::string> last(names.size() > 6 ? names.end() - 6 : names.begin(), names.end());
  throw ConfigError("network description '" + desc_.name + "': the network has no layer '" + layer +
                    "'; its outputs are: " + join(outs, ", ") + "; its last layers: " + join(last, ", ") +
                    " (pick one in the description's \"layers\")");
}

std::vector<cv::Mat> FeatureExtractor::forward_raw(const cv::Mat& blob, const std::vector<std::string>& layers) {
  std::vector<cv::String> names;
  for (const auto& l : layers) names.push_back(resolve(l));
  std::vector<cv::Mat> outs;
  try {
    net_.setInput(blob, desc_.input);
    net_.forward(outs, names);
  } catch (const cv::Exception& e) {
    throw DataError("network '" + desc_.name + "': forward pass failed: " + e.what());
  }
  return outs;
}

cv::Mat FeatureExtractor::forward(const cv::Mat& blob) {
  std::vector<cv::Mat> outs;
  try {
    net_.setInput(blob, desc_.input);
    net_.forward(outs, std::vector<cv::String>(resolved_.begin(), resolved_.end()));
  } catch (const cv::Exception& e) {
    throw DataError("network '" + desc_.name + "': forward pass failed: " + e.what());
  }
  const int n = blob.size[0];
  std::vector<cv::Mat> parts;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    cv::Mat o = outs[k];
    if (o.dims < 1 || o.size[0] != n || o.type() != CV_32F)
      throw DataError("network '" + desc_.name + "': layer '" + desc_.layers[k] + "' gave an unexpected output");
    if (!o.isContinuous()) o = o.clone();
    const int rest = static_cast<int>(o.total() / n);
    if (desc_.pool != "none" && o.dims == 4) {
      // Global pooling over the H*W plane of each channel.
      const int c = o.size[1], plane = o.size[2] * o.size[3];
      cv::Mat pooled(n, c, CV_32F);
      const float* src = o.ptr<float>();
      for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch) {
          const float* q = src + (std::size_t(i) * c + ch) * plane;
          float acc = desc_.pool == "max" ? q[0] : 0.f;
          for (int t = 0; t < plane; ++t) acc = desc_.pool == "max" ? std::max(acc, q[t]) : acc + q[t];
          pooled.at<float>(i, ch) = desc_.pool == "max" ? acc : acc / plane;
        }
      parts.push_back(pooled);
    } else {
      parts.push_back(cv::Mat(n, rest, CV_32F, o.ptr<float>()).clone());
    }
  }
  cv::Mat out;
  if (parts.size() == 1) {
    out = parts[0];
  } else {
    cv::hconcat(parts, out);
  }
  dim_ = out.cols;
  return out;
}

int FeatureExtractor::dim() {
  if (dim_ < 0) {
    cv::Mat blank(desc_.height, desc_.width, CV_8UC3, cv::Scalar(127, 127, 127));
    forward(make_blob({blank}, desc_));
  }
  return dim_;
}

}  // namespace movierec
