"""Benchmark read_pings + dosage against a straightforward geopandas route.

Run from the project root::

    python benchmarks/bench_dosage.py                          # 5M, 20M, 50M pings
    python benchmarks/bench_dosage.py --sizes 1e6 --baseline-sizes 1e6   # quick
    python benchmarks/bench_dosage.py --sizes 5e6 --profile    # add a cProfile

For each size, a child process writes a SYNTHETIC force-sized ping export with
``hotspots.synthetic.write_pings_csv`` (200 radios pinging every 30 s on
eight-hour shifts across Leicester from 1 January 2024, 18 hot-spot squares of
150 m; a few repeated pings and 0,0 fixes) into a temporary folder, which is
deleted once that size is measured. Then, in the same run:

* ``ours``: ``read_pings(path)`` then ``dosage(pings, places)`` (by day,
  defaults: 10 m buffer, 5-minute max_gap), streaming bucket by bucket;
* ``baseline``: ``pandas.read_csv``; ``pandas.to_datetime(format="ISO8601",
  utc=True)``; sort by unit and time; each ping credited with the time to the
  unit's next ping (capped at 300 s, else the median interval);
  ``geopandas.points_from_xy(lon, lat, crs=4326).to_crs(27700)``;
  ``geopandas.sjoin`` with the places buffered by 10 m; local date; ``groupby``
  place and date for minutes, pings and visits (runs of consecutive pings).
  The baseline holds every row in memory, so it runs only at
  ``--baseline-sizes`` (1M and 5M); its seconds and peak memory at the larger
  sizes are **extrapolated** linearly from the largest size it ran, and the
  table shows the measured scaling (seconds per million rows at each size).

Each measurement runs in a fresh Python process with libraries imported before
the clock starts; peak RSS is that child's ``ru_maxrss`` read with
``os.wait4``, so each size's peak is its own. ``CPU s`` is the child's user +
system time (imports included), less sensitive than wall time to other work on
a shared machine; the load average before each measurement is kept in the JSON,
with a digest of the tracking sources at the start and end of the run. The two
routes' credited minutes inside the places are compared as a sanity check
(they differ only by the rows ``read_pings`` sets aside and how runs are cut).

Results are printed and written to ``benchmarks/results/bench_dosage.csv``
(the table) and ``bench_dosage.json`` (everything, with the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import scrub_paths, write_results, write_table

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_ROWS = 50_000_000
TARGET_SECONDS = 300.0
TARGET_PEAK_BYTES = 2 * 2**30
SEED = 20240601
MAX_GAP_S = 300.0
BUFFER_M = 10.0
CSV_NAME = "pings.csv"
PLACES_NAME = "places.parquet"


# ---------------------------------------------------------------- the routes
def run_ours(path: Path, places) -> dict:
    import warnings

    from hotspots.exceptions import HotspotsWarning
    from hotspots.tracking._dosage import dosage
    from hotspots.tracking._pings import read_pings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotsWarning)  # the planted dirty rows
        pings = read_pings(path, workdir=path.parent)
    read_s = time.perf_counter() - start
    result = dosage(pings, places)
    return {
        "read_s": read_s,
        "dosage_s": time.perf_counter() - start - read_s,
        "kept": pings.rows_kept,
        "set_aside": len(pings.quarantine),
        "place_days": len(result.table),
        "visits": int(result.table["visits"].sum()),
        "minutes_in_places": float(result.visits["minutes"].sum()),
    }


def run_baseline(path: Path, places) -> dict:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(path)
    frame["time"] = pd.to_datetime(frame["time"], format="ISO8601", utc=True)
    frame = frame.sort_values(["unit", "time"], kind="stable").reset_index(drop=True)
    gap = -frame.groupby("unit")["time"].diff(-1).dt.total_seconds()
    median = gap.groupby(frame["unit"]).transform("median").clip(upper=MAX_GAP_S)
    frame["credit"] = gap.where(gap <= MAX_GAP_S, median).fillna(median)
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs=4326)
    pings = gpd.GeoDataFrame(frame, geometry=points).to_crs(27700)
    zones = places.assign(geometry=places.buffer(BUFFER_M))
    inside = gpd.sjoin(pings, zones[["place_id", "geometry"]], predicate="within")
    inside["row"] = inside.index
    inside = inside.sort_values(["place_id", "unit", "time"], kind="stable")
    same = inside[["place_id", "unit"]].eq(inside[["place_id", "unit"]].shift()).all(1)
    after = inside["time"].diff().dt.total_seconds() <= MAX_GAP_S
    inside["new_visit"] = ~(same & (inside["row"].diff() == 1) & after)
    inside["date"] = inside["time"].dt.tz_convert("Europe/London").dt.date
    table = inside.groupby(["place_id", "date"]).agg(
        minutes=("credit", "sum"), pings=("credit", "size"), visits=("new_visit", "sum")
    )
    return {
        "kept": len(frame),
        "set_aside": 0,
        "place_days": len(table),
        "visits": int(table["visits"].sum()),
        "minutes_in_places": float(np.sum(table["minutes"]) / 60),
    }


# ---------------------------------------------------------------- processes
def _import_all() -> None:
    """Import what the routes use, so no import is timed."""
    import geopandas  # noqa: F401
    import pyarrow.csv  # noqa: F401

    import hotspots.tracking._dosage
    import hotspots.tracking._pings  # noqa: F401


def worker(route: str, folder: Path) -> None:
    """Measure one route in this (fresh) process and print a JSON line."""
    import resource

    import geopandas as gpd

    _import_all()

    places = gpd.read_parquet(folder / PLACES_NAME)
    rss_before = _peak_rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    start = time.perf_counter()
    run = run_ours if route == "ours" else run_baseline
    out = run(folder / CSV_NAME, places)
    out["seconds"] = time.perf_counter() - start
    out["rss_before"] = rss_before
    print(json.dumps(out))


def generate(rows: int, folder: Path) -> None:
    from hotspots.synthetic import write_pings_csv

    places = write_pings_csv(folder / CSV_NAME, rows, seed=SEED)
    places.attrs = {}
    places.to_parquet(folder / PLACES_NAME)


def profile(folder: Path, top: int = 30) -> None:
    """Print the cProfile of read_pings + dosage, by cumulative and own time."""
    import cProfile
    import pstats

    import geopandas as gpd

    _import_all()
    places = gpd.read_parquet(folder / PLACES_NAME)
    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(folder / CSV_NAME, places)
    profiler.disable()
    stats = pstats.Stats(profiler)
    for key in ("cumulative", "tottime"):
        print(f"\ncProfile of read_pings + dosage, top {top} by {key}:")
        stats.sort_stats(key).print_stats(top)


def _child(options: list[str], folder: Path) -> tuple[str, int, float]:
    """Run this script with ``options`` in a fresh process.

    Returns its stdout, its peak RSS in bytes (``ru_maxrss`` of that child
    only, read with ``os.wait4``) and its CPU seconds (user + system).
    """
    command = [sys.executable, __file__, *options, "--folder", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{options} failed:\n{stderr.decode(errors='replace')}")
    cpu = usage.ru_utime + usage.ru_stime
    return stdout.decode(), _peak_rss_bytes(usage.ru_maxrss), cpu


def measure(route: str, folder: Path) -> dict:
    """One route in a fresh subprocess, with its own peak RSS."""
    load = os.getloadavg()[0]
    stdout, peak, cpu = _child(["--worker", route], folder)
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(peak_rss=peak, cpu_s_process=cpu, load_before=load)
    return result


# ---------------------------------------------------------------- report
def table_rows(rows: list[int], ours: dict, base: dict) -> list[dict]:
    """One row per size; the baseline extrapolated linearly beyond its sizes."""
    largest = max(base) if base else None
    out = []
    for n in rows:
        o = ours.get(n)
        b = base.get(n)
        if b is not None:
            base_s, base_peak, how = b["seconds"], b["peak_rss"], "measured"
        elif largest is not None:
            scale = n / largest
            base_s = base[largest]["seconds"] * scale
            base_peak = base[largest]["peak_rss"] * scale
            how = f"extrapolated from {largest / 1e6:g}M"
        else:
            base_s = base_peak = None
            how = "-"
        out.append(
            {
                "rows": n,
                "seconds": None if o is None else round(o["seconds"], 2),
                "read_s": None if o is None else round(o["read_s"], 2),
                "dosage_s": None if o is None else round(o["dosage_s"], 2),
                "rows_per_s": None if o is None else round(n / o["seconds"]),
                "cpu_s": None if o is None else round(o["cpu_s_process"], 1),
                "peak_mib": None if o is None else round(o["peak_rss"] / 2**20),
                "baseline_s": None if base_s is None else round(base_s, 2),
                "baseline_cpu_s": None if b is None else round(b["cpu_s_process"], 1),
                "baseline_s_per_million": (
                    None if b is None else round(b["seconds"] * 1e6 / n, 2)
                ),
                "baseline_peak_mib": None
                if base_peak is None
                else round(base_peak / 2**20),
                "baseline": how,
                "ratio": (
                    None
                    if o is None or base_s is None
                    else round(o["seconds"] / base_s, 3)
                ),
                "minutes_agree": (
                    None
                    if o is None or b is None
                    else round(o["minutes_in_places"] / b["minutes_in_places"], 4)
                ),
            }
        )
    return out


def _text(value, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_table(table: list[dict]) -> None:
    header = (
        f"{'rows':>11} {'seconds':>8} {'read s':>7} {'dosage s':>8} {'rows/s':>10} "
        f"{'CPU s':>7} {'peak MiB':>8} {'base s':>8} {'base s/M':>8} {'base MiB':>8} "
        f"{'ours/base':>9}  baseline"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for r in table:
        print(
            f"{r['rows']:>11,} {_text(r['seconds'], '.1f'):>8} "
            f"{_text(r['read_s'], '.1f'):>7} {_text(r['dosage_s'], '.1f'):>8} "
            f"{_text(r['rows_per_s'], ',.0f'):>10} {_text(r['cpu_s'], '.1f'):>7} "
            f"{_text(r['peak_mib'], ',.0f'):>8} "
            f"{_text(r['baseline_s'], '.1f'):>8} "
            f"{_text(r['baseline_s_per_million'], '.2f'):>8} "
            f"{_text(r['baseline_peak_mib'], ',.0f'):>8} "
            f"{_text(r['ratio'], '.3f'):>9}  {r['baseline']}"
        )


def check_targets(ours: dict) -> dict[str, bool]:
    targets: dict[str, bool] = {}
    if TARGET_ROWS in ours:
        o = ours[TARGET_ROWS]
        targets[f"50M pings < {TARGET_SECONDS:g} s ({o['seconds']:.0f} s)"] = (
            o["seconds"] < TARGET_SECONDS
        )
        targets[f"50M pings peak < 2 GiB ({_mb(o['peak_rss'])} MiB)"] = (
            o["peak_rss"] < TARGET_PEAK_BYTES
        )
    if len(ours) >= 2:
        small, large = min(ours), max(ours)
        growth = ours[large]["peak_rss"] / ours[small]["peak_rss"]
        targets[
            f"memory flat: peak at {large / 1e6:g}M is {growth:.2f}x that at "
            f"{small / 1e6:g}M (<= 1.5x)"
        ] = growth <= 1.5
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def _tracking_digest() -> str:
    """Short SHA-256 of the tracking layer's sources, to tie results to a version."""
    import hashlib

    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parents[1] / "hotspots" / "tracking"
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _sizes(text: str) -> list[int]:
    return sorted({int(float(part)) for part in text.split(",") if part.strip()})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5e6,2e7,5e7", help="rows for ours")
    parser.add_argument("--baseline-sizes", default="1e6,5e6", help="rows, baseline")
    parser.add_argument("--profile", action="store_true", help="cProfile the smallest")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the files")
    parser.add_argument(
        "--worker", choices=("ours", "baseline"), help=argparse.SUPPRESS
    )
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.folder)
        return
    if args.generate:
        generate(args.generate, args.folder)
        return
    if args.profile_worker:
        profile(args.folder)
        return

    sizes, base_sizes = _sizes(args.sizes), _sizes(args.baseline_sizes)
    code = _tracking_digest()
    ours: dict[int, dict] = {}
    base: dict[int, dict] = {}
    files: dict[int, dict] = {}
    profiled = ""
    for n in sorted(set(sizes) | set(base_sizes)):
        with tempfile.TemporaryDirectory(prefix="bench_dosage_", dir=args.tmp) as tmp:
            folder = Path(tmp)
            began = time.perf_counter()
            _child(["--generate", str(n)], folder)
            size = (folder / CSV_NAME).stat().st_size
            files[n] = {"generate_s": time.perf_counter() - began, "bytes": size}
            print(
                f"{n:,} rows: generated in {files[n]['generate_s']:.0f} s, "
                f"{size / 2**20:,.0f} MiB",
                flush=True,
            )
            if n in sizes:
                ours[n] = measure("ours", folder)
                print(f"  ours {ours[n]['seconds']:.1f} s", flush=True)
            if n in base_sizes:
                base[n] = measure("baseline", folder)
                print(f"  baseline {base[n]['seconds']:.1f} s", flush=True)
            if args.profile and n == min(sizes):
                profiled = _child(["--profile-worker"], folder)[0]
    table = table_rows(sorted(set(sizes) | set(base_sizes)), ours, base)
    print_table(table)
    targets = check_targets(ours)
    if profiled:
        print(profiled)
        (RESULTS / "bench_dosage.profile.txt").write_text(scrub_paths(profiled))
    import pandas as pd

    write_table(pd.DataFrame(table), "bench_dosage.csv")
    write_results(
        RESULTS / "bench_dosage.json",
        {
            "sizes": sizes,
            "baseline_sizes": base_sizes,
            "seed": SEED,
            "tracking_sources_sha256": {"start": code, "end": _tracking_digest()},
            "files": {str(k): v for k, v in files.items()},
            "ours": {str(k): v for k, v in ours.items()},
            "baseline": {str(k): v for k, v in base.items()},
            "table": table,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
