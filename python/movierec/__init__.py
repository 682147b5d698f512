"""movierec: fast movie recommenders (similarity CF, matrix factorisation, poster
features) with a C++ core.

Python sees the dataset's own ids (MovieLens userId and movieId) everywhere, never
internal indices. Heavy calls (load, fit, predict, recommend, evaluate, embedding)
release the GIL, so a thread pool scales.

>>> import movierec
>>> data = movierec.load("ml-latest-small")             # a folder, or a name fetched on first use
>>> svd = movierec.model("svd", factors=64, seed=1).fit(data)
>>> ids, scores = svd.recommend(1, k=10)                 # movieIds and scores for userId 1
>>> movierec.evaluate(movierec.model("svd"), movierec.split(data, "holdout:10", seed=42),
...                   metrics=["rmse", "ndcg@10"])

``movierec.models()`` lists every model and its parameters with their defaults.
"""

import os
from collections import namedtuple

import numpy as np

from . import _core
from ._errors import DataError, IoError, NotSupported

__all__ = [
    "Dataset", "Model", "Split", "DataError", "IoError", "NotSupported", "load", "model", "models",
    "load_model", "split", "evaluate", "cross_validate", "embed_posters", "read_features", "gallery",
]

ModelInfo = namedtuple("ModelInfo", "name description params")
ModelInfo.__doc__ = "A registered model: name, description, params {name: (default, doc)}."


def models():
    """Every registered model, as ModelInfo(name, description, params) with params a dict
    {parameter: (default, doc)} (the defaults as text, as on the command line)."""
    return [ModelInfo(n, d, {p: (default, doc) for p, default, doc in ps}) for n, d, ps in _core._models()]


def _param_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return ",".join(_param_text(x) for x in v)
    return str(v)


def _ids(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.int64).reshape(-1))


# ---- datasets


