#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include "models/ltr.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "models/parts.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "movierec/split.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/strings.h"
#include "util/topk.h"

namespace movierec {

struct Ltr::Stats {
  std::vector<float> item_pop, item_mean, user_act, user_mean;
  float mu = 0;

  explicit Stats(const RatingMatrix& r) {
    mu = static_cast<float>(r.mean());
    item_pop.resize(r.n_items());
    item_mean.resize(r.n_items());
    for (ItemIndex i = 0; i < r.n_items(); ++i) {
      double s = 0;
      for (float v : r.item_values(i)) s += v;
      item_pop[i] = std::log1p(static_cast<float>(r.item_count(i)));
      // Shrunk to the global mean by 10 pseudo-ratings: a movie rated once is not a 5-star movie.
      item_mean[i] = static_cast<float>((s + 10.0 * mu) / (r.item_count(i) + 10.0));
    }
    user_act.resize(r.n_users());
    user_mean.resize(r.n_users());
    for (UserIndex u = 0; u < r.n_users(); ++u) {
      double s = 0;
      for (float v : r.user_values(u)) s += v;
      user_act[u] = std::log1p(static_cast<float>(r.user_count(u)));
      user_mean[u] = r.user_count(u) ? static_cast<float>(s / r.user_count(u)) : mu;
    }
  }
};

namespace {

// The default base models and their linear-stage weights, chosen on
// validation carve-outs of ml-latest-small holdout:10 seed 42's train part
// (`hybrid_bench --sections ltr-valid`: carve-out seeds 42, 7, 99; mean
// NDCG@10): ease alone 0.1722, these 0.1862; the same bases with weights=auto
// 0.1832; ease,session-ease 1,1 without trees 0.1849, with trees 0.1817. On
// holdout:10:valid alone the earlier ease,ials,popularity gave 0.1737.
constexpr const char* kDefaultBases = "ease,session-ease,session-ease#context,ials,popularity";
constexpr const char* kDefaultBaseParams = "session-ease#context.context=5";
constexpr const char* kDefaultWeights = "1,1,0.5,0,0";
// base_params and weights default to the above for the default bases only.
bool default_bases(const std::vector<std::string>& names) { return join(names, ",") == kDefaultBases; }

// Per group of rows, the z-score within the group of column col of x (rows x
// cols, row-major), or of x itself with cols = 1. A constant column gives 0.
std::vector<float> group_zscores(const float* x, std::size_t cols, std::size_t col,
                                 const std::vector<unsigned>& groups) {
  std::vector<float> z;
  std::size_t row = 0;
  for (unsigned g : groups) {
    double sum = 0, sq = 0;
    for (std::size_t r = row; r < row + g; ++r) sum += x[r * cols + col];
    const double mean = g ? sum / g : 0;
    for (std::size_t r = row; r < row + g; ++r) sq += (x[r * cols + col] - mean) * (x[r * cols + col] - mean);
    const double sd = g ? std::sqrt(sq / g) : 0;
    for (std::size_t r = row; r < row + g; ++r)
      z.push_back(sd > 0 ? static_cast<float>((x[r * cols + col] - mean) / sd) : 0.f);
    row += g;
  }
  return z;
}

// The linear stage: per group, sum over base models b of w[b] times the
// z-score of b's score (column 3b), z-scored again and times scale. Boosting
// starts from it, so that zero trees rank as this blend does.
std::vector<float> blend_margins(const std::vector<float>& x, std::size_t cols, const std::vector<unsigned>& groups,
                                 const std::vector<double>& w, double scale) {
  std::vector<float> sum(x.size() / cols, 0.f);
  for (std::size_t b = 0; b < w.size(); ++b) {
    if (w[b] == 0) continue;
    const auto z = group_zscores(x.data(), cols, 3 * b, groups);
    for (std::size_t r = 0; r < sum.size(); ++r) sum[r] += static_cast<float>(w[b]) * z[r];
  }
  auto m = group_zscores(sum.data(), 1, 0, groups);
  for (float& v : m) v = static_cast<float>(v * scale);
  return m;
}

// Mean NDCG@10 of the groups ranked by score (labels 0/1; the ideal list holds
// the group's positives).
double mean_ndcg10(const std::vector<float>& score, const std::vector<float>& labels,
                   const std::vector<unsigned>& groups) {
  double total = 0;
  std::size_t row = 0;
  std::vector<std::size_t> order;
  for (unsigned g : groups) {
    order.resize(g);
    for (std::size_t k = 0; k < g; ++k) order[k] = row + k;
    const std::size_t top = std::min<std::size_t>(10, g);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
    double dcg = 0, ideal = 0;
    std::size_t pos = 0;
    for (std::size_t k = 0; k < g; ++k) pos += labels[row + k] > 0;
    for (std::size_t k = 0; k < top; ++k) {
      if (labels[order[k]] > 0) dcg += 1.0 / std::log2(k + 2.0);
      if (k < pos) ideal += 1.0 / std::log2(k + 2.0);
    }
    total += ideal > 0 ? dcg / ideal : 0;
    row += g;
  }
  return groups.empty() ? 0 : total / static_cast<double>(groups.size());
}

// Weights of the linear stage by coordinate ascent on the groups' NDCG@10: the
// first base model keeps weight 1, each other tries a grid, two sweeps.
std::vector<double> fit_blend_weights(const RankData& d, std::size_t n_bases) {
  std::vector<double> w(n_bases, 0.0);
  w[0] = 1;
  auto value = [&](const std::vector<double>& v) {
    return mean_ndcg10(blend_margins(d.x, d.cols, d.groups, v, 1.0), d.labels, d.groups);
  };
  double best = value(w);
  for (int sweep = 0; sweep < 2; ++sweep)
    for (std::size_t b = 1; b < n_bases; ++b)
      for (double c : {0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0}) {
        auto v = w;
        v[b] = c;
        if (const double s = value(v); s > best + 1e-9) {
          best = s;
          w = v;
        }
      }
  return w;
}

// The payload's layout after the years: 2 = two cross-fitted boosters, 3 = the
// same with each base's payload framed by its length (a base that checks its
// payload's end, item-knn, could not be read back before).
// 4 = the same with the linear stage's weights.
constexpr std::uint32_t kLayout = 0x4C545234;  // "LTR4"

}  // namespace

Ltr::Ltr(Params& p)
    : side_(p, "genres,year"),
      base_names_(part_names("ltr", "bases",
                             p.get_string("bases", kDefaultBases,
                                          "base models whose candidates are re-ranked (a tag after # names a model "
                                          "twice: session-ease#context)"))),
      base_params_(p.get_string("base_params", default_bases(base_names_) ? kDefaultBaseParams : "",
                                "their parameters: \"ials.factors=128;session-ease#context.context=5\"")),
      candidates_(p.get_int("candidates", 50, "candidates per base model and user", 1, 100000)),
      valid_(p.get_int("valid", 10, "ratings per user carved out of train to label the ranker's training rows", 1,
                       100000)),
      rounds_(p.get_int("rounds", 300, "boosting rounds (the most, with select_rounds)", 1, 100000)),
      select_rounds_(p.get_bool(
          "select_rounds", true,
          "early stopping: the users a booster scores choose its rounds (best NDCG@10 of their carve-outs)")),
      seed_(static_cast<std::uint64_t>(p.get_int("seed", 42, "seed of the carve-out and of xgboost", 0, 2000000000))) {
  const std::string w = p.get_string(
      "weights", default_bases(base_names_) ? kDefaultWeights : "auto",
      "the linear stage boosting starts from: one weight per base model on its z-scored score over the "
      "candidates; auto: chosen on the carve-out (NDCG@10); the default holds for the default bases, other bases "
      "get auto");
  if (w != "auto") fixed_weights_ = part_weights("ltr", "weights", w, base_names_.size());
  // 3: on holdout:10:valid with the earlier bases (ease,ials,popularity) NDCG@10 0.1645
  // (margin 0), 0.1692 (1), 0.1737 (3), 0.1738 (10).
  margin_ = p.get_double("margin", 3,
                         "boosting starts from margin x the linear stage's score (see weights), z-scored over the "
                         "user's candidates (0: from a constant)",
                         0, 1000);
  ranker_opts_.max_depth = p.get_int("depth", 6, "tree depth", 1, 20);
  ranker_opts_.eta = p.get_double("eta", 0.05, "learning rate", 1e-4, 1);
  ranker_opts_.min_child_weight = p.get_double("min_child_weight", 1, "xgboost min_child_weight", 0, 1e6);
  ranker_opts_.subsample = p.get_double("subsample", 0.8, "rows sampled per tree", 0.05, 1);
  ranker_opts_.colsample = p.get_double("colsample", 0.8, "features sampled per tree", 0.05, 1);
  ranker_opts_.early_stopping = p.get_int(
      "patience", 40, "select_rounds: stop after this many rounds without a better NDCG@10 (0: never)", 0, 100000);
  // One thread by default: xgboost's many short parallel regions spin-wait, 5x the CPU on a busy machine.
  ranker_opts_.threads = p.get_int("threads", 1, "xgboost threads (0: every core)", 0, 4096);
  for (const auto& b : make_bases())  // validates names and parameters now
    needs_timestamps_ |= b->needs_timestamps();
}

Ltr::~Ltr() = default;

std::vector<std::unique_ptr<Recommender>> Ltr::make_bases() const {
  std::vector<std::unique_ptr<Recommender>> out;
  for (const auto& b : base_names_) out.push_back(make_part("ltr", "base_params", b, base_params_, base_names_));
  return out;
}

std::size_t Ltr::n_cols() const { return 3 * base_names_.size() + 5 + feats_.blocks.size(); }

std::vector<std::string> Ltr::feature_names() const {
  std::vector<std::string> n;
  for (const auto& b : base_names_) {
    n.push_back(b + ".score");
    n.push_back(b + ".score_minus_best");
    n.push_back(b + ".rank");
  }
  n.insert(n.end(), {"movie.log_ratings", "movie.shrunk_mean", "movie.year", "user.log_ratings", "user.mean"});
  for (const auto& b : feats_.blocks) n.push_back("similarity." + b.name);
  return n;
}

void Ltr::rows_for(std::span<const UserIndex> users, const std::vector<std::unique_ptr<Recommender>>& bases,
                   const RatingMatrix& train, const Stats& st, std::vector<std::vector<ItemIndex>>& cand,
                   std::vector<float>& x, std::vector<float>* first) const {
  const std::size_t n = train.n_items(), nb = bases.size(), cols = n_cols();
  std::vector<std::vector<float>> scores(nb, std::vector<float>(users.size() * n));
  for (std::size_t b = 0; b < nb; ++b) bases[b]->score(users, scores[b]);
  cand.assign(users.size(), {});
  x.clear();
  std::vector<int> rank(nb * n);
  std::vector<float> best(nb);
  std::vector<char> seen(n, 0);
  Eigen::VectorXf profile(feats_.dim);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const UserIndex u = users[r];
    auto rated = train.user_items(u);
    auto& c = cand[r];
    for (std::size_t b = 0; b < nb; ++b) {
      std::span<const float> row(scores[b].data() + r * n, n);
      auto top =
          top_k(row, candidates_, [&](ItemIndex i) { return std::binary_search(rated.begin(), rated.end(), i); });
      best[b] = top.empty() ? 0.f : top[0].score;
      std::fill(rank.begin() + b * n, rank.begin() + (b + 1) * n, candidates_);
      for (std::size_t t = 0; t < top.size(); ++t) {
        rank[b * n + top[t].item] = static_cast<int>(t);
        if (!seen[top[t].item]) {
          seen[top[t].item] = 1;
          c.push_back(top[t].item);
        }
      }
    }
    for (ItemIndex i : c) seen[i] = 0;
    std::sort(c.begin(), c.end());
    // The user's liked profile (mean of the liked movies' feature rows).
    profile.setZero();
    if (feats_.dim > 0) {
      auto vals = train.user_values(u);
      std::size_t m = 0;
      for (std::size_t p = 0; p < rated.size(); ++p)
        if (vals[p] >= st.user_mean[u] - 1e-6f) {
          profile += Eigen::Map<const Eigen::VectorXf>(feats_.row(rated[p]), feats_.dim);
          ++m;
        }
      if (m) profile /= float(m);
    }
    for (ItemIndex i : c) {
      for (std::size_t b = 0; b < nb; ++b) {
        const float s = scores[b][r * n + i];
        x.push_back(s);
        x.push_back(s - best[b]);
        x.push_back(static_cast<float>(rank[b * n + i]));
      }
      x.push_back(st.item_pop[i]);
      x.push_back(st.item_mean[i]);
      x.push_back(years_[i] > 0 ? static_cast<float>(years_[i]) : std::numeric_limits<float>::quiet_NaN());
      x.push_back(st.user_act[u]);
      x.push_back(st.user_mean[u]);
      for (const auto& blk : feats_.blocks) {
        const float* a = feats_.row(i) + blk.offset;
        const float* p = profile.data() + blk.offset;
        double dot = 0, na = 0, np = 0;
        for (std::size_t j = 0; j < blk.dim; ++j) {
          dot += double(a[j]) * p[j];
          na += double(a[j]) * a[j];
          np += double(p[j]) * p[j];
        }
        x.push_back(na > 0 && np > 0 ? static_cast<float>(dot / std::sqrt(na * np)) : 0.f);
      }
    }
  }
  (void)cols;
  if (first) *first = std::move(scores[0]);
}

