#include "serve/search.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace movierec::serve {

namespace {

// Base letter of a two-byte UTF-8 letter (U+00C0..U+017F), or 0.
char fold_accent(unsigned cp) {
  // U+00C0..U+00FF: Latin-1 supplement letters.
  static const char* kLatin1 =
      "aaaaaaaceeeeiiii"   // C0-CF
      "dnooooo*ouuuuyts"   // D0-DF (D7 multiplication sign, DF sharp s)
      "aaaaaaaceeeeiiii"   // E0-EF
      "dnooooo/ouuuuyty";  // F0-FF
  if (cp >= 0xC0 && cp <= 0xFF) {
    char c = kLatin1[cp - 0xC0];
    return (c == '*' || c == '/') ? 0 : c;
  }
  // U+0100..U+017F: Latin Extended-A, mostly pairs of one base letter.
  static const char* kExtA =
      "aaaaaaccccccccdd"   // 100-10F
      "ddeeeeeeeeeegggg"   // 110-11F
      "gggghhhhiiiiiiii"   // 120-12F
      "iiiijjkkklllllll"   // 130-13F
      "lllnnnnnnnnnoooo"   // 140-14F
      "oooorrrrrrssssss"   // 150-15F
      "ssttttttuuuuuuuu"   // 160-16F
      "uuuuwwyyyzzzzzzs";  // 170-17F
  if (cp >= 0x100 && cp <= 0x17F) return kExtA[cp - 0x100];
  return 0;
}

constexpr std::string_view kArticles[] = {"the", "a", "an", "les", "la", "le", "l", "il", "el", "die", "der", "das"};

// "matrix the" -> "the matrix" (MovieLens writes "Matrix, The").
std::string article_first(const std::string& name) {
  auto sp = name.rfind(' ');
  if (sp == std::string::npos) return name;
  std::string_view last(name.c_str() + sp + 1);
  for (auto a : kArticles)
    if (last == a) return std::string(last) + " " + name.substr(0, sp);
  return name;
}

std::string drop_article(const std::string& name) {
  auto sp = name.find(' ');
  if (sp == std::string::npos) return name;
  std::string_view first(name.c_str(), sp);
  for (auto a : kArticles)
    if (first == a) return name.substr(sp + 1);
  return name;
}

// Splits "heat (1995)" / "heat 1995" into name and year (0 when absent).
std::pair<std::string, int> split_year(const std::string& norm) {
  auto sp = norm.rfind(' ');
  std::string last = sp == std::string::npos ? norm : norm.substr(sp + 1);
  if (last.size() == 4 && std::all_of(last.begin(), last.end(), ::isdigit) && sp != std::string::npos) {
    int y = std::stoi(last);
    if (y >= 1870 && y <= 2100) return {norm.substr(0, sp), y};
  }
  return {norm, 0};
}

}  // namespace

std::string normalize_title(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = true;
  auto put = [&](char c) {
    if (c == ' ') {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(c);
      space = false;
    }
  };
  for (std::size_t p = 0; p < s.size(); ++p) {
    const auto c = static_cast<unsigned char>(s[p]);
    if (c < 0x80) {
      if (std::isalnum(c))
        put(static_cast<char>(std::tolower(c)));
      else if (c == '\'')
        continue;  // "Schindler's" = "schindlers"
      else
        put(' ');
    } else if ((c & 0xE0) == 0xC0 && p + 1 < s.size()) {
      const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[p + 1]) & 0x3Fu);
      ++p;
      if (char f = fold_accent(cp)) {
        put(f);
        if (cp == 0xDF) put('s');                // sharp s -> "ss"
        if (cp == 0xC6 || cp == 0xE6) put('e');  // ae ligature
      } else {
        put(' ');
      }
    } else {
      // Other multi-byte characters (CJK titles...) are kept byte for byte.
      out.push_back(static_cast<char>(c));
      space = false;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TitleIndex::TitleIndex(const Dataset& ds) {
  entries_.resize(ds.movies.size());
  for (ItemIndex i = 0; i < ds.movies.size(); ++i) {
    const Movie& m = ds.movies[i];
    auto [name, year] = split_year(normalize_title(m.title));
    Entry& e = entries_[i];
    e.name = article_first(name);
    e.words = " " + e.name + " ";
    e.year = m.year ? m.year : year;
    e.ratings = i < ds.ratings.n_items() ? ds.ratings.item_count(i) : 0;
  }
}

std::vector<ItemIndex> TitleIndex::search(std::string_view q, std::size_t limit) const {
  auto [name, year] = split_year(normalize_title(q));
  if (name.empty() && year) name = std::to_string(year), year = 0;  // "1984"
  if (name.empty() || limit == 0) return {};
  name = article_first(name);
  const std::string bare = drop_article(name);
  std::vector<std::string> words = split(name, ' ');
  struct Hit {
    int tier;
    std::size_t ratings;
    ItemIndex item;
  };
  std::vector<Hit> hits;
  for (ItemIndex i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (year && e.year != year) continue;
    int tier;
    if (e.name == name || drop_article(e.name) == bare)
      tier = 0;
    else if (e.name.starts_with(name) || drop_article(e.name).starts_with(bare))
      tier = 1;
    else {
      // Every query word starts a word of the title, in any order.
      bool all = true;
      for (const auto& w : words)
        if (e.words.find(" " + w) == std::string::npos) {
          all = false;
          break;
        }
      if (!all) continue;
      tier = 2;
    }
    hits.push_back({tier, e.ratings, i});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.tier != b.tier) return a.tier < b.tier;
    if (a.ratings != b.ratings) return a.ratings > b.ratings;
    return a.item < b.item;
  });
  std::vector<ItemIndex> out;
  for (std::size_t k = 0; k < hits.size() && k < limit; ++k) out.push_back(hits[k].item);
  return out;
}

}  // namespace movierec::serve
