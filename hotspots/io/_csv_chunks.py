"""One large CSV as several tables of bounded size, with the result of one parse.

police.uk files are one force's month (about 90,000 rows at most), but a user's own
extract or a merged file may hold millions of rows. :func:`parse_csv_pieces` yields
such a file as :class:`~hotspots.io._csv.RawTable` pieces of about ``piece_bytes``
of CSV each, so the readers check it in batches of bounded size instead of all at
once. The pieces hold exactly the rows, record numbers, malformed rows and
control-character flags of :func:`~hotspots.io._csv.parse_csv_bytes` on the whole
file:

* a body without a quote character parses line by line (a line end always ends a
  record), so it is cut at line ends and each piece parsed on its own, two at a
  time on worker threads, with record numbers counted on from the pieces before;
* a body with a quote character may hold a quoted line break, and whether a stray
  quote is read as one depends on the whole file, so it is parsed whole, as
  before, and only the parsed table is cut into pieces.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from itertools import islice

import numpy as np

from hotspots.exceptions import SchemaError
from hotspots.io._csv import (
    CsvBytes,
    RawTable,
    missing_columns_message,
    parse_rows,
    parse_text,
    read_header,
)
from hotspots.io._decode import decode_bytes
from hotspots.io._pools import KeptPool

__all__ = ["PIECE_BYTES", "parse_csv_pieces"]

_NON_SPACE = re.compile(rb"\S")

#: CSV bytes per piece: about 60,000 police.uk rows (265 bytes a row). Measured on
#: 1M SYNTHETIC rows in one file: 2.9 s at 16 MiB against 3.4 s at 64 MiB (the
#: threads start sooner and stay busy); 8 MiB was no faster.
PIECE_BYTES = 16 << 20
#: Pieces parsed (two at a time) ahead of the one the caller is checking: enough
#: to keep both threads busy, at most this many pieces' tables in memory.
_AHEAD = 3
#: The two threads that parse pieces, kept for the process (a new pair for every
#: large file started 12 pairs of threads on 3.3M SYNTHETIC rows in 264 files).
_POOL = KeptPool(2, "hotspots-pieces")


def _spans(data: CsvBytes, start: int, piece_bytes: int) -> list[tuple[int, int]]:
    """Cut ``data[start:]`` at line ends into spans of at least ``piece_bytes``."""
    spans, end = [], len(data)
    while start < end:
        cut = (
            data.find(b"\n", start + piece_bytes) + 1
            if start + piece_bytes < end
            else 0
        )
        stop = end if cut <= 0 or end - cut < piece_bytes // 4 else cut
        spans.append((start, stop))
        start = stop
    return spans


def _renumbered(raw: RawTable, offset: int) -> RawTable:
    if not offset:
        return raw
    return dataclasses.replace(
        raw,
        row=raw.row + offset,
        bad_rows=[(r + offset, t, n, e) for r, t, n, e in raw.bad_rows],
    )


def _sliced(raw: RawTable, rows_per_piece: int) -> Iterator[RawTable]:
    """Cut a parsed table into pieces; malformed rows go with the rows they follow."""
    n = raw.table.num_rows
    starts = list(range(0, n, rows_per_piece)) or [0]
    for i, a in enumerate(starts):
        last = i == len(starts) - 1
        b = n if last else a + rows_per_piece
        lo = raw.row[a - 1] if a else 0
        hi = raw.row[b - 1] if b and not last else np.iinfo(np.int64).max
        yield RawTable(
            source=raw.source,
            table=raw.table.slice(a, b - a),
            row=raw.row[a:b],
            bad_rows=[r for r in raw.bad_rows if lo < r[0] <= hi],
            header=raw.header,
            encoding=raw.encoding,
            has_control=None if raw.has_control is None else raw.has_control[a:b],
        )


def parse_csv_pieces(
    data: CsvBytes,
    source: str,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    piece_bytes: int | None = None,
    use_threads: bool = True,
    prepare: Callable[[RawTable], RawTable] | None = None,
    encoding: str | None = None,
) -> Iterator[RawTable]:
    """Yield ``data`` parsed as :func:`parse_csv_bytes` would, in pieces.

    ``use_threads`` is passed to :func:`parse_csv_bytes` for a file parsed whole
    (pieces are parsed two at a time, each on one thread). Files of at most
    ``piece_bytes`` (default :data:`PIECE_BYTES`; nearly every
    police.uk file) are one piece. ``prepare``, if given, is applied to each
    piece before it is yielded, in the thread that parsed it (see
    :mod:`hotspots.io._stream_prepare`). ``encoding`` says ``data`` is already
    decoded, in that encoding (a file mapped by
    :func:`~hotspots.io._csv_mapped.map_plain`), so it is not decoded again.
    Errors of the file as a whole are raised before the first piece is yielded.

    Raises
    ------
    SchemaError, InputFileError
        As :func:`~hotspots.io._csv.parse_csv_bytes`.
    """
    piece_bytes = piece_bytes or PIECE_BYTES
    if encoding is None:
        data, encoding = decode_bytes(bytes(data), source)
    header, body_start = read_header(data, source)
    body_bytes = len(data) - body_start
    simple = data.find(b'"', body_start) < 0 and _NON_SPACE.search(data, body_start)
    if body_bytes <= piece_bytes or not simple:
        # decoded already: parse_csv_bytes would decode it again and report the
        # encoding of the decoded bytes (UTF-8) instead of the file's
        raw = parse_text(data, encoding, source, columns, required, use_threads)
        if body_bytes <= piece_bytes or not raw.table.num_rows:
            yield prepare(raw) if prepare is not None else raw
            return
        rows_per_piece = max(1, round(raw.table.num_rows * piece_bytes / body_bytes))
        for piece in _sliced(raw, rows_per_piece):
            yield prepare(piece) if prepare is not None else piece
        return
    missing = [c for c in required if c not in header]
    if missing:
        raise SchemaError(missing_columns_message(source, missing, header))
    spans = iter(_spans(data, body_start, piece_bytes))
    offset = 0

    def parse(span: tuple[int, int]) -> RawTable:
        args = (data, span, header, encoding, source, columns)
        raw = parse_rows(*args, use_threads=False)  # control bytes: per piece
        return prepare(raw) if prepare is not None else raw

    def submit(span: tuple[int, int]) -> Future:
        return _POOL.submit(parse, span)

    waiting = deque(submit(span) for span in islice(spans, _AHEAD))
    try:
        while waiting:  # pieces parse while the caller checks the ones before
            raw = waiting.popleft().result()
            nxt = next(spans, None)
            if nxt is not None:
                waiting.append(submit(nxt))
            yield _renumbered(raw, offset)
            offset += raw.table.num_rows + len(raw.bad_rows)
    finally:  # a piece failed or the caller stopped: the pieces queued go unparsed
        for future in waiting:
            future.cancel()
