#include "report/gallery.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "vision/image_codec.h"

namespace movierec {
namespace {

constexpr const char* kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#14161a;color:#e8e8e8;margin:24px}
h1{font-size:22px;font-weight:600;margin:0 0 18px}
section.query{background:#1d2026;border-radius:10px;padding:14px 16px;margin:0 0 22px;display:flex;gap:22px}
.qside{flex:0 0 auto;width:150px}
.qside h2{font-size:15px;margin:8px 0 0;line-height:1.25}
.rows{flex:1 1 auto;min-width:0}
.row{display:flex;align-items:flex-start;gap:10px;margin:0 0 12px}
.model{flex:0 0 90px;font-weight:600;font-size:13px;color:#9fc3ff;padding-top:4px;overflow-wrap:anywhere}
.items{display:flex;gap:10px;flex-wrap:wrap}
.note{font-size:13px;color:#b0b0b0;font-style:italic;padding-top:4px}
figure{margin:0;width:THUMBpx}
figure.big{width:150px}
figure img,.card{width:100%;aspect-ratio:2/3;object-fit:cover;border-radius:5px;display:block;background:#2a2e36}
.card{display:flex;align-items:center;justify-content:center;text-align:center;box-sizing:border-box;padding:8px;
 font-size:12px;font-weight:600;color:#f3e9d2;background:linear-gradient(160deg,#3d4b66,#6b3f52);border:1px solid #55607a}
figcaption{font-size:11.5px;line-height:1.3;margin-top:4px;color:#d0d0d0;overflow-wrap:anywhere}
figcaption .t{font-weight:600;color:#f0f0f0}
figcaption .s{color:#8fd18f}
)";

// "Heat (1995)" -> "Heat" when the year is known and the title ends with it.
std::string display_title(const Movie& m) {
  const std::string suffix = " (" + std::to_string(m.year) + ")";
  std::string t = m.title;
  if (m.year > 0 && t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0)
    t.resize(t.size() - suffix.size());
  return t;
}

class Page {
 public:
  Page(const Dataset& ds, const PosterFolder& posters, const GalleryOptions& o) : ds_(ds), posters_(posters), o_(o) {}

  std::string poster(ItemIndex i, const std::string& cls, const std::string& caption) {
    const Movie& m = ds_.movies[i];
    const int width = cls == "big" ? 150 : o_.thumb_width;
    std::string uri;
    if (auto it = cache_.find({i, width}); it != cache_.end()) {
      uri = it->second;
    } else {
      if (auto p = posters_.find(m)) uri = thumbnail_data_uri(*p, width, o_.jpeg_quality);
      cache_[{i, width}] = uri;
    }
    const std::string title = html_escape(display_title(m));
    std::string h = "<figure class=\"" + cls + "\">";
    if (!uri.empty()) {
      h += "<img src=\"" + uri + "\" alt=\"" + title + "\">";
      ++images_;
    } else {
      h += "<div class=\"card\">" + title + "</div>";  // no poster: a title card
    }
    return h + "<figcaption>" + caption + "</figcaption></figure>";
  }

  std::string caption(ItemIndex i, const float* score) const {
    const Movie& m = ds_.movies[i];
    std::string c = "<span class=\"t\">" + html_escape(display_title(m)) + "</span><br>";
    c += m.year > 0 ? std::to_string(m.year) : std::string("year unknown");
    if (score) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", *score);
      c += " &middot; <span class=\"s\">" + std::string(buf) + "</span>";
    }
    return c;
  }
  std::size_t images() const { return images_; }

 private:
  const Dataset& ds_;
  const PosterFolder& posters_;
  const GalleryOptions& o_;
  std::map<std::pair<ItemIndex, int>, std::string> cache_;  // (movie, width) -> data URI
  std::size_t images_ = 0;
};

}  // namespace

std::string base64_encode(std::string_view in) {
  static const char* kTable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= std::uint8_t(in[i + 1]) << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string thumbnail_data_uri(const std::filesystem::path& image, int width, int quality) {
  std::string reason;
  Image thumb = decode_image_file(image, reason);
  if (thumb.empty()) return "";
  if (thumb.width > width) {
    const int h = std::max(1, static_cast<int>(std::lround(double(thumb.height) * width / thumb.width)));
    thumb = resize_area(thumb, width, std::min(h, thumb.height));  // area averaging: no aliasing when shrinking
  }
  const std::vector<std::uint8_t> jpg = encode_jpeg(thumb, quality);
  if (jpg.empty()) return "";
  return "data:image/jpeg;base64," +
         base64_encode(std::string_view(reinterpret_cast<const char*>(jpg.data()), jpg.size()));
}

std::vector<GalleryQuery> gallery_queries(const std::vector<std::pair<std::string, const Recommender*>>& models,
                                          const std::vector<ItemIndex>& queries, std::size_t k) {
  std::vector<GalleryQuery> out;
  for (ItemIndex q : queries) {
    GalleryQuery g{q, {}};
    for (const auto& [name, model] : models) {
      GalleryRow row{name, {}, ""};
      try {
        row.items = model->similar_items(q, k);
        if (row.items.empty()) row.note = "no similar movies (for poster: this movie has no poster)";
      } catch (const NotSupported& e) {
        row.note = e.what();
      }
      g.rows.push_back(std::move(row));
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string gallery_html(const Dataset& ds, const PosterFolder& posters, const std::vector<GalleryQuery>& queries,
                         const GalleryOptions& opts) {
  Page page(ds, posters, opts);
  std::string css = kCss;
  css.replace(css.find("THUMB"), 5, std::to_string(opts.thumb_width));
  std::string body;
  for (const auto& q : queries) {
    if (q.query >= ds.movies.size()) throw ConfigError("gallery: query movie index out of range");
    body += "<section class=\"query\"><div class=\"qside\">" +
            page.poster(q.query, "big", page.caption(q.query, nullptr)) + "</div><div class=\"rows\">";
    for (const auto& row : q.rows) {
      body += "<div class=\"row\"><div class=\"model\">" + html_escape(row.model) + "</div><div class=\"items\">";
      if (row.items.empty()) body += "<div class=\"note\">" + html_escape(row.note) + "</div>";
      for (const auto& s : row.items) {
        if (s.item >= ds.movies.size()) throw ConfigError("gallery: movie index out of range in row " + row.model);
        body += page.poster(s.item, "", page.caption(s.item, &s.score));
      }
      body += "</div></div>";
    }
    body += "</div></section>\n";
  }
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                     html_escape(opts.title) + "</title>\n<style>" + css + "</style></head>\n<body data-images=\"" +
                     std::to_string(page.images()) + "\">\n<h1>" + html_escape(opts.title) + "</h1>\n" + body;
  // Counts decoded images once everything has loaded (read by the headless browser test).
  html += R"(<script>
window.addEventListener('load', function () {
  var ok = 0, bad = 0;
  document.querySelectorAll('img').forEach(function (im) { if (im.complete && im.naturalWidth > 0) ok++; else bad++; });
  document.body.setAttribute('data-images-loaded', ok);
  document.body.setAttribute('data-images-broken', bad);
});
</script>
</body></html>
)";
  return html;
}

void write_gallery_html(const std::filesystem::path& file, const Dataset& ds, const PosterFolder& posters,
                        const std::vector<GalleryQuery>& queries, const GalleryOptions& opts) {
  write_file_atomically(file, gallery_html(ds, posters, queries, opts));
}

}  // namespace movierec