void Ltr::fit(const RatingMatrix& train, const FitOptions& opts) {
  if (!opts.dataset) throw ConfigError("model 'ltr' needs the dataset in FitOptions.dataset (years and side features)");
  const Dataset& ds = *opts.dataset;
  train_ = train;
  feats_ = side_.spec == "none" ? ItemFeatures{} : side_.build("ltr", train, opts.dataset);
  years_.assign(train.n_items(), 0);
  for (std::size_t i = 0; i < ds.movies.size() && i < years_.size(); ++i) years_[i] = ds.movies[i].year;
  FitOptions fo = opts;
  fo.on_epoch = nullptr;
  fo.validation = nullptr;

  // 1. The carve-out: base models on the rest, labels from the carved ratings.
  Split inner = holdout_split(train, valid_, seed_);
  auto inner_bases = make_bases();
  for (auto& b : inner_bases) b->fit(inner.train, fo);
  Stats inner_stats(inner.train);
  std::vector<UserIndex> users;
  for (UserIndex u = 0; u < train.n_users(); ++u)
    if (inner.test.user_count(u) > 0) users.push_back(u);
  if (users.empty())
    throw ConfigError("model 'ltr': no user has more than valid=" + std::to_string(valid_) +
                      " ratings to carve a validation part from");
  RankData all;
  all.cols = n_cols();
  std::vector<std::size_t> group_user;
  {
    constexpr std::size_t kBatch = 64;
    const std::size_t n_batches = (users.size() + kBatch - 1) / kBatch;
    std::vector<std::vector<std::vector<ItemIndex>>> cands(n_batches);
    std::vector<std::vector<float>> xs(n_batches);
    ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic)
    for (std::size_t b = 0; b < n_batches; ++b)
      errors.run([&] {
        const std::size_t lo = b * kBatch, hi = std::min(users.size(), lo + kBatch);
        rows_for(std::span<const UserIndex>(users).subspan(lo, hi - lo), inner_bases, inner.train, inner_stats,
                 cands[b], xs[b]);
      });
    errors.rethrow();
    for (std::size_t b = 0; b < n_batches; ++b) {
      std::size_t off = 0;
      for (std::size_t r = 0; r < cands[b].size(); ++r) {
        const UserIndex u = users[b * kBatch + r];
        auto held = inner.test.user_items(u);
        const auto& c = cands[b][r];
        std::size_t pos = 0;
        for (ItemIndex i : c) pos += std::binary_search(held.begin(), held.end(), i);
        // A group without a positive teaches LambdaMART nothing.
        if (pos > 0 && pos < c.size()) {
          for (ItemIndex i : c) all.labels.push_back(std::binary_search(held.begin(), held.end(), i) ? 1.f : 0.f);
          all.x.insert(all.x.end(), xs[b].begin() + off * all.cols, xs[b].begin() + (off + c.size()) * all.cols);
          all.groups.push_back(static_cast<unsigned>(c.size()));
          group_user.push_back(u);
        }
        off += c.size();
      }
    }
  }
  if (all.groups.empty())
    throw ConfigError("model 'ltr': no candidate list holds a carved-out rating; raise 'candidates'");

  // 2. Cross-fitting (see ltr.h): booster h on half h's groups; with
  // select_rounds the other half's groups, the users it will score, choose its
  // number of rounds.
  weights_ = fixed_weights_.empty() ? fit_blend_weights(all, base_names_.size()) : fixed_weights_;
  if (margin_ > 0) all.base_margin = blend_margins(all.x, all.cols, all.groups, weights_, margin_);
  std::array<RankData, 2> halves;
  {
    std::size_t row = 0;
    for (std::size_t g = 0; g < all.groups.size(); ++g) {
      RankData& d = halves[half_of(static_cast<UserIndex>(group_user[g]))];
      d.cols = all.cols;
      d.groups.push_back(all.groups[g]);
      d.labels.insert(d.labels.end(), all.labels.begin() + row, all.labels.begin() + row + all.groups[g]);
      d.x.insert(d.x.end(), all.x.begin() + row * all.cols, all.x.begin() + (row + all.groups[g]) * all.cols);
      if (margin_ > 0)
        d.base_margin.insert(d.base_margin.end(), all.base_margin.begin() + row,
                             all.base_margin.begin() + row + all.groups[g]);
      row += all.groups[g];
    }
  }
  if (halves[0].groups.empty() || halves[1].groups.empty())
    throw ConfigError("model 'ltr': the carve-out left groups for one half of the users only; lower 'valid'");
  rounds_used_.fill(rounds_);
  curves_ = {};
  for (int h = 0; h < 2; ++h) {
    RankerOptions ro = ranker_opts_;
    ro.seed = seed_ + static_cast<std::uint64_t>(h);
    ro.rounds = rounds_;
    if (select_rounds_) {
      curves_[h] = rankers_[h].train(halves[h], ro, &halves[1 - h]);
      rounds_used_[h] =
          static_cast<int>(std::max_element(curves_[h].begin(), curves_[h].end()) - curves_[h].begin()) + 1;
      rankers_[h].truncate(rounds_used_[h]);
    } else {
      rankers_[h].train(halves[h], ro);
    }
  }

  // 3. The base models on the whole training matrix.
  bases_ = make_bases();
  for (auto& b : bases_) b->fit(train, fo);
  stats_ = std::make_unique<Stats>(train);
}

