"""Helpers shared by the benchmark scripts: memory readings and the results file."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

__all__ = [
    "mb",
    "peak_rss_bytes",
    "rss_now",
    "scrub_paths",
    "write_results",
    "write_table",
]

_PROJECT = str(Path(__file__).resolve().parent.parent)


def scrub_paths(value):
    """Return ``value`` with this machine's folders taken out of every text in it.

    Results are committed: the project's folder becomes a relative path, the
    temporary folder ``<tmp>``, installed packages ``<site-packages>``.
    """
    import re
    import site
    import tempfile

    if isinstance(value, dict):
        return {k: scrub_paths(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_paths(v) for v in value]
    if not isinstance(value, str):
        return value
    prefixes = [(p, "<site-packages>") for p in site.getsitepackages()]
    prefixes += [(_PROJECT + os.sep, ""), (tempfile.gettempdir(), "<tmp>")]
    for prefix, name in prefixes:
        value = value.replace(prefix, name)
    # other absolute folders (e.g. the interpreter's own library): keep the name only
    return re.sub(r"(?<![\w.])/(?:[\w.-]+/)+(?=[\w.-]+\.py\b)", "<lib>/", value)


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
    path.write_text(json.dumps(scrub_paths({**payload, **machine}), indent=2))
    print(f"\nwrote {path.parent.parent.name}/{path.parent.name}/{path.name}")


def write_table(table, name: str) -> None:
    """Write a results table as ``benchmarks/results/<name>`` (CSV), and say where."""
    path = Path(__file__).resolve().parent / "results" / name
    path.parent.mkdir(exist_ok=True)
    table.to_csv(path, index=False)
    print(f"wrote benchmarks/results/{name}")
