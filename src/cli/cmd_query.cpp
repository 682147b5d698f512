// movierec similar | recommend
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/common.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "report/gallery.h"
#include "util/strings.h"
#include "util/topk.h"
#include "vision/poster_folder.h"

namespace movierec::cli {

namespace {

struct ModelOptions {
  std::string model = "item-knn";
  std::vector<std::string> params;
  std::string model_file;
  std::size_t k = 10;
};

void add_model_options(CLI::App* cmd, ModelOptions& m) {
  cmd->add_option("--model", m.model, "model name (see `movierec evaluate --list-models`)")->capture_default_str();
  cmd->add_option("--param", m.params, "model parameter key=value (repeatable)");
  cmd->add_option("--model-file", m.model_file, "use a model saved by `movierec train` instead of fitting");
  add_top_option(cmd, "-k,--top", m.k, "number of movies to list");
}

nlohmann::json item_json(const Dataset& ds, ItemIndex i) {
  const Movie& m = ds.movies[i];
  return {{"movie_id", m.id},
          {"title", m.title},
          {"year", m.year},
          {"genres", m.genres},
          {"ratings", ds.ratings.item_count(i)}};
}

void print_list(const Dataset& ds, const std::vector<ScoredItem>& list) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t r = 0; r < list.size(); ++r) {
    const Movie& m = ds.movies[list[r].item];
    rows.push_back({std::to_string(r + 1), m.title, m.year ? std::to_string(m.year) : "", genres_text(m),
                    fmt::format("{:.4f}", list[r].score)});
  }
  print_table({"rank", "title", "year", "genres", "score"}, rows);
}

nlohmann::json list_json(const Dataset& ds, const std::vector<ScoredItem>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t r = 0; r < list.size(); ++r) {
    auto j = item_json(ds, list[r].item);
    j["rank"] = r + 1;
    j["score"] = list[r].score;
    out.push_back(j);
  }
  return out;
}

// The tutorial's figure for one query: its poster, then the similar movies' posters.
void write_similar_html(const Dataset& ds, const Recommender& model, ItemIndex query,
                        const std::vector<ScoredItem>& list, const std::string& posters, const std::string& file) {
  if (posters.empty()) throw ConfigError("--html needs --posters DIR (the poster folder)");
  PosterFolder folder(posters);
  GalleryQuery q{query, {GalleryRow{std::string(model.name()), list, ""}}};
  GalleryOptions go;
  go.title = "movierec: movies similar to " + ds.movies[query].title;
  write_gallery_html(file, ds, folder, {q}, go);
  std::cerr << "wrote " << file << "\n";
}

struct SimilarOptions {
  CommonOptions common;
  ModelOptions model;
  std::string title;
  long long movie_id = -1;
  std::string html, posters;
  std::size_t min_ratings = 0;
};

void run_similar(const SimilarOptions& o) {
  if (o.title.empty() && o.movie_id < 0) throw ConfigError("similar: give a title or --movie ID");
  Dataset ds = load_data(o.common);
  ItemIndex i =
      o.movie_id >= 0 ? resolve_movie_noting(ds, "#" + std::to_string(o.movie_id)) : resolve_movie_noting(ds, o.title);
  auto model =
      model_or_file(ds, o.model.model, params_for(o.model.model, o.model.params), o.model.model_file, !o.common.json);
  auto list = similar_with_min_ratings(*model, i, o.model.k, ds.ratings, o.min_ratings);
  if (!o.html.empty()) write_similar_html(ds, *model, i, list, o.posters, o.html);
  if (o.common.json) {
    print_json({{"model", std::string(model->name())}, {"query", item_json(ds, i)}, {"similar", list_json(ds, list)}});
    return;
  }
  std::cout << fmt::format("movies similar to {} [{}] by {}\n", ds.movies[i].title, genres_text(ds.movies[i]),
                           model->name());
  print_list(ds, list);
}

// --ratings "Title=rating,...": a comma ends an entry only after "=<number>",
// so "Usual Suspects, The (1995)=5" needs no quoting; a title in double quotes
// ("\"A=1, B (2000)\"=4") is taken literally, "" standing for one quote.
// Returns (title, rating text) pairs; ConfigError on a malformed list.
std::vector<std::pair<std::string, std::string>> parse_rating_list(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t p = 0;
  auto bad = [&](const std::string& why) {
    throw ConfigError("--ratings: " + why + " in \"" + s +
                      "\"; expected \"Title=rating,Title=rating\" (a title with "
                      "a comma followed by = and a number goes in double quotes)");
  };
  while (p < s.size()) {
    while (p < s.size() && s[p] == ' ') ++p;
    std::string title;
    std::size_t value_from;
    if (p < s.size() && s[p] == '"') {
      for (++p;; ++p) {
        if (p >= s.size()) bad("unclosed quote");
        if (s[p] == '"') {
          if (p + 1 < s.size() && s[p + 1] == '"') {
            title += '"';
            ++p;
            continue;
          }
          break;
        }
        title += s[p];
      }
      ++p;
      while (p < s.size() && s[p] == ' ') ++p;
      if (p >= s.size() || s[p] != '=') bad("expected = after the quoted title \"" + title + "\"");
      value_from = p + 1;
    } else {
      // The entry ends at the first comma whose text since the last '=' is a number.
      std::size_t end = p, eq = std::string::npos;
      for (;; ++end) {
        if (end == s.size() || s[end] == ',') {
          float v;
          if (eq != std::string::npos && parse_float(trim(s.substr(eq + 1, end - eq - 1)), v)) break;
          if (end == s.size()) bad("entry \"" + s.substr(p) + "\" has no =rating");
        } else if (s[end] == '=') {
          eq = end;
        }
      }
      title = s.substr(p, eq - p);
      value_from = eq + 1;
    }
    const std::size_t comma = std::min(s.find(',', value_from), s.size());
    out.emplace_back(std::string(trim(title)), std::string(trim(s.substr(value_from, comma - value_from))));
    if (out.back().first.empty()) bad("empty title");
    p = comma + 1;
  }
  if (out.empty()) bad("no ratings");
  return out;
}

