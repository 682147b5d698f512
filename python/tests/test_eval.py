"""Splits, evaluate, cross_validate; results equal to the CLI's."""

import json
import subprocess

import numpy as np
import pytest

import movierec


def test_holdout_split_sizes(synth):
    s = movierec.split(synth, "holdout:5", seed=42)
    # 15 ratings per user, 5 held out each: 60 * 5 test ratings.
    assert (s.n_train, s.n_test) == (600, 300)
    test = s.test()
    assert test.groupby("userId").size().eq(5).all()
    assert set(test["userId"]) <= set(synth.user_ids.tolist())  # ids, not indices
    # Train and test are disjoint and together the dataset.
    pairs = lambda df: set(zip(df["userId"], df["movieId"]))
    assert not pairs(s.train()) & pairs(test) and pairs(s.train()) | pairs(test) == pairs(synth.ratings())
    folds = movierec.split(synth, "kfold:3", seed=1)
    assert isinstance(folds, list) and len(folds) == 3 and sum(f.n_test for f in folds) == 900


def test_evaluate_rmse_equals_predictions_by_hand(synth):
    s = movierec.split(synth, "holdout:5", seed=7)
    m = movierec.model("svd", factors=4, epochs=15, seed=1, threads=1)
    r = movierec.evaluate(m, s, metrics=["rmse", "mae", "ndcg@5"])
    assert set(r) == {"rmse", "mae", "ndcg@5"}
    test = s.test()
    p = m.predict(test["userId"].to_numpy(), test["movieId"].to_numpy())  # fitted on train by evaluate
    err = p.astype(np.float64) - test["rating"].to_numpy()
    assert r["rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-6)
    assert r["mae"] == pytest.approx(np.mean(np.abs(err)), rel=1e-6)
    assert 0 <= r["ndcg@5"] <= 1
    with pytest.raises(ValueError, match="not measured"):
        movierec.evaluate(movierec.model("ials"), s, metrics=["rmse"])
    with pytest.raises(ValueError, match="one cut-off"):
        movierec.evaluate(m, s, metrics=["ndcg@5", "recall@10"])


def test_cross_validate_like_surprise(synth):
    out = movierec.cross_validate(movierec.model("baseline"), synth, measures=["RMSE", "mae"], cv=3)
    assert out["test_rmse"].shape == (3,) and out["fit_time"].shape == (3,)
    assert out["mean"]["rmse"] == pytest.approx(out["test_rmse"].mean())
    # Each fold by hand with evaluate gives the same numbers.
    folds = movierec.split(synth, "kfold:3", seed=42)
    by_hand = [movierec.evaluate(movierec.model("baseline"), f, metrics=["rmse"])["rmse"] for f in folds]
    np.testing.assert_allclose(out["test_rmse"], by_hand, rtol=1e-12)
    ranking = movierec.cross_validate(movierec.model("ease"), synth, "kfold:2")
    assert set(ranking["mean"]) == {"ndcg@10", "recall@10"}


def test_svd_rmse_on_ml100k_u1_equals_the_cli(shared, cli):
    data = shared / "data" / "ml-100k"
    out = subprocess.run([cli, "evaluate", "--data", str(data), "--model", "svd", "--split", "files:u1.base,test",
                          "--seed", "42", "--threads", "1", "--json", "--param", "seed=1"],
                         capture_output=True, text=True, check=True)
    cli_rmse = json.loads(out.stdout)["metrics"]["rmse"]
    ds = movierec.load(data)
    s = movierec.split(ds, "files:u1.base,test", seed=42)
    r = movierec.evaluate(movierec.model("svd", seed=1), s, metrics=["rmse"], threads=1)
    assert round(r["rmse"], 6) == round(cli_rmse, 6)
    assert 0.85 < r["rmse"] < 1.0