class Dataset:
    """Ratings with their user and movie ids, and movie metadata.

    Make one with :func:`load` (a MovieLens folder or dataset name), :meth:`from_pandas`,
    :meth:`from_arrays` or :meth:`from_csr`. Rated movies and users keep their ids;
    ``user_ids`` / ``item_ids`` give the order of rows in factor matrices and in
    :meth:`to_csr`.
    """

    __slots__ = ("_c",)

    def __init__(self, core):
        self._c = core

    # -- construction
    @classmethod
    def from_arrays(cls, users, items, ratings, timestamps=None, movies=None, titles=None, genres=None,
                    user_ids=None, rating_scale=None, name="arrays", _source="<arrays>"):
        """A dataset from parallel arrays, one entry per rating.

        Parameters
        ----------
        users, items : array-like of int
            The user id and movie id of each rating.
        ratings : array-like of float
            The ratings (stored as float32).
        timestamps : array-like of int, optional
            Seconds since the epoch (temporal splits use them).
        movies : array-like of int, optional
            Every movie id of the catalogue, rated or not, in the order to keep; every
            rated movie must be in it. Default: the rated movies in order of appearance.
        titles, genres : sequence of str, optional
            Per entry of ``movies``: the title ("Heat (1995)") and "A|B" genres.
        user_ids : array-like of int, optional
            Every user id, in the order to keep.
        rating_scale : (min, max) or (min, max, step), optional
            Predictions are clipped to it; ratings outside it are a DataError. Default: the
            range of the ratings.
        name : str
            Shown in messages and model files.
        """
        scale = [] if rating_scale is None else [float(x) for x in rating_scale]
        core = _core._from_arrays(
            _ids(users), _ids(items), np.ascontiguousarray(np.asarray(ratings, dtype=np.float32).reshape(-1)),
            None if timestamps is None else _ids(timestamps), None if user_ids is None else _ids(user_ids),
            None if movies is None else _ids(movies), [] if titles is None else [str(t) for t in titles],
            [] if genres is None else ["" if g is None else str(g) for g in genres], name, _source, scale)
        return cls(core)

    @classmethod
    def from_pandas(cls, df, user="userId", item="movieId", rating="rating", timestamp=None, movies=None,
                    rating_scale=None, name="DataFrame"):
        """A dataset from a pandas DataFrame of ratings (one row per rating).

        Parameters
        ----------
        df : pandas.DataFrame
        user, item, rating : str
            Column names of the user id, movie id and rating.
        timestamp : str, optional
            Column of seconds since the epoch.
        movies : pandas.DataFrame, optional
            The catalogue, as MovieLens' movies.csv: column ``item`` (movie id), and
            optionally ``title`` and ``genres``.
        rating_scale, name : see :meth:`from_arrays`.
        """
        for col in (user, item, rating) + ((timestamp,) if timestamp else ()):
            if col not in df.columns:
                raise ValueError(f"from_pandas: no column '{col}' (columns: {', '.join(map(str, df.columns))})")
        kw = {}
        if movies is not None:
            if item not in movies.columns:
                raise ValueError(f"from_pandas: movies has no column '{item}'")
            kw["movies"] = movies[item].to_numpy()
            if "title" in movies.columns:
                kw["titles"] = movies["title"].astype(str).tolist()
            if "genres" in movies.columns:
                kw["genres"] = movies["genres"].fillna("").astype(str).tolist()
        return cls.from_arrays(df[user].to_numpy(), df[item].to_numpy(), df[rating].to_numpy(dtype=np.float32),
                               timestamps=None if timestamp is None else df[timestamp].to_numpy(),
                               rating_scale=rating_scale, name=name, _source="<DataFrame>", **kw)

    @classmethod
    def from_csr(cls, matrix, rating_scale=None, name="csr"):
        """A dataset from a scipy.sparse user x item matrix (implicit's convention):
        user ids are row numbers, movie ids column numbers; stored entries are the ratings
        (or confidences). Every row and column is a user or movie, even when empty."""
        import scipy.sparse as sp

        m = sp.csr_matrix(matrix)
        m.sum_duplicates()
        coo = m.tocoo()
        return cls.from_arrays(coo.row, coo.col, coo.data, user_ids=np.arange(m.shape[0]),
                               movies=np.arange(m.shape[1]), rating_scale=rating_scale, name=name,
                               _source="<csr>")

    # -- contents
    name = property(lambda self: self._c.name, doc="Dataset name (folder name for folders).")
    format = property(lambda self: self._c.format, doc="'movielens-csv', 'ml-100k', 'ml-dat' or 'arrays'.")
    path = property(lambda self: self._c.dir or None, doc="The folder it was read from (None in memory).")
    n_users = property(lambda self: self._c.n_users)
    n_items = property(lambda self: self._c.n_items, doc="Movies in the catalogue (rated or not).")
    n_ratings = property(lambda self: self._c.n_ratings)
    user_ids = property(lambda self: self._c.user_ids, doc="User ids in row order (int64 array).")
    item_ids = property(lambda self: self._c.item_ids, doc="Movie ids in column order (int64 array).")
    rating_scale = property(lambda self: self._c.scale, doc="(min, max, step) of the ratings.")

    def __len__(self):
        return self._c.n_ratings

    def __repr__(self):
        return repr(self._c)

    def ratings(self):
        """The ratings as a pandas DataFrame: userId, movieId, rating, timestamp."""
        import pandas as pd

        u, i, v, t = self._c._ratings()
        return pd.DataFrame({"userId": u, "movieId": i, "rating": v, "timestamp": t})

    def movies(self):
        """The catalogue as a pandas DataFrame: movieId, title, year, genres, ratings (count)."""
        import pandas as pd

        ids, titles, years, genres, counts = self._c._movies()
        return pd.DataFrame({"movieId": ids, "title": titles, "year": years, "genres": genres, "ratings": counts})

    def to_csr(self):
        """The ratings as a scipy.sparse.csr_matrix, rows in ``user_ids`` order, columns in
        ``item_ids`` order (float32)."""
        import scipy.sparse as sp

        indptr, indices, data, n, m = self._c._csr()
        return sp.csr_matrix((data, indices, indptr), shape=(n, m))

    def title(self, movie):
        """The title of a movie id."""
        return self._c.title(int(movie))

    def find(self, title):
        """The movie id of a title, resolved as the CLI does: case-insensitive, tolerant of
        a missing year or leading article ("heat", "Matrix, The"); exact titles first, then
        the most-rated of same-named movies. ValueError when nothing or several match."""
        return self._c.find(str(title))

    def _movie(self, m):
        return self.find(m) if isinstance(m, str) else int(m)


