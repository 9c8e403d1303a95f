"""Write one checked batch into the national dataset: GeoParquet parts per force/year.

Kept rows go to ``crimes/force=<slug>/year=<YYYY>/part-<commit>.parquet`` with the
columns of :func:`hotspots.read_policeuk`'s kept GeoDataFrame, ``geometry`` as WKB
points with GeoParquet ``geo`` metadata (EPSG:27700), and plain ``x``, ``y``
(metres) for fast engine queries. Rows set aside go to
``quarantine/force=<slug>/year=<YYYY>/part-<commit>.parquet``. The slug is the
archive file's; the year is the kept row's month (quarantine: the file's month).
Each part is written to a temporary name and renamed, so none is ever half written.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hotspots._atomic import atomic_path
from hotspots.io._pools import KeptPool
from hotspots.io._schema import CRIME_TYPES, OUTPUT_COLUMNS, POLICEUK_RENAME
from hotspots.io._stream import Checked

__all__ = ["BatchWritten", "point_wkb", "wait_for_writes", "write_batch"]

_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])


@cache
def _projjson() -> dict:
    from pyproj import CRS

    return CRS.from_epsg(27700).to_json_dict()


def point_wkb(x: np.ndarray, y: np.ndarray) -> pa.BinaryArray:
    """Return little-endian WKB points (21 bytes each), built without shapely."""
    n = len(x)
    buf = np.empty(n, dtype=_WKB_POINT)
    buf["order"], buf["kind"], buf["x"], buf["y"] = 1, 1, x, y
    offsets = np.arange(n + 1, dtype=np.int32) * _WKB_POINT.itemsize
    return pa.BinaryArray.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes())]
    )


def _geo_metadata(x: np.ndarray, y: np.ndarray) -> bytes:
    bbox = [float(x.min()), float(y.min()), float(x.max()), float(y.max())]
    return json.dumps(
        {
            "version": "1.0.0",
            "primary_column": "geometry",
            "columns": {
                "geometry": {
                    "encoding": "WKB",
                    "geometry_types": ["Point"],
                    "crs": _projjson(),
                    "bbox": bbox,
                }
            },
        }
    ).encode("utf-8")


def _dictionary(values: pd.Categorical) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(values.codes, dtype=np.int32)),
        pa.array(list(values.categories), type=pa.string()),
    )


def _kept_table(c: Checked, keep: np.ndarray, source: pd.Categorical, rows) -> pa.Table:
    """Kept rows as Arrow columns, in read_policeuk's order, plus geometry, x, y."""
    rebuilt = ("Month", "Longitude", "Latitude", "Falls within", "Crime type")
    text = [k for k in POLICEUK_RENAME if k not in rebuilt]
    mask = pa.array(keep)
    # one chunk first: filtering a column of several chunks is 3-5x slower
    cols: dict[str, pa.Array] = {
        POLICEUK_RENAME[k]: c.table.column(k).combine_chunks().filter(mask)
        for k in text
    }
    cols["month"] = pa.array(c.month[keep], type=pa.timestamp("ns"))
    cols["force"] = _dictionary(c.force_categorical[keep])
    cols["crime_type"] = _dictionary(
        pd.Categorical.from_codes(c.crime_type_index[keep], categories=CRIME_TYPES)
    )
    cols["longitude"], cols["latitude"] = pa.array(c.lon[keep]), pa.array(c.lat[keep])
    cols["source"], cols["row"] = _dictionary(source[keep]), pa.array(rows[keep])
    for name, values in c.extra.items():
        cols[name] = pa.array(values[keep], type=pa.string())
    order = [k for k in OUTPUT_COLUMNS if k in cols] + list(c.extra)
    x, y = c.x[keep], c.y[keep]
    arrays = [cols[k] for k in order] + [point_wkb(x, y), pa.array(x), pa.array(y)]
    return pa.table(arrays, names=[*order, "geometry", "x", "y"])


@dataclass(frozen=True)
class BatchWritten:
    """What one batch wrote: parts (relative paths) and per-file row counts."""

    parts: list[str]
    kept: np.ndarray  # per table
    aside: np.ndarray  # per table, malformed rows included
    by_reason: dict[str, dict[str, int]]  # source -> reason code -> rows
    quarantine: pd.DataFrame  # the rows set aside, as read_policeuk's quarantine


#: Parquet encoding and compression release the GIL: one thread writes the parts
#: while the main thread checks the next batch. At most this many parts wait.
_MAX_WAITING = 16
_WRITER = KeptPool(1, "hotspots-write")
_waiting: dict[str, deque[Future]] = {}
_lock = threading.Lock()


