"""Spill files of a streaming read: kept rows grouped by a hash of the unit.

Rows of each checked chunk are appended to K Arrow IPC stream files, the file
chosen by the unit's code modulo K, so that every unit's pings end up in one file
and each file can later be sorted on its own. A file that grew much larger than
a bucket is split once more by a second hash before it is sorted.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SPILL_SCHEMA", "Spill", "Units", "prefetch"]

SPILL_SCHEMA = pa.schema(
    [
        ("unit", pa.int32()),
        ("time", pa.int64()),
        ("x", pa.float64()),
        ("y", pa.float64()),
        ("officers", pa.int16()),
        ("seq", pa.int64()),
    ]
)


class Units:
    """Unit id text -> int code in order of first appearance."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def encode(self, text: pa.Array) -> np.ndarray:
        encoded = pc.dictionary_encode(text)
        values = encoded.dictionary.to_pylist()
        lookup = np.array(
            [self.codes.setdefault(v, len(self.codes)) for v in values], np.int32
        )
        index = encoded.indices.to_numpy(zero_copy_only=False)
        return lookup[index] if len(lookup) else np.zeros(0, np.int32)

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (sorted names, rank of each code in that order)."""
        names = np.array(list(self.codes), dtype=object)
        order = np.argsort(names.astype(str), kind="stable")
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        return names[order], rank


class Spill:
    """Kept rows appended to K Arrow stream files by hash of the unit code."""

    def __init__(self, directory: str, k: int) -> None:
        self.dir, self.k = directory, k
        self.writers: dict[int, tuple] = {}
        self.counts = np.zeros(k, dtype=np.int64)

    def path(self, part: int) -> str:
        return str(Path(self.dir) / f"spill-{part:04d}.arrows")

    def add(self, table: pa.Table) -> None:
        part = table.column("unit").to_numpy() % self.k
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.k + 1))
        sorted_table = table.take(pa.array(order))
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            if p not in self.writers:
                sink = pa.OSFile(self.path(p), "wb")
                self.writers[p] = (sink, pa.ipc.new_stream(sink, SPILL_SCHEMA))
            lo, hi = int(bounds[p]), int(bounds[p + 1])
            self.writers[p][1].write_table(sorted_table.slice(lo, hi - lo))
            self.counts[p] += hi - lo

    def close(self) -> None:
        for sink, writer in self.writers.values():
            writer.close()
            sink.close()
        self.writers = {}

    def read(self, part: int) -> pa.Table:
        with pa.memory_map(self.path(part), "r") as source:
            table = pa.ipc.open_stream(source).read_all()
        Path(self.path(part)).unlink()
        return table

    def groups(self, rows: int) -> list[list[int]]:
        """Split oversized files, then pack files into groups of about ``rows``."""
        for part in np.flatnonzero(self.counts > 2 * rows).tolist():
            self._split(part, math.ceil(self.counts[part] / rows))
        out: list[list[int]] = []
        size = 0
        for p in np.flatnonzero(self.counts).tolist():
            if out and size + self.counts[p] <= rows:
                out[-1].append(p)
                size += int(self.counts[p])
            else:
                out.append([p])
                size = int(self.counts[p])
        return out

    def _split(self, part: int, m: int) -> None:
        """Share file ``part`` among ``m`` new files by (code // K) % m."""
        first = len(self.counts)
        self.counts = np.append(self.counts, np.zeros(m, dtype=np.int64))
        writers: dict[int, tuple] = {}
        with pa.memory_map(self.path(part), "r") as source:
            for batch in pa.ipc.open_stream(source):
                sub = (batch.column("unit").to_numpy() // self.k) % m
                for s in np.unique(sub).tolist():
                    p = first + s
                    if p not in writers:
                        sink = pa.OSFile(self.path(p), "wb")
                        writers[p] = (sink, pa.ipc.new_stream(sink, SPILL_SCHEMA))
                    rows = batch.filter(pa.array(sub == s))
                    writers[p][1].write_batch(rows)
                    self.counts[p] += rows.num_rows
        for sink, writer in writers.values():
            writer.close()
            sink.close()
        self.counts[part] = 0
        Path(self.path(part)).unlink()


def prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Yield from ``items``, produced one step ahead in a background thread.

    Reading and parsing the next block (pyarrow, which releases the GIL) then
    overlaps with checking the current one.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message) -> bool:
        while not stop.is_set():
            try:
                q.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as err:  # re-raised in the consuming thread
            put(("error", err))

    thread = threading.Thread(target=run, name="hotspots-read-pings", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