def load(data="ml-latest-small", path=None, lenient=False):
    """Loads a dataset, as the CLI's ``--data``.

    Parameters
    ----------
    data : str or os.PathLike
        A folder (MovieLens CSV sets, ml-100k's u.data/u.item, ml-1m's .dat files; the
        format is detected), or a dataset name (ml-latest-small, ml-100k, ml-1m, ml-25m,
        ml-32m) fetched from GroupLens on first use.
    path : str, optional
        Where named datasets are kept (default ``$MOVIEREC_DATA`` or ~/.cache/movierec).
    lenient : bool
        Skip bad rows (reported on stderr) instead of raising DataError.

    Raises
    ------
    FileNotFoundError
        A missing folder or file.
    DataError
        Bad data, naming file, line and field (``e.file``, ``e.line``, ``e.field``).
    """
    return Dataset(_core._load(os.fspath(data), "" if path is None else os.fspath(path), bool(lenient)))


def _as_dataset(data):
    if isinstance(data, Dataset):
        return data
    if hasattr(data, "columns"):
        return Dataset.from_pandas(data)
    if hasattr(data, "tocsr") or type(data).__module__.startswith("scipy.sparse"):
        return Dataset.from_csr(data)
    if isinstance(data, (str, os.PathLike)):
        return load(data)
    raise TypeError(f"expected a movierec.Dataset, a pandas DataFrame, a scipy.sparse matrix or a folder, "
                    f"got {type(data).__name__}")


# ---- splits


class Split:
    """A train / test split of a dataset (both keep the dataset's ids)."""

    __slots__ = ("_c",)

    def __init__(self, core):
        self._c = core

    name = property(lambda self: self._c.name)
    dataset = property(lambda self: Dataset(self._c.dataset))
    n_train = property(lambda self: self._c.n_train)
    n_test = property(lambda self: self._c.n_test)

    def _frame(self, t):
        import pandas as pd

        u, i, v, ts = t
        return pd.DataFrame({"userId": u, "movieId": i, "rating": v, "timestamp": ts})

    def train(self):
        """Training ratings as a DataFrame (userId, movieId, rating, timestamp)."""
        return self._frame(self._c._train())

    def test(self):
        """Test ratings as a DataFrame (userId, movieId, rating, timestamp)."""
        return self._frame(self._c._test())

    def train_csr(self):
        """Training ratings as a scipy.sparse.csr_matrix in the dataset's row / column order."""
        import scipy.sparse as sp

        indptr, indices, data, n, m = self._c._train_csr()
        return sp.csr_matrix((data, indices, indptr), shape=(n, m))

    def __repr__(self):
        return repr(self._c)


def split(data, spec="holdout:10", seed=42):
    """Splits a dataset as the CLI's ``--split``.

    Parameters
    ----------
    data : Dataset
    spec : str
        ``holdout:N`` (N ratings per user held out, the tutorial's protocol), ``kfold:K``,
        ``temporal:N`` (each user's N latest), ``files:DIR/u{1..5}.base,test`` (predefined
        files), ``none`` (everything in train).
    seed : int

    Returns
    -------
    Split, or a list of Split for specs with several (kfold, files with several bases).
    """
    parts = [Split(s) for s in _core._split(_as_dataset(data)._c, spec, int(seed))]
    return parts[0] if len(parts) == 1 else parts


