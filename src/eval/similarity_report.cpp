#include "eval/similarity_report.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/progress.h"

namespace movierec {
namespace {

bool is_genre(const std::string& g) { return !g.empty() && g != "(no genres listed)"; }

bool has_genre(const Movie& m) { return std::any_of(m.genres.begin(), m.genres.end(), is_genre); }

struct Accumulator {
  double agreement = 0, popularity = 0, similarity = 0;
  std::size_t lists = 0, neighbours = 0;
  std::set<ItemIndex> seen;
};

}  // namespace

double genre_agreement(const Dataset& ds, ItemIndex query, const std::vector<ItemIndex>& neighbours) {
  if (neighbours.empty()) return 0;
  const auto& qg = ds.movies[query].genres;
  std::size_t hits = 0;
  for (ItemIndex j : neighbours) {
    const auto& g = ds.movies[j].genres;
    hits += std::any_of(g.begin(), g.end(), [&](const std::string& x) {
      return is_genre(x) && std::find(qg.begin(), qg.end(), x) != qg.end();
    });
  }
  return double(hits) / neighbours.size();
}

SimilarityReport similarity_report(const Dataset& ds,
                                   const std::vector<std::pair<std::string, const Recommender*>>& models,
                                   const SimilarityReportOptions& opts) {
  if (models.empty()) throw ConfigError("similarity report: no models given");
  if (opts.k == 0) throw ConfigError("similarity report: k must be >= 1");
  const std::size_t n_items = ds.movies.size(), k = opts.k, n_models = models.size();
  for (const auto& [name, m] : models)
    if (m->n_items() != n_items)
      throw ConfigError("similarity report: model '" + name + "' knows " + std::to_string(m->n_items()) +
                        " movies, the dataset " + std::to_string(n_items));

  // Every model's list for every movie with a genre; a query needs k neighbours from each.
  std::vector<ItemIndex> candidates;
  for (ItemIndex i = 0; i < n_items; ++i)
    if (has_genre(ds.movies[i])) candidates.push_back(i);
  std::vector<std::vector<std::vector<ScoredItem>>> lists(n_models, std::vector<std::vector<ScoredItem>>(n_items));
  Progress progress("similar movies", candidates.size() * n_models, opts.progress);
  for (std::size_t m = 0; m < n_models; ++m) {
    ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic, 16)
    for (std::size_t c = 0; c < candidates.size(); ++c)
      errors.run([&] {
        lists[m][candidates[c]] = models[m].second->similar_items(candidates[c], k);
        progress.add();
      });
    errors.rethrow();
  }
  progress.done();
  std::vector<ItemIndex> pool;
  for (ItemIndex i : candidates) {
    bool ok = true;
    for (std::size_t m = 0; m < n_models && ok; ++m) ok = lists[m][i].size() >= k;
    if (ok) pool.push_back(i);
  }
  if (pool.size() < 2)
    throw ConfigError("similarity report: fewer than 2 movies with a genre have " + std::to_string(k) +
                      " similar movies in every model");
  std::vector<ItemIndex> queries = pool;
  std::mt19937_64 rng(opts.seed);
  if (opts.sample > 0 && opts.sample < queries.size()) {
    std::shuffle(queries.begin(), queries.end(), rng);
    queries.resize(opts.sample);
    std::sort(queries.begin(), queries.end());
  }

  SimilarityReport rep;
  rep.k = k;
  rep.queries = queries.size();
  rep.pool = pool.size();
  rep.query_items = queries;
  auto pop = [&](ItemIndex i) { return double(ds.ratings.item_count(i)); };
  for (ItemIndex i : pool) rep.pool_popularity += pop(i);
  rep.pool_popularity /= pool.size();
  std::size_t rated = 0;
  for (ItemIndex i = 0; i < ds.ratings.n_items(); ++i)
    if (ds.ratings.item_count(i) > 0) {
      rep.catalogue_popularity += pop(i);
      ++rated;
    }
  if (rated) rep.catalogue_popularity /= rated;

  auto finish = [&](const std::string& name, const Accumulator& a) {
    ModelSimilarityStats s;
    s.model = name;
    s.genre_agreement = a.lists ? a.agreement / a.lists : 0;
    s.mean_popularity = a.neighbours ? a.popularity / a.neighbours : 0;
    s.mean_similarity = a.neighbours ? a.similarity / a.neighbours : 0;
    s.coverage = double(a.seen.size()) / n_items;
    return s;
  };
  auto add = [&](Accumulator& a, ItemIndex q, const std::vector<ItemIndex>& nb, const std::vector<float>& scores) {
    a.agreement += genre_agreement(ds, q, nb);
    ++a.lists;
    for (std::size_t t = 0; t < nb.size(); ++t) {
      a.popularity += pop(nb[t]);
      a.similarity += t < scores.size() ? scores[t] : 0;
      a.seen.insert(nb[t]);
    }
    a.neighbours += nb.size();
  };

  // Random baseline: k distinct movies of the pool other than the query.
  {
    Accumulator a;
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    const std::size_t kr = std::min(k, pool.size() - 1);
    for (ItemIndex q : queries) {
      std::vector<ItemIndex> nb;
      while (nb.size() < kr) {
        ItemIndex c = pool[pick(rng)];
        if (c != q && std::find(nb.begin(), nb.end(), c) == nb.end()) nb.push_back(c);
      }
      add(a, q, nb, {});
    }
    rep.random = finish("random", a);
  }

  std::vector<std::vector<std::vector<ItemIndex>>> top(n_models);
  for (std::size_t m = 0; m < n_models; ++m) {
    Accumulator a;
    for (ItemIndex q : queries) {
      std::vector<ItemIndex> nb;
      std::vector<float> sc;
      for (std::size_t t = 0; t < k; ++t) {
        nb.push_back(lists[m][q][t].item);
        sc.push_back(lists[m][q][t].score);
      }
      add(a, q, nb, sc);
      top[m].push_back(std::move(nb));
    }
    rep.models.push_back(finish(models[m].first, a));
  }
  for (std::size_t a = 0; a < n_models; ++a)
    for (std::size_t b = a + 1; b < n_models; ++b) {
      ModelOverlap o{models[a].first, models[b].first, 0, 0};
      for (std::size_t q = 0; q < queries.size(); ++q) {
        std::vector<ItemIndex> x = top[a][q], y = top[b][q], both;
        std::sort(x.begin(), x.end());
        std::sort(y.begin(), y.end());
        std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
        const double uni = double(x.size() + y.size() - both.size());
        o.jaccard += uni > 0 ? both.size() / uni : 0;
        o.shared += double(both.size()) / k;
      }
      o.jaccard /= queries.size();
      o.shared /= queries.size();
      rep.overlaps.push_back(o);
    }
  return rep;
}

}  // namespace movierec
