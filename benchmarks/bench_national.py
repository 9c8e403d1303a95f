"""Benchmark national ingest and monthly counts at 6M, 20M and 60M rows.

Run from the project root::

    python benchmarks/bench_national.py                  # 6M, 20M, 60M rows
    python benchmarks/bench_national.py --sizes 6M       # a quicker run

Each size is a SYNTHETIC police.uk bulk archive written by
:func:`hotspots.synthetic.make_national_archive`: 44 forces (43 territorial and
British Transport Police), 6M rows a year from 2015-01 (6M = one year, 20M = 40
months, 60M = ten years), with its planted faults. Generation runs in a child
process and its time is reported separately, not counted. Then, each in its own
fresh Python process (libraries imported before the clock starts):

* ``ingest``: ``hotspots.io.ingest_national(archive, out)`` into a partitioned
  GeoParquet dataset (rows/s, peak RSS);
* ``counts``: ``hotspots.national.monthly_counts(out, by=("force", "month"),
  definition="serious_violence")`` on that dataset ("n/a" until it exists);
* ``pandas``: the same counts from the CSVs with pandas: ``pd.read_csv`` of every
  file (only ``Month``, ``Falls within``, ``Longitude``, ``Crime type``; bad lines
  skipped), ``concat``, rows with a longitude, the three serious-violence types,
  ``groupby`` force and month. A size whose frame would not fit under
  ``--max-rss-gib`` (about 170 bytes a row, measured) is skipped with a note, and any
  child whose resident memory passes ``--max-rss-gib`` is stopped.

Reports seconds, rows/s, seconds per million rows (how cost grows with rows), peak
RSS (``ru_maxrss`` of that child, via ``os.wait4``), the ratio of pandas' time to
ours (ingest + counts, and counts alone), and the load average when each ran (the
machine may be shared). The archive and dataset of each size live in a temporary
folder deleted afterwards. Results go to ``benchmarks/results/bench_national.json``
(only when every step runs; ``--steps pandas`` and the like just print).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _harness import mb as _mb
from _harness import write_results
from bench_ingest import national_available, run_child

RESULTS = Path(__file__).resolve().parent / "results" / "bench_national.json"
SIZES = {"6M": 12, "20M": 40, "60M": 120}  # months at 6M rows a year
ROWS_PER_YEAR = 6_000_000
SEED = 20240601
#: CSV bytes per row of the synthetic archive (measured: about 270), for the disk check.
CSV_BYTES_PER_ROW = 280
#: Peak bytes per row of the pandas route (measured: 3.2 GiB at 20M rows).
PANDAS_BYTES_PER_ROW = 170
STEPS = ("ingest", "counts", "pandas")
SERIOUS_VIOLENCE = ("Violence and sexual offences", "Robbery", "Possession of weapons")
_GIB = 2**30


def counts_available() -> bool:
    """Whether ``hotspots.national.monthly_counts`` can be imported yet."""
    try:
        from hotspots.national import monthly_counts  # noqa: F401
    except ImportError:
        return False
    return True


def _emit(**values) -> None:
    print(json.dumps(values))


def generate(months: int, root: Path) -> None:
    from hotspots.synthetic import make_national_archive

    archive = make_national_archive(
        root, forces=44, months=months, start="2015-01",
        rows_per_year=ROWS_PER_YEAR, rng=SEED,
    )  # fmt: skip
    _emit(
        rows=archive.rows,
        files=len(archive.files),
        csv_bytes=sum(p.stat().st_size for p in archive.files),
        faults=archive.truth["faults"],
        seconds=archive.seconds,
    )


def ingest(archive: Path, out: Path) -> None:
    from hotspots.io import ingest_national

    start = time.perf_counter()
    done = ingest_national(archive, out, progress=False)
    _emit(
        seconds=time.perf_counter() - start,
        rows_read=done.rows_read,
        rows_kept=done.rows_kept,
        rows_set_aside=done.rows_set_aside,
        by_reason=done.by_reason,
    )


def counts(out: Path) -> None:
    from hotspots.national import monthly_counts

    start = time.perf_counter()
    table = monthly_counts(out, by=("force", "month"), definition="serious_violence")
    seconds = time.perf_counter() - start
    column = next(c for c in ("n", "count", "crimes") if c in table.columns)
    _emit(seconds=seconds, groups=len(table), total=int(table[column].sum()))


def pandas_counts(archive: Path) -> None:
    import pandas as pd

    start = time.perf_counter()
    columns = ["Month", "Falls within", "Longitude", "Crime type"]
    frames = [
        pd.read_csv(p, usecols=columns, on_bad_lines="skip")
        for p in sorted(archive.glob("*/*-street.csv"))
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[
        frame["Longitude"].notna() & frame["Crime type"].isin(SERIOUS_VIOLENCE)
    ]
    table = frame.groupby(["Falls within", "Month"]).size()
    _emit(
        seconds=time.perf_counter() - start, groups=len(table), total=int(table.sum())
    )


def _child(max_rss: float, *options: str) -> dict:
    return run_child([sys.executable, __file__, *options], max_rss)


def run_size(label: str, args, tmp: Path) -> dict:
    months = SIZES[label]
    folder = tmp / label
    archive, out = folder / "archive", folder / "dataset"
    folder.mkdir()
    max_rss = args.max_rss_gib * _GIB
    made = _child(max_rss, "--generate", str(months), "--path", str(archive))
    print(
        f"\n{label}: generated {made['rows']:,} SYNTHETIC rows "
        f"in {made['files']:,} files "
        f"({made['csv_bytes'] / _GIB:.1f} GiB of CSV) in {made['seconds']:.0f} s "
        f"({made['rows'] / made['seconds']:,.0f} rows/s; not counted below)"
    )
    steps: dict[str, dict] = {}
    wanted = args.steps.split(",")
    if national_available() and {"ingest", "counts"} & set(wanted):
        steps["ingest"] = _child(max_rss, "--ingest", str(archive), "--path", str(out))
        if counts_available() and "seconds" in steps["ingest"] and "counts" in wanted:
            steps["counts"] = _child(max_rss, "--counts", str(out))
    need = made["rows"] * PANDAS_BYTES_PER_ROW
    if "pandas" not in wanted:
        pass
    elif need <= max_rss:
        steps["pandas"] = _child(max_rss, "--pandas", str(archive))
    else:
        steps["pandas"] = {
            "skipped": f"needs about {need / _GIB:.0f} GiB, over --max-rss-gib"
        }
    dataset_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    shutil.rmtree(folder, ignore_errors=True)
    return {"generate": made, "steps": steps, "dataset_bytes": dataset_bytes}


def _s(step: dict | None, key: str = "seconds"):
    return None if not step else step.get(key)


def summarise(runs: dict) -> list[dict]:
    rows = []
    for label, run in runs.items():
        n = run["generate"]["rows"]
        steps = run["steps"]
        ingest_s, counts_s, pandas_s = (
            _s(steps.get(k)) for k in ("ingest", "counts", "pandas")
        )
        ours = ingest_s + counts_s if ingest_s and counts_s else None
        rows.append(
            {
                "size": label,
                "rows": n,
                "generate_s": run["generate"]["seconds"],
                "ingest_s": ingest_s,
                "ingest_rows_per_s": n / ingest_s if ingest_s else None,
                "ingest_s_per_million": ingest_s * 1e6 / n if ingest_s else None,
                "ingest_peak_rss": _s(steps.get("ingest"), "peak_rss"),
                "counts_s": counts_s,
                "counts_peak_rss": _s(steps.get("counts"), "peak_rss"),
                "pandas_s": pandas_s,
                "pandas_peak_rss": _s(steps.get("pandas"), "peak_rss"),
                "pandas_over_ours": pandas_s / ours if pandas_s and ours else None,
                "pandas_over_counts": pandas_s / counts_s
                if pandas_s and counts_s
                else None,
                "load": {k: v.get("load") for k, v in steps.items()},
            }
        )
    return rows


def _f(value, fmt: str, na: str = "n/a") -> str:
    return na if value is None else format(value, fmt)


def print_table(rows: list[dict], runs: dict) -> None:
    header = (
        f"{'size':<5} {'gen s':>6} {'ingest s':>9} {'rows/s':>9} {'s/M rows':>8} "
        f"{'RSS MB':>7} {'counts s':>8} {'RSS MB':>7} {'pandas s':>8} {'RSS MB':>7} "
        f"{'pd/ours':>7} {'pd/cnt':>7}  load (ingest, counts, pandas)"
    )
    print("\nnational ingest and monthly serious-violence counts by force (SYNTHETIC)")
    print(header)
    print("-" * len(header))
    for r in rows:
        steps = runs[r["size"]]["steps"]
        pandas = steps.get("pandas", {})
        pandas_s = (
            "skip"
            if "skipped" in pandas
            else "killed"
            if pandas.get("killed")
            else "failed"
            if pandas.get("error")
            else None
        )
        loads = ", ".join(_f(v, ".2f", "-") for v in r["load"].values())
        print(
            f"{r['size']:<5} {r['generate_s']:>6.0f} {_f(r['ingest_s'], '.1f'):>9} "
            f"{_f(r['ingest_rows_per_s'], ',.0f'):>9} "
            f"{_f(r['ingest_s_per_million'], '.2f'):>8} "
            f"{_mb(r['ingest_peak_rss']):>7} {_f(r['counts_s'], '.2f'):>8} "
            f"{_mb(r['counts_peak_rss']):>7} "
            f"{pandas_s or _f(r['pandas_s'], '.1f'):>8} {_mb(r['pandas_peak_rss']):>7} "
            f"{_f(r['pandas_over_ours'], '.2f'):>7} "
            f"{_f(r['pandas_over_counts'], '.1f'):>7}  {loads}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6M,20M,60M", help="of 6M, 20M, 60M")
    parser.add_argument(
        "--steps", default=",".join(STEPS), help="of " + ",".join(STEPS)
    )
    parser.add_argument("--max-rss-gib", type=float, default=12.0)
    for hidden in ("--generate", "--ingest", "--counts", "--pandas"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:
        return generate(int(args.generate), args.path)
    if args.ingest:
        return ingest(Path(args.ingest), args.path)
    if args.counts:
        return counts(Path(args.counts))
    if args.pandas:
        return pandas_counts(Path(args.pandas))
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if sorted(set(labels) - set(SIZES)):
        parser.error(f"--sizes takes {', '.join(SIZES)}; got {labels}")
    if sorted(set(args.steps.split(",")) - set(STEPS)):
        parser.error(f"--steps takes {', '.join(STEPS)}; got {args.steps}")
    for name, ok in (
        ("hotspots.io.ingest_national", national_available()),
        ("hotspots.national.monthly_counts", counts_available()),
    ):
        if not ok:
            print(f"{name} is not importable yet: its columns are n/a")
    tmp_root = Path(tempfile.gettempdir())
    free = shutil.disk_usage(tmp_root).free
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench_national_") as tmp:
        for label in labels:
            need = SIZES[label] / 12 * ROWS_PER_YEAR * CSV_BYTES_PER_ROW * 1.5
            if need > free:
                print(
                    f"\n{label}: needs about {need / _GIB:.0f} GiB of disk (CSV and "
                    f"dataset); {free / _GIB:.0f} GiB free. Stopping at the sizes "
                    "before."
                )
                break
            runs[label] = run_size(label, args, Path(tmp))
    rows = summarise(runs)
    print_table(rows, runs)
    for label, run in runs.items():
        for step, result in run["steps"].items():
            if result.get("error") or result.get("killed"):
                print(f"{label} {step}: {result.get('error') or 'stopped (memory)'}")
    if sorted(args.steps.split(",")) == sorted(STEPS):
        write_results(
            RESULTS,
            {"sizes": list(runs), "seed": SEED, "summary": rows, "runs": runs},
        )
    return None


if __name__ == "__main__":
    main()
