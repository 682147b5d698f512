#!/usr/bin/env python3
"""Python bindings vs the CLI on the same work, measured side by side in one run.

  1. svd fit on all of ml-100k: Python's wall time around model.fit(data) against the
     CLI's fit_seconds (`movierec evaluate --split none --json`, timed inside C++).
  2. top-10 for every user of ml-100k holdout:10 (svd fitted on train): Python's
     recommend_batch(all users) against the CLI's ranking pass (eval_seconds of
     `evaluate --split holdout:10 --ranking`: the same recommend call for every test user plus
     the metrics and 9,430 predictions, a few percent of it).
  3. The GIL: two single-threaded svd fits in two Python threads against one.

usage: python3 bench/python_bench.py [--cli build/movierec] [--data ../shared/data/ml-100k]
       [--repeats 7] [--threads 2]   (run with the installed package, e.g. build/pyenv/bin/python)
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import threading
import time

import movierec

here = pathlib.Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--cli", default=str(here / "build" / "movierec"))
ap.add_argument("--data", default=str(here.parent / "shared" / "data" / "ml-100k"))
ap.add_argument("--repeats", type=int, default=7)
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()
T = args.threads


def cli_metrics(split, extra=()):
    out = subprocess.run([args.cli, "evaluate", "--data", args.data, "--model", "svd", "--split", split, "--seed", "42",
                          "--threads", str(T), "--json", *extra], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["metrics"]


def summary(xs):
    return f"best {min(xs) * 1000:7.1f} ms, median {statistics.median(xs) * 1000:7.1f} ms"


data = movierec.load(args.data)
print(f"{data}; {T} threads; load average before: {os.getloadavg()[0]:.2f}")

# 1. fit, alternating CLI and Python runs so both see the same machine.
cli_fit, py_fit = [], []
for _ in range(args.repeats):
    cli_fit.append(cli_metrics("none", ["--no-ranking"])["fit_seconds"])
    m = movierec.model("svd", threads=T)
    t0 = time.perf_counter()
    m.fit(data)
    py_fit.append(time.perf_counter() - t0)
print(f"svd fit, ml-100k      CLI    {summary(cli_fit)}")
print(f"                      Python {summary(py_fit)}")
print(f"  ratio Python / CLI: best {min(py_fit) / min(cli_fit):.3f}, median "
      f"{statistics.median(py_fit) / statistics.median(cli_fit):.3f}")

# 2. top-10 for every user.
split = movierec.split(data, "holdout:10", seed=42)
m = movierec.model("svd", threads=T).fit(split)
users = data.user_ids
cli_rec, py_rec = [], []
for _ in range(args.repeats):
    cli_rec.append(cli_metrics("holdout:10", ("--ranking",))["eval_seconds"])
    t0 = time.perf_counter()
    ids, scores = m.recommend_batch(users, k=10)
    py_rec.append(time.perf_counter() - t0)
n = len(users)
print(f"top-10 of {n} users    CLI    {summary(cli_rec)}  ({n / min(cli_rec):,.0f} users/s)")
print(f"                      Python {summary(py_rec)}  ({n / min(py_rec):,.0f} users/s)")
print(f"  throughput ratio Python / CLI: best {min(cli_rec) / min(py_rec):.3f}, median "
      f"{statistics.median(cli_rec) / statistics.median(py_rec):.3f}")

# 3. Two single-threaded fits in two Python threads against one.
one, two = [], []
for _ in range(args.repeats):
    m = movierec.model("svd", threads=1, epochs=40)
    t0 = time.perf_counter()
    m.fit(data)
    one.append(time.perf_counter() - t0)
    ms = [movierec.model("svd", threads=1, epochs=40) for _ in range(2)]
    ts = [threading.Thread(target=x.fit, args=(data,)) for x in ms]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    two.append(time.perf_counter() - t0)
print(f"svd fit (1 thread, 40 epochs): one {summary(one)}; two in Python threads {summary(two)}")
print(f"  two / one: best {min(two) / min(one):.2f}, median {statistics.median(two) / statistics.median(one):.2f} "
      f"(1.0 = perfect scaling on 2 free cores, 2.0 = serialised)")
print(f"load average after: {os.getloadavg()[0]:.2f}")
