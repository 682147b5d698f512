"""Fixtures of the movierec Python tests. They run against the installed package
(python/run_tests installs it into a virtual environment first)."""

import os
import pathlib

import numpy as np
import pytest

SRC = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = SRC / "tests" / "fixtures"


def shared_dir():
    d = pathlib.Path(os.environ.get("MOVIEREC_SHARED", SRC.parent / "shared"))
    return d if (d / "data").is_dir() else None


@pytest.fixture
def shared():
    d = shared_dir()
    if d is None:
        pytest.skip("../shared (MovieLens sets, posters, CNN) is absent")
    return d


@pytest.fixture
def cli():
    b = os.environ.get("MOVIEREC_BINARY", str(SRC / "build" / "movierec"))
    if not os.access(b, os.X_OK):
        pytest.skip(f"the movierec CLI is not built ({b})")
    return b


@pytest.fixture
def tiny():
    import movierec

    return movierec.load(FIXTURES / "cli-tiny")


def synthetic(n_users=60, n_items=40, per_user=15, seed=0, user_base=1000, item_step=7):
    """Ratings of a planted low-rank taste model, with ids that are not indices:
    user ids 1000.., movie ids 7, 14, 21...; timestamps in the order drawn
    (session-ease orders each user's ratings by time)."""
    import movierec

    rng = np.random.default_rng(seed)
    pu, qi = rng.normal(size=(n_users, 2)), rng.normal(size=(n_items, 2))
    users, items, ratings = [], [], []
    for u in range(n_users):
        for i in rng.choice(n_items, per_user, replace=False):
            users.append(user_base + u)
            items.append(item_step * (i + 1))
            ratings.append(float(np.clip(np.round(3 + pu[u] @ qi[i]), 1, 5)))
    titles = [f"Movie {i} ({1950 + i})" for i in range(n_items)]
    genres = [("Drama", "Comedy|Action", "Thriller|Drama")[i % 3] for i in range(n_items)]  # content models
    timestamps = 1_000_000_000 + np.arange(len(users))
    return movierec.Dataset.from_arrays(users, items, ratings, timestamps=timestamps, movies=item_step * (np.arange(n_items) + 1),
                                        titles=titles, genres=genres, rating_scale=(1, 5), name="synthetic")


@pytest.fixture
def synth():
    return synthetic()
