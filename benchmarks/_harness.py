"""Helpers shared by the benchmark scripts: memory readings and the results file."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

__all__ = ["mb", "peak_rss_bytes", "rss_now", "write_results", "write_table"]


def peak_rss_bytes(maxrss: int) -> int:
    """Convert ``ru_maxrss`` to bytes (KiB on Linux, bytes on macOS)."""
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def rss_now() -> int:
    """Peak resident memory of this process so far, in bytes."""
    import resource

    return peak_rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def mb(value: float | None) -> str:
    """Bytes as whole mebibytes for a table ("-" when unknown)."""
    return "-" if value is None else f"{value / 2**20:,.0f}"


def write_results(path: Path, payload: dict) -> None:
    """Write ``payload`` plus the machine's description as JSON, and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    path.write_text(json.dumps({**payload, **machine}, indent=2))
    print(f"\nwrote {path.parent.parent.name}/{path.parent.name}/{path.name}")


def write_table(table, name: str) -> None:
    """Write a results table as ``benchmarks/results/<name>`` (CSV), and say where."""
    path = Path(__file__).resolve().parent / "results" / name
    path.parent.mkdir(exist_ok=True)
    table.to_csv(path, index=False)
    print(f"wrote benchmarks/results/{name}")
