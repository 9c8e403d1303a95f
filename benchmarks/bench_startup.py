"""Benchmark start-up: ``import hotspots`` and ``hotspots --help`` against geopandas.

Run from the project root::

    python benchmarks/bench_startup.py               # median of 7
    python benchmarks/bench_startup.py --repeats 15

Every command-line call pays for importing the package, so ``import hotspots`` and
building the command's parsers must not import the geospatial and statistics
libraries; each verb imports what it uses when it runs (``hotspots._lazy``). In the
same run, each in a fresh Python process, it measures:

* ``geopandas`` (baseline): ``python -c "import geopandas"``;
* ``import``: ``python -c "import hotspots"``;
* ``--help``: ``python -m hotspots --help``;
* ``find --help``: ``python -m hotspots find --help``;
* ``first use``: ``python -c "import hotspots; hotspots.gistar"`` (the first real
  name loads its modules and their libraries).

Per command it reports wall time (best and median of ``--repeats``, the runs
interleaved so drift hits all commands), the ratio of the median to the geopandas
baseline of the same run, and the peak RSS of the process (``ru_maxrss`` of that
child, read with ``os.wait4``). Target: ``import`` and ``--help`` under 0.5 s.

Results are printed as a table and written to ``benchmarks/results/bench_startup.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import mb as _mb
from _harness import peak_rss_bytes as _peak_rss_bytes
from _harness import write_results

RESULTS = Path(__file__).resolve().parent / "results" / "bench_startup.json"
TARGET_SECONDS = 0.5
BASELINE = "geopandas"
#: Name -> arguments after ``python``.
COMMANDS: dict[str, list[str]] = {
    BASELINE: ["-c", "import geopandas"],
    "import": ["-c", "import hotspots"],
    "--help": ["-m", "hotspots", "--help"],
    "find --help": ["-m", "hotspots", "find", "--help"],
    "first use": ["-c", "import hotspots; hotspots.gistar"],
}
#: The commands held to TARGET_SECONDS.
TARGETED = ("import", "--help")


def measure(args: list[str]) -> dict:
    """Run ``python *args`` in a fresh process; wall seconds and peak RSS (bytes)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)  # rusage of this child only
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"python {' '.join(args)} failed: {process.stderr.read()}")
    process.stderr.close()
    return {"seconds": seconds, "peak_rss": _peak_rss_bytes(usage.ru_maxrss)}


def summarise(runs: dict[str, list[dict]]) -> dict:
    base = statistics.median(r["seconds"] for r in runs[BASELINE])
    summary = {}
    for name, rows in runs.items():
        median = statistics.median(r["seconds"] for r in rows)
        summary[name] = {
            "best_s": min(r["seconds"] for r in rows),
            "median_s": median,
            "ratio_to_geopandas": median / base,
            "peak_rss_bytes": max(r["peak_rss"] for r in rows),
        }
    return summary


def print_table(repeats: int, summary: dict) -> None:
    header = (
        f"{'command':<14}{'best s':>9}{'median s':>10}{'x geopandas':>13}{'peak MB':>9}"
    )
    print(f"\nstart-up in a fresh process (best and median of {repeats})")
    print(header)
    print("-" * len(header))
    for name, row in summary.items():
        print(
            f"{name:<14}{row['best_s']:>9.3f}{row['median_s']:>10.3f}"
            f"{row['ratio_to_geopandas']:>13.2f}{_mb(row['peak_rss_bytes']):>9}"
        )


def check_targets(summary: dict) -> dict[str, bool]:
    targets = {
        f"{name} median under {TARGET_SECONDS} s": summary[name]["median_s"]
        < TARGET_SECONDS
        for name in TARGETED
    }
    print("\ntargets:")
    for text, met in targets.items():
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    return targets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    for name in COMMANDS:  # warm the file cache (and .pyc files) once
        measure(COMMANDS[name])
    runs: dict[str, list[dict]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):  # interleave so drift hits all commands
        for name, command in COMMANDS.items():
            runs[name].append(measure(command))
    summary = summarise(runs)
    print_table(args.repeats, summary)
    targets = check_targets(summary)
    write_results(
        RESULTS,
        {
            "repeats": args.repeats,
            "commands": {name: " ".join(c) for name, c in COMMANDS.items()},
            "results": summary,
            "targets": targets,
        },
    )


if __name__ == "__main__":
    main()
