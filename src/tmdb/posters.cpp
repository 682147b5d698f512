#include "tmdb/posters.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "movierec/errors.h"
#include "net/datasets.h"
#include "net/parallel_fetch.h"
#include "util/atomic_file.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/strings.h"
#include "vision/image_codec.h"

namespace movierec::tmdb {

namespace {

std::string env_or(const std::string& given, const char* env, const char* fallback) {
  if (!given.empty()) return given;
  if (const char* v = std::getenv(env); v && *v) return v;
  return fallback;
}

std::string trim_copy(const std::string& s) { return std::string(trim(s)); }

enum class Stage : std::uint8_t { kMovie, kFind, kImage };

struct Job {
  const PosterTarget* target = nullptr;
  Stage stage = Stage::kMovie;
};

// tag = index * 4 + stage
std::uint64_t tag_of(std::size_t index, Stage s) { return (std::uint64_t(index) << 2) | std::uint64_t(s); }

}  // namespace

bool valid_poster_path(const std::string& p) {
  // One file name under the size folder: "/kyeqWdyUXW608qlYkRqosgbbJyK.jpg".
  // Not "/..", "/.", "/a/b" or a query: the path is appended to the image URL.
  static const std::regex kPath("/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}\\.(jpg|jpeg|png|webp)", std::regex::icase);
  return std::regex_match(p, kPath);
}

PosterPath poster_path_from(std::string_view body, bool find_response) {
  PosterPath out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    out.problem = "bad JSON from TMDB: " + printable(e.what());
    return out;
  }
  if (find_response) {
    auto it = j.is_object() ? j.find("movie_results") : j.end();
    if (!j.is_object() || it == j.end() || !it->is_array() || it->empty()) {
      out.not_found = true;
      return out;
    }
    j = (*it)[0];
  }
  if (!j.is_object()) return out;
  auto it = j.find("poster_path");
  if (it == j.end() || !it->is_string()) return out;  // null or absent: no poster
  std::string p = it->get<std::string>();
  if (p.empty()) return out;
  if (!valid_poster_path(p)) {
    out.problem = "unexpected poster_path '" + printable(p, 100) + "' from TMDB";
    return out;
  }
  out.path = std::move(p);
  return out;
}

std::string image_problem(std::string_view b) {
  if (b.empty()) return "empty image";
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
  // A cut JPEG still decodes (libjpeg pads it with grey): the end marker is checked.
  if (auto why = image_truncation(bytes); !why.empty()) return why;
  // The header first: a poster is a few megapixels; a huge one is no poster
  // and would cost its full size in memory to decode.
  const auto size = image_size(bytes);
  if (!size) return "not a decodable image";
  if (double(size->width) * size->height > 64e6)
    return "image too large (" + std::to_string(size->width) + "x" + std::to_string(size->height) + ")";
  std::string why;
  const Image img = decode_image_bytes(bytes, why);
  if (img.empty()) return "not a decodable image";
  return "";
}

std::vector<PosterTarget> poster_targets(const Dataset& ds, const std::vector<std::string>& only) {
  auto target_of = [&](std::size_t i) {
    const Movie& m = ds.movies[i];
    return PosterTarget{m.id, m.title, m.tmdb_id, m.imdb_id};
  };
  std::vector<PosterTarget> out;
  if (only.empty()) {
    out.reserve(ds.movies.size());
    for (std::size_t i = 0; i < ds.movies.size(); ++i) out.push_back(target_of(i));
    return out;
  }
  std::vector<bool> taken(ds.movies.size(), false);
  for (const auto& raw : only) {
    std::string q = trim_copy(raw);
    if (q.empty()) continue;
    std::string digits = q[0] == '#' ? q.substr(1) : q;
    long long id = 0;
    std::optional<std::size_t> index;
    if (parse_int64(digits, id)) {
      auto ix = ds.items.find(id);
      if (!ix) throw ConfigError("movies: no movie with movieId " + digits + " in " + ds.name);
      index = *ix;
    } else {
      auto found = find_movies(ds, q);
      if (found.empty())
        throw ConfigError("movies: no movie title matches '" + q + "' in " + ds.name +
                          " (give a movieId, or a title such as \"Heat (1995)\")");
      index = found[0];
    }
    if (*index < ds.movies.size() && !taken[*index]) {
      taken[*index] = true;
      out.push_back(target_of(*index));
    }
  }
  return out;
}

