// A folder of poster images and how a movie's poster is found in it.
// Names accepted (case-insensitive extension .jpg, .jpeg, .png, .webp):
//   <movieId>.jpg      MovieLens movieId ("6.jpg")
//   tt<imdbId>.jpg     IMDb id, zero-padded to 7 digits ("tt0113277.jpg") or not ("tt113277.jpg")
//   tmdb<tmdbId>.jpg   TMDB id ("tmdb949.jpg")
// When several files match one movie the order above decides, then the
// extension order above.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "movierec/dataset.h"

namespace movierec {

// One poster to embed: the movie it belongs to and its file.
struct PosterFile {
  std::int64_t movie_id;  // MovieLens movieId
  std::filesystem::path file;
};

class PosterFolder {
 public:
  PosterFolder() = default;
  // Scans dir once (not recursive). Throws IoError when dir is not a readable folder.
  explicit PosterFolder(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::size_t size() const { return files_; }  // image files seen

  // The poster of a movie, by movieId, then imdb id, then tmdb id.
  std::optional<std::filesystem::path> find(const Movie& m) const;
  std::optional<std::filesystem::path> find_movie_id(std::int64_t movie_id) const;

  // Every poster that maps to a movie of ds, sorted by movieId (one per movie).
  std::vector<PosterFile> resolve(const Dataset& ds) const;
  // Without a dataset only <movieId>.ext names can be keyed; sorted by movieId.
  std::vector<PosterFile> by_movie_id() const;
  // Image files that resolve() did not map to a movie of ds (for reports).
  std::vector<std::filesystem::path> unmatched(const Dataset& ds) const;

  // Parses a file name; nullopt when it is not a poster name.
  enum class Key { kMovieId, kImdb, kTmdb };
  struct Parsed {
    Key key;
    std::int64_t id;
    int ext_rank;  // 0 jpg, 1 jpeg, 2 png, 3 webp
  };
  static std::optional<Parsed> parse_name(const std::string& filename);

 private:
  void add(std::unordered_map<std::int64_t, std::pair<int, std::filesystem::path>>& map, std::int64_t id, int rank,
           const std::filesystem::path& p);
  std::filesystem::path dir_;
  std::size_t files_ = 0;
  // id -> (extension rank, file); the lowest rank wins.
  std::unordered_map<std::int64_t, std::pair<int, std::filesystem::path>> by_movie_, by_imdb_, by_tmdb_;
};

}  // namespace movierec
