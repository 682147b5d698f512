#include "vision/image_codec.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE first
#include <jpeglib.h>
// clang-format on
#include <png.h>
#include <webp/decode.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace movierec {

namespace {

bool starts_with(std::span<const std::uint8_t> b, const char* magic, std::size_t n, std::size_t at = 0) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

// libjpeg reports errors through a callback that must not return: jump back
// to the caller's setjmp with the message kept. Warnings (a cut file) are
// silent: the decoder recovers and the caller checks what it needs.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegError*>(c->err);
  c->err->format_message(c, e->message);
  std::longjmp(e->jump, 1);
}
void jpeg_quiet(j_common_ptr, int) {}
void jpeg_no_output(j_common_ptr) {}

JpegError* install_jpeg_errors(JpegError& e) {
  jpeg_std_error(&e.mgr);
  e.mgr.error_exit = jpeg_error_exit;
  e.mgr.emit_message = jpeg_quiet;
  e.mgr.output_message = jpeg_no_output;
  e.message[0] = '\0';
  return &e;
}

// Everything a decode needs lives outside the setjmp frame, so a longjmp
// never skips a destructor that matters.
struct JpegDecode {
  jpeg_decompress_struct info{};
  JpegError err;
  std::vector<std::uint8_t> cmyk_row;
  bool created = false;
  ~JpegDecode() {
    if (created) jpeg_destroy_decompress(&info);
  }
};

bool decode_jpeg(std::span<const std::uint8_t> b, Image& out, std::string& reason) {
  JpegDecode d;
  d.info.err = &install_jpeg_errors(d.err)->mgr;
  if (setjmp(d.err.jump)) {
    reason = std::string("JPEG decoder: ") + d.err.message;
    out = Image{};
    return false;
  }
  jpeg_create_decompress(&d.info);
  d.created = true;
  jpeg_mem_src(&d.info, const_cast<unsigned char*>(b.data()), static_cast<unsigned long>(b.size()));
  jpeg_read_header(&d.info, TRUE);
  const bool cmyk = d.info.jpeg_color_space == JCS_CMYK || d.info.jpeg_color_space == JCS_YCCK;
  d.info.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  jpeg_start_decompress(&d.info);
  const int w = static_cast<int>(d.info.output_width), h = static_cast<int>(d.info.output_height);
  out.width = w;
  out.height = h;
  out.bgr.assign(std::size_t(w) * h * 3, 0);
  d.cmyk_row.resize(cmyk ? std::size_t(w) * 4 : 0);
  std::uint8_t* row = d.cmyk_row.data();
  while (d.info.output_scanline < d.info.output_height) {
    std::uint8_t* dst = out.bgr.data() + std::size_t(d.info.output_scanline) * w * 3;
    JSAMPROW rows[1] = {cmyk ? row : dst};
    jpeg_read_scanlines(&d.info, rows, 1);
    if (cmyk) {
      // Adobe writes CMYK inverted (0 = full ink): R = C * K / 255, as OpenCV.
      for (int x = 0; x < w; ++x) {
        const unsigned c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
        dst[3 * x] = static_cast<std::uint8_t>(y * k / 255);
        dst[3 * x + 1] = static_cast<std::uint8_t>(m * k / 255);
        dst[3 * x + 2] = static_cast<std::uint8_t>(c * k / 255);
      }
    }
  }
  jpeg_finish_decompress(&d.info);
  return true;
}

struct PngSource {
  std::span<const std::uint8_t> bytes;
  std::size_t at = 0;
};

void png_read_memory(png_structp png, png_bytep out, png_size_t n) {
  auto* s = static_cast<PngSource*>(png_get_io_ptr(png));
  if (s->bytes.size() - s->at < n) png_error(png, "file ends early (truncated)");
  std::memcpy(out, s->bytes.data() + s->at, n);
  s->at += n;
}

void png_error_message(png_structp png, png_const_charp msg) {
  auto* reason = static_cast<std::string*>(png_get_error_ptr(png));
  *reason = std::string("PNG decoder: ") + msg;
  png_longjmp(png, 1);
}
void png_warning_quiet(png_structp, png_const_charp) {}

