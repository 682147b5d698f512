// How to run an image network for features: input size, pixel normalisation,
// channel order, crop or squash, which layer(s) to read. A JSON sidecar
// (`--desc net.json`) or one of the built-in descriptions (`--arch`).
//
// The input tensor is NCHW float: x[n, c, y, x] = (pixel_c * scale - mean[c]) / std[c],
// with pixel_c the 0..255 value of channel c in the network's channel order
// (RGB or BGR), after resizing the image to width x height.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace movierec {

struct NetDescription {
  std::string name;  // stored in feature files ("mobilenetv2-shared")
  std::string note;  // provenance and caveats, free text
  int width = 224, height = 224;
  double scale = 1.0;                   // > 0
  std::array<double, 3> mean{0, 0, 0};  // in network channel order, after scaling
  std::array<double, 3> std{1, 1, 1};   // in network channel order, > 0
  bool rgb = true;                      // the network wants RGB (decoded images are BGR)
  // "resize": squash the whole image to width x height (keeps every pixel, distorts
  // the 2:3 poster); "crop": keep the aspect, cut the centre.
  std::string fit = "resize";
  // With fit "crop": first resize so the shorter side is this many pixels, then cut
  // the centre width x height (torchvision/gluon Resize(256)+CenterCrop(224)).
  // 0: scale the shorter side straight to the input size (OpenCV's crop=true).
  int resize_shorter = 0;
  std::vector<std::string> layers;  // feature layer(s); several are concatenated
  // "none": flatten each output (NCHW order); "avg"/"max": global pooling over H, W of 4-D outputs.
  std::string pool = "none";
  std::string config;  // second file for readNet (Caffe .prototxt, TF .pbtxt); relative to the JSON file
  std::string input;   // input blob name; empty: the network's first input
};

// Built-in descriptions: "mobilenetv2-shared" (../shared/models/mobilenet_v2_1.0_224.onnx),
// "mobilenetv2" (ONNX model zoo mobilenetv2-7), "resnet50" (zoo resnet50-v2-7),
// "resnet50-v1" (zoo resnet50-v1-7), "vgg16" (zoo vgg16-7, last pooling block 7x7x512).
// Throws ConfigError for another name, listing these.
NetDescription builtin_description(const std::string& arch);
std::vector<std::string> builtin_architectures();

// Reads and validates a JSON description; unknown keys and bad values are a
// ConfigError naming the file and key. config is made relative to the file's folder.
NetDescription load_description(const std::filesystem::path& json_file);
NetDescription parse_description(const std::string& json_text, const std::string& what);
std::string description_to_json(const NetDescription& d);
void validate(const NetDescription& d, const std::string& what);

// Reads a network: .onnx with readNetFromONNX, anything else with readNet
// (Caffe .caffemodel + .prototxt, TensorFlow .pb [+ .pbtxt], Darknet...).
// Throws IoError when the file is missing, DataError when OpenCV cannot parse it.
cv::dnn::Net load_network(const std::filesystem::path& file, const std::string& config = "");

// Guesses the built-in description of a network from its layer names
// ("pool_features", "mobilenetv20_features_pool0_fwd"...); empty when none fits.
std::string detect_architecture(const cv::dnn::Net& net);

// The NCHW input blob of a batch of decoded BGR 8-bit images (any sizes; 1, 3
// or 4 channels are converted to BGR first), through cv::dnn::blobFromImages.
cv::Mat make_blob(const std::vector<cv::Mat>& images, const NetDescription& d);
// The same into `blob`, reusing its memory when the shape is unchanged: fresh
// 600 KB-per-image blobs cost more in page faults than the arithmetic (5 ms vs
// 0.4 ms an image measured here), so the pipeline recycles them.
void make_blob(const std::vector<cv::Mat>& images, const NetDescription& d, cv::Mat& blob);

// Runs a network and turns the wanted layers into one row of features per image.
// Not thread safe (cv::dnn::Net is not): one extractor per thread.
class FeatureExtractor {
 public:
  // Resolves the layer names (also as OpenCV's "onnx_node!<name>"); throws
  // ConfigError naming a missing layer and listing the output layers.
  FeatureExtractor(cv::dnn::Net net, NetDescription d);

  const NetDescription& description() const { return desc_; }
  // Features of a blob from make_blob: N x dim, CV_32F, continuous.
  cv::Mat forward(const cv::Mat& blob);
  // The network outputs without pooling or concatenation (for classification checks).
  std::vector<cv::Mat> forward_raw(const cv::Mat& blob, const std::vector<std::string>& layers);
  // Feature width; runs one blank image through the net the first time.
  int dim();

 private:
  std::string resolve(const std::string& layer) const;
  cv::dnn::Net net_;
  NetDescription desc_;
  std::vector<std::string> resolved_;
  int dim_ = -1;
};

}  // namespace movierec
