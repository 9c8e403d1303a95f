"""Per-piece work of the police.uk checking engine, done where the piece is parsed.

Reading a piece's coordinates as numbers, projecting them to British National Grid,
trimming and hashing its Crime IDs and measuring how far each point lies outside
its force's area depend on that piece alone, not on the rest of its batch. The
readers therefore do them in the threads that parse the files
(:func:`hotspots.io._csv_chunks.parse_csv_pieces` ``prepare=``), so that on two
cores this work runs while the main thread checks the batch before; pyarrow, PROJ,
numpy and GEOS release the GIL for most of it. Projection itself runs on one thread
kept for the process (:func:`hotspots.io._coordinates.project`), so that PROJ
builds one transformer, not one per thread. :func:`hotspots.io._stream.check_batch`
takes the result from each :class:`~hotspots.io._csv.RawTable` (or computes it, for
a piece that was not prepared), so a row is checked exactly as before.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from hotspots.io import _csv_chunks
from hotspots.io._areas import outside_metres
from hotspots.io._checks import IdColumn, coded, read_ids
from hotspots.io._coordinates import Coordinates, read_coordinates, warm_projection
from hotspots.io._csv import RawTable
from hotspots.io._csv_chunks import parse_csv_pieces
from hotspots.io._csv_mapped import source_data
from hotspots.io._pools import KeptPool
from hotspots.io._schema import POLICEUK_COLUMNS, REQUIRED_POLICEUK_COLUMNS

__all__ = ["Prepared", "batch_prepared", "prepare", "prepare_table", "read_pieces"]


@dataclass(frozen=True)
class Prepared:
    """A police.uk piece's columns read ahead of its checks (one value per row).

    ``outside_m`` is the distance in metres outside the area of the force in the
    row's ``Falls within`` (0 inside; NaN with no outline or no valid point), as
    :func:`hotspots.io.outside_force_area` measures it.
    """

    coords: Coordinates
    ids: IdColumn
    outside_m: np.ndarray

    @classmethod
    def concat(cls, parts: list[Prepared]) -> Prepared:
        """Join the prepared columns of consecutive pieces."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            Coordinates.concat([p.coords for p in parts]),
            IdColumn.concat([p.ids for p in parts]),
            np.concatenate([p.outside_m for p in parts]),
        )


def prepare_table(table) -> Prepared:
    """Read a police.uk text table's coordinates, IDs and force-area distances."""
    coords = read_coordinates(table.column("Longitude"), table.column("Latitude"))
    force_code, force_values = coded(table.column("Falls within"))
    return Prepared(
        coords=coords,
        ids=read_ids(table.column("Crime ID")),
        outside_m=outside_metres(force_code, force_values, coords.x, coords.y),
    )


def prepare(raw: RawTable) -> RawTable:
    """Return ``raw`` with its :class:`Prepared` columns (``raw.prepared``)."""
    return dataclasses.replace(raw, prepared=prepare_table(raw.table))


def batch_prepared(tables: list[RawTable]) -> Prepared:
    """Return a batch's :class:`Prepared` columns, reading any piece not prepared."""
    return Prepared.concat(
        [
            t.prepared if isinstance(t.prepared, Prepared) else prepare_table(t.table)
            for t in tables
        ]
    )


#: The two threads that load, parse and prepare small files, kept for the process
#: (they project on :data:`~hotspots.io._coordinates._PROJECTION`).
_FILES = KeptPool(2, "hotspots-files")


def _pieces(src, *, use_threads: bool = True) -> Iterator[RawTable]:
    """Parse and prepare one file's pieces (the file mapped where it can be)."""
    data, encoding = source_data(src)
    return parse_csv_pieces(
        data,
        src.name,
        columns=POLICEUK_COLUMNS,
        required=REQUIRED_POLICEUK_COLUMNS,
        use_threads=use_threads,
        prepare=prepare,
        encoding=encoding,
    )


def _whole(src) -> list[RawTable]:
    """Load, parse and prepare one small file (in a worker thread)."""
    return list(_pieces(src, use_threads=False))


#: CSV bytes of small files parsed ahead of the caller: about one batch of rows
#: (:data:`~hotspots.io._stream_read.BATCH_ROWS`, 265 bytes a row), so that the
#: threads parse the next batch while the caller checks this one. Four files ahead
#: left them idle half the time on 3.3M SYNTHETIC rows in 264 files.
AHEAD_BYTES = 64 << 20


def read_pieces(
    sources: Iterable, *, ahead_bytes: int = AHEAD_BYTES
) -> Iterator[RawTable]:
    """Yield every police.uk file's prepared pieces, in file order.

    Small files (at most :data:`~hotspots.io._csv_chunks.PIECE_BYTES`, nearly every
    police.uk file) are loaded, parsed and prepared by two worker threads, up to
    ``ahead_bytes`` of files in advance (at least one file); a large file is parsed
    in pieces by :func:`~hotspots.io._csv_chunks.parse_csv_pieces` (on two threads
    kept for the process). A file's error is raised when its turn comes, as a
    reader reading one file at a time would raise it.
    """
    waiting: deque[tuple[Future, int]] = deque()
    pool = _FILES
    # The transformer is built (40 ms, without the GIL) while the first file is
    # read. The outlines are not read ahead: json holds the GIL for 15 ms, which
    # held back the first parse by 20 ms; the first piece to need one reads them.
    warm_projection()
    queued = 0
    try:
        for src in sources:
            if src.size is not None and src.size <= _csv_chunks.PIECE_BYTES:
                waiting.append((pool.submit(_whole, src), src.size))
                queued += src.size
                while queued > ahead_bytes and len(waiting) > 1:
                    future, size = waiting.popleft()
                    queued -= size
                    yield from future.result()
                continue
            while waiting:
                yield from waiting.popleft()[0].result()
            queued = 0
            yield from _pieces(src)
        while waiting:
            yield from waiting.popleft()[0].result()
    finally:  # a file failed or the caller stopped: the files queued go unread
        for future, _ in waiting:
            future.cancel()