struct RecommendOptions {
  CommonOptions common;
  ModelOptions model;
  long long user_id = -1;
  std::string ratings;
};

void run_recommend(const RecommendOptions& o) {
  if ((o.user_id < 0) == o.ratings.empty())
    throw ConfigError("recommend: give exactly one of --user ID or --ratings \"Title=rating,...\"");
  Dataset ds = load_data(o.common);
  auto model =
      model_or_file(ds, o.model.model, params_for(o.model.model, o.model.params), o.model.model_file, !o.common.json);
  std::vector<ScoredItem> list;
  nlohmann::json who;
  if (o.user_id >= 0) {
    auto u = ds.users.find(o.user_id);
    if (!u) throw ConfigError("--user " + std::to_string(o.user_id) + ": no such user in " + ds.dir.string());
    UserIndex uu = *u;
    list = model->recommend(std::span<const UserIndex>(&uu, 1), Query{o.model.k, &ds.ratings})[0];
    who = {{"user_id", o.user_id}, {"ratings", ds.ratings.user_count(uu)}};
  } else {
    // --ratings "Heat (1995)=5,Toy Story (1995)=2": fold in a new user.
    std::vector<ItemIndex> items;
    std::vector<float> values;
    nlohmann::json given = nlohmann::json::array();
    for (const auto& [title, text] : parse_rating_list(o.ratings)) {
      float v = 0;
      if (!parse_float(text, v))
        throw ConfigError("--ratings: rating of \"" + title + "\": expected a number, got \"" + text + "\"");
      // Written so that NaN fails too (every comparison with NaN is false).
      if (!(v >= ds.scale.min && v <= ds.scale.max))
        throw ConfigError(fmt::format("--ratings: rating of \"{}\" must be in [{:g}, {:g}], got {}", title,
                                      ds.scale.min, ds.scale.max, text));
      ItemIndex i = resolve_movie_noting(ds, title);
      if (std::find(items.begin(), items.end(), i) != items.end())
        throw ConfigError("--ratings: \"" + ds.movies[i].title + "\" is given twice (as \"" + title + "\")");
      items.push_back(i);
      values.push_back(v);
      given.push_back({{"movie_id", ds.movies[i].id}, {"title", ds.movies[i].title}, {"rating", v}});
    }
    std::vector<float> scores(model->n_items());
    model->score_new_user(items, values, scores);
    for (ItemIndex i : items) scores[i] = std::numeric_limits<float>::quiet_NaN();  // not the given ones
    list = top_k(std::span<const float>(scores), o.model.k);
    who = {{"new_user", given}};
  }
  if (o.common.json) {
    print_json({{"model", std::string(model->name())}, {"user", who}, {"recommendations", list_json(ds, list)}});
    return;
  }
  std::cout << fmt::format("top {} for {} by {}\n", o.model.k,
                           o.user_id >= 0 ? "user " + std::to_string(o.user_id) : std::string("the given ratings"),
                           model->name());
  print_list(ds, list);
}

}  // namespace

void add_query_commands(CLI::App& app) {
  auto so = std::make_shared<SimilarOptions>();
  so->model.k = 5;
  auto* similar = app.add_subcommand("similar", "movies most similar to a movie, by a model's item similarity");
  add_common_options(similar, so->common);
  add_model_options(similar, so->model);
  similar->add_option("title", so->title, "movie title, case-insensitive (\"Heat (1995)\", \"toy story\")");
  similar->add_option("--movie", so->movie_id, "MovieLens movieId instead of a title");
  similar->add_option("--html", so->html, "also write a self-contained HTML page with the posters");
  similar->add_option("--posters", so->posters, "poster folder for --html (<movieId>.jpg, tt<imdbId>.jpg...)");
  similar->add_option("--min-ratings", so->min_ratings, "list only movies with at least this many ratings")
      ->capture_default_str();
  similar->callback([so] { run_similar(*so); });

  auto ro = std::make_shared<RecommendOptions>();
  auto* rec = app.add_subcommand("recommend", "top-N movies for a user (unrated ones only), or for given ratings");
  add_common_options(rec, ro->common);
  add_model_options(rec, ro->model);
  rec->add_option("--user", ro->user_id, "MovieLens userId");
  rec->add_option("--ratings", ro->ratings,
                  "a new user's ratings, folded in without refitting: \"Heat (1995)=5,Toy Story (1995)=2\". "
                  "Commas inside titles need nothing (\"Usual Suspects, The (1995)=5\"); a title that itself holds "
                  "\"=<number>,\" goes in double quotes, as in '\"A=1, B\"=4' (\"\" for a quote inside). Each "
                  "movie once; ratings within the dataset's scale");
  rec->callback([ro] { run_recommend(*ro); });
}

}  // namespace movierec::cli
