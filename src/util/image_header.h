// What an image file's header says, read without decoding it: the format and
// the pixel dimensions (checked against a cap before a decoder allocates
// width x height x 3 bytes), and whether the file ends as its format requires.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace movierec {

enum class ImageFormat : std::uint8_t { kJpeg, kPng, kWebp };

struct ImageHeader {
  ImageFormat format;
  std::int64_t width = 0, height = 0;
};

// The largest poster decoded by default: 100 megapixels (10000 x 10000; TMDB's
// "original" posters are about 2000 x 3000, 6 MP). A decoded image costs 3 bytes
// a pixel, so this bounds one image at 300 MB.
constexpr std::int64_t kDefaultMaxPixels = 100'000'000;

// Format and dimensions of a JPEG (first SOFn frame), PNG (IHDR) or WebP
// (VP8, VP8L or VP8X) file; nullopt when bytes are none of these or the
// header is cut or malformed.
std::optional<ImageHeader> read_image_header(std::string_view bytes);

// "" when the file ends as its format requires, else why not: a JPEG without
// its end-of-image marker (a little zero or newline padding allowed), a PNG
// without its IEND chunk. Other formats: "".
std::string image_truncation(std::string_view bytes);

// "" when a decoder may be run on bytes, else why not: not JPEG/PNG/WebP, an
// unreadable header, more than max_pixels pixels, or a cut file.
std::string image_precheck(std::string_view bytes, std::int64_t max_pixels = kDefaultMaxPixels);

}  // namespace movierec
