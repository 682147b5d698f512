#include "models/baseline.h"

#include <algorithm>

#include "util/binary_io.h"

namespace movierec {

Biases fit_biases(const RatingMatrix& r, double reg_user, double reg_item, int epochs) {
  Biases b;
  b.mu = static_cast<float>(r.mean());
  b.user.assign(r.n_users(), 0.f);
  b.item.assign(r.n_items(), 0.f);
  for (int e = 0; e < epochs; ++e) {
    for (ItemIndex i = 0; i < r.n_items(); ++i) {
      auto us = r.item_users(i);
      auto vs = r.item_values(i);
      double s = 0;
      for (std::size_t k = 0; k < us.size(); ++k) s += vs[k] - b.mu - b.user[us[k]];
      b.item[i] = static_cast<float>(s / (reg_item + us.size()));
    }
    for (UserIndex u = 0; u < r.n_users(); ++u) {
      auto is = r.user_items(u);
      auto vs = r.user_values(u);
      double s = 0;
      for (std::size_t k = 0; k < is.size(); ++k) s += vs[k] - b.mu - b.item[is[k]];
      b.user[u] = static_cast<float>(s / (reg_user + is.size()));
    }
  }
  return b;
}

void save_biases(BinaryWriter& out, const Biases& b) {
  out.put(b.mu);
  out.put_vector(b.user);
  out.put_vector(b.item);
}

Biases load_biases(BinaryReader& in) {
  Biases b;
  b.mu = in.get<float>();
  b.user = in.get_vector<float>();
  b.item = in.get_vector<float>();
  in.check_finite({&b.mu, 1}, "global mean");
  in.check_finite(b.user, "user biases");
  in.check_finite(b.item, "movie biases");
  return b;
}

// ---- global-mean

GlobalMean::GlobalMean(Params&) {}

void GlobalMean::fit(const RatingMatrix& train, const FitOptions&) {
  mu_ = static_cast<float>(train.mean());
  n_users_ = train.n_users();
  n_items_ = train.n_items();
}

void GlobalMean::score(std::span<const UserIndex>, std::span<float> out) const {
  std::fill(out.begin(), out.end(), mu_);
}

float GlobalMean::predict(UserIndex, ItemIndex) const { return mu_; }

void GlobalMean::score_new_user(std::span<const ItemIndex>, std::span<const float>, std::span<float> out) const {
  std::fill(out.begin(), out.end(), mu_);
}

void GlobalMean::save_payload(BinaryWriter& out) const {
  out.put(mu_);
  out.put<std::uint64_t>(n_users_);
  out.put<std::uint64_t>(n_items_);
}

void GlobalMean::load_payload(BinaryReader& in) {
  mu_ = in.get<float>();
  in.check_finite({&mu_, 1}, "global mean");
  n_users_ = in.get_n_users("n_users");
  n_items_ = in.get_n_items("n_items");
}

// ---- baseline

Baseline::Baseline(Params& p)
    : reg_user_(p.get_double("reg_user", 15, "L2 weight on user biases (shrinks users with few ratings)", 0, 1e6)),
      reg_item_(p.get_double("reg_item", 10, "L2 weight on movie biases", 0, 1e6)),
      epochs_(p.get_int("epochs", 10, "alternating least-squares sweeps", 1, 1000)) {}

void Baseline::fit(const RatingMatrix& train, const FitOptions&) {
  b_ = fit_biases(train, reg_user_, reg_item_, epochs_);
}

void Baseline::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = b_.item.size();
  for (std::size_t r = 0; r < users.size(); ++r)
    for (std::size_t i = 0; i < n; ++i) out[r * n + i] = b_.predict(users[r], static_cast<ItemIndex>(i));
}

void Baseline::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                              std::span<float> out) const {
  // The new user's bias, with the same shrinkage as in fit.
  double s = 0;
  for (std::size_t k = 0; k < items.size(); ++k) s += values[k] - b_.mu - b_.item[items[k]];
  float bu = static_cast<float>(s / (reg_user_ + items.size()));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = b_.mu + bu + b_.item[i];
}

void Baseline::save_payload(BinaryWriter& out) const { save_biases(out, b_); }
void Baseline::load_payload(BinaryReader& in) { b_ = load_biases(in); }

// ---- popularity

Popularity::Popularity(Params&) {}

void Popularity::fit(const RatingMatrix& train, const FitOptions&) {
  n_users_ = train.n_users();
  score_.assign(train.n_items(), 0.f);
  for (ItemIndex i = 0; i < train.n_items(); ++i) {
    auto vs = train.item_values(i);
    double mean = 0;
    for (float v : vs) mean += v;
    if (!vs.empty()) mean /= vs.size();
    // Count first; the mean rating (< 10) only breaks ties.
    score_[i] = static_cast<float>(vs.size() + mean / 10.0);
  }
}

void Popularity::score(std::span<const UserIndex> users, std::span<float> out) const {
  for (std::size_t r = 0; r < users.size(); ++r)
    std::copy(score_.begin(), score_.end(), out.begin() + r * score_.size());
}

void Popularity::score_new_user(std::span<const ItemIndex>, std::span<const float>, std::span<float> out) const {
  std::copy(score_.begin(), score_.end(), out.begin());
}

void Popularity::save_payload(BinaryWriter& out) const {
  out.put<std::uint64_t>(n_users_);
  out.put_vector(score_);
}

void Popularity::load_payload(BinaryReader& in) {
  n_users_ = in.get_n_users("n_users");
  score_ = in.get_vector<float>();
  in.check_finite(score_, "popularity scores");
}

}  // namespace movierec
