// Movie posters from TMDB (The Movie Database): tmdbId (or imdbId) -> poster
// path -> image, many at once, resumable, every file checked to decode.
//
// Requests, per movie:
//   GET {api}/3/movie/{tmdbId}                              -> poster_path
//   GET {api}/3/find/tt{imdbId:07}?external_source=imdb_id   -> movie_results[0].poster_path
//       (when the tmdbId is unknown or TMDB answers 404 for it)
//   GET {image}/{size}{poster_path}                          -> <out>/<movieId>.jpg
// Credentials: a v3 API key (query parameter api_key) or a v4 read token
// (Authorization: Bearer). They are sent to the API host only, never to the
// image host, and never appear in messages (masked as ***).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "movierec/dataset.h"
#include "net/http.h"

namespace movierec::tmdb {

struct PosterTarget {
  std::int64_t movie_id = 0;  // MovieLens movieId: the file is <movie_id>.jpg
  std::string title;          // for messages
  std::int64_t tmdb_id = -1;  // -1 when unknown
  std::int64_t imdb_id = -1;  // -1 when unknown
};

struct TmdbOptions {
  std::string api_url;        // empty: $TMDB_API_URL, else https://api.themoviedb.org
  std::string image_url;      // empty: $TMDB_IMAGE_URL, else https://image.tmdb.org/t/p
  std::string api_key;        // empty: $TMDB_API_KEY (v3 key)
  std::string token;          // empty: $TMDB_TOKEN (v4 bearer token); used instead of the key when both are set
  std::string size = "w185";  // TMDB image size: w92, w154, w185, w342, w500, w780, original
  // Transfers in flight at once. TMDB allows about 50 requests/s per IP; 8
  // keeps well under it while hiding latency.
  int jobs = 8;
  bool progress = true;   // bar on stderr with count, rate and ETA
  net::HttpOptions http;  // timeouts, retries, backoff
};

struct PosterIssue {
  std::int64_t movie_id = 0;
  std::string title;
  std::string reason;
};

struct PosterSummary {
  std::size_t total = 0;             // movies asked for
  std::size_t fetched = 0;           // written now
  std::size_t skipped = 0;           // already on disk and decodable
  std::vector<PosterIssue> missing;  // TMDB has no poster, or does not know the movie
  std::vector<PosterIssue> failed;   // errors (after retries), with the reason
  double seconds = 0;
};

// Fetches the poster of every target into out_dir/<movieId>.jpg. A poster
// already there that decodes is skipped (so a second run resumes). Each image
// is checked (complete, decodes with OpenCV) before it is renamed into place;
// a bad one is counted as failed and nothing is written. Throws ConfigError
// when no credentials are given or TMDB refuses them (HTTP 401), IoError when
// out_dir cannot be written or on cancel (net::request_cancel).
PosterSummary fetch_posters(const std::vector<PosterTarget>& targets, const std::filesystem::path& out_dir,
                            const TmdbOptions& o = {});

// Targets for a dataset: every movie, or those named in `only` (a movieId, or
// a title as find_movies understands it). ConfigError for a name that matches
// no movie.
std::vector<PosterTarget> poster_targets(const Dataset& ds, const std::vector<std::string>& only = {});

// "" when bytes are a complete image that OpenCV decodes, else why not
// ("empty", "JPEG without its end marker (truncated)", "does not decode").
std::string image_problem(std::string_view bytes);

// What a TMDB metadata response says about the poster. path: a checked
// poster_path ("/abc.jpg"), empty when TMDB has none; problem: why the answer
// is unusable (bad JSON, a poster_path that is not one file name), escaped for
// printing; not_found: a /find answer without movie_results.
struct PosterPath {
  std::string path, problem;
  bool not_found = false;
};
// body: the answer to /3/movie/{id} (find_response false) or /3/find/tt...
PosterPath poster_path_from(std::string_view body, bool find_response);
// True for one image file name under the size folder ("/abc_12-x.jpg"), false
// for "/..", "/a/b", queries and anything else that would change the URL.
bool valid_poster_path(const std::string& p);

}  // namespace movierec::tmdb
