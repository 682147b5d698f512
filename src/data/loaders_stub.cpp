// Placeholder until the MovieLens readers land (src/data/movielens.cpp).
#include "movierec/dataset.h"
#include "movierec/errors.h"

namespace movierec {
Dataset load_dataset(const std::filesystem::path& dir, const LoadOptions&, LoadReport*) {
  throw NotSupported("loader not implemented yet: " + dir.string());
}
std::vector<ItemIndex> find_movies(const Dataset&, const std::string&) { return {}; }
}  // namespace movierec
