// Fuzzes what a TMDB server (or anyone posing as one) sends: the /3/movie and
// /3/find JSON answers, and the poster image bytes' header checks. Properties:
// an accepted poster_path is one file name (no "..", "/", "?" or "%" after
// the leading slash), and every problem text is free of control characters.
#include <string_view>

#include "fuzz_support.h"
#include "movierec/errors.h"
#include "tmdb/posters.h"
#include "util/strings.h"
#include "vision/image_codec.h"

using namespace movierec;

namespace {

void check_printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) {
      std::fprintf(stderr, "control character %02x in \"%s\"\n", c, s.c_str());
      std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    using namespace std::literals;
    int n = 0;
    auto seed = [&](char mode, std::string_view body) {
      fuzz::write_seed(dir, n++, std::string(1, mode) + std::string(body));
    };
    seed(0, R"({"id":949,"title":"Heat","poster_path":"/obpPQskaVpSbVkMUTEkm4ccx5CT.jpg"})");
    seed(0, R"({"id":949,"poster_path":null})");
    seed(0, R"({"poster_path":"/.."})");
    seed(1, R"({"movie_results":[{"poster_path":"/a.jpg"}],"tv_results":[]})");
    seed(1, R"({"movie_results":[]})");
    seed(2,
         "\x1b[31mred\x1b[0m \xc2\x9b"
         "2J"sv);
    // Image headers: PNG IHDR 30000 x 30000, a JPEG SOF0 640 x 480, a VP8X WebP 320 x 496.
    seed(3, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\x02\0\0\0"sv);
    seed(
        3,
        "\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xc0\0\x11\x08\x01\xe0\x02\x80\x03\x01\x22\0\x02\x11\x01\x03\x11\x01\xff\xd9"sv);
    seed(3, "RIFF\x24\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\x3f\x01\0\xef\x01\0"sv);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
    case 1: {
      tmdb::PosterPath p = tmdb::poster_path_from(rest, data[0] % 4 == 1);
      check_printable(p.problem);
      if (!p.path.empty()) {
        if (p.path[0] != '/' || p.path.find('/', 1) != std::string::npos || p.path.find("..") == 1 ||
            p.path.find_first_of("?#%\\") != std::string::npos) {
          std::fprintf(stderr, "accepted poster_path \"%s\"\n", p.path.c_str());
          std::abort();
        }
      }
      break;
    }
    case 2:
      check_printable(printable(rest, rest.size()));
      break;
    case 3: {
      const std::span bytes(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
      (void)image_size(bytes);
      check_printable(image_precheck(bytes));
      check_printable(tmdb::image_problem(rest));
      break;
    }
  }
  return 0;
}
