// The poster embedding pipeline: decode -> preprocess -> network -> feature file.
// Decoding runs on its own thread(s) and fills a short queue of ready batches
// while the network (on the calling thread, with OpenCV's own threads) runs on
// the previous batch, so decoding is hidden behind inference.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "vision/feature_file.h"
#include "vision/image_codec.h"
#include "vision/net_desc.h"
#include "vision/poster_folder.h"

namespace movierec {

struct EmbedOptions {
  int batch = 16;          // images per forward pass; larger uses more memory for little gain on CPU
  int pca = 0;             // reduce to this many dimensions (0: keep the network's)
  bool float16 = false;    // store vectors as float16: half the file, ~1e-3 relative error
  bool progress = false;   // progress bar on stderr
  int decode_threads = 1;  // threads decoding ahead; one keeps up with a CNN on 2 cores
  int queue = 2;           // decoded batches that may wait for the network
  // Stop after this many new posters (0: all); for benchmarks and quick tries.
  std::size_t limit = 0;
  // Images whose header declares more pixels are skipped with a reason, never
  // decoded (a 2.6 MB PNG can declare 30000 x 30000, 2.7 GB decoded).
  std::int64_t max_pixels = kDefaultMaxPixels;
};

struct EmbedFailure {
  std::filesystem::path file;
  std::string reason;
};

struct EmbedReport {
  std::size_t embedded = 0;            // new vectors computed now
  std::size_t kept = 0;                // vectors kept from the existing file
  std::size_t total = 0;               // vectors in the written file
  std::vector<EmbedFailure> failures;  // undecodable images, skipped
  int dim = 0;
  double seconds = 0;         // wall time of the whole call
  double infer_seconds = 0;   // time in the network's forward pass
  double decode_seconds = 0;  // summed over decode threads (overlaps inference)
};

// Makes glibc keep freed memory for reuse instead of handing it back to the
// kernel (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD): every 600 KB float image inside
// blobFromImages and every decoded poster otherwise costs fresh pages, and page
// faults here cost more than the arithmetic (blobFromImages 5.0 ms an image
// with fresh pages, 0.5 ms without, measured on the 2-core dev VM).
// Process-wide and idempotent; embed_posters calls it.
void keep_freed_memory();

// Decodes one image file into BGR 8-bit; on failure returns an empty Mat and
// sets reason ("file is empty", "not a JPEG, PNG or WebP file", "corrupt or
// truncated image data"...). Never throws for bad image data. The header's
// dimensions are checked against max_pixels and a cut JPEG or PNG is refused
// before any decoding (image_precheck).
cv::Mat decode_image(const std::filesystem::path& file, std::string& reason,
                     std::int64_t max_pixels = kDefaultMaxPixels);

// The decoded pixels as an 8-bit BGR Mat (a copy).
cv::Mat to_mat(Image&& img);

// Embeds every poster not yet in `out` and writes `out` atomically with the kept
// and the new vectors. An existing `out` must come from the same network name
// and layer (ConfigError otherwise); with PCA its stored basis projects the new
// vectors, so files grow incrementally. Undecodable images are listed in the
// report and skipped. Throws ConfigError on option errors, DataError on a
// corrupt existing file, IoError when it cannot write.
EmbedReport embed_posters(const std::vector<PosterFile>& posters, FeatureExtractor& net,
                          const std::filesystem::path& out, const EmbedOptions& opts);

}  // namespace movierec
