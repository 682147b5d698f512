// find_movies: title lookup for the CLI and the server.
//
// The rule, best tier first; only the best tier that has any match is returned,
// ordered by number of ratings (descending), then by item index:
//   0. the whole title, year included, equals the query ("Heat (1995)", "heat 1995");
//   1. a title form without the year equals the query ("heat"; "the matrix" and
//      "matrix" for "Matrix, The (1999)"; the main or alternative title of
//      "City of Lost Children, The (Cité des enfants perdus, La)");
//   2. a title form starts with the query's words ("toy story" -> Toy Story 2);
//   3. a title form contains the query.
// Comparison is case-insensitive on ASCII, punctuation counts as a space. A
// year in the query ("the matrix (1999)" or a final "1999") must match the
// movie's year in tiers 1-3. One result means the query is unambiguous.
#include <algorithm>

#include "data/titles.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {

namespace {

bool word_prefix(const std::string& key, const std::string& q) {
  return key.size() > q.size() && key.compare(0, q.size(), q) == 0 && key[q.size()] == ' ';
}

}  // namespace

std::vector<ItemIndex> find_movies(const Dataset& ds, const std::string& query) {
  const std::string q_full = data::normalize_title(query);
  if (q_full.empty()) return {};
  // The query's title and year: "(1999)" at the end, or a final 4-digit word.
  int q_year = data::title_year(query);
  std::string q_title = data::normalize_title(data::strip_title_year(query));
  if (q_year == 0 && q_full.size() > 5 && q_full[q_full.size() - 5] == ' ') {
    std::string tail = q_full.substr(q_full.size() - 4);
    if (std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      int y = std::stoi(tail);
      if (y >= 1870 && y <= 2100) {
        q_year = y;
        q_title = q_full.substr(0, q_full.size() - 5);
      }
    }
  }
  int best = 4;
  std::vector<ItemIndex> found;
  for (ItemIndex i = 0; i < ds.movies.size(); ++i) {
    const Movie& m = ds.movies[i];
    int tier = 4;
    if (data::normalize_title(m.title) == q_full) {
      tier = 0;
    } else if (best >= 1 && (q_year == 0 || q_year == m.year)) {
      for (const auto& key : data::title_keys(m.title)) {
        if (key == q_title)
          tier = std::min(tier, 1);
        else if (word_prefix(key, q_title))
          tier = std::min(tier, 2);
        else if (key.find(q_title) != std::string::npos)
          tier = std::min(tier, 3);
      }
    }
    if (tier > best || tier == 4) continue;
    if (tier < best) {
      best = tier;
      found.clear();
    }
    found.push_back(i);
  }
  const RatingMatrix& r = ds.ratings;
  auto count = [&](ItemIndex i) { return i < r.n_items() ? r.item_count(i) : 0; };
  std::stable_sort(found.begin(), found.end(), [&](ItemIndex a, ItemIndex b) { return count(a) > count(b); });
  return found;
}

}  // namespace movierec

namespace movierec {

namespace {

std::string strip_year(const std::string& title) {
  auto t = std::string(trim(title));
  if (t.size() > 7 && t.back() == ')') {
    auto open = t.rfind('(');
    if (open != std::string::npos && open > 0) return std::string(trim(t.substr(0, open)));
  }
  return t;
}

}  // namespace

ItemIndex resolve_movie(const Dataset& ds, const std::string& query, std::vector<ItemIndex>* also) {
  if (also) also->clear();
  long long id = 0;
  std::string q(trim(query));
  if (!q.empty() && q[0] == '#' && parse_int64(q.substr(1), id)) {
    auto idx = ds.items.find(id);
    if (!idx) throw ConfigError("movie id " + std::to_string(id) + " is not in " + ds.dir.string());
    return *idx;
  }
  auto candidates = find_movies(ds, q);
  if (candidates.empty()) throw ConfigError("no movie matches \"" + q + "\"; try a shorter part of the title");
  const std::string lq = to_lower(q);
  for (ItemIndex c : candidates)
    if (to_lower(ds.movies[c].title) == lq) return c;
  if (candidates.size() == 1) return candidates[0];
  std::vector<ItemIndex> same_name;
  for (ItemIndex c : candidates)
    if (to_lower(strip_year(ds.movies[c].title)) == lq) same_name.push_back(c);
  if (!same_name.empty()) {
    if (also) also->assign(same_name.begin() + 1, same_name.end());
    return same_name[0];
  }
  throw ConfigError("\"" + q + "\" is ambiguous; candidates:" + movie_list(ds, candidates));
}

std::string movie_list(const Dataset& ds, std::span<const ItemIndex> items, std::size_t max_shown) {
  std::string s;
  for (std::size_t k = 0; k < items.size() && k < max_shown; ++k)
    s += "\n  " + ds.movies[items[k]].title + "  (movieId " + std::to_string(ds.movies[items[k]].id) + ")";
  if (items.size() > max_shown) s += "\n  ... " + std::to_string(items.size() - max_shown) + " more";
  return s;
}

}  // namespace movierec
