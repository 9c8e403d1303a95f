"""Benchmark kernel density (fast and exact modes) against scikit-learn.

Run from the project root::

    python benchmarks/bench_kde.py                 # 1,000,000 points, 400 x 400 cells
    python benchmarks/bench_kde.py --repeats 5
    python benchmarks/bench_kde.py --profile       # add a profile of the fast mode

Generates 1,000,000 points over a 40 km x 40 km square in metres: 40% uniform
background, 60% in twelve Gaussian clusters (standard deviations 300-2,500 m);
points falling outside the square are dropped. Cells: 400 x 400 = 160,000 cells of
100 m, evaluated at their centres. Bandwidths 150, 250 and 400 m. Measures, in the
same run:

* ``ours_fast``: ``kde_arrays(..., method="fast", cell_size=100)`` (the array core:
  density at the 160,000 centres from the point coordinates; building the centre
  arrays is not timed), quartic and Gaussian kernels, all points. The timed call is
  the first at that bandwidth in the process; the same call is then repeated and
  reported as "second call" (memory allocator and FFT caches warm, as in a
  notebook). Targets are judged on the first call;
* ``ours_kde``: ``kde(points, grid=grid, bandwidth=250, method="fast")`` on a
  prebuilt 400 x 400 grid (adds the GeoDataFrame adapter: point checks, centroids,
  copying the grid); building the points GeoDataFrame and the grid is not timed;
* ``ours_exact``: ``kde_arrays(..., method="exact")`` on a random subset of the
  points (quartic 200,000; Gaussian, truncated at 8 bandwidths, 10,000), scaled
  linearly to all points: its cost is proportional to the number of (point, cell)
  pairs within the kernel's support, which is proportional to the points;
* ``sklearn_gauss``: ``KernelDensity(kernel="gaussian", bandwidth=h).score_samples``
  at cell centres. scikit-learn has no quartic kernel, so the like-for-like baseline
  is its Gaussian against our Gaussian. With its default tolerances (exact) its cost
  is proportional to points x cells, so it is timed on a random 20,000 cells with a
  random 1,000 and 4,000 points, and the larger size is scaled by
  (all points x all cells) / (subset points x subset cells); the nanoseconds per pair
  of both sizes are printed to show the scaling holds;
* ``sklearn_epan``: ``KernelDensity(kernel="epanechnikov")`` at h = 250 m on all
  points and all cells (compact support, so it runs at full size). It is the nearest
  scikit-learn kernel to our quartic, not the same kernel: context, not a target.

Fitting scikit-learn's tree (``fit``) is timed separately and left out of its
``score_samples`` time; our times include all the work.

Each job runs in a fresh Python process (libraries imported and data generated
before the clock starts). A job measures one method and kernel over its bandwidths in
order of increasing memory (400, 250, 150 m), so the peak RSS recorded after each
bandwidth (``ru_maxrss`` so far) is that bandwidth's peak or the larger of it and
the ones before; the whole job's peak is read with ``os.wait4``. A separate pass
with :mod:`tracemalloc` records the Python-level peak of our fast mode per
bandwidth. Accuracy of the fast mode is measured once against the exact mode on
the same points: all points for the quartic kernel, a random 20,000 for the
Gaussian; errors are given as shares of the exact peak density.

Results are printed as tables and written to ``benchmarks/results/bench_kde.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import rss_now as _rss_now
from _harness import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_kde.json"
TARGET_FAST_SECONDS = 0.5
TARGET_SKLEARN_RATIO = 100.0
SIDE_M = 40_000.0
CELL_SIZE_M = 100.0
CELLS_PER_SIDE = 400
BANDWIDTHS_M = (400.0, 250.0, 150.0)  # increasing memory: smallest lattice first
KERNELS = ("quartic", "gaussian")
BACKGROUND_SHARE = 0.4
CLUSTERS = 12
CLUSTER_SD_M = (300.0, 2_500.0)
EXACT_SUBSET = {"quartic": 200_000, "gaussian": 10_000}
ACCURACY_SUBSET = {"quartic": None, "gaussian": 20_000}  # None = all points
SKLEARN_POINTS = (1_000, 4_000)
SKLEARN_CELLS = 20_000
EPAN_BANDWIDTH_M = 250.0
GDF_BANDWIDTH_M = 250.0


# ---------------------------------------------------------------- data
def make_points(n: int, seed: int):
    """Return x, y (metres) of about ``n`` clustered points inside the square."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_background = int(n * BACKGROUND_SHARE)
    xs = [rng.uniform(0, SIDE_M, n_background)]
    ys = [rng.uniform(0, SIDE_M, n_background)]
    centres = rng.uniform(0.1 * SIDE_M, 0.9 * SIDE_M, (CLUSTERS, 2))
    sds = rng.uniform(*CLUSTER_SD_M, CLUSTERS)
    sizes = rng.multinomial(n - n_background, rng.dirichlet(np.ones(CLUSTERS)))
    for (mx, my), sd, size in zip(centres, sds, sizes, strict=True):
        xs.append(rng.normal(mx, sd, size))
        ys.append(rng.normal(my, sd, size))
    x, y = np.concatenate(xs), np.concatenate(ys)
    inside = (x >= 0) & (x < SIDE_M) & (y >= 0) & (y < SIDE_M)
    return x[inside], y[inside]


