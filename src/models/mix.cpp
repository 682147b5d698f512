#include "models/mix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "models/parts.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"
#include "util/strings.h"

namespace movierec {

void standardise_scores(std::span<float> s) {
  double sum = 0, sq = 0;
  std::size_t n = 0;
  for (float v : s)
    if (std::isfinite(v)) {
      sum += v;
      sq += double(v) * v;
      ++n;
    }
  const double mean = n ? sum / double(n) : 0;
  const double var = n ? std::max(0.0, sq / double(n) - mean * mean) : 0;
  const double sd = std::sqrt(var);
  float lowest = std::numeric_limits<float>::infinity();
  for (float& v : s)
    if (std::isfinite(v)) {
      v = sd > 1e-12 * (std::abs(mean) + 1) ? float((v - mean) / sd) : 0.0f;
      lowest = std::min(lowest, v);
    }
  if (!std::isfinite(lowest)) lowest = 0;
  for (float& v : s)
    if (!std::isfinite(v)) v = lowest;
}

Mix::Mix(Params& p)
    : part_params_(
          p.get_string("model_params", "", "the parts' parameters: \"item-knn.k=40;poster.features=posters.mrf\"")),
      features_(p.get_string("features", "", "poster feature file of a poster part (CLI: --features)")),
      pool_(static_cast<std::size_t>(
          p.get_int("pool", 200, "similar movies taken from each part per query, standardised together", 10, 100000))) {
  names_ = part_names("mix", "models", p.get_string("models", "item-knn,poster", "the models blended"));
  const std::string w = p.get_string("weights", "", "one weight >= 0 per model, \"0.7,0.3\" (empty: equal)");
  weights_ = w.empty() ? std::vector<double>(names_.size(), 1.0) : part_weights("mix", "weights", w, names_.size());
  parts_ = make_parts();  // validates the parts' names and parameters now
}

Mix::~Mix() = default;

std::vector<std::unique_ptr<Recommender>> Mix::make_parts() const {
  std::vector<std::unique_ptr<Recommender>> out;
  for (const auto& n : names_) {
    const std::string model = n.substr(0, n.find('#'));  // a tagged part: "poster#b"
    ParamMap pm = part_params("mix", "model_params", n, part_params_, names_);
    if (model == "poster" && !features_.empty()) pm.emplace("features", features_);
    out.push_back(create_model(model, pm));
  }
  return out;
}

void Mix::fit(const RatingMatrix& train, const FitOptions& opts) {
  FitOptions fo = opts;  // the parts' own learning curves would read as the mix's
  fo.on_epoch = nullptr;
  fo.measure_epoch = nullptr;
  for (auto& part : parts_) part->fit(train, fo);
}

void Mix::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = n_items();
  std::fill(out.begin(), out.end(), 0.0f);
  std::vector<float> buf(users.size() * n);
  for (std::size_t m = 0; m < parts_.size(); ++m) {
    if (weights_[m] == 0) continue;
    parts_[m]->score(users, buf);
    for (std::size_t r = 0; r < users.size(); ++r) {
      std::span<float> row(buf.data() + r * n, n);
      standardise_scores(row);
      for (std::size_t i = 0; i < n; ++i) out[r * n + i] += float(weights_[m]) * row[i];
    }
  }
}

bool Mix::predicts_ratings() const {
  return std::all_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->predicts_ratings(); });
}

float Mix::predict(UserIndex u, ItemIndex i) const {
  if (!predicts_ratings()) throw NotSupported("model 'mix' predicts ratings only when every part does");
  double sum = 0, wsum = 0;
  for (std::size_t m = 0; m < parts_.size(); ++m) {
    sum += weights_[m] * parts_[m]->predict(u, i);
    wsum += weights_[m];
  }
  return float(sum / wsum);
}

std::vector<ScoredItem> Mix::similar_items(ItemIndex i, std::size_t k) const {
  std::unordered_map<ItemIndex, float> blended;
  std::vector<std::vector<ScoredItem>> lists(parts_.size());
  std::vector<float> lowest(parts_.size(), 0.0f);
  for (std::size_t m = 0; m < parts_.size(); ++m) {
    if (weights_[m] == 0) continue;
    lists[m] = parts_[m]->similar_items(i, std::max(pool_, k));
    std::vector<float> z(lists[m].size());
    for (std::size_t t = 0; t < z.size(); ++t) z[t] = lists[m][t].score;
    standardise_scores(z);
    for (std::size_t t = 0; t < z.size(); ++t) lists[m][t].score = z[t];
    if (!z.empty()) lowest[m] = *std::min_element(z.begin(), z.end());
    for (const auto& s : lists[m]) blended.emplace(s.item, 0.0f);
  }
  for (std::size_t m = 0; m < parts_.size(); ++m) {
    if (lists[m].empty()) continue;  // nothing to say about this movie
    std::unordered_map<ItemIndex, float> z;
    for (const auto& s : lists[m]) z.emplace(s.item, s.score);
    for (auto& [item, score] : blended) {
      auto it = z.find(item);
      score += float(weights_[m]) * (it == z.end() ? lowest[m] : it->second);
    }
  }
  std::vector<ScoredItem> out;
  out.reserve(blended.size());
  for (const auto& [item, score] : blended)
    if (item != i) out.push_back({item, score});
  std::sort(out.begin(), out.end(), [](const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  });
  if (out.size() > k) out.resize(k);
  return out;
}

void Mix::score_new_user(std::span<const ItemIndex> items, std::span<const float> values, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  std::vector<float> buf(out.size());
  for (std::size_t m = 0; m < parts_.size(); ++m) {
    if (weights_[m] == 0) continue;
    parts_[m]->score_new_user(items, values, buf);
    standardise_scores(buf);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += float(weights_[m]) * buf[i];
  }
}

void Mix::save_payload(detail::BinaryWriter& out) const {
  out.put<std::uint64_t>(n_users());
  out.put<std::uint64_t>(n_items());
  out.put<std::uint64_t>(parts_.size());
  for (const auto& part : parts_) put_nested_payload(out, *part);
}

void Mix::load_payload(detail::BinaryReader& in) {
  const std::size_t nu = in.get_n_users("n_users"), ni = in.get_n_items("n_items");
  if (in.get<std::uint64_t>() != names_.size()) in.fail("mix: the number of parts does not match parameter 'models'");
  parts_ = make_parts();
  for (auto& part : parts_) load_nested_payload(in, *part, nu, ni, "mix part '" + std::string(part->name()) + "'");
}

bool Mix::needs_timestamps() const {
  return std::any_of(parts_.begin(), parts_.end(), [](const auto& p) { return p->needs_timestamps(); });
}

}  // namespace movierec
