"""Every registered model by name; ids in and out; factors without copies; model files."""

import numpy as np
import pytest

import movierec
from conftest import synthetic

FACTOR_MODELS = ["svd", "svd-alternating", "svdpp", "als", "ials", "bpr"]


def make(name, ds):
    if name == "poster":
        # Features in memory: one 8-d vector per movie.
        rng = np.random.default_rng(1)
        return movierec.model(name, features=(ds.item_ids, rng.normal(size=(ds.n_items, 8))))
    if name == "mix":  # its default item-knn + poster needs a feature file: two rating models instead
        return movierec.model(name, models="item-knn,svd", weights="2,1", threads=1)
    return movierec.model(name, threads=1)


@pytest.mark.parametrize("name", [m.name for m in movierec.models()])
def test_every_model_fits_and_recommends(name, synth):
    m = make(name, synth).fit(synth)
    assert m.fitted and m.dataset.name == "synthetic"
    user = 1003
    rated = set(synth.ratings().query("userId == @user")["movieId"])
    ids, scores = m.recommend(user, k=5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and len(ids) == 5
    assert set(ids.tolist()) <= set(synth.item_ids.tolist()) - rated  # movie ids, rated ones excluded
    assert np.all(np.diff(scores) <= 0)
    batch_ids, batch_scores = m.recommend_batch([user, 1010], k=5)
    assert batch_ids.shape == (2, 5)
    np.testing.assert_array_equal(batch_ids[0], ids)
    if not m.predicts_ratings:  # ranking-only models (popularity, ials, bpr, ease, ltr...)
        with pytest.raises(movierec.NotSupported):
            m.predict([user], [7])
    else:
        p = m.predict([user, user], [7, 14])
        assert p.dtype == np.float32 and p.shape == (2,) and np.all((p >= 1) & (p <= 5))


def test_factors_are_views_with_id_rows(synth):
    m = movierec.model("svd", factors=6, epochs=10, seed=2, threads=1).fit(synth)
    P, Q = m.user_factors, m.item_factors
    assert P.shape == (synth.n_users, 6) and Q.shape == (synth.n_items, 6) and P.dtype == np.float32
    assert not P.flags.writeable and not P.flags.owndata
    # Zero copy: the same memory on every access.
    assert P.__array_interface__["data"][0] == m.user_factors.__array_interface__["data"][0]
    # predict(u, i) = mu + b_u + b_i + p_u . q_i, computed here from the views and the id order.
    urow = {u: r for r, u in enumerate(m.user_ids)}
    irow = {i: r for r, i in enumerate(m.item_ids)}
    users = np.array([1000, 1005, 1059]); items = np.array([7, 70, 280])
    by_hand = np.array([m.global_mean + m.user_bias[urow[u]] + m.item_bias[irow[i]] + P[urow[u]] @ Q[irow[i]]
                        for u, i in zip(users, items)])
    np.testing.assert_allclose(m.predict(users, items, clip=False), by_hand, rtol=1e-5)
    # recommend = top-k of those scores over the movies the user did not rate.
    u = 1005
    scores = m.global_mean + m.user_bias[urow[u]] + m.item_bias + Q @ P[urow[u]]
    rated = set(synth.ratings().query("userId == @u")["movieId"])
    order = [m.item_ids[r] for r in np.argsort(-scores, kind="stable") if m.item_ids[r] not in rated][:5]
    assert m.recommend(u, k=5)[0].tolist() == order
    with pytest.raises(AttributeError, match="no user_factors"):
        movierec.model("item-knn").fit(synth).user_factors


@pytest.mark.parametrize("name", FACTOR_MODELS)
def test_factor_models_expose_factors(name, synth):
    m = movierec.model(name, factors=4).fit(synth)
    assert m.user_factors.shape == (synth.n_users, 4) and m.item_factors.shape == (synth.n_items, 4)


def test_similar_items_by_id_and_title(tiny):
    knn = movierec.model("item-knn").fit(tiny)
    ids, scores = knn.similar_items("Heat (1995)", k=3)
    assert 6 not in ids.tolist() and len(ids) <= 3
    assert knn.similar_items(6, k=3)[0].tolist() == ids.tolist()


def test_recommend_new_user_folds_in(synth):
    m = movierec.model("svd", factors=4, epochs=20, seed=1, threads=1).fit(synth)
    ids, scores = m.recommend_new_user({7: 5.0, 14: 1.0, "Movie 5 (1955)": 4.0}, k=5)
    assert len(ids) == 5 and not {7, 14, 42} & set(ids.tolist())
    with pytest.raises(ValueError, match=r"must be in \[1, 5\]"):
        m.recommend_new_user({7: 9.0})


def test_save_and_load_round_trip(tmp_path, synth, tiny):
    m = movierec.model("svd", factors=4, epochs=5, seed=1, threads=1).fit(synth)
    m.save(tmp_path / "svd.mrm")
    back = movierec.load_model(tmp_path / "svd.mrm", synth)
    assert back.name == "svd" and back.params["factors"] == "4"
    users, items = np.repeat(synth.user_ids[:5], 3), np.tile([7, 14, 21], 5)
    np.testing.assert_array_equal(back.predict(users, items), m.predict(users, items))
    np.testing.assert_array_equal(back.item_factors, m.item_factors)
    with pytest.raises(movierec.DataError, match="dataset"):
        movierec.load_model(tmp_path / "svd.mrm", tiny)
    (tmp_path / "cut.mrm").write_bytes((tmp_path / "svd.mrm").read_bytes()[:100])
    with pytest.raises(movierec.DataError):
        movierec.load_model(tmp_path / "cut.mrm", synth)
    with pytest.raises(FileNotFoundError):
        movierec.load_model(tmp_path / "none.mrm", synth)


def test_other_ids_give_the_same_model():
    # The same ratings under other ids: ids are labels, not positions.
    a = synthetic(user_base=1000, item_step=7)
    b = synthetic(user_base=5, item_step=3)
    ma = movierec.model("als", factors=3, seed=4, threads=1).fit(a)
    mb = movierec.model("als", factors=3, seed=4, threads=1).fit(b)
    np.testing.assert_array_equal(ma.predict([1000, 1001], [7, 14]), mb.predict([5, 6], [3, 6]))
    assert (ma.recommend(1002, k=4)[0] // 7).tolist() == (mb.recommend(7, k=4)[0] // 3).tolist()


def test_repr_shows_parameters(synth):
    r = repr(movierec.model("svd", factors=8).fit(synth))
    assert "movierec.model('svd'" in r and "factors=8" in r and "epochs=" in r and "synthetic" in r
    assert "synthetic" in repr(synth) and "60 users" in repr(synth)
