#!/usr/bin/env python3
"""The "build your own recommender" tutorial in a page of Python with movierec.

Loads the October-2016 ml-latest-small set, holds out 10 ratings per user, measures
the tutorial's user-cosine model and svd by MSE, lists the movies most similar to
"Heat (1995)" by item-knn, svd and poster features, and writes them to an HTML gallery.

    python3 examples/tutorial.py [--data DIR] [--posters DIR] [--net FILE.onnx] [--out gallery.html]

Defaults are the files of ../shared beside this repository.
"""

import argparse
import pathlib
import time

import movierec

here = pathlib.Path(__file__).resolve().parent.parent
shared = here.parent / "shared"
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--data", default=shared / "data" / "ml-latest-small-2016", help="dataset folder or name")
ap.add_argument("--posters", default=shared / "data" / "posters", help="poster folder (<movieId>.jpg)")
ap.add_argument("--net", default=shared / "models" / "mobilenet_v2_1.0_224.onnx", help="ONNX CNN for poster features")
ap.add_argument("--poster-limit", type=int, default=0, help="embed only the first N posters by movie id (0: all)")
ap.add_argument("--out", default="gallery.html", help="HTML gallery to write")
args = ap.parse_args()

# 1. Data: 100,004 ratings of 671 users (ids as in ratings.csv).
data = movierec.load(args.data)
print(data)

# 2. The tutorial's protocol: 10 test ratings per user, a fixed seed.
split = movierec.split(data, "holdout:10", seed=42)
print(split)

# 3. MSE of the tutorial's user-based cosine CF (raw predictions, as the tutorial
#    reports them) and of biased matrix factorisation.
for name in ("article-user-cosine", "svd"):
    r = movierec.evaluate(movierec.model(name), split, metrics=["mse_unclipped", "mse", "rmse"])
    print(f"{name:>20}: MSE {r['mse_unclipped']:.3f} (clipped to the scale {r['mse']:.3f}), RMSE {r['rmse']:.3f}")

# 4. Movies similar to Heat (1995), by ratings (item-knn, svd) and by posters.
heat = data.find("Heat (1995)")
models = {"item-knn": movierec.model("item-knn").fit(data), "svd": movierec.model("svd").fit(data)}
t0 = time.perf_counter()
ids, features = movierec.embed_posters(args.posters, args.net, data=data, limit=args.poster_limit)
print(f"embedded {len(ids)} posters ({features.shape[1]} features each) in {time.perf_counter() - t0:.1f} s")
models["poster"] = movierec.model("poster", features=(ids, features)).fit(data)

for name, m in models.items():
    similar, scores = m.similar_items(heat, k=5)
    print(f"similar to {data.title(heat)} by {name}:")
    for movie, score in zip(similar, scores):
        print(f"    {data.title(movie):<50} {score:.3f}")

# 5. The gallery: one self-contained HTML page with the posters.
movierec.gallery(args.out, data, args.posters, models, [heat, "Toy Story (1995)"], k=5)
print(f"wrote {args.out}")
