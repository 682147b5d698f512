#include "util/image_header.h"

namespace movierec {
namespace {

std::uint32_t be16(std::string_view b, std::size_t i) {
  return (std::uint32_t(std::uint8_t(b[i])) << 8) | std::uint8_t(b[i + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t i) { return (be16(b, i) << 16) | be16(b, i + 2); }
std::uint32_t le16(std::string_view b, std::size_t i) {
  return std::uint8_t(b[i]) | (std::uint32_t(std::uint8_t(b[i + 1])) << 8);
}
std::uint32_t le24(std::string_view b, std::size_t i) { return le16(b, i) | (std::uint32_t(std::uint8_t(b[i + 2])) << 16); }

std::optional<ImageHeader> jpeg_header(std::string_view b) {
  // Segments: FF marker [FF fill] then, except for standalone markers, a
  // big-endian length that counts itself. SOF0..SOF15 (not DHT C4, JPG C8,
  // DAC CC): u8 precision, u16 height, u16 width.
  std::size_t p = 2;
  while (p + 4 <= b.size()) {
    if (std::uint8_t(b[p]) != 0xFF) return std::nullopt;
    while (p < b.size() && std::uint8_t(b[p]) == 0xFF) ++p;
    if (p + 3 > b.size()) return std::nullopt;
    const std::uint8_t m = std::uint8_t(b[p++]);
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // no length
    if (m == 0xD9 || m == 0xDA) return std::nullopt;      // image data before any frame header
    const std::uint32_t len = be16(b, p);
    if (len < 2) return std::nullopt;
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (len < 7 || p + 7 > b.size()) return std::nullopt;
      return ImageHeader{ImageFormat::kJpeg, be16(b, p + 5), be16(b, p + 3)};
    }
    p += len;
  }
  return std::nullopt;
}

std::optional<ImageHeader> webp_header(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") return ImageHeader{ImageFormat::kWebp, le24(b, 24) + 1, le24(b, 27) + 1};
  if (chunk == "VP8L") {
    if (std::uint8_t(b[20]) != 0x2f) return std::nullopt;
    const std::uint32_t bits = le16(b, 21) | (le16(b, 23) << 16);
    return ImageHeader{ImageFormat::kWebp, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
  }
  if (chunk == "VP8 ") {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (std::uint8_t(b[23]) != 0x9d || std::uint8_t(b[24]) != 0x01 || std::uint8_t(b[25]) != 0x2a) return std::nullopt;
    return ImageHeader{ImageFormat::kWebp, le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageHeader> read_image_header(std::string_view b) {
  if (b.size() >= 4 && std::uint8_t(b[0]) == 0xFF && std::uint8_t(b[1]) == 0xD8 && std::uint8_t(b[2]) == 0xFF)
    return jpeg_header(b);
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) && b.substr(12, 4) == "IHDR")
    return ImageHeader{ImageFormat::kPng, be32(b, 16), be32(b, 20)};
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return webp_header(b);
  return std::nullopt;
}

std::string image_truncation(std::string_view b) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 2 && u(0) == 0xFF && u(1) == 0xD8) {
    // A cut JPEG still decodes (libjpeg pads it with grey): look for the end marker.
    std::size_t end = b.size();
    while (end > 2 && b.size() - end < 64 && (u(end - 1) == 0 || u(end - 1) == '\n' || u(end - 1) == '\r')) --end;
    if (end < 4 || u(end - 2) != 0xFF || u(end - 1) != 0xD9) return "JPEG without its end marker (truncated)";
  } else if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    if (b.size() < 20 || b.substr(b.size() - 8, 4) != "IEND") return "PNG without its IEND chunk (truncated)";
  }
  return "";
}

std::string image_precheck(std::string_view bytes, std::int64_t max_pixels) {
  if (bytes.empty()) return "file is empty";
  const auto h = read_image_header(bytes);
  if (!h) return "not a JPEG, PNG or WebP file, or its header is damaged";
  if (h->width < 1 || h->height < 1)
    return "image header says " + std::to_string(h->width) + "x" + std::to_string(h->height) + " pixels";
  if (h->width * h->height > max_pixels)
    return "image of " + std::to_string(h->width) + "x" + std::to_string(h->height) + " pixels, above the limit of " +
           std::to_string(max_pixels) + " (max_pixels)";
  return image_truncation(bytes);
}

}  // namespace movierec
