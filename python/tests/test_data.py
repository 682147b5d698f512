"""Datasets from folders, pandas, numpy and scipy.sparse; ids; errors."""

import shutil

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import movierec
from conftest import FIXTURES


@pytest.mark.parametrize("folder,fmt", [("cli-tiny", "movielens-csv"), ("csv-tiny", "movielens-csv"),
                                        ("ml100k-tiny", "ml-100k"), ("ml1m-tiny", "ml-dat"),
                                        ("ml10m-tiny", "ml-dat")])
def test_every_folder_format(folder, fmt):
    ds = movierec.load(FIXTURES / folder)
    assert ds.format == fmt
    r = ds.ratings()
    assert len(r) == ds.n_ratings > 0
    # Ids, not indices: every rated movie id is a movie of the catalogue.
    assert set(r["movieId"]) <= set(ds.item_ids.tolist())


def test_folder_contents_against_the_file(tiny):
    raw = pd.read_csv(FIXTURES / "cli-tiny" / "ratings.csv")
    got = tiny.ratings().sort_values(["userId", "movieId"]).reset_index(drop=True)
    raw = raw.sort_values(["userId", "movieId"]).reset_index(drop=True)
    assert got["userId"].tolist() == raw["userId"].tolist()
    assert got["movieId"].tolist() == raw["movieId"].tolist()
    np.testing.assert_array_equal(got["rating"].to_numpy(), raw["rating"].to_numpy(np.float32))
    assert tiny.title(6) == "Heat (1995)"
    assert tiny.find("heat") == 6
    m = tiny.movies()
    assert m.set_index("movieId").loc[6, "genres"] == "Action|Crime|Thriller"
    assert m.set_index("movieId").loc[6, "year"] == 1995


def test_from_pandas_equals_the_folder(tiny):
    ratings = pd.read_csv(FIXTURES / "cli-tiny" / "ratings.csv")
    movies = pd.read_csv(FIXTURES / "cli-tiny" / "movies.csv")
    ds = movierec.Dataset.from_pandas(ratings, timestamp="timestamp", movies=movies, rating_scale=(0.5, 5))
    assert (ds.n_users, ds.n_items, ds.n_ratings) == (tiny.n_users, tiny.n_items, tiny.n_ratings)
    # The same ratings and ids give the same fit: svd with one thread and a seed is bit-for-bit reproducible.
    a = movierec.model("svd", factors=4, epochs=5, seed=3, threads=1).fit(ds)
    b = movierec.model("svd", factors=4, epochs=5, seed=3, threads=1).fit(tiny)
    users, items = ratings["userId"].to_numpy(), ratings["movieId"].to_numpy()
    np.testing.assert_array_equal(a.predict(users, items), b.predict(users, items))
    assert ds.find("toy story") == 1


def test_from_numpy_keeps_ids():
    ds = movierec.Dataset.from_arrays(np.array([10, 10, 20]), np.array([500, 700, 500]), np.array([4.0, 2.0, 5.0]))
    assert ds.user_ids.tolist() == [10, 20]
    assert ds.item_ids.tolist() == [500, 700]
    assert ds.rating_scale[:2] == (2.0, 5.0)
    csr = ds.to_csr()
    assert csr.shape == (2, 2) and csr[0, 1] == 2.0 and csr[1, 0] == 5.0


def test_from_csr_ids_are_row_and_column_numbers():
    m = sp.csr_matrix(np.array([[0, 3, 0, 0], [1, 0, 0, 2], [0, 0, 0, 0]], dtype=np.float32))
    ds = movierec.Dataset.from_csr(m)
    assert ds.user_ids.tolist() == [0, 1, 2]      # the empty row is a user too
    assert ds.item_ids.tolist() == [0, 1, 2, 3]   # and the empty column a movie
    assert (ds.to_csr() != m).nnz == 0
    pop = movierec.model("popularity").fit(m)  # implicit's model.fit(user_items)
    ids, _ = pop.recommend(2, k=4)
    assert set(ids[:3].tolist()) == {0, 1, 3}


def test_missing_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        movierec.load(tmp_path / "nothing-here")
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n1,A (1999),Drama\n")
    with pytest.raises(FileNotFoundError, match="ratings.csv"):
        movierec.load(tmp_path)


def test_bad_rating_names_file_line_and_field(tmp_path):
    shutil.copytree(FIXTURES / "cli-tiny", tmp_path / "d")
    lines = (tmp_path / "d" / "ratings.csv").read_text().splitlines()
    lines[3] = "1,6,five,1000106"  # line 4 of the file
    (tmp_path / "d" / "ratings.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(movierec.DataError) as e:
        movierec.load(tmp_path / "d")
    assert isinstance(e.value, ValueError)
    assert (e.value.file.endswith("ratings.csv"), e.value.line, e.value.field) == (True, 4, "rating")
    assert "five" in str(e.value)
    ds = movierec.load(tmp_path / "d", lenient=True)  # skips the row
    assert ds.n_ratings == 39


def test_bad_in_memory_data_names_row_and_field():
    df = pd.DataFrame({"userId": [1, 1, 2], "movieId": [5, 6, 5], "rating": [4.0, np.nan, 3.0]})
    with pytest.raises(movierec.DataError) as e:
        movierec.Dataset.from_pandas(df)
    assert (e.value.file, e.value.line, e.value.field) == ("<DataFrame>", 2, "rating")
    dup = pd.DataFrame({"userId": [1, 2, 1], "movieId": [5, 5, 5], "rating": [4.0, 3.0, 2.0]})
    with pytest.raises(movierec.DataError, match="duplicate rating of user 1 for movie 5"):
        movierec.Dataset.from_pandas(dup)
    with pytest.raises(ValueError, match="no column 'user'"):
        movierec.Dataset.from_pandas(df, user="user")
    with pytest.raises(movierec.DataError, match=r"expected a number in \[1, 5\], got 7"):
        movierec.Dataset.from_arrays([1], [2], [7.0], rating_scale=(1, 5))


def test_config_errors_are_value_errors(tiny):
    with pytest.raises(ValueError, match="unknown model.*svd"):
        movierec.model("svdd")
    with pytest.raises(ValueError, match="factorz"):
        movierec.model("svd", factorz=3)
    with pytest.raises(ValueError, match="factors"):
        movierec.model("svd", factors=-1)
    with pytest.raises(KeyError, match="user id 999"):
        movierec.model("baseline").fit(tiny).recommend(999)
    with pytest.raises(ValueError, match="not fitted"):
        movierec.model("baseline").recommend(1)
    with pytest.raises(ValueError, match="holdout"):
        movierec.split(tiny, "holdout:x")