PosterSummary fetch_posters(const std::vector<PosterTarget>& targets, const std::filesystem::path& out_dir,
                            const TmdbOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string api = env_or(o.api_url, "TMDB_API_URL", "https://api.themoviedb.org");
  const std::string image = env_or(o.image_url, "TMDB_IMAGE_URL", "https://image.tmdb.org/t/p");
  const std::string key = env_or(o.api_key, "TMDB_API_KEY", "");
  const std::string token = env_or(o.token, "TMDB_TOKEN", "");
  if (key.empty() && token.empty())
    throw ConfigError(
        "no TMDB credentials: set TMDB_API_KEY (a v3 API key) or TMDB_TOKEN (a v4 read access token); "
        "get one at https://www.themoviedb.org/settings/api");
  static const std::regex kSize("w[0-9]{2,4}|h[0-9]{2,4}|original");
  if (!std::regex_match(o.size, kSize))
    throw ConfigError("size: expected a TMDB image size such as w92, w185, w342, w500 or original, got '" + o.size +
                      "'");
  if (o.jobs < 1 || o.jobs > 64) throw ConfigError("jobs: expected 1..64, got " + std::to_string(o.jobs));

  net::HttpOptions http = o.http;
  http.secrets.push_back(key);
  http.secrets.push_back(token);
  auto mask = [&](const std::string& s) { return net::mask_secrets(s, http.secrets); };
  // Credentials go to the API host only.
  std::vector<std::string> api_headers = {"Accept: application/json"};
  std::string key_param;
  if (!token.empty())
    api_headers.push_back("Authorization: Bearer " + token);
  else
    key_param = "api_key=" + key;
  auto api_get = [&](const std::string& path, const std::string& query) {
    std::string q = query;
    if (!key_param.empty()) q += (q.empty() ? "" : "&") + key_param;
    return net::join_url(api, path) + (q.empty() ? "" : "?" + q);
  };

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw IoError("cannot create " + out_dir.string() + ": " + ec.message());
  net::remove_stale_temporaries(out_dir);

  PosterSummary sum;
  sum.total = targets.size();
  auto file_of = [&](const PosterTarget& t) { return out_dir / (std::to_string(t.movie_id) + ".jpg"); };

  // Resume: posters already on disk that decode are kept (decoded in parallel:
  // about a millisecond each).
  std::vector<char> have(targets.size(), 0);
  {
    ExceptionKeeper keeper;
#pragma omp parallel for schedule(dynamic, 16)
    for (std::size_t i = 0; i < targets.size(); ++i) {
      keeper.run([&] {
        auto f = file_of(targets[i]);
        std::error_code e;
        if (!std::filesystem::is_regular_file(f, e)) return;
        have[i] = image_problem(read_file(f)).empty();
      });
    }
    keeper.rethrow();
  }

  net::ParallelFetcher fetcher(http, o.jobs);
  std::size_t queued = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (have[i]) {
      ++sum.skipped;
      continue;
    }
    if (t.tmdb_id >= 0)
      fetcher.add({api_get("/3/movie/" + std::to_string(t.tmdb_id), ""), api_headers, tag_of(i, Stage::kMovie)});
    else if (t.imdb_id >= 0)
      fetcher.add({api_get(fmt::format("/3/find/tt{:07d}", t.imdb_id), "external_source=imdb_id"), api_headers,
                   tag_of(i, Stage::kFind)});
    else {
      sum.missing.push_back({t.movie_id, t.title, "no tmdbId or imdbId in links.csv"});
      continue;
    }
    ++queued;
  }

  Progress bar("posters", queued, o.progress);
  auto finish_missing = [&](const PosterTarget& t, std::string why) {
    sum.missing.push_back({t.movie_id, t.title, std::move(why)});
    bar.add();
  };
  auto finish_failed = [&](const PosterTarget& t, std::string why) {
    sum.failed.push_back({t.movie_id, t.title, mask(why)});
    bar.add();
  };
  auto attempts_text = [](const net::HttpResponse& r) {
    return r.attempts > 1 ? fmt::format(" after {} attempts", r.attempts) : std::string();
  };
  auto queue_image = [&](std::size_t i, const std::string& poster_path) {
    fetcher.add({net::join_url(image, o.size + poster_path), {}, tag_of(i, Stage::kImage)});
  };

  fetcher.run([&](net::FetchResult& res) {
    const std::size_t i = res.tag >> 2;
    const Stage stage = static_cast<Stage>(res.tag & 3);
    const PosterTarget& t = targets[i];
    const net::HttpResponse& r = res.response;
    if (r.curl_code == 0 && r.status == 401)
      throw ConfigError("TMDB refused the credentials (HTTP 401) at " + mask(res.url) +
                        "; check TMDB_API_KEY / TMDB_TOKEN");
    const char* what = stage == Stage::kImage ? "image" : "metadata";
    if (!r.ok() && !(r.curl_code == 0 && r.status == 404)) {
      finish_failed(t, fmt::format("{} {}: {}{}", what, res.url, printable(r.describe()), attempts_text(r)));
      return;
    }
    {
      switch (stage) {
        case Stage::kMovie: {
          if (r.status == 404) {
            if (t.imdb_id >= 0)
              fetcher.add({api_get(fmt::format("/3/find/tt{:07d}", t.imdb_id), "external_source=imdb_id"), api_headers,
                           tag_of(i, Stage::kFind)});
            else
              finish_missing(t, fmt::format("tmdbId {} not found on TMDB", t.tmdb_id));
            return;
          }
          auto p = poster_path_from(r.body, false);
          if (!p.problem.empty()) return finish_failed(t, fmt::format("{} {}: {}", what, res.url, p.problem));
          if (p.path.empty()) return finish_missing(t, fmt::format("TMDB has no poster for tmdbId {}", t.tmdb_id));
          queue_image(i, p.path);
          return;
        }
        case Stage::kFind: {
          if (r.status == 404) return finish_missing(t, fmt::format("imdbId tt{:07d} not found on TMDB", t.imdb_id));
          auto p = poster_path_from(r.body, true);
          if (!p.problem.empty()) return finish_failed(t, fmt::format("{} {}: {}", what, res.url, p.problem));
          if (p.not_found) return finish_missing(t, fmt::format("imdbId tt{:07d} not found on TMDB", t.imdb_id));
          if (p.path.empty())
            return finish_missing(t, fmt::format("TMDB has no poster for imdbId tt{:07d}", t.imdb_id));
          queue_image(i, p.path);
          return;
        }
        case Stage::kImage: {
          if (r.status == 404) return finish_missing(t, "poster image not found on the image server: " + res.url);
          if (auto why = image_problem(r.body); !why.empty())
            return finish_failed(t,
                                 fmt::format("image {}: {} ({} bytes); nothing written", res.url, why, r.body.size()));
          write_file_atomically(file_of(t), r.body);
          ++sum.fetched;
          bar.add();
          return;
        }
      }
    }
  });
  bar.done();
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace movierec::tmdb
