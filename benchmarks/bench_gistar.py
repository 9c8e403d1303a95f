"""Benchmark Getis-Ord Gi* (analytic and 999 permutations) against esda.

Run from the project root::

    python benchmarks/bench_gistar.py               # 400 x 400 = 160,000 cells
    python benchmarks/bench_gistar.py --repeats 5
    python benchmarks/bench_gistar.py --esda-full   # add one esda permutation run
                                                    # on all 160,000 cells (slow)
    python benchmarks/bench_gistar.py --profile     # add a profile of our permutations

Counts per cell are Poisson draws from a clustered intensity (a background of 0.5
events per cell plus 15 Gaussian bumps) on a square grid of 100 m cells from
``make_grid``; weights are queen contiguity with the cell itself (w_ii = 1).
Measures, in the same run:

* ``ours``: ``spatial_weights(cells, "queen")`` (weights from the grid's row/col),
  ``gistar_arrays(x, w)`` (z-scores with those prebuilt weights) and the whole
  ``gistar(cells, value="n", progress=False)`` (weights, z, normal p, FDR, classes;
  GeoDataFrame in and out);
* ``esda``: ``libpysal.graph.Graph.from_sparse(w)`` on our sparse matrix (its
  weights construction, timed separately) and ``G_Local(y, graph, transform="B",
  star=True, permutations=0)``. Before timing, a check run confirms that esda's
  ``Zs`` equal our z-scores to 1e-6 at every size used, so like is compared with
  like;
* permutations: ``gistar(cells, value="n", permutations=999, rng=1,
  progress=False)`` (weights included) against ``G_Local(..., permutations=999,
  seed=1, n_jobs=1)`` and ``n_jobs=-1`` (esda defaults otherwise, so it keeps its
  simulations). esda's permutation kernels are numba functions; whether numba was
  importable is printed, and without it they run as plain Python and numpy. Their
  cost grows faster than linearly with the cells (each cell copies the whole value
  array once), so esda is timed on central windows of 100 x 100 and 200 x 200
  cells and extrapolated to 160,000 cells both linearly from 40,000 (the lower
  estimate) and with the power law fitted through the two sizes; ``--esda-full``
  adds one direct measurement at 160,000 cells with ``n_jobs=1``. Ours is measured
  at all three sizes.

Each job runs in a fresh Python process with libraries imported, the data built and
every timed function called once on a 10 x 10 grid (lazy imports, joblib workers)
before the clock starts. A job measures its steps or sizes in order of increasing
memory; the RSS reported for each is the process's peak so far (``ru_maxrss``), so
it is that step's peak or the larger of it and the steps before. The whole job's
peak is also read with ``os.wait4``. esda's ``n_jobs=-1`` work happens partly in
joblib worker processes, whose memory is not included.

Results are printed as tables and written to ``benchmarks/results/bench_gistar.json``.
"""

from __future__ import annotations

import argparse
import json
import math
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

RESULTS = Path(__file__).resolve().parent / "results" / "bench_gistar.json"
TARGET_ANALYTIC_RATIO = 5.0
SIDE_CELLS = 400
CELL_SIZE_M = 100.0
WINDOW_SIDES = (100, 200, 400)  # 10,000, 40,000 and 160,000 cells
ESDA_PERMUTATION_SIDES = (100, 200)
PERMUTATIONS = 999
BACKGROUND_PER_CELL = 0.5
BUMPS = 15
BUMP_PEAK = (2.0, 20.0)  # events per cell at the bump centre
BUMP_SD_CELLS = (3.0, 20.0)
WARM_SIDE = 10