def _write(table: pa.Table, path: Path, geo: bool) -> None:
    """Queue one part for writing (see :func:`wait_for_writes`)."""
    out = _key(path.parents[3])  # <out>/<crimes|quarantine>/force=../year=../part
    with _lock:
        queue = _waiting.setdefault(out, deque())
        queue.append(_WRITER.submit(_write_now, table, path, geo))
        oldest = queue.popleft() if len(queue) > _MAX_WAITING else None
    if oldest is not None:
        oldest.result()


def _key(out: Path) -> str:
    return str(Path(out).resolve())


def wait_for_writes(out: Path) -> None:
    """Wait until every part queued for dataset ``out`` is on disk.

    Called before the ledger records the parts (a commit) and before parts are
    deleted; raises the first write's error, if any.
    """
    with _lock:
        queue = _waiting.pop(_key(out), deque())
    errors = [f.exception() for f in queue]
    for err in errors:
        if err is not None:
            raise err


def _write_now(table: pa.Table, path: Path, geo: bool) -> None:
    if geo:
        meta = dict(table.schema.metadata or {})
        meta[b"geo"] = _geo_metadata(
            table.column("x").to_numpy(), table.column("y").to_numpy()
        )
        table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="snappy")


def _rows_of(table: pa.Table, idx: np.ndarray) -> pa.Table:
    """Rows ``idx`` (ascending) of ``table``; no copy when they are all of them."""
    if len(idx) == table.num_rows:
        return table
    return table.take(pa.array(idx))


def _partitions(
    slug: np.ndarray, year: np.ndarray
) -> dict[tuple[str, int], np.ndarray]:
    frame = pd.DataFrame({"slug": slug, "year": year})
    return {
        (str(s), int(y)): np.asarray(idx)
        for (s, y), idx in frame.groupby(["slug", "year"], sort=True).indices.items()
    }


def write_batch(
    out: Path, c: Checked, slugs: list[str], months: list[str], commit: str
) -> BatchWritten:
    """Write the kept and set-aside rows of checked batch ``c`` as parts ``commit``.

    ``slugs`` and ``months`` give each table's force slug and ``YYYY-MM`` (from its
    file name); ``commit`` names the parts (``part-<commit>.parquet``). Each table
    must be a different file (one piece of a large file per batch).
    """
    tables = c.tables
    counts = [t.table.num_rows for t in tables]
    table_of_row = np.repeat(np.arange(len(tables)), counts)
    source = pd.Categorical.from_codes(
        table_of_row, categories=[t.source for t in tables]
    )
    rows = np.concatenate([t.row for t in tables]) if tables else np.array([], int)
    keep = c.reasons.ok
    name = f"part-{commit}.parquet"
    parts: list[str] = []
    kept = _kept_table(c, keep, source, rows)
    slug_np = np.asarray(slugs, dtype=object)
    year = c.month[keep].astype("datetime64[Y]").astype(int) + 1970
    for (slug, yr), idx in _partitions(slug_np[table_of_row[keep]], year).items():
        rel = f"crimes/force={slug}/year={yr}/{name}"
        _write(_rows_of(kept, idx), out / rel, geo=True)
        parts.append(rel)
    quarantine = c.quarantine(source, rows)
    where = {t.source: i for i, t in enumerate(tables)}
    q_table = np.array([where[s] for s in quarantine["source"]], dtype=np.int64)
    q_year = np.array([int(m[:4]) for m in months], dtype=np.int64)[q_table]
    q_arrow = pa.Table.from_pandas(
        quarantine.astype({"row": "int64", "is_filter": bool}), preserve_index=False
    )
    # text is string whether pandas held it as str or object (one schema per part)
    q_arrow = q_arrow.cast(
        pa.schema(
            [
                f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f
                for f in q_arrow.schema
            ],
            metadata=q_arrow.schema.metadata,
        )
    )
    for (slug, yr), idx in _partitions(slug_np[q_table], q_year).items():
        rel = f"quarantine/force={slug}/year={yr}/{name}"
        _write(_rows_of(q_arrow, idx), out / rel, geo=False)
        parts.append(rel)
    by_reason: dict[str, dict[str, int]] = {}
    for (src, code), n in quarantine.groupby(["source", "reason_code"]).size().items():
        by_reason.setdefault(str(src), {})[str(code)] = int(n)
    return BatchWritten(
        parts=parts,
        kept=np.bincount(table_of_row[keep], minlength=len(tables)),
        aside=np.bincount(q_table, minlength=len(tables)),
        by_reason=by_reason,
        quarantine=quarantine,
    )
