// JPEG, PNG and WebP through Debian's libjpeg-turbo, libpng and libwebp
// directly: OpenCV's imgcodecs would load ~140 shared libraries (GDAL, GDCM,
// poppler...) for three formats.
// Pixels: 8-bit, 3 channels, rows top to bottom, pixel (x, y) channel c at
// data[(y * width + x) * 3 + c], channel order BGR (as OpenCV's IMREAD_COLOR).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace movierec {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp };

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bgr;  // width * height * 3 bytes
  bool empty() const { return bgr.empty(); }
};

struct ImageSize {
  int width = 0;
  int height = 0;
};

// The format named by the first bytes (magic numbers), or kUnknown.
ImageFormat image_format(std::span<const std::uint8_t> bytes);
const char* format_name(ImageFormat f);  // "JPEG", "PNG", "WebP", "unknown"

// Width and height from the header alone (no pixel is decoded); nullopt when
// the bytes are not a JPEG, PNG or WebP header that can be read.
std::optional<ImageSize> image_size(std::span<const std::uint8_t> bytes);

// Decodes to BGR. Grey, palette, 16-bit and alpha images are converted (alpha
// is dropped, 16-bit keeps the high byte), CMYK JPEGs too. A JPEG cut short
// decodes with its missing rows grey (libjpeg's recovery, as OpenCV).
// On failure returns an empty Image and sets reason; never throws for bad data.
Image decode_image_bytes(std::span<const std::uint8_t> bytes, std::string& reason);

// Shrinks by averaging each output pixel's footprint, weighted by overlap (as
// OpenCV's INTER_AREA: no aliasing). REQUIRES 1 <= width <= img.width and
// 1 <= height <= img.height.
Image resize_area(const Image& img, int width, int height);

// The largest image decoded by default: 100 megapixels (10000 x 10000; TMDB's
// "original" posters are about 2000 x 3000, 6 MP). Decoded, an image costs 3
// bytes a pixel, so this bounds one at 300 MB (issue 11: a 2.6 MB PNG can
// declare 30000 x 30000, 2.7 GB decoded).
constexpr std::int64_t kDefaultMaxPixels = 100'000'000;

// "" when the bytes end as their format requires, else why not: a JPEG without
// its end-of-image marker (a little zero or newline padding allowed; a cut JPEG
// still decodes, its missing rows grey), a PNG without its IEND chunk.
std::string image_truncation(std::span<const std::uint8_t> bytes);

// "" when a decoder may be run on bytes, else why not: an unreadable header,
// more than max_pixels pixels (from the header, before anything is decoded),
// or a cut file (image_truncation).
std::string image_precheck(std::span<const std::uint8_t> bytes, std::int64_t max_pixels = kDefaultMaxPixels);

// Reads and decodes a file after image_precheck (dimensions and completeness
// from the header, before the decoder allocates); also refuses images under
// 2x2. Reasons: "cannot open the file", "file is empty", "not a JPEG, PNG or
// WebP file", image_precheck's, "corrupt or truncated JPEG data (...)", "image
// too small (1x1)".
Image decode_image_file(const std::filesystem::path& file, std::string& reason,
                        std::int64_t max_pixels = kDefaultMaxPixels);

// Baseline JPEG of a BGR image (quality 1..100); empty on failure.
std::vector<std::uint8_t> encode_jpeg(const Image& img, int quality);

}  // namespace movierec
