// One self-contained HTML page of "similar movies" (as the tutorial's figures),
// a report over fitted recommenders (so it sits above models and vision):
// per query movie its poster, then one row per model with the top-k posters,
// title, year and score under each. Posters are shrunk to thumbnails with OpenCV
// and embedded as base64 data URIs; CSS is inline; the page needs no network.
// A movie without a poster gets a title card. An inline script counts the
// images the browser decoded into <body data-images-loaded="N">, which the
// headless-browser test reads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "movierec/dataset.h"
#include "movierec/recommender.h"
#include "util/html.h"  // html_escape, used with the page
#include "vision/poster_folder.h"

namespace movierec {

struct GalleryRow {
  std::string model;
  std::vector<ScoredItem> items;
  std::string note;  // shown instead of an empty row ("no poster: no visual neighbours")
};

struct GalleryQuery {
  ItemIndex query;
  std::vector<GalleryRow> rows;
};

struct GalleryOptions {
  std::string title = "movierec: similar movies";
  int thumb_width = 110;  // pixels; posters are resized to this width, aspect kept
  int jpeg_quality = 82;  // of the embedded thumbnails
};

// The rows of each query: every model's similar_items(query, k). A model without
// item similarity (NotSupported) or with no neighbours gets a note instead.
std::vector<GalleryQuery> gallery_queries(const std::vector<std::pair<std::string, const Recommender*>>& models,
                                          const std::vector<ItemIndex>& queries, std::size_t k);

std::string gallery_html(const Dataset& ds, const PosterFolder& posters, const std::vector<GalleryQuery>& queries,
                         const GalleryOptions& opts = {});
// Writes gallery_html atomically.
void write_gallery_html(const std::filesystem::path& file, const Dataset& ds, const PosterFolder& posters,
                        const std::vector<GalleryQuery>& queries, const GalleryOptions& opts = {});

std::string base64_encode(std::string_view bytes);
// "data:image/jpeg;base64,..." of a poster resized to width; empty when it cannot be decoded.
std::string thumbnail_data_uri(const std::filesystem::path& image, int width, int quality);

}  // namespace movierec