# ---------------------------------------------------------------- data
def intensity(seed: int):
    """Expected events per cell on the full 400 x 400 grid, row by row."""
    import numpy as np

    rng = np.random.default_rng(seed)
    col, row = np.meshgrid(np.arange(SIDE_CELLS), np.arange(SIDE_CELLS))
    out = np.full(col.shape, BACKGROUND_PER_CELL)
    for _ in range(BUMPS):
        r0, c0 = rng.uniform(0.1, 0.9, 2) * SIDE_CELLS
        sd = rng.uniform(*BUMP_SD_CELLS)
        peak = rng.uniform(*BUMP_PEAK)
        out += peak * np.exp(-((row - r0) ** 2 + (col - c0) ** 2) / (2 * sd * sd))
    return out


def make_cells(side: int, seed: int):
    """A ``side`` x ``side`` grid with Poisson counts ``n`` (a central window)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from hotspots.find._grid import make_grid

    counts = np.random.default_rng(seed + 1).poisson(intensity(seed))
    lo = (SIDE_CELLS - side) // 2
    window = counts[lo : lo + side, lo : lo + side]
    far = side * CELL_SIZE_M - 1.0
    corners = gpd.GeoDataFrame(
        geometry=[shapely.Point(0, 0), shapely.Point(far, far)], crs=27700
    )
    cells = make_grid(corners, cell_size=CELL_SIZE_M)
    cells["n"] = window[cells["row"].to_numpy(), cells["col"].to_numpy()]
    return cells


def _numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- worker


def _clock(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _ours_analytic(side: int, seed: int) -> list[dict]:
    from hotspots.find._gistar import gistar, gistar_arrays
    from hotspots.find._weights import spatial_weights

    def steps(cells):
        x = cells["n"].to_numpy(dtype=float)
        holder = {}

        def weights():
            holder["w"] = spatial_weights(cells, "queen")

        return [
            ("weights", weights),
            ("gistar_arrays", lambda: gistar_arrays(x, holder["w"])),
            ("gistar", lambda: gistar(cells, value="n", progress=False)),
        ]

    for _, step in steps(make_cells(WARM_SIDE, seed)):
        step()
    cells = make_cells(side, seed)
    rss_before = _rss_now()
    return [
        {"step": name, "seconds": _clock(step), "rss_so_far": _rss_now()}
        | {"rss_before": rss_before}
        for name, step in steps(cells)
    ]


def _esda_analytic(side: int, seed: int) -> list[dict]:
    import warnings

    from esda.getisord import G_Local
    from libpysal.graph import Graph

    from hotspots.find._weights import spatial_weights

    def steps(cells):
        x = cells["n"].to_numpy(dtype=float)
        w = spatial_weights(cells, "queen")
        holder = {}

        def weights():
            holder["graph"] = Graph.from_sparse(w)

        def statistic():
            G_Local(x, holder["graph"], transform="B", star=True, permutations=0)

        return [("Graph.from_sparse", weights), ("G_Local", statistic)]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, step in steps(make_cells(WARM_SIDE, seed)):
            step()
        cells = make_cells(side, seed)
        rss_before = _rss_now()
        return [
            {"step": name, "seconds": _clock(step), "rss_so_far": _rss_now()}
            | {"rss_before": rss_before}
            for name, step in steps(cells)
        ]


def _permutation_runs(kind: str, sides: list[int], seed: int, n_jobs: int):
    import warnings

    if kind == "ours":
        from hotspots.find._gistar import gistar

        def run(cells):
            gistar(cells, value="n", permutations=PERMUTATIONS, rng=1, progress=False)
    else:
        from esda.getisord import G_Local
        from libpysal.graph import Graph

        from hotspots.find._weights import spatial_weights

        def run(cells):
            graph = Graph.from_sparse(spatial_weights(cells, "queen"))
            x = cells["n"].to_numpy(dtype=float)
            start = time.perf_counter()
            G_Local(
                x,
                graph,
                transform="B",
                star=True,
                permutations=PERMUTATIONS,
                seed=1,
                n_jobs=n_jobs,
            )
            return time.perf_counter() - start  # esda's statistic only

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(make_cells(WARM_SIDE, seed))
        for side in sides:
            cells = make_cells(side, seed)
            rss_before = _rss_now()
            start = time.perf_counter()
            inner = run(cells)
            seconds = inner if inner is not None else time.perf_counter() - start
            out.append(
                {
                    "cells": side * side,
                    "seconds": seconds,
                    "rss_before": rss_before,
                    "rss_so_far": _rss_now(),
                }
            )
    return out


def _check(seed: int) -> list[dict]:
    """Largest |z_esda - z_ours| at each size (must be <= 1e-6 before timing)."""
    import warnings

    import numpy as np
    from esda.getisord import G_Local
    from libpysal.graph import Graph

    from hotspots.find._gistar import gistar_arrays
    from hotspots.find._weights import spatial_weights

    out = []
    for side in WINDOW_SIDES:
        cells = make_cells(side, seed)
        x = cells["n"].to_numpy(dtype=float)
        w = spatial_weights(cells, "queen")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            esda_z = G_Local(
                x, Graph.from_sparse(w), transform="B", star=True, permutations=0
            ).Zs
        out.append(
            {
                "cells": len(cells),
                "max_abs_z_difference": float(
                    np.abs(esda_z - gistar_arrays(x, w)).max()
                ),
                "max_abs_z": float(np.abs(esda_z).max()),
                "mean_n": float(x.mean()),
            }
        )
    return out


def worker(job: dict, seed: int) -> None:
    """Run one job in this (fresh) process and print a JSON line."""
    kind = job["kind"]
    import geopandas  # noqa: F401  imported before the clock starts
    import numpy  # noqa: F401

    import hotspots.find._gistar  # noqa: F401

    if kind.startswith("esda") or kind == "check":
        import esda  # noqa: F401
        import libpysal.graph  # noqa: F401
    if kind == "ours_analytic":
        rows = _ours_analytic(SIDE_CELLS, seed)
    elif kind == "esda_analytic":
        rows = _esda_analytic(SIDE_CELLS, seed)
    elif kind == "check":
        rows = _check(seed)
    else:
        rows = _permutation_runs(
            kind.split("_")[0], job["sides"], seed, job.get("n_jobs", 1)
        )
    out = {"rows": rows}
    if kind == "check":
        out["numba"] = _numba_available()
    print(json.dumps(out))


def measure(job: dict, seed: int) -> dict:
    """Run one job in a fresh subprocess; add its peak RSS."""
    command = [sys.executable, __file__, "--worker", json.dumps(job)]
    command += ["--seed", str(seed)]
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
def jobs(esda_full: bool) -> dict[str, dict]:
    """Job name -> job; every job runs once per repeat."""
    esda_sides = list(ESDA_PERMUTATION_SIDES)
    return {
        "ours_analytic": {"kind": "ours_analytic"},
        "esda_analytic": {"kind": "esda_analytic"},
        "ours_perm": {"kind": "ours_perm", "sides": list(WINDOW_SIDES)},
        "esda_perm_n_jobs=1": {"kind": "esda_perm", "sides": esda_sides, "n_jobs": 1},
        "esda_perm_n_jobs=-1": {
            "kind": "esda_perm",
            "sides": esda_sides,
            "n_jobs": -1,
        },
    } | (
        {"esda_perm_full": {"kind": "esda_perm", "sides": [SIDE_CELLS], "n_jobs": 1}}
        if esda_full
        else {}
    )


# ---------------------------------------------------------------- profile
def profile(seed: int, top: int = 15) -> None:
    """Print a cProfile of our 999 permutations on 160,000 cells."""
    import cProfile
    import pstats

    from hotspots.find._gistar import gistar

    cells = make_cells(SIDE_CELLS, seed)
    profiler = cProfile.Profile()
    profiler.enable()
    gistar(cells, value="n", permutations=PERMUTATIONS, rng=1, progress=False)
    profiler.disable()
    print(f"\ncProfile of gistar(permutations={PERMUTATIONS}), top {top} by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


# ---------------------------------------------------------------- report


def summarise(runs: dict[str, list[dict]]) -> dict:
    """One summary per (job, step or size); times in s, memory in bytes."""
    summary: dict[str, dict] = {}
    for job, results in runs.items():
        for i, first in enumerate(results[0]["rows"]):
            rows = [r["rows"][i] for r in results]
            times = [r["seconds"] for r in rows]
            label = first.get("step") or f"{first['cells']:,} cells"
            summary[f"{job}: {label}"] = {
                "job": job,
                "label": label,
                "cells": first.get("cells", SIDE_CELLS**2),
                "best_s": min(times),
                "median_s": statistics.median(times),
                "times_s": times,
                "peak_rss_so_far": max(r["rss_so_far"] for r in rows),
                "rss_before": min(r["rss_before"] for r in rows),
                "process_peak_rss": max(r["peak_rss"] for r in results),
            }
    return summary


def extrapolate(summary: dict) -> dict[str, dict]:
    """esda permutations at 160,000 cells: linear from 40,000 and a power law."""
    small, large = (s * s for s in ESDA_PERMUTATION_SIDES)
    full = SIDE_CELLS**2
    out = {}
    for job in ("esda_perm_n_jobs=1", "esda_perm_n_jobs=-1"):
        for stat in ("best_s", "median_s"):
            t_small = summary[f"{job}: {small:,} cells"][stat]
            t_large = summary[f"{job}: {large:,} cells"][stat]
            exponent = math.log(t_large / t_small) / math.log(large / small)
            out.setdefault(job, {})[stat] = {
                "linear_s": t_large * full / large,
                "power_law_s": t_large * (full / large) ** exponent,
                "exponent": exponent,
            }
    return out


def print_tables(summary: dict, estimates: dict, check: list[dict]) -> None:
    print("\nlike-for-like check (before timing): esda Zs vs our gistar_arrays z")
    for row in check:
        print(
            f"  {row['cells']:>7,} cells (mean n {row['mean_n']:.2f}): max |dz| = "
            f"{row['max_abs_z_difference']:.1e} (max |z| {row['max_abs_z']:.1f})"
        )
    header = (
        f"{'job: step or size':<42} {'best s':>9} {'median s':>9} "
        f"{'peak RSS MB':>11} {'RSS pre MB':>10} {'process MB':>10}"
    )
    print(
        f"\nGi*, queen contiguity with self (best and median of repeats; "
        f"{SIDE_CELLS**2:,} cells unless named)"
    )
    print(header)
    print("-" * len(header))
    for name, s in summary.items():
        print(
            f"{name:<42} {s['best_s']:>9.3f} {s['median_s']:>9.3f} "
            f"{_mb(s['peak_rss_so_far']):>11} {_mb(s['rss_before']):>10} "
            f"{_mb(s['process_peak_rss']):>10}"
        )
    print(
        f"\nesda {PERMUTATIONS} permutations extrapolated to {SIDE_CELLS**2:,} cells:"
    )
    for job, by_stat in estimates.items():
        best, median = by_stat["best_s"], by_stat["median_s"]
        print(
            f"  {job:<22} linear from 40,000: best {best['linear_s']:.1f} s, median "
            f"{median['linear_s']:.1f} s; power law (exponent "
            f"{best['exponent']:.2f}): best {best['power_law_s']:.1f} s, median "
            f"{median['power_law_s']:.1f} s"
        )


def _ratios(summary: dict, estimates: dict) -> dict[str, float]:
    def best(key):
        return summary[key]["best_s"]

    esda_total = best("esda_analytic: Graph.from_sparse") + best(
        "esda_analytic: G_Local"
    )
    ours_perm = best(f"ours_perm: {SIDE_CELLS**2:,} cells")
    esda_linear = min(e["best_s"]["linear_s"] for e in estimates.values())
    ratios = {
        "analytic statistic: G_Local / gistar_arrays": best("esda_analytic: G_Local")
        / best("ours_analytic: gistar_arrays"),
        "analytic with weights: (from_sparse + G_Local) / gistar()": esda_total
        / best("ours_analytic: gistar"),
        "weights: Graph.from_sparse / spatial_weights": best(
            "esda_analytic: Graph.from_sparse"
        )
        / best("ours_analytic: weights"),
    }
    for side in ESDA_PERMUTATION_SIDES:
        cells = f"{side * side:,} cells"
        esda_best = min(
            best(f"esda_perm_n_jobs=1: {cells}"), best(f"esda_perm_n_jobs=-1: {cells}")
        )
        ratios[f"permutations at {cells}: esda (faster n_jobs) / ours"] = (
            esda_best / best(f"ours_perm: {cells}")
        )
    ratios[
        f"permutations at {SIDE_CELLS**2:,} cells: esda linear estimate "
        "(faster n_jobs) / ours"
    ] = esda_linear / ours_perm
    full_key = f"esda_perm_full: {SIDE_CELLS**2:,} cells"
    if full_key in summary:
        ratios[
            f"permutations at {SIDE_CELLS**2:,} cells: esda measured (n_jobs=1) / ours"
        ] = best(full_key) / ours_perm
    return ratios


def check_targets(ratios: dict[str, float]) -> dict[str, bool]:
    targets = {}
    for name, ratio in ratios.items():
        if name.startswith("weights"):
            continue
        goal = TARGET_ANALYTIC_RATIO if name.startswith("analytic") else 1.0
        targets[f"{name} >= {goal:g} ({ratio:.1f}x)"] = ratio >= goal
    print("\nratios (esda / ours, best times):")
    for name, ratio in ratios.items():
        print(f"  {name}: {ratio:.1f}x")
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--esda-full",
        action="store_true",
        help="also time esda permutations on all 160,000 cells once (n_jobs=1)",
    )
    parser.add_argument("--profile", action="store_true", help="profile permutations")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker), args.seed)
        return
    if args.profile_worker:
        profile(args.seed)
        return

    start = time.perf_counter()
    checked = measure({"kind": "check"}, args.seed)
    check, numba = checked["rows"], checked["numba"]
    print(
        "numba is installed: esda's permutation kernels are compiled"
        if numba
        else "numba is not installed: esda's permutation kernels run as plain Python "
        "and numpy"
    )
    worst = max(row["max_abs_z_difference"] for row in check)
    if worst > 1e-6:
        raise SystemExit(
            f"esda and our z-scores differ by up to {worst:.2e} (> 1e-6): the timings "
            "would not compare like with like."
        )
    all_jobs = jobs(esda_full=False)
    runs: dict[str, list[dict]] = {name: [] for name in all_jobs}
    for repeat in range(args.repeats):  # interleave so drift hits all methods
        for name, job in all_jobs.items():
            runs[name].append(measure(job, args.seed))
        print(f"repeat {repeat + 1}/{args.repeats} done")
    if args.esda_full:
        runs["esda_perm_full"] = [measure(jobs(True)["esda_perm_full"], args.seed)]
    summary = summarise(runs)
    estimates = extrapolate(summary)
    print_tables(summary, estimates, check)
    ratios = _ratios(summary, estimates)
    targets = check_targets(ratios)
    if args.profile:
        command = [
            sys.executable,
            __file__,
            "--profile-worker",
            "--seed",
            str(args.seed),
        ]
        print(subprocess.run(command, capture_output=True, text=True).stdout)
    print(f"\ntotal run time {time.perf_counter() - start:.0f} s")

    write_results(
        RESULTS,
        {
            "cells": SIDE_CELLS**2,
            "permutations": PERMUTATIONS,
            "repeats": args.repeats,
            "seed": args.seed,
            "numba": numba,
            "check": check,
            "results": summary,
            "esda_extrapolated": estimates,
            "ratios": ratios,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
