"""Benchmark local Moran's I and optimized hot spots on the real Leicestershire sample.

Run from the project root::

    python benchmarks/bench_local_moran.py              # 2 repeats
    python benchmarks/bench_local_moran.py --repeats 3

Data: REAL police.uk serious violence for Leicestershire Police, January 2023 to
December 2024 (``data/raw/policeuk_leicestershire_serious_violence_2023_2024.zip``
read with ``hotspots.demo.load_real_sample`` and ``hotspots.select_crimes``), the
2011 LSOAs of the force as the boundary. Measures, in the same run:

* ``local_moran``: ``local_moran(violence, cell_size=250, boundary=lsoa, rng=SEED,
  progress=False)``: counting, queen weights, esda's ``Moran_Local`` with 999
  permutations, FDR and classes, GeoDataFrame in and out;
* ``esda_direct`` (the baseline): what an analyst would write with esda alone on
  the same cells: ``count_points`` (the same counts), libpysal's
  ``Graph.build_contiguity(cells, rook=False)`` (weights from the polygons) and
  ``Moran_Local(y, graph, transformation="r", permutations=999, seed=SEED)``.
  Before timing, a check confirms that libpysal's queen graph equals ours and that
  our ``moran_i``, ``quadrant`` and ``p_sim`` equal esda's exactly;
* ``incremental`` against ``esda_moran_bands`` (baseline): global Moran's I over
  the first five automatic distance bands of the 250 m cells, ours
  (``incremental_autocorrelation``) against libpysal's
  ``Graph.build_distance_band`` and ``esda.Moran`` per band; the check compares I
  and z at every band;
* ``optimized_boundary`` and ``optimized_no_boundary``: ``optimized_hotspots`` with
  the LSOA boundary (every cell analysed) and without one (ESRI's rule: only cells
  holding a point), automatic cell size and bands. No esda equivalent exists.

Each job runs in a fresh Python process; the data are read and libraries imported
(and every timed function called once on a small sample) before the clock starts.
The peak resident memory of each job's process is read with ``os.wait4``. Ratios
divide the baseline's best time by ours (> 1: ours is faster). What the methods name
on the real data (classes, chosen distance, busiest streets of the top cells) is
printed and written with the timings, in long form, to
``benchmarks/results/bench_local_moran.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter

from _harness import mb, peak_rss_bytes, write_table

SEED = 20240601
CELL_SIZE_M = 250.0
PERMUTATIONS = 999
INCREMENTAL_BANDS = 5
TOP_CELLS = 5
JOBS = (
    "local_moran",
    "esda_direct",
    "incremental",
    "esda_moran_bands",
    "optimized_boundary",
    "optimized_no_boundary",
)
BASELINE_OF = {"local_moran": "esda_direct", "incremental": "esda_moran_bands"}


# ---------------------------------------------------------------- data
def load():
    """The real violence points and the LSOA boundary (not timed)."""
    import hotspots
    from hotspots.demo import load_lsoa, load_real_sample

    violence = hotspots.select_crimes(load_real_sample().crimes, "serious_violence")
    return violence, load_lsoa()


def small_sample(violence):
    """Points in a 3 km square of central Leicester, for the warm-up calls."""
    return violence.cx[452_000:455_000, 303_000:306_000]


def cells_250(violence, lsoa):
    from hotspots.find._grid import count_points

    return count_points(violence, cell_size=CELL_SIZE_M, boundary=lsoa)


def _streets(violence, cells, order_by: str, keep) -> list[str]:
    """Busiest ``location`` of the points in each of the top cells (by ``order_by``)."""
    from hotspots.find._grid import assign_cells

    top = cells.loc[keep].nlargest(TOP_CELLS, order_by)
    cell_of = assign_cells(
        cells, violence.geometry.x.to_numpy(), violence.geometry.y.to_numpy()
    )
    out = []
    for cell_id, n in zip(top["cell_id"], top["n"], strict=True):
        names = Counter(violence["location"].to_numpy()[cell_of == cell_id])
        street, hits = names.most_common(1)[0]
        out.append(f"{street} ({hits} of {int(n)})")
    return out


# ---------------------------------------------------------------- jobs
def _esda_direct(cells):
    from esda.moran import Moran_Local
    from libpysal.graph import Graph

    graph = Graph.build_contiguity(cells[["geometry"]], rook=False)
    return Moran_Local(
        cells["n"].to_numpy(float),
        graph,
        transformation="r",
        permutations=PERMUTATIONS,
        seed=SEED,
        keep_simulations=False,
    )


def _bands(cells):
    from hotspots.find._incremental import auto_distance_bands

    return auto_distance_bands(cells)[0][:INCREMENTAL_BANDS]


def _esda_moran_bands(cells, bands):
    from esda.moran import Moran
    from libpysal.graph import Graph

    centres = cells.set_geometry(cells.centroid)[["geometry"]]
    x = cells["n"].to_numpy(float)
    out = []
    for band in bands:
        graph = Graph.build_distance_band(centres, band * (1 + 1e-9))
        moran = Moran(x, graph, transformation="r", permutations=0)
        out.append((float(moran.I), float(moran.z_rand)))
    return out


def run_job(name: str, violence, lsoa) -> tuple[float, dict]:
    """Run one job once; return its wall time and what it found.

    ``lsoa`` None (the warm-up) drops the boundary from every job.
    """
    from hotspots.find._grid import count_points
    from hotspots.find._incremental import incremental_autocorrelation
    from hotspots.find._local_moran import local_moran
    from hotspots.find._optimized import optimized_hotspots

    start = time.perf_counter()
    found: dict = {}
    if name == "local_moran":
        out = local_moran(
            violence, cell_size=CELL_SIZE_M, boundary=lsoa, rng=SEED, progress=False
        )
        seconds = time.perf_counter() - start
        found["cells"] = len(out)
        found |= {
            f"class {k}": v for k, v in out.attrs["hotspots"]["class_counts"].items()
        }
        hh = out["cluster"] == "High-High cluster"
        found["top High-High cells"] = _streets(violence, out, "n", hh)
    elif name == "esda_direct":
        cells = count_points(violence, cell_size=CELL_SIZE_M, boundary=lsoa)
        _esda_direct(cells)
        seconds = time.perf_counter() - start
    elif name in ("incremental", "esda_moran_bands"):
        cells = cells_250(violence, lsoa)
        bands = _bands(cells)
        start = time.perf_counter()  # same cells and bands for both: not timed
        if name == "incremental":
            incremental_autocorrelation(cells, "n", bands, progress=False)
        else:
            _esda_moran_bands(cells, bands)
        seconds = time.perf_counter() - start
    else:
        boundary = lsoa if name == "optimized_boundary" else None
        if lsoa is None:
            warm = optimized_hotspots(violence, cell_size=CELL_SIZE_M, progress=False)
            return time.perf_counter() - start, {"cells": len(warm)}
        out = optimized_hotspots(violence, boundary=boundary, progress=False)
        seconds = time.perf_counter() - start
        meta = out.attrs["hotspots"]
        found |= {
            key: meta[key]
            for key in (
                "cell_size", "n_cells", "n_point_outliers", "n_cell_outliers",
                "band_start", "band_increment", "distance", "distance_reason",
                "n_hot", "n_cold",
            )
        }  # fmt: skip
        found["bands (m: z)"] = "; ".join(
            f"{d:g}: {z:.1f}"
            for d, z in zip(meta["distances"], meta["moran_z"], strict=True)
        )
        counts = out["hotspot_class"].value_counts()
        found |= {f"class {k}": int(v) for k, v in counts.items() if v}
        found["top hot cells"] = _streets(violence, out, "gi_z", out["gi_bin"] == 3)
    return seconds, found


def check(violence, lsoa) -> dict:
    """Like-for-like checks before timing (raise if ours and esda's differ)."""
    import numpy as np
    from libpysal.graph import Graph

    from hotspots.find._incremental import incremental_autocorrelation
    from hotspots.find._lisa import lisa_weights
    from hotspots.find._local_moran import local_moran

    cells = cells_250(violence, lsoa)
    theirs = Graph.build_contiguity(cells[["geometry"]], rook=False).sparse
    same_weights = (lisa_weights(cells, "queen") != (theirs > 0)).nnz == 0
    ours = local_moran(cells, value="n", rng=SEED, progress=False, fdr=False)
    lisa = _esda_direct(cells)
    bands = _bands(cells)
    table = incremental_autocorrelation(cells, "n", bands, progress=False)
    esda_bands = np.array(_esda_moran_bands(cells, bands))
    out = {
        "queen weights equal libpysal's": bool(same_weights),
        "moran_i equal": bool(np.array_equal(ours["moran_i"], lisa.Is)),
        "quadrant equal": bool(np.array_equal(ours["quadrant"], lisa.q)),
        "p_sim equal": bool(np.array_equal(ours["p_sim"], lisa.p_sim)),
        "incremental max |dI|": float(
            np.abs(table["moran_i"] - esda_bands[:, 0]).max()
        ),
        "incremental max |dz|": float(np.abs(table["z"] - esda_bands[:, 1]).max()),
        "bands checked": [float(b) for b in bands],
    }
    if not all(v for k, v in out.items() if k.endswith("equal") or "libpysal" in k):
        raise SystemExit(f"ours and esda differ; timings would not compare: {out}")
    if out["incremental max |dz|"] > 1e-6:
        raise SystemExit(f"incremental z differs from esda.Moran: {out}")
    return out


def worker(name: str) -> None:
    """Run one job in this fresh process and print a JSON line."""
    import logging

    import esda  # noqa: F401  imported before the clock starts
    import libpysal.graph  # noqa: F401

    logging.disable(logging.INFO)
    violence, lsoa = load()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if name == "check":
            print(json.dumps({"check": check(violence, lsoa)}))
            return
        run_job(name, small_sample(violence), None)  # warm-up: imports, caches
        seconds, found = run_job(name, violence, lsoa)
    hotspots_warnings = sorted(
        {
            str(w.message)[:160]
            for w in caught
            if w.category.__name__ == "HotspotsWarning"
        }
    )
    print(
        json.dumps({"seconds": seconds, "found": found, "warnings": hotspots_warnings})
    )


def measure(name: str) -> dict:
    """Run one job in a fresh subprocess; add its peak RSS (bytes)."""
    command = [sys.executable, __file__, "--worker", name]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # rusage of this child only
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name} failed:\n{stderr.decode(errors='replace')}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_rss"] = peak_rss_bytes(usage.ru_maxrss)
    return result


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    begun = time.perf_counter()
    checked = measure("check")["check"]
    print("like-for-like checks:", json.dumps(checked, indent=1))
    runs: dict[str, list[dict]] = {name: [] for name in JOBS}
    for repeat in range(args.repeats):  # interleaved so drift hits every job
        for name in JOBS:
            runs[name].append(measure(name))
        print(f"repeat {repeat + 1}/{args.repeats} done")
    rows = [
        {"kind": "check", "name": k, "value": json.dumps(v), "unit": ""}
        for k, v in checked.items()
    ]
    print(f"\n{'job':<24} {'best s':>8} {'median s':>9} {'peak RSS MB':>12}")
    best = {}
    for name, results in runs.items():
        times = [r["seconds"] for r in results]
        best[name] = min(times)
        peak = max(r["peak_rss"] for r in results)
        print(
            f"{name:<24} {best[name]:>8.2f} {statistics.median(times):>9.2f} "
            f"{mb(peak):>12}"
        )
        rows += [
            {"kind": "seconds best", "name": name, "value": best[name], "unit": "s"},
            {
                "kind": "seconds median",
                "name": name,
                "value": statistics.median(times),
                "unit": "s",
            },
            {"kind": "peak RSS", "name": name, "value": peak / 2**20, "unit": "MiB"},
        ]
    print("\nratios (baseline best / ours best; > 1: ours faster)")
    for ours, base in BASELINE_OF.items():
        ratio = best[base] / best[ours]
        print(f"  {base} / {ours}: {ratio:.2f}x")
        rows.append(
            {"kind": "ratio", "name": f"{base} / {ours}", "value": ratio, "unit": "x"}
        )
    print("\nwhat the methods name on the real data")
    for name, results in runs.items():
        for key, value in results[0]["found"].items():
            print(f"  {name}: {key}: {value}")
            rows.append(
                {
                    "kind": "finding",
                    "name": f"{name}: {key}",
                    "value": json.dumps(value),
                    "unit": "",
                }
            )
        for text in results[0]["warnings"]:
            print(f"  {name}: warning: {text}")
            rows.append({"kind": "warning", "name": name, "value": text, "unit": ""})
    print(f"\ntotal run time {time.perf_counter() - begun:.0f} s")
    write_table(pd.DataFrame(rows), "bench_local_moran.csv")


if __name__ == "__main__":
    main()