# ---- models


class Model:
    """A recommender: ``movierec.model(name, **params)``; see :func:`models` for the names
    and parameters.

    Ids in and out are the dataset's (MovieLens userId / movieId). A model object is not
    safe to fit from two threads at once; its query methods are.
    """

    __slots__ = ("_c",)

    def __init__(self, name, **params):
        features = params.pop("features", None)
        if features is not None and not isinstance(features, (str, os.PathLike)):
            ids, x = features
            self._c = _core.Model(name, {k: _param_text(v) for k, v in params.items()})
            self._c._set_features(_ids(ids), np.ascontiguousarray(x, dtype=np.float32))
            return
        if features is not None:
            params["features"] = os.fspath(features)
        self._c = _core.Model(name, {k: _param_text(v) for k, v in params.items()})

    @classmethod
    def _wrap(cls, core):
        m = cls.__new__(cls)
        m._c = core
        return m

    name = property(lambda self: self._c.name, doc="Registry name ('svd', 'item-knn'...).")
    params = property(lambda self: dict(self._c.params), doc="Parameters given (as text).")
    fitted = property(lambda self: self._c.fitted)
    predicts_ratings = property(lambda self: self._c.predicts_ratings)

    @property
    def dataset(self):
        """The dataset the model was fitted on (None before fit)."""
        d = self._c.dataset
        return None if d is None else Dataset(d)

    def __repr__(self):
        defaults = {}
        for info in _core._models():
            if info[0] == self.name:
                defaults = {p: d for p, d, _ in info[2]}
        shown = {**defaults, **{k: v for k, v in self._c.params.items() if not k.startswith("_")}}
        args = ", ".join(f"{k}={v}" for k, v in shown.items())
        state = f", fitted on {self._c.dataset.name!r}" if self._c.fitted else ""
        return f"movierec.model({self.name!r}{', ' if args else ''}{args}){state and ' #' + state[1:]}"

    def fit(self, data):
        """Fits on a Dataset, a Split's train part, a pandas DataFrame (userId, movieId,
        rating) or a scipy.sparse user x item matrix. Returns self. The GIL is released."""
        if isinstance(data, Split):
            self._c._fit_split(data._c)
        else:
            self._c._fit_dataset(_as_dataset(data)._c)
        return self

    def predict(self, users, items, clip=True):
        """Predicted ratings of (user id, movie id) pairs, float32, clipped to the rating
        scale unless ``clip=False``. Scalars give a float. Ranking-only models raise
        NotSupported."""
        scalar = np.isscalar(users) and np.isscalar(items)
        u, i = np.broadcast_arrays(_ids(users), _ids(items)) if not scalar else (_ids(users), _ids(items))
        out = self._c._predict(np.ascontiguousarray(u), np.ascontiguousarray(i), bool(clip))
        return float(out[0]) if scalar else out

    def recommend(self, user, k=10, exclude_rated=True):
        """Top-k movies for a user id: (movie ids int64, scores float32), best first. Movies
        the user rated in the training data are left out unless ``exclude_rated=False``."""
        return self._c._recommend(int(user), int(k), bool(exclude_rated))

    def recommend_batch(self, users=None, k=10, exclude_rated=True):
        """Top-k movies for many users (default: every user of the training data):
        (ids, scores) arrays of shape (len(users), k); short rows are padded with -1 / NaN."""
        if users is None:
            users = self._c.user_ids
        return self._c._recommend_batch(_ids(users), int(k), bool(exclude_rated))

    def similar_items(self, item, k=10):
        """The k movies most similar to a movie (id, or title resolved by Dataset.find):
        (ids, scores). Factor models use the cosine of movie vectors."""
        ds = self.dataset
        if ds is None:
            raise ValueError(f"model '{self.name}' is not fitted; call fit(data) first")
        return self._c._similar_items(ds._movie(item), int(k))

    def recommend_new_user(self, ratings, k=10, exclude_rated=True):
        """Top-k for a user who is not in the training data, from ``{movie: rating}`` (ids or
        titles), folded in without refitting (baseline, svd, svdpp, als, ials, ease,
        item-knn...). Returns (ids, scores); the given movies are left out."""
        ds = self.dataset
        if ds is None:
            raise ValueError(f"model '{self.name}' is not fitted; call fit(data) first")
        items = [ds._movie(m) for m in ratings.keys()]
        return self._c._recommend_new_user(items, [float(v) for v in ratings.values()], int(k), bool(exclude_rated))

    def save(self, path):
        """Writes a model file (.mrm: versioned, checksummed, tied to its dataset) atomically."""
        self._c._save(os.fspath(path))

    user_factors = property(lambda self: self._c.user_factors,
                            doc="Factor models: the user vectors, float32 (n_users, factors), rows in "
                                "``user_ids`` order; a read-only view of the model's memory (no copy).")
    item_factors = property(lambda self: self._c.item_factors,
                            doc="Factor models: the movie vectors, float32 (n_items, factors), rows in "
                                "``item_ids`` order; a read-only view (no copy).")
    user_bias = property(lambda self: self._c.user_bias, doc="Factor models with biases: b_u (view).")
    item_bias = property(lambda self: self._c.item_bias, doc="Factor models with biases: b_i (view).")
    global_mean = property(lambda self: self._c.global_mean, doc="Factor models: mu.")
    user_ids = property(lambda self: self._c.user_ids, doc="User ids in factor row order.")
    item_ids = property(lambda self: self._c.item_ids, doc="Movie ids in factor row order.")


