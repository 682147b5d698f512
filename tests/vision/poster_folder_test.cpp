#include <gtest/gtest.h>

#include <fstream>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "vision/poster_folder.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

TEST(PosterFolder, ParsesTheThreeNamingSchemes) {
  auto p = PosterFolder::parse_name("6.jpg");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, PosterFolder::Key::kMovieId);
  EXPECT_EQ(p->id, 6);
  p = PosterFolder::parse_name("tt0113277.JPEG");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, PosterFolder::Key::kImdb);
  EXPECT_EQ(p->id, 113277);
  EXPECT_EQ(p->ext_rank, 1);
  EXPECT_EQ(PosterFolder::parse_name("tt113277.png")->id, 113277);
  p = PosterFolder::parse_name("tmdb949.webp");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, PosterFolder::Key::kTmdb);
  EXPECT_EQ(p->id, 949);
  for (const char* bad :
       {"index.csv", "6.gif", "heat.jpg", "tt.jpg", "tmdb.jpg", "6a.jpg", ".jpg", "tt12x.jpg", "-5.jpg"})
    EXPECT_FALSE(PosterFolder::parse_name(bad)) << bad;
}

TEST(PosterFolder, ResolvesMoviesByIdThenImdbThenTmdb) {
  auto dir = temp_dir("posterfolder");
  // Movies of make_dataset: movieId 10(i+1), imdb 100000+i, tmdb 500+i.
  Dataset ds = make_dataset(1, {"A (1990)", "B (1991)", "C (1992)", "D (1993)", "E (1994)"}, {}, {});
  for (const char* f : {"10.jpg", "10.png",  // movie 0 by movieId; jpg beats png
                        "tt0100001.jpg",     // movie 1 by padded imdb id
                        "tt100002.webp",     // movie 2 by unpadded imdb id
                        "tmdb503.png",       // movie 3 by tmdb id
                        "tt0100000.jpg",     // movie 0 again: movieId wins
                        "999.jpg", "notes.txt"})
    std::ofstream(dir / f) << "x";
  PosterFolder pf(dir);
  EXPECT_EQ(pf.size(), 7u);  // notes.txt is not an image name
  EXPECT_EQ(pf.find(ds.movies[0])->filename(), "10.jpg");
  EXPECT_EQ(pf.find(ds.movies[1])->filename(), "tt0100001.jpg");
  EXPECT_EQ(pf.find(ds.movies[2])->filename(), "tt100002.webp");
  EXPECT_EQ(pf.find(ds.movies[3])->filename(), "tmdb503.png");
  EXPECT_FALSE(pf.find(ds.movies[4]));
  auto all = pf.resolve(ds);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].movie_id, 10);
  EXPECT_EQ(all[3].movie_id, 40);
  auto by_id = pf.by_movie_id();
  ASSERT_EQ(by_id.size(), 2u);  // 10 and 999: tt/tmdb names need a dataset
  EXPECT_EQ(by_id[1].movie_id, 999);
  auto left = pf.unmatched(ds);  // 999.jpg and tt0100000.jpg (movie 0 took 10.jpg)
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].filename(), "999.jpg");
  EXPECT_EQ(left[1].filename(), "tt0100000.jpg");
  EXPECT_THROW(PosterFolder(dir / "absent"), IoError);
  std::filesystem::remove_all(dir);
}
