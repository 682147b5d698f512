// Helpers for the data tests: committed fixtures and files written on the fly.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "../support/shared.h"

namespace movierec::testing {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(MOVIEREC_SOURCE_DIR) / "tests" / "fixtures" / name;
}

inline void write_text(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

// A MovieLens CSV folder with the given movies.csv and ratings.csv bodies.
inline std::filesystem::path csv_set(const std::string& name, const std::string& movies, const std::string& ratings) {
  auto dir = temp_dir(name);
  write_text(dir / "movies.csv", movies);
  write_text(dir / "ratings.csv", ratings);
  return dir;
}

inline const std::string kMovies =
    "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Jumanji (1995),Adventure\n3,\"Heat, The (1995)\",Action\n";
inline const std::string kRatingsHeader = "userId,movieId,rating,timestamp\n";

}  // namespace movierec::testing
