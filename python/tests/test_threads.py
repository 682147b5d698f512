"""The GIL is released during fit: another Python thread keeps running."""

import threading
import time

import numpy as np

import movierec


def big(n_users=3000, n_items=1500, nnz=300_000, seed=0):
    rng = np.random.default_rng(seed)
    flat = rng.choice(n_users * n_items, nnz, replace=False)
    return movierec.Dataset.from_arrays(flat // n_items, flat % n_items,
                                        rng.integers(1, 6, nnz).astype(np.float32), name="big")


def test_python_thread_runs_during_fit():
    ds = big()
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    m = movierec.model("als", factors=32, iterations=15, threads=1)
    before, t0 = ticks[0], time.perf_counter()
    m.fit(ds)
    seconds, during = time.perf_counter() - t0, ticks[0] - before
    stop.set()
    t.join()
    # With the GIL held for the whole fit the counter could not move (at most one
    # tick at the switch); released, it ticks every millisecond or so.
    assert seconds > 0.05, f"fit too short to tell ({seconds:.3f} s)"
    assert during >= 5, f"the counter thread ran {during} times during a {seconds:.2f} s fit"


def test_fits_in_threads_give_the_same_models():
    ds = big(600, 300, 20_000)
    models = [movierec.model("svd", factors=8, epochs=5, seed=s, threads=1) for s in (1, 2)]
    threads = [threading.Thread(target=m.fit, args=(ds,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s, m in zip((1, 2), models):
        alone = movierec.model("svd", factors=8, epochs=5, seed=s, threads=1).fit(ds)
        np.testing.assert_array_equal(m.item_factors, alone.item_factors)
