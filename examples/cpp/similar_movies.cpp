// Movies similar to a title by item-knn, with the installed movierec library.
// usage: similar_movies DATA_FOLDER "Heat (1995)"
#include <movierec/movierec.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_FOLDER TITLE\n", argv[0]);
    return 2;
  }
  try {
    movierec::Dataset ds = movierec::load_dataset(argv[1]);
    auto model = movierec::create_model("item-knn", {{"k", "40"}});
    movierec::FitOptions fit;
    fit.dataset = &ds;
    model->fit(ds.ratings, fit);
    // "Heat (1995)", "heat" or "#6"; an unknown or ambiguous title is a ConfigError.
    const movierec::ItemIndex heat = movierec::resolve_movie(ds, argv[2]);
    std::printf("movies similar to %s by %s:\n", ds.movies[heat].title.c_str(), std::string(model->name()).c_str());
    for (const auto& s : model->similar_items(heat, 10))
      std::printf("  %-50s %.4f\n", ds.movies[s.item].title.c_str(), s.score);
  } catch (const movierec::DataError& e) {
    std::fprintf(stderr, "bad data: %s\n", e.what());
    return 2;
  } catch (const movierec::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
