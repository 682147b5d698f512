#include "data/titles.h"

#include <algorithm>

#include "util/strings.h"

namespace movierec::data {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The position of the '(' of a trailing year group, or npos; year set when found.
std::size_t year_group(std::string_view t, int& year) {
  t = trim(t);
  if (t.size() < 6 || t.back() != ')') return std::string_view::npos;
  std::size_t open = t.rfind('(');
  if (open == std::string_view::npos) return std::string_view::npos;
  std::string_view in = t.substr(open + 1, t.size() - open - 2);
  if (in.size() < 4 || !std::all_of(in.begin(), in.begin() + 4, is_digit)) return std::string_view::npos;
  std::string_view rest = in.substr(4);
  // "", "-", "-2000", "–2007" (en dash, UTF-8 E2 80 93).
  if (!rest.empty()) {
    if (rest.front() == '-') {
      rest.remove_prefix(1);
    } else if (rest.substr(0, 3) == "\xE2\x80\x93") {
      rest.remove_prefix(3);
    } else {
      return std::string_view::npos;
    }
    if (!rest.empty() && !(rest.size() == 4 && std::all_of(rest.begin(), rest.end(), is_digit)))
      return std::string_view::npos;
  }
  year = (in[0] - '0') * 1000 + (in[1] - '0') * 100 + (in[2] - '0') * 10 + (in[3] - '0');
  return open;
}

// Articles MovieLens moves to the end: "Matrix, The", "Misérables, Les".
constexpr std::string_view kArticles[] = {"the", "a",   "an",  "les", "la",  "le", "l'", "il",  "el", "los", "las",
                                          "die", "der", "das", "den", "det", "lo", "un", "une", "o",  "os"};

void add_key(std::vector<std::string>& keys, std::string k) {
  if (!k.empty() && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
}

// Adds the forms of one title part (no year): as is, article in front, no article.
void add_forms(std::vector<std::string>& keys, std::string_view part) {
  part = trim(part);
  add_key(keys, normalize_title(part));
  std::size_t comma = part.rfind(", ");
  if (comma == std::string_view::npos) return;
  std::string_view art = trim(part.substr(comma + 2));
  std::string art_lower = to_lower(art);
  if (std::find(std::begin(kArticles), std::end(kArticles), art_lower) == std::end(kArticles)) return;
  std::string_view head = part.substr(0, comma);
  std::string front(art);
  if (art_lower.back() != '\'') front += ' ';
  front += head;
  add_key(keys, normalize_title(front));
  add_key(keys, normalize_title(head));
}

}  // namespace

int title_year(std::string_view title) {
  int year = 0;
  return year_group(title, year) == std::string_view::npos ? 0 : year;
}

std::string_view strip_title_year(std::string_view title) {
  int year = 0;
  std::string_view t = trim(title);
  std::size_t open = year_group(t, year);
  return open == std::string_view::npos ? t : trim(t.substr(0, open));
}

std::string normalize_title(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!keep) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

std::vector<std::string> title_keys(std::string_view title) {
  std::vector<std::string> keys;
  std::string_view t = strip_title_year(title);
  add_forms(keys, t);
  // "City of Lost Children, The (Cité des enfants perdus, La)": the main part
  // and the alternative title in parentheses each on their own.
  std::size_t open = t.find(" (");
  if (open != std::string_view::npos && t.back() == ')') {
    add_forms(keys, t.substr(0, open));
    std::string_view alt = t.substr(open + 2, t.size() - open - 3);
    for (std::string_view aka : {"a.k.a. ", "a.k.a ", "aka "})
      if (alt.substr(0, aka.size()) == aka) alt = trim(alt.substr(aka.size()));
    add_forms(keys, alt);
  }
  return keys;
}

}  // namespace movierec::data
