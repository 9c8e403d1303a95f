"""Buckets of checked pings: per-unit checks, sorting, and storage on disk.

A bucket is an Arrow table with ``unit`` (int32 code: the position of the unit id
in the sorted list of ids), ``time`` (int64 ns UTC), ``x``, ``y`` (float64 metres,
EPSG:27700) and ``officers`` (int16), sorted by unit then time, holding whole units.
On disk each bucket is one uncompressed Arrow IPC (Feather v2) file, read back
memory-mapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots.tracking._pings_rules import PING_REASONS, Reasons, unit_checks
from hotspots.tracking._pings_time import AMBIGUOUS, BAD, NONEXISTENT

__all__ = [
    "BUCKET_SCHEMA",
    "QUARANTINE_COLUMNS",
    "BucketStats",
    "Finished",
    "finish_bucket",
    "mark_times",
    "quarantine_frame",
    "quarantine_piece",
    "read_bucket",
    "split_units",
    "write_bucket",
]

BUCKET_SCHEMA = pa.schema(
    [
        ("unit", pa.int32()),
        ("time", pa.int64()),
        ("x", pa.float64()),
        ("y", pa.float64()),
        ("officers", pa.int16()),
    ]
)
#: Columns of the quarantine frame.
QUARANTINE_COLUMNS = ("source", "row", "reason_code", "reason", "raw")
_NS = 1_000_000_000


@dataclass
class Finished:
    """A checked bucket: kept pings (sorted table) and the pings set aside.

    ``flagged_seq`` are input positions (see :func:`finish_bucket`),
    ``flagged_code`` reason codes and ``flagged_reason`` human reasons.
    """

    table: pa.Table
    flagged_seq: np.ndarray
    flagged_code: np.ndarray
    flagged_reason: list[str]


class BucketStats:
    """Kept pings, units present and first and last time, over sorted buckets."""

    def __init__(self, n_units: int) -> None:
        self.present = np.zeros(n_units, dtype=bool)
        self.kept = 0
        self.lo: int | None = None
        self.hi: int | None = None

    def add(self, table: pa.Table) -> None:
        """Count one bucket (sorted by unit, as :func:`finish_bucket` leaves it)."""
        if not table.num_rows:
            return
        codes = table.column("unit").to_numpy()
        self.present[codes[np.r_[True, codes[1:] != codes[:-1]]]] = True
        t = table.column("time").to_numpy()
        lo, hi = int(t.min()), int(t.max())
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)
        self.kept += table.num_rows


def finish_bucket(
    unit: np.ndarray,
    time: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    officers: np.ndarray,
    seq: np.ndarray,
    *,
    max_speed: float,
    unit_names: np.ndarray,
) -> Finished:
    """Sort one bucket's pings, set aside duplicates and spikes, keep the rest.

    ``unit`` are codes into ``unit_names`` (sorted, so code order is id order);
    ``seq`` is each ping's position in the whole input (file, then row), used to
    keep the first of a set of duplicates and to name the rows set aside.
    """
    order, duplicate, spike = unit_checks(unit, time, x, y, seq, max_speed)
    u, t = unit[order], time[order]
    xs, ys = x[order], y[order]
    flagged = duplicate | spike
    keep = ~flagged
    table = pa.table(
        {
            "unit": pa.array(u[keep].astype(np.int32)),
            "time": pa.array(t[keep]),
            "x": pa.array(xs[keep]),
            "y": pa.array(ys[keep]),
            "officers": pa.array(officers[order][keep].astype(np.int16)),
        },
        schema=BUCKET_SCHEMA,
    )
    rows = np.flatnonzero(flagged)
    codes = np.where(duplicate[rows], "duplicate_ping", "impossible_speed")
    reasons = []
    if len(rows):
        near = _nearest_kept(u, keep, rows)
        for r, n, c in zip(rows.tolist(), near.tolist(), codes.tolist(), strict=True):
            stamp = pd.Timestamp(int(t[r]), tz="UTC").isoformat()
            where = f"unit {unit_names[u[r]]} at {stamp} ({xs[r]:.0f}, {ys[r]:.0f})"
            if c == "impossible_speed" and n >= 0:
                metres = float(np.hypot(xs[r] - xs[n], ys[r] - ys[n]))
                seconds = abs(int(t[r]) - int(t[n])) / _NS
                where += f", {metres / seconds:.0f} m/s from the nearest kept ping"
            reasons.append(f"{PING_REASONS[c]}: {where}")
    return Finished(table, seq[order][rows], codes.astype(object), reasons)


def _nearest_kept(u: np.ndarray, keep: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Index of the previous kept ping of the same unit, else the next, else -1."""
    kept = np.flatnonzero(keep)
    out = np.full(len(rows), -1, dtype=np.int64)
    if not len(kept):
        return out
    pos = np.searchsorted(kept, rows)
    prev = kept[np.clip(pos - 1, 0, None)]
    nxt = kept[np.clip(pos, None, len(kept) - 1)]
    use_prev = (pos > 0) & (u[prev] == u[rows])
    use_next = ~use_prev & (pos < len(kept)) & (u[nxt] == u[rows])
    out[use_prev] = prev[use_prev]
    out[use_next] = nxt[use_next]
    return out


