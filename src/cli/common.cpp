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

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& part : split(s, ',')) {
    auto t = trim(part);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

ItemIndex resolve_movie_noting(const Dataset& ds, const std::string& query) {
  std::vector<ItemIndex> also;
  ItemIndex i = resolve_movie(ds, query, &also);
  if (!also.empty()) std::cerr << "note: \"" << trim(query) << "\" also matches:" << movie_list(ds, also) << "\n";
  return i;
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
  const double work =
      als ? passes * (nnz * factors * factors + rows * factors * factors * factors) : passes * nnz * factors;
  if (work > kCostlyWork)
    std::cerr << fmt::format(
        "warning: {} with factors={:g} and {}={:g} on {} ratings is about {:.1e} multiply-adds of training "
        "(hours to days); lower factors or the number of passes\n",
        model, factors, als ? "iterations" : "epochs", passes, r.nnz(), work);
}

std::unique_ptr<Recommender> model_or_file(const Dataset& ds, const std::string& model, const ParamMap& params,
                                           const std::string& model_file, bool progress) {
  if (!model_file.empty()) return load_model(model_file, ds);
  warn_if_costly(model, params, ds.ratings);
  FitOptions fo;
  fo.progress = progress;
  return fit_model(ds, model, params, fo);
}

}  // namespace movierec::cli