struct PngDecode {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::vector<png_bytep> rows;
  ~PngDecode() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

bool decode_png(std::span<const std::uint8_t> b, Image& out, std::string& reason) {
  PngDecode d;
  PngSource src{b, 0};
  d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reason, png_error_message, png_warning_quiet);
  if (!d.png) {
    reason = "PNG decoder: out of memory";
    return false;
  }
  d.info = png_create_info_struct(d.png);
  if (!d.info) {
    reason = "PNG decoder: out of memory";
    return false;
  }
  if (setjmp(png_jmpbuf(d.png))) {
    out = Image{};
    return false;
  }
  png_set_read_fn(d.png, &src, png_read_memory);
  png_read_info(d.png, d.info);
  const int type = png_get_color_type(d.png, d.info), depth = png_get_bit_depth(d.png, d.info);
  // The transforms OpenCV's PNG reader asks for: everything to 8-bit BGR.
  if (depth == 16) png_set_strip_16(d.png);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d.png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(d.png);
  if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(d.png);
  if (png_get_valid(d.png, d.info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(d.png);
  png_set_strip_alpha(d.png);
  png_set_bgr(d.png);
  png_set_interlace_handling(d.png);
  png_read_update_info(d.png, d.info);
  const auto w = png_get_image_width(d.png, d.info), h = png_get_image_height(d.png, d.info);
  if (png_get_rowbytes(d.png, d.info) != std::size_t(w) * 3) png_error(d.png, "unexpected row layout");
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  out.bgr.assign(std::size_t(w) * h * 3, 0);
  d.rows.resize(h);
  for (std::size_t y = 0; y < h; ++y) d.rows[y] = out.bgr.data() + y * w * 3;
  png_read_image(d.png, d.rows.data());
  png_read_end(d.png, nullptr);
  return true;
}

bool decode_webp(std::span<const std::uint8_t> b, Image& out, std::string& reason) {
  int w = 0, h = 0;
  std::uint8_t* px = WebPDecodeBGR(b.data(), b.size(), &w, &h);
  if (!px) {
    reason = "WebP decoder: corrupt or truncated data";
    return false;
  }
  out.width = w;
  out.height = h;
  out.bgr.assign(px, px + std::size_t(w) * h * 3);
  WebPFree(px);
  return true;
}

// JPEG frame header: scan the markers for SOFn without decoding.
std::optional<ImageSize> jpeg_size(std::span<const std::uint8_t> b) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {  // no length
      i += 2;
      continue;
    }
    const std::size_t len = (std::size_t(b[i + 2]) << 8) | b[i + 3];
    if (len < 2) return std::nullopt;
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) return std::nullopt;
      const int h = (b[i + 5] << 8) | b[i + 6], w = (b[i + 7] << 8) | b[i + 8];
      if (w == 0 || h == 0) return std::nullopt;
      return ImageSize{w, h};
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan or end before any frame
    i += 2 + len;
  }
  return std::nullopt;
}

}  // namespace

ImageFormat image_format(std::span<const std::uint8_t> b) {
  if (starts_with(b, "\xFF\xD8\xFF", 3)) return ImageFormat::kJpeg;
  if (starts_with(b, "\x89PNG\r\n\x1A\n", 8)) return ImageFormat::kPng;
  if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) return ImageFormat::kWebp;
  return ImageFormat::kUnknown;
}

const char* format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
    default:
      return "unknown";
  }
}

std::optional<ImageSize> image_size(std::span<const std::uint8_t> b) {
  switch (image_format(b)) {
    case ImageFormat::kJpeg:
      return jpeg_size(b);
    case ImageFormat::kPng: {
      // IHDR is the first chunk: length(4) "IHDR" width(4) height(4), big-endian.
      if (b.size() < 24 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) return std::nullopt;
      auto be32 = [&](std::size_t at) {
        return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) |
               b[at + 3];
      };
      const std::uint32_t w = be32(16), h = be32(20);
      if (w == 0 || h == 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF) return std::nullopt;
      return ImageSize{static_cast<int>(w), static_cast<int>(h)};
    }
    case ImageFormat::kWebp: {
      int w = 0, h = 0;
      if (!WebPGetInfo(b.data(), b.size(), &w, &h)) return std::nullopt;
      return ImageSize{w, h};
    }
    default:
      return std::nullopt;
  }
}

Image decode_image_bytes(std::span<const std::uint8_t> b, std::string& reason) {
  Image out;
  bool ok = false;
  switch (image_format(b)) {
    case ImageFormat::kJpeg:
      ok = decode_jpeg(b, out, reason);
      break;
    case ImageFormat::kPng:
      ok = decode_png(b, out, reason);
      break;
    case ImageFormat::kWebp:
      ok = decode_webp(b, out, reason);
      break;
    default:
      reason = b.empty() ? "file is empty" : "not a JPEG, PNG or WebP file";
      return {};
  }
  if (!ok) return {};
  return out;
}

Image decode_image_file(const std::filesystem::path& file, std::string& reason, std::int64_t max_pixels) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    reason = "cannot open the file";
    return {};
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const ImageFormat format = image_format(bytes);
  if (bytes.empty() || format == ImageFormat::kUnknown) {
    reason = bytes.empty() ? "file is empty" : "not a JPEG, PNG or WebP file";
    return {};
  }
  if (auto why = image_precheck(bytes, max_pixels); !why.empty()) {
    reason = why;
    return {};
  }
  std::string why;
  Image img = decode_image_bytes(bytes, why);
  if (img.empty()) {
    reason = std::string("corrupt or truncated ") + format_name(format) + " data (" + why + ")";
    return {};
  }
  if (img.width < 2 || img.height < 2) {
    reason = "image too small (" + std::to_string(img.width) + "x" + std::to_string(img.height) + ")";
    return {};
  }
  return img;
}