def split_units(table: pa.Table, rows: int) -> list[pa.Table]:
    """Cut a sorted table into pieces of about ``rows`` rows, never inside a unit."""
    n = table.num_rows
    if n <= rows:
        return [table]
    unit = table.column("unit").to_numpy()
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    pieces, begin = [], 0
    while begin < n:
        cut = begin + rows
        if cut >= n:
            end = n
        else:  # last unit start in (begin, cut]; else the first start after cut
            i = int(np.searchsorted(starts, cut, side="right")) - 1
            if starts[i] > begin:
                end = int(starts[i])
            else:
                end = int(starts[i + 1]) if i + 1 < len(starts) else n
        pieces.append(table.slice(begin, end - begin))
        begin = end
    return pieces


def write_bucket(table: pa.Table, path: str) -> None:
    """Write a bucket as an uncompressed Arrow IPC file."""
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, BUCKET_SCHEMA) as w:
        w.write_table(table)


def read_bucket(path: str) -> pa.Table:
    """Read a bucket written by :func:`write_bucket` (memory-mapped)."""
    with pa.memory_map(path, "r") as source:
        return pa.ipc.open_file(source).read_all()


def bucket_frame(table: pa.Table, unit_names: np.ndarray) -> pd.DataFrame:
    """Return a bucket as the documented frame: unit (str), time, x, y, officers."""
    codes = table.column("unit").to_numpy()
    return pd.DataFrame(
        {
            "unit": unit_names[codes] if len(codes) else np.array([], dtype=object),
            "time": table.column("time").to_numpy(),
            "x": table.column("x").to_numpy(),
            "y": table.column("y").to_numpy(),
            "officers": table.column("officers").to_numpy(),
        }
    )


def mark_times(reasons: Reasons, status: np.ndarray) -> None:
    """Set aside bad, ambiguous and nonexistent times (status from _pings_time)."""
    reasons.mark(status == BAD, "bad_time")
    reasons.mark(status == AMBIGUOUS, "ambiguous_local_time")
    reasons.mark(status == NONEXISTENT, "nonexistent_local_time")


def quarantine_piece(source, rows, codes, reasons, raw=None) -> dict:
    """Quarantine rows as arrays; ``source`` is a source index (int or array)."""
    n = len(rows)
    return {
        "source": np.broadcast_to(np.asarray(source, dtype=np.int64), (n,)),
        "row": np.asarray(rows, dtype=np.int64),
        "reason_code": np.asarray(codes, dtype=object),
        "reason": np.asarray(reasons, dtype=object),
        "raw": np.full(n, "", dtype=object) if raw is None else np.asarray(raw, object),
    }


def quarantine_frame(pieces: list[dict], sources: list[str]) -> pd.DataFrame:
    """Join quarantine pieces into one frame sorted by source, then row."""
    pieces = [p for p in pieces if len(p["row"])]
    columns = {
        c: np.concatenate([p[c] for p in pieces])
        if pieces
        else np.zeros(0, np.int64 if c in ("source", "row") else object)
        for c in QUARANTINE_COLUMNS
    }
    order = np.lexsort((columns["row"], columns["source"]))
    names = np.asarray(sources, dtype=object)
    frame = {c: v[order] for c, v in columns.items()}
    frame["source"] = names[frame["source"]] if len(order) else frame["source"]
    text = dict.fromkeys(("source", "reason_code", "reason", "raw"), str)
    return pd.DataFrame(frame, columns=list(QUARANTINE_COLUMNS)).astype(text)