def cell_centres():
    """Centres of the 400 x 400 cells of 100 m, row by row."""
    import numpy as np

    col, row = np.meshgrid(np.arange(CELLS_PER_SIDE), np.arange(CELLS_PER_SIDE))
    return (col.ravel() + 0.5) * CELL_SIZE_M, (row.ravel() + 0.5) * CELL_SIZE_M


def _subset(n_total: int, n: int | None, seed: int):
    import numpy as np

    if n is None or n >= n_total:
        return np.arange(n_total)
    return np.random.default_rng(seed + 1).permutation(n_total)[:n]


# ---------------------------------------------------------------- worker


def _timed(function, trace: bool) -> tuple[float, int | None]:
    """Call ``function``; return (seconds, tracemalloc peak or None)."""
    import tracemalloc

    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, peak


def _job_fast(job: dict, x, y, cx, cy) -> list[dict]:
    from hotspots.find._kde_arrays import kde_arrays

    out = []
    for h in BANDWIDTHS_M:

        def run(h=h):
            return kde_arrays(
                x,
                y,
                cx,
                cy,
                bandwidth=h,
                kernel=job["kernel"],
                method="fast",
                cell_size=CELL_SIZE_M,
            )

        seconds, peak = _timed(run, job.get("trace", False))
        rss = _rss_now()
        warm, _ = _timed(run, False)  # same call again: allocator and caches warm
        out.append(
            {
                "bandwidth": h,
                "seconds": seconds,
                "warm_s": warm,
                "tracemalloc_peak": peak,
                "rss_so_far": rss,
            }
        )
    return out


def _job_kde(job: dict, x, y, cx, cy) -> list[dict]:
    import geopandas as gpd
    import shapely

    from hotspots.find._grid import make_grid
    from hotspots.find._kde import kde

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=27700)
    corners = gpd.GeoDataFrame(
        geometry=[shapely.Point(0, 0), shapely.Point(SIDE_M - 1, SIDE_M - 1)],
        crs=27700,
    )
    grid = make_grid(corners, cell_size=CELL_SIZE_M)
    cells = len(grid)
    seconds, peak = _timed(
        lambda: kde(
            points,
            grid=grid,
            bandwidth=GDF_BANDWIDTH_M,
            kernel=job["kernel"],
            method="fast",
        ),
        job.get("trace", False),
    )
    return [
        {
            "bandwidth": GDF_BANDWIDTH_M,
            "seconds": seconds,
            "tracemalloc_peak": peak,
            "cells": cells,
            "rss_so_far": _rss_now(),
        }
    ]


def _job_exact(job: dict, x, y, cx, cy, seed: int) -> list[dict]:
    from hotspots.find._kde_arrays import kde_arrays

    keep = _subset(len(x), EXACT_SUBSET[job["kernel"]], seed)
    scale = len(x) / len(keep)
    out = []
    for h in BANDWIDTHS_M:
        seconds, _ = _timed(
            lambda h=h: kde_arrays(
                x[keep], y[keep], cx, cy, bandwidth=h, kernel=job["kernel"]
            ),
            False,
        )
        out.append(
            {
                "bandwidth": h,
                "seconds": seconds * scale,
                "measured_s": seconds,
                "points": len(keep),
                "scale": scale,
                "rss_so_far": _rss_now(),
            }
        )
    return out


