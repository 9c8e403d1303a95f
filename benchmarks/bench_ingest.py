"""Benchmark reading police.uk CSVs: ours against the naive route and the floor.

Run from the project root::

    python benchmarks/bench_ingest.py                    # 100k, 1M, 4M, 20M rows
    python benchmarks/bench_ingest.py --sizes 1M,4M      # a quicker run
    python benchmarks/bench_ingest.py --sizes 1M --repeats 3

Inputs are SYNTHETIC police.uk street-level files written by
:func:`hotspots.synthetic.make_national_archive` (real layout and header, 64-hex
Crime IDs, 2% "No Location" rows, a few duplicate Crime IDs and malformed lines):
100k, 1M and 4M rows in one file each (one force, one month), and 20M rows as 44
forces x 36 months (1,584 files; police.uk publishes 45 forces with Northern
Ireland, which the generator leaves out). Each size is generated in a child
process, then every method runs in its own fresh Python process (libraries imported
before the clock starts), so no run inherits another's heap:

* ``floor``: ``pyarrow.csv`` parse (bad lines skipped) + ``pyproj`` transform of
  the located rows + ``shapely.points``: the least any reader must do;
* ``naive``: ``pandas.read_csv`` (bad lines skipped) of each file + ``concat`` +
  ``dropna`` + ``geopandas.points_from_xy`` + ``to_crs(27700)``;
* ``read_policeuk``: our reader, with its checks and quarantine;
* ``ingest_national``: our national ingest into a partitioned GeoParquet dataset in
  a temporary folder ("n/a" when :mod:`hotspots.io` has no ``ingest_national``).

Per method it reports wall seconds (best of ``--repeats``), rows/s, peak RSS of the
process (``ru_maxrss`` of that child, read with ``os.wait4``) and the ratios of its
time to the floor's and the naive route's in the same run, with the load average
when it ran (the machine may be shared). A child whose resident memory passes
``--max-rss-gib`` is stopped and reported as such, so a benchmark never takes the
machine's memory from other work. Results go to
``benchmarks/results/bench_ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_ingest.json"
METHODS = ("floor", "naive", "read_policeuk", "ingest_national")
SIZES = {"100k": 100_000, "1M": 1_000_000, "4M": 4_000_000, "20M": 20_000_000}
SEED = 20240601
_GIB = 2**30


# ---------------------------------------------------------------- children
def run_child(command: list[str], max_rss: float) -> dict:
    """Run ``command``; return its last JSON line plus ``peak_rss`` and ``load``.

    The child is stopped (``{"killed": True}``) when its resident memory passes
    ``max_rss`` bytes; ``peak_rss`` comes from ``os.wait4`` (this child only).
    """
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        status_file = Path(f"/proc/{process.pid}/status")
        killed = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            try:
                text = status_file.read_text()
                rss = int(text.split("VmRSS:")[1].split()[0]) * 1024
            except (OSError, IndexError, ValueError):
                rss = 0
            if rss > max_rss and not killed:
                process.send_signal(signal.SIGKILL)
                killed = True
            time.sleep(0.2)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = _peak_rss_bytes(usage.ru_maxrss)
    if killed:
        return {"killed": True, "peak_rss": peak, "load": load}
    if process.returncode != 0:
        error = stderr.decode(errors="replace").strip().splitlines()[-1:]
        print(f"  {' '.join(command[2:4])} failed: {' '.join(error)}")
        return {"error": " ".join(error), "peak_rss": peak, "load": load}
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result.update(peak_rss=peak, load=load)
    return result


def national_available() -> bool:
    """Whether ``hotspots.io.ingest_national`` can be imported yet."""
    try:
        from hotspots.io import ingest_national  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- data
def generate(rows: int, folder: Path) -> dict:
    """Write the inputs of one size; return their description."""
    from hotspots.synthetic import make_national_archive
    from hotspots.synthetic._national_rows import force_table

    if rows < 10_000_000:  # one file: one force, one month
        share = force_table().set_index("slug").loc["metropolitan", "share"]
        archive = make_national_archive(
            folder / "archive", forces=["metropolitan"], months=1, start="2024-01",
            rows_per_year=round(rows * 12 / share), rng=SEED,
        )  # fmt: skip
        target = archive.files[0]
    else:  # 44 forces x 36 months
        archive = make_national_archive(
            folder / "archive", forces=44, months=36, start="2021-01",
            rows_per_year=rows // 3, rng=SEED,
        )  # fmt: skip
        target = archive.root
    size = sum(p.stat().st_size for p in archive.files)
    return {
        "path": str(target),
        "archive": str(archive.root),
        "rows": archive.rows,
        "files": len(archive.files),
        "csv_bytes": size,
        "faults": archive.truth["faults"],
        "generate_s": archive.seconds,
    }


# ---------------------------------------------------------------- the readers
def _csv_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.glob("*/*-street.csv"))


def floor(path: Path) -> int:
    """pyarrow CSV parse + pyproj transform + shapely points; rows with points."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import shapely
    from pyproj import Transformer

    parse = pacsv.ParseOptions(invalid_row_handler=lambda row: "skip")
    convert = pacsv.ConvertOptions(
        column_types={"Longitude": pa.float64(), "Latitude": pa.float64()}
    )
    tables = [
        pacsv.read_csv(p, parse_options=parse, convert_options=convert)
        for p in _csv_files(path)
    ]
    table = pa.concat_tables(tables, promote_options="permissive")
    lon = table["Longitude"].to_numpy()
    lat = table["Latitude"].to_numpy()
    ok = ~(np.isnan(lon) | np.isnan(lat))
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = to_bng.transform(lon[ok], lat[ok])
    return len(shapely.points(x, y))