namespace {

// Weights of a 1-D area shrink from n to m samples: output j covers input
// [j * n / m, (j + 1) * n / m); each input sample contributes its overlap.
struct AreaTap {
  int out, in;
  float w;
};
std::vector<AreaTap> area_taps(int n, int m) {
  std::vector<AreaTap> taps;
  const double scale = double(n) / m;
  for (int j = 0; j < m; ++j) {
    const double lo = j * scale, hi = (j + 1) * scale;
    for (int i = static_cast<int>(lo); i < n && i < hi; ++i) {
      const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      if (overlap > 1e-9) taps.push_back({j, i, static_cast<float>(overlap / scale)});
    }
  }
  return taps;
}

}  // namespace

Image resize_area(const Image& img, int width, int height) {
  const auto tx = area_taps(img.width, width), ty = area_taps(img.height, height);
  // Rows first (each input row shrunk to `width` samples), then columns.
  std::vector<float> rows(std::size_t(img.height) * width * 3, 0.f);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* src = img.bgr.data() + std::size_t(y) * img.width * 3;
    float* dst = rows.data() + std::size_t(y) * width * 3;
    for (const auto& t : tx)
      for (int c = 0; c < 3; ++c) dst[t.out * 3 + c] += t.w * src[t.in * 3 + c];
  }
  std::vector<float> acc(std::size_t(height) * width * 3, 0.f);
  for (const auto& t : ty) {
    const float* src = rows.data() + std::size_t(t.in) * width * 3;
    float* dst = acc.data() + std::size_t(t.out) * width * 3;
    for (int k = 0; k < width * 3; ++k) dst[k] += t.w * src[k];
  }
  Image out;
  out.width = width;
  out.height = height;
  out.bgr.resize(acc.size());
  for (std::size_t k = 0; k < acc.size(); ++k)
    out.bgr[k] = static_cast<std::uint8_t>(std::clamp(std::lround(acc[k]), 0L, 255L));
  return out;
}

std::vector<std::uint8_t> encode_jpeg(const Image& img, int quality) {
  if (img.empty() || img.width <= 0 || img.height <= 0 || img.bgr.size() != std::size_t(img.width) * img.height * 3)
    return {};
  struct Encode {
    jpeg_compress_struct info{};
    JpegError err;
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    bool created = false;
    ~Encode() {
      if (created) jpeg_destroy_compress(&info);
      std::free(buf);
    }
  } e;
  e.info.err = &install_jpeg_errors(e.err)->mgr;
  if (setjmp(e.err.jump)) return {};
  jpeg_create_compress(&e.info);
  e.created = true;
  jpeg_mem_dest(&e.info, &e.buf, &e.size);
  e.info.image_width = static_cast<JDIMENSION>(img.width);
  e.info.image_height = static_cast<JDIMENSION>(img.height);
  e.info.input_components = 3;
  e.info.in_color_space = JCS_EXT_BGR;
  jpeg_set_defaults(&e.info);
  jpeg_set_quality(&e.info, std::clamp(quality, 1, 100), TRUE);
  jpeg_start_compress(&e.info, TRUE);
  while (e.info.next_scanline < e.info.image_height) {
    JSAMPROW row[1] = {const_cast<std::uint8_t*>(img.bgr.data()) + std::size_t(e.info.next_scanline) * img.width * 3};
    jpeg_write_scanlines(&e.info, row, 1);
  }
  jpeg_finish_compress(&e.info);
  return std::vector<std::uint8_t>(e.buf, e.buf + e.size);
}

std::string image_truncation(std::span<const std::uint8_t> b) {
  if (b.size() >= 2 && b[0] == 0xFF && b[1] == 0xD8) {
    std::size_t end = b.size();
    while (end > 2 && b.size() - end < 64 && (b[end - 1] == 0 || b[end - 1] == '\n' || b[end - 1] == '\r')) --end;
    if (end < 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) return "JPEG without its end marker (truncated)";
  } else if (image_format(b) == ImageFormat::kPng) {
    static constexpr std::uint8_t kIend[4] = {'I', 'E', 'N', 'D'};
    if (b.size() < 20 || !std::equal(kIend, kIend + 4, b.end() - 8)) return "PNG without its IEND chunk (truncated)";
  }
  return "";
}

std::string image_precheck(std::span<const std::uint8_t> bytes, std::int64_t max_pixels) {
  const auto size = image_size(bytes);
  if (!size) return std::string("unreadable ") + format_name(image_format(bytes)) + " header";
  if (size->width < 1 || size->height < 1)
    return "image header says " + std::to_string(size->width) + "x" + std::to_string(size->height) + " pixels";
  if (std::int64_t(size->width) * size->height > max_pixels)
    return "image of " + std::to_string(size->width) + "x" + std::to_string(size->height) +
           " pixels, above the limit of " + std::to_string(max_pixels) + " (max_pixels)";
  return image_truncation(bytes);
}

}  // namespace movierec