def _job_sklearn(job: dict, x, y, cx, cy, seed: int) -> list[dict]:
    import numpy as np
    from sklearn.neighbors import KernelDensity

    out = []
    bandwidths = job.get("bandwidths", BANDWIDTHS_M)
    for h in bandwidths:
        for n_points in job["points"]:
            keep = _subset(len(x), n_points, seed)
            cells = _subset(len(cx), job["cells"], seed + 7)
            data = np.column_stack([x[keep], y[keep]])
            query = np.column_stack([cx[cells], cy[cells]])
            start = time.perf_counter()
            model = KernelDensity(kernel=job["kernel"], bandwidth=h).fit(data)
            fit_s = time.perf_counter() - start
            start = time.perf_counter()
            model.score_samples(query)
            seconds = time.perf_counter() - start
            pairs = len(keep) * len(cells)
            out.append(
                {
                    "bandwidth": h,
                    "points": len(keep),
                    "cells": len(cells),
                    "measured_s": seconds,
                    "fit_s": fit_s,
                    "ns_per_pair": seconds / pairs * 1e9,
                    "scale": len(x) * len(cx) / pairs,
                    "seconds": seconds * len(x) * len(cx) / pairs,
                    "rss_so_far": _rss_now(),
                }
            )
    return out


def _job_accuracy(x, y, cx, cy, seed: int) -> list[dict]:
    """Fast vs exact on the same points; scikit-learn vs our exact Gaussian."""
    import numpy as np
    from sklearn.neighbors import KernelDensity

    from hotspots.find._kde_arrays import kde_arrays

    out = []
    for kernel in KERNELS:
        keep = _subset(len(x), ACCURACY_SUBSET[kernel], seed)
        px, py = x[keep], y[keep]
        for h in BANDWIDTHS_M:
            fast = kde_arrays(
                px,
                py,
                cx,
                cy,
                bandwidth=h,
                kernel=kernel,
                method="fast",
                cell_size=CELL_SIZE_M,
            )
            start = time.perf_counter()
            exact = kde_arrays(px, py, cx, cy, bandwidth=h, kernel=kernel)
            exact_s = time.perf_counter() - start
            error = np.abs(fast - exact)
            out.append(
                {
                    "kernel": kernel,
                    "bandwidth": h,
                    "points": len(keep),
                    "exact_s_single_run": exact_s,
                    "max_abs_error_share_of_peak": float(error.max() / exact.max()),
                    "mean_abs_error_share_of_peak": float(error.mean() / exact.max()),
                }
            )
    # Like-for-like check of the baseline: scikit-learn's normalised Gaussian
    # density times the number of points is our events per square metre.
    keep = _subset(len(x), 2_000, seed)
    cells = _subset(len(cx), 5_000, seed + 7)
    for h in BANDWIDTHS_M:
        ours = kde_arrays(
            x[keep], y[keep], cx[cells], cy[cells], bandwidth=h, kernel="gaussian"
        )
        model = KernelDensity(kernel="gaussian", bandwidth=h)
        model.fit(np.column_stack([x[keep], y[keep]]))
        theirs = np.exp(model.score_samples(np.column_stack([cx[cells], cy[cells]])))
        out.append(
            {
                "kernel": "gaussian vs sklearn",
                "bandwidth": h,
                "points": len(keep),
                "max_abs_error_share_of_peak": float(
                    np.abs(theirs * len(keep) - ours).max() / ours.max()
                ),
            }
        )
    return out


def worker(job: dict, n: int, seed: int) -> None:
    """Run one job in this (fresh) process and print a JSON line."""
    import numpy as np  # noqa: F401  imported before the clock starts

    kind = job["kind"]
    if kind == "sklearn":
        import sklearn.neighbors  # noqa: F401
    else:
        import hotspots.find._kde  # noqa: F401
    x, y = make_points(n, seed)
    cx, cy = cell_centres()
    rss_before = _rss_now()
    if kind == "fast":
        rows = _job_fast(job, x, y, cx, cy)
    elif kind == "kde":
        rows = _job_kde(job, x, y, cx, cy)
    elif kind == "exact":
        rows = _job_exact(job, x, y, cx, cy, seed)
    elif kind == "sklearn":
        rows = _job_sklearn(job, x, y, cx, cy, seed)
    else:
        rows = _job_accuracy(x, y, cx, cy, seed)
    print(json.dumps({"rows": rows, "rss_before": rss_before, "points": len(x)}))


