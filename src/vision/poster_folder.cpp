#include "vision/poster_folder.h"

#include <algorithm>
#include <set>

#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<PosterFolder::Parsed> PosterFolder::parse_name(const std::string& filename) {
  static const char* kExts[] = {".jpg", ".jpeg", ".png", ".webp"};
  std::string lower = to_lower(filename);
  auto dot = lower.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string ext = lower.substr(dot), stem = lower.substr(0, dot);
  int rank = -1;
  for (int k = 0; k < 4; ++k)
    if (ext == kExts[k]) rank = k;
  if (rank < 0) return std::nullopt;
  long long id = 0;
  if (all_digits(stem) && parse_int64(stem, id)) return Parsed{Key::kMovieId, id, rank};
  // "tt0113277" and "tt113277" give the same imdb id.
  if (stem.rfind("tt", 0) == 0 && all_digits(stem.substr(2)) && parse_int64(stem.substr(2), id))
    return Parsed{Key::kImdb, id, rank};
  if (stem.rfind("tmdb", 0) == 0 && all_digits(stem.substr(4)) && parse_int64(stem.substr(4), id))
    return Parsed{Key::kTmdb, id, rank};
  return std::nullopt;
}

void PosterFolder::add(std::unordered_map<std::int64_t, std::pair<int, std::filesystem::path>>& map, std::int64_t id,
                       int rank, const std::filesystem::path& p) {
  auto it = map.find(id);
  // Lowest extension rank wins; ties (tt0113277 vs tt113277) by name for determinism.
  if (it == map.end() || rank < it->second.first ||
      (rank == it->second.first && p.filename() < it->second.second.filename()))
    map[id] = {rank, p};
}

PosterFolder::PosterFolder(const std::filesystem::path& dir) : dir_(dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw InputError("poster folder " + dir.string() + ": not a readable folder");
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) throw InputError("poster folder " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw InputError("poster folder " + dir.string() + ": " + ec.message());
    if (!it->is_regular_file(ec)) continue;
    auto parsed = parse_name(it->path().filename().string());
    if (!parsed) continue;
    ++files_;
    switch (parsed->key) {
      case Key::kMovieId:
        add(by_movie_, parsed->id, parsed->ext_rank, it->path());
        break;
      case Key::kImdb:
        add(by_imdb_, parsed->id, parsed->ext_rank, it->path());
        break;
      case Key::kTmdb:
        add(by_tmdb_, parsed->id, parsed->ext_rank, it->path());
        break;
    }
  }
}

std::optional<std::filesystem::path> PosterFolder::find_movie_id(std::int64_t movie_id) const {
  auto it = by_movie_.find(movie_id);
  if (it == by_movie_.end()) return std::nullopt;
  return it->second.second;
}

std::optional<std::filesystem::path> PosterFolder::find(const Movie& m) const {
  if (auto p = find_movie_id(m.id)) return p;
  if (m.imdb_id >= 0)
    if (auto it = by_imdb_.find(m.imdb_id); it != by_imdb_.end()) return it->second.second;
  if (m.tmdb_id >= 0)
    if (auto it = by_tmdb_.find(m.tmdb_id); it != by_tmdb_.end()) return it->second.second;
  return std::nullopt;
}

std::vector<PosterFile> PosterFolder::resolve(const Dataset& ds) const {
  std::vector<PosterFile> out;
  for (const Movie& m : ds.movies)
    if (auto p = find(m)) out.push_back({m.id, *p});
  std::sort(out.begin(), out.end(), [](const PosterFile& a, const PosterFile& b) { return a.movie_id < b.movie_id; });
  return out;
}

std::vector<PosterFile> PosterFolder::by_movie_id() const {
  std::vector<PosterFile> out;
  for (const auto& [id, rp] : by_movie_) out.push_back({id, rp.second});
  std::sort(out.begin(), out.end(), [](const PosterFile& a, const PosterFile& b) { return a.movie_id < b.movie_id; });
  return out;
}

std::vector<std::filesystem::path> PosterFolder::unmatched(const Dataset& ds) const {
  std::set<std::filesystem::path> used;
  for (const auto& pf : resolve(ds)) used.insert(pf.file);
  std::vector<std::filesystem::path> out;
  for (const auto* map : {&by_movie_, &by_imdb_, &by_tmdb_})
    for (const auto& [id, rp] : *map)
      if (!used.count(rp.second)) out.push_back(rp.second);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace movierec
