// The web page's files (web/), compiled into the binary by cmake/serve.cmake
// (cmake/embed_files.cmake writes web_assets.cpp), so the page works offline.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace movierec::serve {

struct WebAsset {
  std::string_view path;  // "/index.html", "/app.js"
  std::string_view type;  // Content-Type
  const unsigned char* data;
  std::size_t size;
};

std::span<const WebAsset> web_assets();

}  // namespace movierec::serve