void Ltr::candidate_rows(std::span<const UserIndex> users, std::vector<std::vector<ItemIndex>>& cand,
                         std::vector<float>& x) const {
  if (!stats_) throw ConfigError("model 'ltr': candidate_rows before fit");
  rows_for(users, bases_, train_, *stats_, cand, x);
}

void Ltr::score(std::span<const UserIndex> users, std::span<float> out) const {
  if (!stats_) throw ConfigError("model 'ltr': score before fit");
  for (UserIndex u : users)
    if (u >= n_users()) throw NotSupported("model 'ltr' scores only users of its training data");
  const std::size_t n = n_items();
  std::vector<std::vector<ItemIndex>> cand;
  std::vector<float> x;
  // Non-candidates in the first base model's order, below every candidate.
  std::vector<float> first;
  rows_for(users, bases_, train_, *stats_, cand, x, &first);
  const std::size_t cols = n_cols();
  std::vector<unsigned> sizes;
  for (const auto& c : cand) sizes.push_back(static_cast<unsigned>(c.size()));
  std::vector<float> margins;
  if (margin_ > 0) margins = blend_margins(x, cols, sizes, weights_, margin_);
  // The rows of each half's users, for the booster of the other half.
  std::array<std::vector<float>, 2> xh, mh;
  std::vector<std::size_t> start(users.size() + 1, 0);
  for (std::size_t r = 0; r < users.size(); ++r) start[r + 1] = start[r] + sizes[r];
  for (std::size_t r = 0; r < users.size(); ++r) {
    const int h = half_of(users[r]);
    xh[h].insert(xh[h].end(), x.begin() + start[r] * cols, x.begin() + start[r + 1] * cols);
    if (!margins.empty()) mh[h].insert(mh[h].end(), margins.begin() + start[r], margins.begin() + start[r + 1]);
  }
  std::array<std::vector<float>, 2> pred;
  for (int h = 0; h < 2; ++h)
    pred[h] = rankers_[1 - h].predict(xh[h].data(), xh[h].size() / cols, cols, mh[h].empty() ? nullptr : mh[h].data());
  std::array<std::size_t, 2> row = {0, 0};
  for (std::size_t r = 0; r < users.size(); ++r) {
    for (std::size_t i = 0; i < n; ++i) {
      const float s = first[r * n + i];
      out[r * n + i] = -1000.f + (std::isfinite(s) ? s / (1 + std::abs(s)) : -1.f);
    }
    const int h = half_of(users[r]);
    for (ItemIndex i : cand[r]) out[r * n + i] = 1000.f + pred[h][row[h]++];
  }
}