def measure(job: dict, n: int, seed: int) -> dict:
    """Run one job in a fresh subprocess; add its peak RSS."""
    command = [
        sys.executable,
        __file__,
        "--worker",
        json.dumps(job),
        "--points",
        str(n),
        "--seed",
        str(seed),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # rusage of this child only
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{stderr.decode(errors='replace')}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_rss"] = _peak_rss_bytes(usage.ru_maxrss)
    return result


# ---------------------------------------------------------------- jobs
JOBS = {
    "ours_fast_quartic": {"kind": "fast", "kernel": "quartic"},
    "ours_fast_gaussian": {"kind": "fast", "kernel": "gaussian"},
    "ours_kde_quartic": {"kind": "kde", "kernel": "quartic"},
    "ours_exact_quartic": {"kind": "exact", "kernel": "quartic"},
    "ours_exact_gaussian": {"kind": "exact", "kernel": "gaussian"},
    "sklearn_gauss": {
        "kind": "sklearn",
        "kernel": "gaussian",
        "points": list(SKLEARN_POINTS),
        "cells": SKLEARN_CELLS,
    },
    "sklearn_epan": {
        "kind": "sklearn",
        "kernel": "epanechnikov",
        "points": [None],
        "cells": None,
        "bandwidths": [EPAN_BANDWIDTH_M],
    },
}
TRACED = ("ours_fast_quartic", "ours_fast_gaussian", "ours_kde_quartic")


# ---------------------------------------------------------------- profile
def profile(n: int, seed: int, top: int = 20) -> None:
    """Print a cProfile of the fast mode (quartic, h = 150 m)."""
    import cProfile
    import pstats

    from hotspots.find._kde_arrays import kde_arrays

    x, y = make_points(n, seed)
    cx, cy = cell_centres()

    def run():
        return kde_arrays(
            x,
            y,
            cx,
            cy,
            bandwidth=150.0,
            kernel="quartic",
            method="fast",
            cell_size=100,
        )

    run()  # warm imports and caches
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    print(f"\ncProfile of kde_arrays(fast, quartic, h=150 m), top {top} by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


# ---------------------------------------------------------------- report


def _key(row: dict) -> str:
    points = f"/{row['points']}" if "ns_per_pair" in row else ""
    return f"{row['bandwidth']:g}{points}"


def summarise(runs: dict[str, list[dict]], traced: dict[str, dict]) -> dict:
    """One summary per (job, bandwidth[, subset size]); times in s, memory in bytes."""
    summary: dict[str, dict] = {}
    for job, results in runs.items():
        keys = [_key(row) for row in results[0]["rows"]]
        for i, key in enumerate(keys):
            rows = [r["rows"][i] for r in results]
            times = [r["seconds"] for r in rows]
            entry = {
                "job": job,
                "bandwidth": rows[0]["bandwidth"],
                "best_s": min(times),
                "median_s": statistics.median(times),
                "times_s": times,
                "peak_rss": max(r["peak_rss"] for r in results),
                "peak_rss_so_far": max(r["rss_so_far"] for r in rows),
                "rss_before": min(r["rss_before"] for r in results),
            }
            if "warm_s" in rows[0]:
                warm = [r["warm_s"] for r in rows]
                entry["warm_best_s"] = min(warm)
                entry["warm_median_s"] = statistics.median(warm)
            for extra in ("points", "cells", "scale", "ns_per_pair", "fit_s"):
                if extra in rows[0]:
                    entry[extra] = min(r[extra] for r in rows)
            if "measured_s" in rows[0]:
                entry["measured_best_s"] = min(r["measured_s"] for r in rows)
            if job in traced:
                entry["tracemalloc_peak"] = traced[job]["rows"][i]["tracemalloc_peak"]
            summary[f"{job}@{key}"] = entry
    return summary


def _ours_for(summary: dict, kernel: str, h: float) -> dict:
    return summary[f"ours_fast_{kernel}@{h:g}"]


def print_table(n: int, summary: dict) -> None:
    header = (
        f"{'method':<22} {'h m':>5} {'best s':>9} {'median s':>9} "
        f"{'x ours_fast':>11} {'peak RSS MB':>11} {'RSS pre MB':>10} "
        f"{'tracemalloc MB':>14}  note"
    )
    print(
        f"\nkernel density, {n:,} points -> {CELLS_PER_SIDE**2:,} cells of "
        f"{CELL_SIZE_M:g} m (best and median of repeats; seconds for all points "
        "and cells, scaled where noted)"
    )
    print(header)
    print("-" * len(header))
    for s in summary.values():
        kernel = (
            "quartic" if "quartic" in s["job"] or "epan" in s["job"] else "gaussian"
        )
        ours = _ours_for(summary, kernel, s["bandwidth"])["best_s"]
        note = ""
        if "ns_per_pair" in s:
            note = (
                f"{s['points']:,} pts x {s['cells']:,} cells measured "
                f"{s['measured_best_s']:.2f} s ({s['ns_per_pair']:.1f} ns/pair), "
                f"scaled x{s['scale']:,.0f}; fit {s['fit_s']:.2f} s"
            )
            if s["job"] == "sklearn_epan":
                note = f"all points and cells, vs our quartic; fit {s['fit_s']:.2f} s"
        elif "scale" in s:
            note = (
                f"{s['points']:,} pts measured {s['measured_best_s']:.2f} s, "
                f"scaled x{s['scale']:g}"
            )
        elif s["job"] == "ours_kde_quartic":
            note = "kde() on a prebuilt grid, GeoDataFrame in/out"
        elif "warm_best_s" in s:
            note = (
                f"second call in the same process: best {s['warm_best_s']:.3f} s, "
                f"median {s['warm_median_s']:.3f} s"
            )
        print(
            f"{s['job']:<22} {s['bandwidth']:>5.0f} {s['best_s']:>9.3f} "
            f"{s['median_s']:>9.3f} {s['best_s'] / ours:>11.1f} "
            f"{_mb(s['peak_rss_so_far']):>11} {_mb(s['rss_before']):>10} "
            f"{_mb(s.get('tracemalloc_peak')):>14}  {note}"
        )


def print_accuracy(accuracy: list[dict]) -> None:
    print("\naccuracy (share of the exact peak density; one run):")
    print(f"{'comparison':<22} {'h m':>5} {'points':>9} {'max abs':>9} {'mean abs':>9}")
    for row in accuracy:
        kind = row["kernel"]
        name = kind if "sklearn" in kind else f"fast vs exact {kind}"
        mean = row.get("mean_abs_error_share_of_peak")
        print(
            f"{name:<22} {row['bandwidth']:>5.0f} {row['points']:>9,} "
            f"{row['max_abs_error_share_of_peak']:>9.2e} "
            f"{'-' if mean is None else f'{mean:.2e}':>9}"
        )
    full = [r for r in accuracy if r["kernel"] == "quartic"]
    if full:
        print(
            "exact quartic on all points, single runs (check of the linear scaling): "
            + ", ".join(
                f"h={r['bandwidth']:g}: {r['exact_s_single_run']:.2f} s" for r in full
            )
        )


def check_targets(summary: dict) -> dict[str, bool]:
    targets = {}
    for kernel in KERNELS:
        for h in sorted(BANDWIDTHS_M):
            ours = _ours_for(summary, kernel, h)
            best = ours["best_s"]
            targets[
                f"fast {kernel} h={h:g} m <= {TARGET_FAST_SECONDS:g} s (first call "
                f"{best:.3f} s; second call {ours['warm_best_s']:.3f} s)"
            ] = best <= TARGET_FAST_SECONDS
    for h in sorted(BANDWIDTHS_M):
        ours = _ours_for(summary, "gaussian", h)["best_s"]
        big = max(SKLEARN_POINTS)
        theirs = summary[f"sklearn_gauss@{h:g}/{big}"]["best_s"]
        ratio = theirs / ours
        targets[
            f">= {TARGET_SKLEARN_RATIO:g}x faster than sklearn score_samples, "
            f"gaussian h={h:g} m ({ratio:,.0f}x, sklearn scaled)"
        ] = ratio >= TARGET_SKLEARN_RATIO
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--profile", action="store_true", help="profile the fast mode")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker), args.points, args.seed)
        return
    if args.profile_worker:
        profile(args.points, args.seed)
        return

    start = time.perf_counter()
    runs: dict[str, list[dict]] = {name: [] for name in JOBS}
    for repeat in range(args.repeats):  # interleave so drift hits all methods
        for name, job in JOBS.items():
            runs[name].append(measure(job, args.points, args.seed))
        print(f"repeat {repeat + 1}/{args.repeats} done")
    traced = {
        name: measure({**JOBS[name], "trace": True}, args.points, args.seed)
        for name in TRACED
    }
    accuracy = measure({"kind": "accuracy"}, args.points, args.seed)["rows"]
    n = runs["ours_fast_quartic"][0]["points"]
    summary = summarise(runs, traced)
    print_table(n, summary)
    print_accuracy(accuracy)
    targets = check_targets(summary)
    if args.profile:
        command = [sys.executable, __file__, "--profile-worker"]
        command += ["--points", str(args.points), "--seed", str(args.seed)]
        print(subprocess.run(command, capture_output=True, text=True).stdout)
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")

    write_results(
        RESULTS,
        {
            "points": n,
            "cells": CELLS_PER_SIDE**2,
            "cell_size_m": CELL_SIZE_M,
            "repeats": args.repeats,
            "seed": args.seed,
            "results": summary,
            "accuracy": accuracy,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
