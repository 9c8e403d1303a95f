"""Benchmark read_policeuk against the naive pandas + geopandas route.

Run from the project root::

    python benchmarks/bench_ingest.py              # 1,000,000 rows
    python benchmarks/bench_ingest.py --rows 200000 --repeats 5
    python benchmarks/bench_ingest.py --profile    # add a cProfile of our reader

Generates police.uk-format street-level rows (12 columns, 64-hex Crime IDs,
Leicestershire longitude/latitude with 6 decimals, ~3% "No Location" rows, six
months, the 14 crime types) into a temporary folder, once as a single CSV and once
as a police.uk bulk-archive ZIP split by month. Then measures, in the same run:

* ``ours_csv``: ``read_policeuk(csv)``;
* ``naive_csv``: ``pandas.read_csv(csv)``, drop rows without coordinates,
  ``geopandas.points_from_xy(lon, lat, crs=4326)`` and ``.to_crs(27700)``;
* ``ours_zip``: ``read_policeuk(zip)``;
* ``naive_zip``: the naive route over each ZIP member, then ``pandas.concat``.

Each measurement runs in a fresh Python process (libraries imported before the
clock starts), so no run inherits another's caches or heap. Per method it reports
wall time (best and median of ``--repeats``), rows/s, the ratio to the naive
baseline of the same run, peak RSS of the process (``ru_maxrss`` of that child, read
with ``os.wait4``: ``RUSAGE_CHILDREN`` for one child) and its RSS before reading,
and, in one extra run with :mod:`tracemalloc`, the Python-level peak plus the peak
of pyarrow's memory pool (which tracemalloc cannot see).

Results are printed as a table and written to ``benchmarks/results/bench_ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_ingest.json"
TARGET_SECONDS_PER_MILLION = 5.0
FORCE = "Leicestershire Police"
MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
BLANK_COORDINATE_SHARE = 0.03
# The 14 police.uk crime types with roughly their national shares.
CRIME_TYPE_SHARES = {
    "Anti-social behaviour": 0.20,
    "Bicycle theft": 0.01,
    "Burglary": 0.03,
    "Criminal damage and arson": 0.07,
    "Drugs": 0.03,
    "Other crime": 0.02,
    "Other theft": 0.06,
    "Possession of weapons": 0.01,
    "Public order": 0.08,
    "Robbery": 0.01,
    "Shoplifting": 0.07,
    "Theft from the person": 0.02,
    "Vehicle crime": 0.06,
    "Violence and sexual offences": 0.33,
}
OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Local resolution",
    "Offender given a caution",
    "Awaiting court outcome",
    "Court result unavailable",
    "Further action is not in the public interest",
    "Action to be taken by another organisation",
)
STREETS = 2_000
LSOAS = 600
# Leicestershire: centre and spread of longitude/latitude, degrees.
LON_CENTRE, LON_SPREAD, LAT_CENTRE, LAT_SPREAD = -1.13, 0.18, 52.64, 0.14
METHODS = ("naive_csv", "ours_csv", "naive_zip", "ours_zip")
CSV_NAME = "2024-leicestershire-street.csv"
ZIP_NAME = "policeuk-archive.zip"


# ---------------------------------------------------------------- data
def _hex_ids(rng, n: int):
    """``n`` random 64-character lower-case hex strings, built without a loop."""
    import numpy as np

    digits = np.frombuffer(b"0123456789abcdef", dtype="S1")
    nibbles = rng.integers(0, 16, size=(n, 64), dtype=np.uint8)
    return digits[nibbles].view("S64").ravel().astype(str)


def make_rows(n: int, rng) -> dict:
    """Return ``n`` police.uk street-level rows as text columns, in file order."""
    import numpy as np

    types = np.array(list(CRIME_TYPE_SHARES), dtype=object)
    shares = np.array(list(CRIME_TYPE_SHARES.values()))
    crime_type = types[rng.choice(len(types), size=n, p=shares / shares.sum())]
    asb = crime_type == "Anti-social behaviour"
    crime_id = _hex_ids(rng, n).astype(object)
    crime_id[asb] = ""  # police.uk publishes ASB without a Crime ID or outcome
    month = np.array(MONTHS, dtype=object)[np.sort(rng.integers(0, len(MONTHS), n))]
    lon = np.char.mod("%.6f", rng.normal(LON_CENTRE, LON_SPREAD, n)).astype(object)
    lat = np.char.mod("%.6f", rng.normal(LAT_CENTRE, LAT_SPREAD, n)).astype(object)
    blank = rng.random(n) < BLANK_COORDINATE_SHARE
    lon[blank] = ""
    lat[blank] = ""
    streets = np.array([f"On or near Street {i:04d}" for i in range(STREETS)], object)
    location = streets[rng.integers(0, STREETS, n)]
    location[blank] = "No Location"
    lsoa = rng.integers(0, LSOAS, n)
    lsoa_code = np.array([f"E0102{i:04d}" for i in range(LSOAS)], object)[lsoa]
    lsoa_name = np.array([f"Leicester {i:03d}A" for i in range(LSOAS)], object)[lsoa]
    lsoa_code[blank] = ""
    lsoa_name[blank] = ""
    outcome = np.array(OUTCOMES, dtype=object)[rng.integers(0, len(OUTCOMES), n)]
    outcome[asb] = ""
    force = np.full(n, FORCE, dtype=object)
    return {
        "Crime ID": crime_id,
        "Month": month,
        "Reported by": force,
        "Falls within": force,
        "Longitude": lon,
        "Latitude": lat,
        "Location": location,
        "LSOA code": lsoa_code,
        "LSOA name": lsoa_name,
        "Crime type": crime_type,
        "Last outcome category": outcome,
        "Context": np.full(n, "", dtype=object),
    }


def write_inputs(n: int, folder: Path, seed: int) -> None:
    """Write the rows as one CSV and as a bulk-archive ZIP split by month."""
    import numpy as np

    columns = make_rows(n, np.random.default_rng(seed))
    header = ",".join(columns) + "\n"
    lines = [line + "\n" for line in map(",".join, zip(*columns.values(), strict=True))]
    (folder / CSV_NAME).write_text(header + "".join(lines), encoding="utf-8")
    months, counts = np.unique(columns["Month"].astype(str), return_counts=True)
    ends = np.cumsum(counts)
    # Level 1 keeps set-up quick; reading cost is much the same at any level.
    with zipfile.ZipFile(
        folder / ZIP_NAME, "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        for month, end, count in zip(months, ends, counts, strict=True):
            member = f"{month}/{month}-leicestershire-street.csv"
            archive.writestr(member, header + "".join(lines[end - count : end]))


# ---------------------------------------------------------------- the readers
def _naive_frame(source):
    import pandas as pd

    frame = pd.read_csv(source)
    return frame.dropna(subset=["Longitude", "Latitude"])


def _naive(frames: list):
    import geopandas as gpd
    import pandas as pd

    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    points = gpd.points_from_xy(frame["Longitude"], frame["Latitude"], crs=4326)
    return gpd.GeoDataFrame(frame, geometry=points).to_crs(27700)


def run_method(method: str, path: Path) -> int:
    """Read ``path`` with ``method``; return the number of rows kept."""
    if method.startswith("ours"):
        from hotspots.io import read_policeuk

        return len(read_policeuk(path).crimes)
    if method == "naive_csv":
        return len(_naive([_naive_frame(path)]))
    with zipfile.ZipFile(path) as archive:
        frames = [
            _naive_frame(archive.open(name))
            for name in sorted(archive.namelist())
            if name.endswith("-street.csv")
        ]
    return len(_naive(frames))


def worker(method: str, path: Path, trace: bool) -> None:
    """Measure one read in this (fresh) process and print a JSON line."""
    import resource

    import geopandas  # noqa: F401  imported before the clock starts
    import pyarrow as pa

    import hotspots.io  # noqa: F401

    rss_before = _peak_rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if trace:
        import tracemalloc

        tracemalloc.start()
    start = time.perf_counter()
    kept = run_method(method, path)
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "kept": kept, "rss_before": rss_before}
    if trace:
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        out["arrow_pool_peak"] = pa.default_memory_pool().max_memory()
    print(json.dumps(out))


def measure(method: str, path: Path, trace: bool = False) -> dict:
    """Run one measurement in a fresh subprocess; add its peak RSS."""
    command = [sys.executable, __file__, "--worker", method, "--path", str(path)]
    if trace:
        command.append("--trace")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # rusage of this child only
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{stderr.decode(errors='replace')}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_rss"] = _peak_rss_bytes(usage.ru_maxrss)
    return result


def _run_child(options: list[str], path: Path) -> str:
    """Run this script with ``options`` in a child process; return its stdout."""
    command = [sys.executable, __file__, *options, "--path", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(options)} failed:\n{done.stderr}")
    return done.stdout


# ---------------------------------------------------------------- profile
def profile(path: Path, top: int = 25) -> None:
    """Print our reader's cProfile, sorted by cumulative time."""
    import cProfile
    import pstats

    from hotspots.io import read_policeuk

    read_policeuk(path)  # warm imports and caches
    profiler = cProfile.Profile()
    profiler.enable()
    read_policeuk(path)
    profiler.disable()
    print(f"\ncProfile of read_policeuk({path.name}), top {top} by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


# ---------------------------------------------------------------- report


def summarise(rows: int, runs: dict[str, list[dict]], traced: dict[str, dict]) -> dict:
    """Turn raw runs into one summary per method (times in s, memory in bytes)."""
    summary = {}
    for method, results in runs.items():
        times = [r["seconds"] for r in results]
        summary[method] = {
            "best_s": min(times),
            "median_s": statistics.median(times),
            "times_s": times,
            "rows_per_s": rows / min(times),
            "kept": results[0]["kept"],
            "peak_rss": max(r["peak_rss"] for r in results),
            "rss_before_read": min(r["rss_before"] for r in results),
            "tracemalloc_peak": traced[method]["tracemalloc_peak"],
            "arrow_pool_peak": traced[method]["arrow_pool_peak"],
        }
    for kind in ("csv", "zip"):
        baseline = summary[f"naive_{kind}"]["best_s"]
        for method in (f"naive_{kind}", f"ours_{kind}"):
            summary[method]["ratio_to_naive"] = summary[method]["best_s"] / baseline
    return summary


def print_table(rows: int, summary: dict) -> None:
    header = (
        f"{'method':<10} {'best s':>7} {'median s':>8} {'rows/s':>11} "
        f"{'ours/naive':>10} {'peak RSS MB':>11} {'RSS pre MB':>10} "
        f"{'tracemalloc MB':>14} {'arrow pool MB':>13}"
    )
    print(f"\nread {rows:,} police.uk rows (best and median of repeats)")
    print(header)
    print("-" * len(header))
    for method, s in summary.items():
        print(
            f"{method:<10} {s['best_s']:>7.2f} {s['median_s']:>8.2f} "
            f"{s['rows_per_s']:>11,.0f} {s['ratio_to_naive']:>10.2f} "
            f"{_mb(s['peak_rss']):>11} {_mb(s['rss_before_read']):>10} "
            f"{_mb(s['tracemalloc_peak']):>14} {_mb(s['arrow_pool_peak']):>13}"
        )


def check_targets(rows: int, summary: dict) -> dict[str, bool]:
    ours, naive = summary["ours_csv"], summary["naive_csv"]
    per_million = ours["best_s"] * 1_000_000 / rows
    targets = {
        f"1M rows <= {TARGET_SECONDS_PER_MILLION:g} s (ours_csv, scaled to 1M: "
        f"{per_million:.2f} s)": per_million <= TARGET_SECONDS_PER_MILLION,
        f"no slower than naive (csv: {ours['ratio_to_naive']:.2f}x)": ours["best_s"]
        <= naive["best_s"],
        f"no slower than naive (zip: {summary['ours_zip']['ratio_to_naive']:.2f}x)": (
            summary["ours_zip"]["best_s"] <= summary["naive_zip"]["best_s"]
        ),
    }
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--profile", action="store_true", help="cProfile our reader")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.path, args.trace)
        return
    if args.generate:
        write_inputs(args.rows, args.path, args.seed)
        return
    if args.profile_worker:
        profile(args.path)
        return

    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        # A child process writes the files, so this process stays small: a child
        # forked from a large parent would start with the parent's peak RSS.
        _run_child(
            ["--generate", "--rows", str(args.rows), "--seed", str(args.seed)], folder
        )
        paths = {"csv": folder / CSV_NAME, "zip": folder / ZIP_NAME}
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f} s: "
            f"CSV {paths['csv'].stat().st_size / 2**20:,.0f} MB, "
            f"ZIP {paths['zip'].stat().st_size / 2**20:,.0f} MB ({len(MONTHS)} months)"
        )
        runs: dict[str, list[dict]] = {m: [] for m in METHODS}
        for repeat in range(args.repeats):  # interleave so drift hits all methods
            for method in METHODS:
                runs[method].append(measure(method, paths[method.split("_")[1]]))
            print(f"repeat {repeat + 1}/{args.repeats} done")
        traced = {m: measure(m, paths[m.split("_")[1]], trace=True) for m in METHODS}
        summary = summarise(args.rows, runs, traced)
        print_table(args.rows, summary)
        targets = check_targets(args.rows, summary)
        if args.profile:
            print(_run_child(["--profile-worker"], paths["csv"]))

    write_results(
        RESULTS,
        {
            "rows": args.rows,
            "repeats": args.repeats,
            "seed": args.seed,
            "results": summary,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
