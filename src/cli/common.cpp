#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/common.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/strings.h"

namespace movierec::cli {

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) {
      // Count UTF-8 code points, not bytes, so accented titles line up.
      std::size_t n = 0;
      for (unsigned char ch : r[c]) n += (ch & 0xC0) != 0x80;
      width[c] = std::max(width[c], n);
    }
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  auto is_number = [](const std::string& s) {
    double d;
    return !s.empty() && parse_double(s, d);
  };
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) {
      std::size_t n = 0;
      for (unsigned char ch : r[c]) n += (ch & 0xC0) != 0x80;
      std::string pad(width[c] - n, ' ');
      line += is_number(r[c]) ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
      if (c + 1 < r.size()) line += "  ";
    }
    std::cout << line << "\n";
  };
  print_row(header);
  std::size_t total = 0;
  for (auto w : width) total += w + 2;
  std::cout << std::string(total > 2 ? total - 2 : 0, '-') << "\n";
  for (const auto& r : rows) print_row(r);
}

ParamMap params_for(const std::string& model, const std::vector<std::string>& raw) {
  std::vector<std::string> mine;
  for (const auto& kv : raw) {
    auto eq = kv.find('=');
    auto dot = kv.find('.');
    if (dot != std::string::npos && eq != std::string::npos && dot < eq) {
      if (kv.substr(0, dot) == model) mine.push_back(kv.substr(dot + 1));
    } else {
      mine.push_back(kv);
    }
  }
  return parse_params(mine);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& part : split(s, ',')) {
    auto t = trim(part);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

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

ItemIndex resolve_movie(const Dataset& ds, const std::string& query) {
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
  auto list = [&](const std::vector<ItemIndex>& v) {
    std::string s;
    for (std::size_t k = 0; k < v.size() && k < 10; ++k)
      s += "\n  " + ds.movies[v[k]].title + "  (--movie " + std::to_string(ds.movies[v[k]].id) + ")";
    if (v.size() > 10) s += "\n  ... " + std::to_string(v.size() - 10) + " more";
    return s;
  };
  if (!same_name.empty()) {
    if (same_name.size() > 1) {
      std::vector<ItemIndex> others(same_name.begin() + 1, same_name.end());
      std::cerr << "note: \"" << q << "\" also matches:" << list(others) << "\n";
    }
    return same_name[0];
  }
  throw ConfigError("\"" + q + "\" is ambiguous; candidates:" + list(candidates));
}

std::vector<ScoredItem> similar_with_min_ratings(const Dataset& ds, const Recommender& model, ItemIndex i,
                                                 std::size_t k, std::size_t min_ratings) {
  if (min_ratings == 0) return model.similar_items(i, k);
  std::vector<ScoredItem> out;
  for (const auto& s : model.similar_items(i, model.n_items())) {
    if (ds.ratings.item_count(s.item) < min_ratings) continue;
    out.push_back(s);
    if (out.size() == k) break;
  }
  return out;
}

std::string genres_text(const Movie& m) {
  std::string s;
  for (const auto& g : m.genres) s += (s.empty() ? "" : "|") + g;
  return s;
}

void warn_if_costly(const std::string& model, const ParamMap& params, const RatingMatrix& r) {
  double factors = 0, passes = 0;
  for (const auto& info : list_models()) {
    if (info.name != model) continue;
    for (const auto& spec : info.params) {
      auto it = params.find(spec.name);
      double v = 0;
      if (!parse_double(it != params.end() ? it->second : spec.default_value, v)) continue;
      if (spec.name == "factors") factors = v;
      if (spec.name == "epochs" || spec.name == "iterations") passes = v;
    }
  }
  if (factors <= 0 || passes <= 0) return;
  const double nnz = static_cast<double>(r.nnz()), rows = static_cast<double>(r.n_users() + r.n_items());
  const bool als = model == "als" || model == "ials";
  const double work = als ? passes * (nnz * factors * factors + rows * factors * factors * factors)
                          : passes * nnz * factors;
  if (work > kCostlyWork)
    std::cerr << fmt::format(
        "warning: {} with factors={:g} and {}={:g} on {} ratings is about {:.1e} multiply-adds of training "
        "(hours to days); lower factors or the number of passes\n",
        model, factors, als ? "iterations" : "epochs", passes, r.nnz(), work);
}

std::unique_ptr<Recommender> fitted_model(const Dataset& ds, const std::string& model, const ParamMap& params,
                                          const std::string& model_file, bool progress) {
  if (!model_file.empty()) return load_model(model_file, ds);
  auto m = create_model(model, params);
  warn_if_costly(model, params, ds.ratings);
  FitOptions fo;
  fo.dataset = &ds;
  fo.progress = progress;
  m->fit(ds.ratings, fo);
  return m;
}

}  // namespace movierec::cli