void Ltr::save_payload(detail::BinaryWriter& out) const {
  const auto t = train_.triplets();
  out.put<std::uint64_t>(train_.n_users());
  out.put<std::uint64_t>(train_.n_items());
  std::vector<UserIndex> tu;
  std::vector<ItemIndex> ti;
  std::vector<float> tv;
  for (const auto& r : t) {
    tu.push_back(r.user);
    ti.push_back(r.item);
    tv.push_back(r.value);
  }
  out.put_vector(tu);
  out.put_vector(ti);
  out.put_vector(tv);
  out.put<std::uint64_t>(feats_.dim);
  out.put_vector(feats_.values);
  out.put<std::uint64_t>(feats_.blocks.size());
  for (const auto& b : feats_.blocks) {
    out.put_string(b.name);
    out.put<std::uint64_t>(b.offset);
    out.put<std::uint64_t>(b.dim);
  }
  out.put_vector(years_);
  out.put<std::uint32_t>(kLayout);
  out.put<std::int32_t>(rounds_used_[0]);
  out.put<std::int32_t>(rounds_used_[1]);
  out.put_vector(weights_);
  for (const auto& b : bases_) put_nested_payload(out, *b);
  for (const auto& r : rankers_) out.put_vector(r.save());
}

void Ltr::load_payload(detail::BinaryReader& in) {
  // Against the dataset before the rating matrix allocates n + 1 offsets (issue 11;
  // found by tests/fuzz/model_file_fuzz: n_users 2^31 allocated 17 GB).
  const std::size_t nu = in.get_n_users("n_users"), ni = in.get_n_items("n_items");
  auto tu = in.get_vector<UserIndex>();
  auto ti = in.get_vector<ItemIndex>();
  auto tv = in.get_vector<float>();
  if (tu.size() != ti.size() || tu.size() != tv.size()) in.fail("inconsistent ltr rating arrays");
  std::vector<Rating> t(tu.size());
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (tu[k] >= nu || ti[k] >= ni) in.fail("ltr rating index out of range");
    t[k] = {tu[k], ti[k], tv[k], 0};
  }
  train_ = RatingMatrix(nu, ni, std::move(t));
  feats_ = ItemFeatures{};
  feats_.n_items = ni;
  feats_.dim = in.get<std::uint64_t>();
  feats_.values = in.get_vector<float>();
  const auto nblocks = in.get<std::uint64_t>();
  if (feats_.values.size() != (feats_.dim ? ni * feats_.dim : 0) || nblocks > 64) in.fail("inconsistent ltr features");
  for (std::uint64_t k = 0; k < nblocks; ++k) {
    FeatureBlock b;
    b.name = in.get_string();
    b.offset = in.get<std::uint64_t>();
    b.dim = in.get<std::uint64_t>();
    if (b.offset + b.dim > feats_.dim) in.fail("ltr feature block out of range");
    feats_.blocks.push_back(b);
  }
  years_ = in.get_vector<int>();
  if (years_.size() != ni) in.fail("inconsistent ltr years");
  // Files of the one-booster layout held the rounds (a small count) here.
  if (in.get<std::uint32_t>() != kLayout) in.fail("an ltr model of an older layout: train it again");
  rounds_used_[0] = in.get<std::int32_t>();
  rounds_used_[1] = in.get<std::int32_t>();
  weights_ = in.get_vector<double>();
  if (weights_.size() != base_names_.size()) in.fail("ltr blend weights: one per base model expected");
  for (double v : weights_)
    if (!std::isfinite(v)) in.fail("ltr blend weights: not a finite number");
  bases_ = make_bases();
  for (std::size_t k = 0; k < bases_.size(); ++k)
    load_nested_payload(in, *bases_[k], nu, ni, "ltr base '" + base_names_[k] + "'");
  for (auto& r : rankers_) r.load(in.get_vector<char>());
  stats_ = std::make_unique<Stats>(train_);
}

}  // namespace movierec
