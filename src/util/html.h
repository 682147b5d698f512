// Escaping text for HTML and SVG (the gallery page, learning-curve plots).
#pragma once

#include <string>
#include <string_view>

namespace movierec {

// & < > " ' as entities: safe inside elements and quoted attributes.
std::string html_escape(std::string_view s);

}  // namespace movierec