def naive(path: Path) -> int:
    """pandas.read_csv of each file + concat + dropna + points + to_crs."""
    import geopandas as gpd
    import pandas as pd

    frames = [pd.read_csv(p, on_bad_lines="skip") for p in _csv_files(path)]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    frame = frame.dropna(subset=["Longitude", "Latitude"])
    points = gpd.points_from_xy(frame["Longitude"], frame["Latitude"], crs=4326)
    return len(gpd.GeoDataFrame(frame, geometry=points).to_crs(27700))


def ours(path: Path) -> int:
    from hotspots.io import read_policeuk

    return len(read_policeuk(path).crimes)


def national(path: Path) -> int:
    from hotspots.io import ingest_national

    archive = path if path.is_dir() else path.parent.parent
    out = Path(tempfile.mkdtemp(prefix="bench_national_out_", dir=archive.parent))
    try:
        return ingest_national(archive, out / "dataset", progress=False).rows_kept
    finally:
        shutil.rmtree(out, ignore_errors=True)


def worker(method: str, path: Path) -> None:
    """Measure one read in this (fresh) process and print a JSON line."""
    import geopandas  # noqa: F401  imported before the clock starts
    import pyarrow.csv  # noqa: F401
    import shapely  # noqa: F401

    import hotspots.io

    # the readers' modules too (hotspots.io loads them on first use), as the
    # other methods' libraries are: the clock measures reading, not importing
    _ = hotspots.io.read_policeuk, getattr(hotspots.io, "ingest_national", None)

    reader = {"floor": floor, "naive": naive, "read_policeuk": ours}.get(method)
    start = time.perf_counter()
    kept = national(path) if method == "ingest_national" else reader(path)
    print(json.dumps({"seconds": time.perf_counter() - start, "kept": kept}))


# ---------------------------------------------------------------- report
def run_size(label: str, rows: int, repeats: int, max_rss: float, tmp: Path) -> dict:
    folder = tmp / label
    folder.mkdir()
    made = run_child(
        [sys.executable, __file__, "--generate", str(rows), "--path", str(folder)],
        max_rss,
    )
    print(
        f"\n{label}: generated {made['rows']:,} SYNTHETIC rows in {made['files']:,} "
        f"file(s), {made['csv_bytes'] / _GIB:.2f} GiB of CSV, "
        f"in {made['generate_s']:.1f} s"
    )
    methods = [m for m in METHODS if m != "ingest_national" or national_available()]
    best: dict[str, dict] = {}
    for _ in range(repeats):
        for method in methods:
            command = [
                sys.executable,
                __file__,
                "--worker",
                method,
                "--path",
                made["path"],
            ]
            result = run_child(command, max_rss)
            if method not in best or result.get("seconds", 1e9) < best[method].get(
                "seconds", 1e9
            ):
                best[method] = result
    for method in METHODS:
        best.setdefault(method, {"n/a": True})
    for r in best.values():
        if "seconds" in r:
            r["rows_per_s"] = made["rows"] / r["seconds"]
            for base in ("floor", "naive"):
                other = best[base].get("seconds")
                r[f"to_{base}"] = r["seconds"] / other if other else None
    shutil.rmtree(folder, ignore_errors=True)
    return {"input": made, "methods": best}


def _cell(value, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_table(label: str, run: dict, max_rss: float) -> None:
    header = (
        f"{'method':<16} {'seconds':>8} {'rows/s':>11} {'/floor':>7} {'/naive':>7} "
        f"{'peak RSS MB':>11} {'load':>5}"
    )
    print(f"\n{label} rows ({run['input']['rows']:,}, {run['input']['files']:,} files)")
    print(header)
    print("-" * len(header))
    for method, r in run["methods"].items():
        if r.get("n/a"):
            print(f"{method:<16} {'n/a (not importable yet)':>44}")
        elif r.get("error"):
            print(f"{method:<16} failed: {r['error'][:90]}")
        elif r.get("killed"):
            print(
                f"{method:<16} stopped: resident memory passed "
                f"{max_rss / _GIB:.0f} GiB (load {r['load']:.2f})"
            )
        else:
            print(
                f"{method:<16} {r['seconds']:>8.2f} {r['rows_per_s']:>11,.0f} "
                f"{_cell(r['to_floor'], '.2f'):>7} {_cell(r['to_naive'], '.2f'):>7} "
                f"{_mb(r['peak_rss']):>11} {r['load']:>5.2f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="100k,1M,4M,20M", help="of 100k, 1M, 4M, 20M"
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-rss-gib", type=float, default=12.0)
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.path)
        return
    if args.generate:
        print(json.dumps(generate(args.generate, args.path)))
        return
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = sorted(set(labels) - set(SIZES))
    if unknown:
        parser.error(f"--sizes takes {', '.join(SIZES)}; got {unknown}")
    if not national_available():
        print("hotspots.io.ingest_national is not importable yet: its column is n/a")
    max_rss = args.max_rss_gib * _GIB
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        for label in labels:
            runs[label] = run_size(
                label, SIZES[label], args.repeats, max_rss, Path(tmp)
            )
            print_table(label, runs[label], max_rss)
    write_results(
        RESULTS,
        {"sizes": labels, "repeats": args.repeats, "seed": SEED, "runs": runs},
    )


if __name__ == "__main__":
    main()
