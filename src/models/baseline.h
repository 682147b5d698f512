// Non-personalised and bias-only models: global-mean, baseline, popularity.
#pragma once

#include <vector>

#include "movierec/recommender.h"
#include "util/params.h"

namespace movierec {

// r_ui ~ mu + b_u + b_i, regularised, fitted by alternating least squares
// (Koren 2010, section 2.1; Surprise's "als" baseline):
//   b_i = sum_u (r_ui - mu - b_u) / (reg_i + n_i),  b_u = sum_i (r_ui - mu - b_i) / (reg_u + n_u).
struct Biases {
  float mu = 0;
  std::vector<float> user, item;
  float predict(UserIndex u, ItemIndex i) const {
    return mu + (u < user.size() ? user[u] : 0.f) + (i < item.size() ? item[i] : 0.f);
  }
};
Biases fit_biases(const RatingMatrix& train, double reg_user, double reg_item, int epochs);
void save_biases(detail::BinaryWriter& out, const Biases& b);
Biases load_biases(detail::BinaryReader& in);

class GlobalMean final : public Recommender {
 public:
  explicit GlobalMean(Params& p);
  std::string_view name() const override { return "global-mean"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  bool predicts_ratings() const override { return true; }
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return n_users_; }
  std::size_t n_items() const override { return n_items_; }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

 private:
  float mu_ = 0;
  std::size_t n_users_ = 0, n_items_ = 0;
};

class Baseline final : public Recommender {
 public:
  explicit Baseline(Params& p);
  std::string_view name() const override { return "baseline"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override { return b_.predict(u, i); }
  bool predicts_ratings() const override { return true; }
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return b_.user.size(); }
  std::size_t n_items() const override { return b_.item.size(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;
  const Biases& biases() const { return b_; }

 private:
  double reg_user_, reg_item_;
  int epochs_;
  Biases b_;
};

// Ranks by number of ratings in train (ties by mean rating); the top-N
// reference every personalised model must beat.
class Popularity final : public Recommender {
 public:
  explicit Popularity(Params& p);
  std::string_view name() const override { return "popularity"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return n_users_; }
  std::size_t n_items() const override { return score_.size(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

 private:
  std::vector<float> score_;
  std::size_t n_users_ = 0;
};

}  // namespace movierec