def model(name, **params):
    """Creates a model by name with keyword parameters, as ``--model NAME --param k=v``;
    unknown names and parameters raise ValueError listing the valid ones."""
    return Model(name, **params)


def _model_doc():
    lines = [model.__doc__, "", "Models and parameters (defaults):", ""]
    for info in models():
        lines.append(f"  {info.name}: {info.description}")
        for p, (d, doc) in info.params.items():
            lines.append(f"      {p} = {d}  {doc}")
    return "\n".join(lines)


try:
    model.__doc__ = _model_doc()
except Exception:  # pragma: no cover - never block the import on a docstring
    pass


def load_model(path, data):
    """Reads a model file written by Model.save or ``movierec train``. ``data`` must be the
    dataset it was trained on (DataError otherwise, or for a damaged file)."""
    return Model._wrap(_core._load_model(os.fspath(path), _as_dataset(data)._c))


# ---- evaluation


def _metric_names(metrics):
    if metrics is None:
        return []
    if isinstance(metrics, str):
        metrics = [metrics]
    return [m.lower() for m in metrics]


def _pick(result, names):
    if not names:
        return dict(result)
    missing = [n for n in names if n not in result]
    if missing:
        raise ValueError(f"metrics {missing} were not measured (this model gives: {', '.join(sorted(result))}); "
                         f"rating metrics (rmse, mse, mae) need a model that predicts ratings")
    return {n: result[n] for n in names}


def evaluate(model, split, metrics=None, fit=True, relevance_threshold=0.0, threads=0):
    """Fits ``model`` on ``split``'s train part and measures it on its test part.

    Parameters
    ----------
    metrics : list of str, optional
        "rmse", "mse", "mae", "mse_unclipped", "precision@k", "recall@k", "ndcg@k", "map@k",
        "hit@k", "coverage@k", "fit_seconds", "eval_seconds" (one k per call). Default: all.
    fit : bool
        False measures the model as it is (fitted on this split's train, or loaded).
    relevance_threshold : float
        Test ratings >= this are relevant for the ranking metrics (0: all).
    threads : int
        0: the model's ``threads`` parameter, else every core.

    Returns
    -------
    dict metric -> float. The model stays fitted on the train part.
    """
    names = _metric_names(metrics)
    if isinstance(split, list):
        raise ValueError("evaluate takes one Split; use cross_validate for several")
    r = model._c._evaluate(split._c, names, bool(fit), int(threads), float(relevance_threshold))
    return _pick(r, names)


