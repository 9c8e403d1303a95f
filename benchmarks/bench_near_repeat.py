"""Benchmark the Knox test (near_repeat) against a brute-force numpy pair count.

Run from the project root::

    python benchmarks/bench_near_repeat.py              # 5,000, 20,000, 50,000 events
    python benchmarks/bench_near_repeat.py --repeats 5

Events: 40% uniform over a 20 km x 20 km square, 60% in 12 Gaussian clusters
(standard deviations 300-1,500 m), snapped to a 25 m lattice as police.uk snaps
crimes to map points (so many share a location); dates uniform over two years.
Bands: (0, 100, 200, 300, 400) m with "same location", (0, 7, 14, 21, 28) days;
99 permutations. Measured in the same run, each job in a fresh Python process
(libraries imported and data built before the clock starts):

* ``ours``: the whole verb, ``near_repeat(events, permutations=99)``
  (GeoDataFrame in, checks, k-d tree pairs, 99 permutations, tables out);
* ``ours_pairs``: its pair count alone, ``knox_counts(..., permutations=0)``
  (k-d tree, close pairs, observed table): like for like with the baseline;
* ``brute_pairs``: the observed table from all n(n-1)/2 pairs with numpy, in row
  blocks of at most 10 million pairs (squared distances, the close pairs kept,
  then banded): what one writes without a spatial index;
* ``brute_permutations``: the brute force redone for every permutation (as
  NearRepeat in R recomputes every time difference), measured at 5,000 events
  only; at larger sizes it is estimated as (R + 1) x ``brute_pairs`` and marked
  ``estimated``.

Before timing, each size checks that the brute-force table equals ours cell by cell.
The peak RSS of each job's process is read with ``os.wait4``. Ratios are baseline
seconds over ours (best of the repeats; brute-force jobs run once, being far
slower than timing noise). The machine's 1-minute load average at the end is
recorded: other processes slow every job. Results:
``benchmarks/results/bench_near_repeat.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _harness import mb, peak_rss_bytes, write_table

SIZES = (5_000, 20_000, 50_000)
PERMUTATIONS = 99
SIDE_M = 20_000.0
SNAP_M = 25.0
CLUSTERS = 12
BACKGROUND_SHARE = 0.4
DAYS = 730
DISTANCE_BANDS = (0, 100, 200, 300, 400)
TIME_BANDS = (0, 7, 14, 21, 28)
BRUTE_PERMUTATION_SIZE = 5_000
BLOCK_PAIRS = 10_000_000


def make_events(n: int, seed: int):
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_background = int(n * BACKGROUND_SHARE)
    background = rng.uniform(0, SIDE_M, (n_background, 2))
    centres = rng.uniform(0.1 * SIDE_M, 0.9 * SIDE_M, (CLUSTERS, 2))
    spread = rng.uniform(300, 1500, CLUSTERS)
    k = rng.integers(0, CLUSTERS, n - n_background)
    clustered = centres[k] + rng.normal(0, 1, (len(k), 2)) * spread[k][:, None]
    xy = np.round(np.vstack([background, clustered]) / SNAP_M) * SNAP_M
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, DAYS, n), unit="D"
    )
    return gpd.GeoDataFrame(
        {"date": days}, geometry=gpd.points_from_xy(*xy.T), crs=27700
    )


def arrays(events):
    import numpy as np

    from hotspots.find._knox import SAME_LOCATION_M

    t = events["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    breaks = np.insert(np.array(DISTANCE_BANDS, float), 1, SAME_LOCATION_M)
    return (
        events.geometry.x.to_numpy(),
        events.geometry.y.to_numpy(),
        t,
        breaks,
        np.array(TIME_BANDS, float),
    )


def brute_table(x, y, t, distance_breaks, time_breaks):
    """Observed table from every pair (numpy, no spatial index)."""
    import numpy as np

    n, n_s, n_t = len(x), len(distance_breaks) - 1, len(time_breaks) - 1
    top2 = distance_breaks[-1] ** 2
    table = np.zeros(n_s * n_t, dtype=np.int64)
    block = max(1, BLOCK_PAIRS // max(n, 1))
    for a in range(0, n, block):
        b = min(n, a + block)
        d2 = (x[a:b, None] - x[None, a:]) ** 2 + (y[a:b, None] - y[None, a:]) ** 2
        near = d2 < top2
        near &= np.arange(a, n)[None, :] > np.arange(a, b)[:, None]
        r, c = np.nonzero(near)
        s = np.searchsorted(distance_breaks, np.sqrt(d2[r, c]), side="right") - 1
        k = np.searchsorted(time_breaks, np.abs(t[a + r] - t[a + c]), side="right") - 1
        ok = (s >= 0) & (k >= 0) & (k < n_t)
        table += np.bincount(s[ok] * n_t + k[ok], minlength=n_s * n_t)
    return table.reshape(n_s, n_t)


def worker(job: dict, seed: int) -> None:
    """Run one job in this (fresh) process and print a JSON line."""
    import warnings

    import numpy as np

    from hotspots.find._knox import knox_counts
    from hotspots.find._near_repeat import near_repeat

    events = make_events(job["events"], seed)
    x, y, t, d_breaks, t_breaks = arrays(events)
    warm = make_events(200, seed)  # lazy imports, caches: before the clock
    near_repeat(warm, permutations=PERMUTATIONS, rng=1, progress=False)
    brute_table(*arrays(warm))
    kind, out = job["kind"], {}
    start = time.perf_counter()
    if kind == "ours":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = near_repeat(
                events, permutations=PERMUTATIONS, rng=1, progress=False
            )
        out["close_pairs"] = result.n_close_pairs
    elif kind == "ours_pairs":
        counts = knox_counts(x, y, t, d_breaks, t_breaks, 0, np.random.default_rng(1))
        out["table"] = counts.observed.tolist()
        out["close_pairs"] = counts.n_close_pairs
    elif kind == "brute_pairs":
        out["table"] = brute_table(x, y, t, d_breaks, t_breaks).tolist()
    else:  # brute_permutations
        rng = np.random.default_rng(1)
        brute_table(x, y, t, d_breaks, t_breaks)
        for _ in range(PERMUTATIONS):
            brute_table(x, y, t[rng.permutation(len(t))], d_breaks, t_breaks)
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out))


def measure(job: dict, seed: int) -> dict:
    """Run one job in a fresh subprocess; add its peak RSS."""
    command = [sys.executable, __file__, "--worker", json.dumps(job)]
    command += ["--seed", str(seed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{job} failed:\n{stderr.decode(errors='replace')}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_rss"] = peak_rss_bytes(usage.ru_maxrss)
    return result


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker), args.seed)
        return
    start = time.perf_counter()
    rows = []
    for n in SIZES:
        runs: dict[str, list[dict]] = {"ours": [], "ours_pairs": []}
        for _ in range(args.repeats):  # interleave so drift hits both
            for kind in runs:
                runs[kind].append(measure({"kind": kind, "events": n}, args.seed))
        runs["brute_pairs"] = [measure({"kind": "brute_pairs", "events": n}, args.seed)]
        if runs["brute_pairs"][0]["table"] != runs["ours_pairs"][0]["table"]:
            raise SystemExit(f"{n} events: brute-force and k-d tree tables differ")
        if n == BRUTE_PERMUTATION_SIZE:
            runs["brute_permutations"] = [
                measure({"kind": "brute_permutations", "events": n}, args.seed)
            ]
        pairs = runs["ours_pairs"][0]["close_pairs"]
        for kind, results in runs.items():
            times = [r["seconds"] for r in results]
            rows.append(
                {
                    "events": n,
                    "close_pairs": pairs,
                    "method": kind,
                    "permutations": 0 if kind.endswith("pairs") else PERMUTATIONS,
                    "best_s": min(times),
                    "median_s": statistics.median(times),
                    "repeats": len(times),
                    "estimated": False,
                    "peak_rss_mb": round(max(r["peak_rss"] for r in results) / 2**20),
                }
            )
        if n != BRUTE_PERMUTATION_SIZE:
            brute = next(
                r for r in rows if r["events"] == n and r["method"] == "brute_pairs"
            )
            rows.append(
                brute
                | {
                    "method": "brute_permutations",
                    "permutations": PERMUTATIONS,
                    "best_s": brute["best_s"] * (PERMUTATIONS + 1),
                    "median_s": brute["median_s"] * (PERMUTATIONS + 1),
                    "repeats": 0,
                    "estimated": True,
                    "peak_rss_mb": None,
                }
            )
        print(f"{n:,} events done ({pairs:,} close pairs)")
    table = pd.DataFrame(rows)
    # other work on the machine slows every job: record how busy it was
    table["load_average_1min"] = round(os.getloadavg()[0], 2)
    ours = table.set_index(["events", "method"])["best_s"]
    table["baseline_over_ours"] = [
        row.best_s / ours[(row.events, "ours_pairs")]
        if row.method == "brute_pairs"
        else row.best_s / ours[(row.events, "ours")]
        if row.method == "brute_permutations"
        else None
        for row in table.itertuples()
    ]
    shown = table.assign(
        peak_rss_mb=[mb(v * 2**20) if pd.notna(v) else "-" for v in table.peak_rss_mb]
    )
    print(shown.round(3).to_string(index=False))
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")
    write_table(table.round(4), "bench_near_repeat.csv")


if __name__ == "__main__":
    main()