def cross_validate(model, data, split="kfold:5", measures=None, cv=None, seed=42, threads=0):
    """Evaluates a fresh copy of ``model`` on each split, as Surprise's cross_validate.

    Parameters
    ----------
    data : Dataset (or a list of Split)
    split : str
        A split spec giving several splits ("kfold:5", "files:DIR/u{1..5}.base,test").
    measures : list of str
        Metric names, case-insensitive ("RMSE", "mae", "ndcg@10"). Default: rmse and mae
        for rating models, ndcg@10 and recall@10 otherwise.
    cv : int, optional
        Surprise's ``cv=5``: the same as ``split="kfold:5"``.

    Returns
    -------
    dict: "test_<measure>" -> array per split, "fit_time", "test_time" -> arrays (seconds),
    "mean" -> {measure: mean}, "std" -> {measure: population std}.
    """
    if cv is not None:
        split = f"kfold:{int(cv)}"
    if isinstance(data, list):
        splits = data
    else:
        s = globals()["split"](data, split, seed)
        splits = s if isinstance(s, list) else [s]
    names = _metric_names(measures)
    if not names:
        names = ["rmse", "mae"] if model.predicts_ratings else ["ndcg@10", "recall@10"]
    per = model._c._cross_validate([s._c for s in splits], names, int(threads), 0.0)["per_split"]
    out = {}
    for n in names:
        out["test_" + n] = np.array([_pick(p, [n])[n] for p in per])
    out["fit_time"] = np.array([p["fit_seconds"] for p in per])
    out["test_time"] = np.array([p["eval_seconds"] for p in per])
    out["mean"] = {n: float(out["test_" + n].mean()) for n in names}
    out["std"] = {n: float(out["test_" + n].std()) for n in names}
    return out


# ---- posters


def embed_posters(folder, net, arch=None, data=None, out=None, batch=16, pca=0, limit=0, progress=False):
    """CNN features of a poster folder (``<movieId>.jpg``; with ``data`` also
    ``tt<imdbId>.jpg`` / ``tmdb<tmdbId>.jpg``), as ``movierec posters embed``.

    Parameters
    ----------
    folder : path
    net : path
        An ONNX network (or what OpenCV's readNet reads).
    arch : str, optional
        Built-in description (mobilenetv2-shared, mobilenetv2, resnet50, resnet50-v1,
        vgg16); detected from the network when omitted.
    data : Dataset, optional
        To resolve IMDb / TMDB file names to movie ids.
    out : path, optional
        Also keep a feature file (incremental: vectors already there are not recomputed).
    limit : int
        Embed at most this many posters, in movie id order (0: all).

    Returns
    -------
    (movie ids int64 (n,), features float32 (n, dim)). Undecodable images are skipped.
    """
    return _core._embed_posters(os.fspath(folder), os.fspath(net), arch or "", "" if out is None else os.fspath(out),
                                None if data is None else _as_dataset(data)._c, int(batch), int(pca), int(limit),
                                bool(progress))


def read_features(path):
    """A feature file (.mrf) as (movie ids, features float32)."""
    return _core._read_features(os.fspath(path))


def gallery(path, data, posters, models, queries, k=5, title="movierec: similar movies"):
    """Writes one self-contained HTML page (thumbnails embedded): for each query movie
    (id or title) its poster, then one row per model with its ``similar_items``.

    Parameters
    ----------
    models : dict name -> fitted Model
    posters : path of the poster folder
    """
    ds = _as_dataset(data)
    _core._gallery(os.fspath(path), ds._c, os.fspath(posters), [(n, m._c) for n, m in models.items()],
                   [ds._movie(q) for q in queries], int(k), str(title))
