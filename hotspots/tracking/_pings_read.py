"""Streaming read of ping exports: check rows per block, spill, finish per bucket.

Memory stays flat in the number of rows. Each block of at most ``chunk_rows`` rows
is parsed, checked and projected; its kept rows are appended to one of K spill
files chosen by a hash of the unit (so every unit's pings share a file), with K
chosen from the rows seen so far and the file sizes. Then the spill files are
grouped into buckets of about ``chunk_rows`` rows; each bucket is sorted by unit
and time, cleared of duplicates and spikes, and written once more as a final
sorted bucket. Inputs of at most ``chunk_rows`` rows never touch the disk.
"""

from __future__ import annotations

import logging
import math
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.io._coordinates import parse_numbers
from hotspots.tracking._pings_csv import (
    has_control,
    iter_blocks,
    load_map,
    read_header,
    resolve_columns,
)
from hotspots.tracking._pings_project import lattice
from hotspots.tracking._pings_rules import (
    PING_REASONS,
    Reasons,
    check_officers,
    check_points,
)
from hotspots.tracking._pings_spill import SPILL_SCHEMA, Spill, Units, prefetch
from hotspots.tracking._pings_store import (
    BucketStats,
    finish_bucket,
    mark_times,
    quarantine_frame,
    quarantine_piece,
    split_units,
    write_bucket,
)
from hotspots.tracking._pings_time import parse_time_text

__all__ = ["stream_pings"]

logger = logging.getLogger(__name__)

# Bytes read per block: about this many bytes per row times chunk_rows, within
# these bounds (large enough for any one row, small enough to stay flat).
_BYTES_PER_ROW = 64
_MIN_BLOCK = 1 << 12
_MAX_BLOCK = 1 << 23
# Spill files: enough for about 1/1.5 chunk_rows each, never more open at once.
_SPILL_SLACK = 1.5
_MAX_SPILL_FILES = 256
_ROW_BITS = 40  # seq = file index << 40 | row


def stream_pings(
    paths: list[Path],
    *,
    columns,
    timezone: str,
    max_speed: float,
    chunk_rows: int,
    workdir,
    boundary,
) -> dict:
    """Read ping exports; return the parts of a Pings (see ``read_pings``)."""
    mapping = load_map(columns)
    sources = [p.name for p in paths]
    headers = [read_header(p, s) for p, s in zip(paths, sources, strict=True)]
    fields, kind = resolve_columns(mapping, headers[0], sources[0])
    for header, source in zip(headers[1:], sources[1:], strict=True):
        resolve_columns(fields, header, source)
    total_bytes = sum(p.stat().st_size for p in paths)
    block_bytes = int(min(max(chunk_rows * _BYTES_PER_ROW, _MIN_BLOCK), _MAX_BLOCK))
    units = Units()
    project = lattice().transform
    pending: list[pa.Table] = []
    pending_rows = 0
    spill: Spill | None = None
    tmpdir: tempfile.TemporaryDirectory | None = None
    quarantine: list[dict] = []
    rows_read = naive = 0
    blocks = (
        (index, block)
        for index, (path, source, header) in enumerate(
            zip(paths, sources, headers, strict=True)
        )
        for block in iter_blocks(path, source, header, fields, block_bytes)
    )
    for index, block in prefetch(blocks):
        rows_read += len(block.row) + len(block.bad)
        if block.bad:
            quarantine.append(_malformed(index, block.bad))
        for lo in range(0, len(block.row), chunk_rows):
            kept, aside, n_naive = _check_chunk(
                {f: a.slice(lo, chunk_rows) for f, a in block.columns.items()},
                block.row[lo : lo + chunk_rows],
                index=index,
                kind=kind,
                fields=fields,
                timezone=timezone,
                boundary=boundary,
                units=units,
                project=project,
            )
            naive += n_naive
            if aside is not None:
                quarantine.append(aside)
            if spill is not None:
                spill.add(kept)
                continue
            pending.append(kept)
            pending_rows += kept.num_rows
            if pending_rows > chunk_rows:  # too many for memory: start spilling
                seen = sum(p.stat().st_size for p in paths[:index]) + block.consumed
                estimate = rows_read * total_bytes / max(seen, 1)
                tmpdir = tempfile.TemporaryDirectory(
                    prefix="hotspots-pings-", dir=workdir
                )
                spill = _start_spill(tmpdir.name, estimate, chunk_rows, workdir)
                for table in pending:
                    spill.add(table)
                pending = []
    names, rank = units.names()
    stats = BucketStats(len(names))
    buckets: list = []
    if spill is None:
        table = pa.concat_tables(pending) if pending else SPILL_SCHEMA.empty_table()
        done = _finish(table, rank, names, max_speed)
        if len(done.flagged_seq):
            quarantine.append(_flagged(done))
        if done.table.num_rows:
            buckets = split_units(done.table, chunk_rows)
        stats.add(done.table)
    else:
        spill.close()
        for group in spill.groups(chunk_rows):
            table = pa.concat_tables([spill.read(p) for p in group])
            done = _finish(table, rank, names, max_speed)
            if len(done.flagged_seq):
                quarantine.append(_flagged(done))
            for piece in split_units(done.table, chunk_rows):
                name = str(Path(spill.dir) / f"bucket-{len(buckets):05d}.arrow")
                write_bucket(piece, name)
                stats.add(piece)
                buckets.append(name)
    return {
        "buckets": buckets,
        "unit_names": names,
        "rows_read": rows_read,
        "quarantine": quarantine_frame(quarantine, sources),
        "tmpdir": tmpdir,
        "stats": stats,
        "rules": {
            "columns": fields,
            "coordinates": kind,
            "naive_times": naive,
            "chunk_rows": chunk_rows,
            "buckets": len(buckets),
            "spill_files": 0 if spill is None else spill.k,
            "sources": sources,
        },
    }


def _start_spill(directory: str, estimate: float, chunk_rows: int, workdir) -> Spill:
    """Open K spill files, K from the estimated rows in all the files."""
    k = math.ceil(_SPILL_SLACK * estimate / chunk_rows)
    k = min(max(k, 2), _MAX_SPILL_FILES)
    logger.info(
        "read_pings: more than %d rows (about %d in all); spilling to %d files in %s.",
        chunk_rows,
        estimate,
        k,
        "workdir" if workdir is not None else "a temporary folder",
    )
    return Spill(directory, k)


def _finish(table: pa.Table, rank: np.ndarray, names: np.ndarray, max_speed: float):
    codes = table.column("unit").to_numpy()
    return finish_bucket(
        rank[codes] if len(codes) else codes,
        table.column("time").to_numpy(),
        table.column("x").to_numpy(),
        table.column("y").to_numpy(),
        table.column("officers").to_numpy(),
        table.column("seq").to_numpy(),
        max_speed=max_speed,
        unit_names=names,
    )


def _flagged(done) -> dict:
    seq = done.flagged_seq
    row = seq & ((1 << _ROW_BITS) - 1)
    return quarantine_piece(
        seq >> _ROW_BITS, row, done.flagged_code, done.flagged_reason
    )


def _malformed(index: int, bad: list[tuple[int, str]]) -> dict:
    rows = np.array([r for r, _ in bad], dtype=np.int64)
    codes = np.full(len(bad), "malformed_row", dtype=object)
    reasons = np.full(len(bad), PING_REASONS["malformed_row"], dtype=object)
    raw = np.array([t for _, t in bad], dtype=object)
    return quarantine_piece(index, rows, codes, reasons, raw)


def _numbers(text: pa.Array) -> np.ndarray:
    """Text to float64; NaN where blank or not a number."""
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values, _, is_number = parse_numbers(pc.utf8_trim_whitespace(text))
        return np.where(is_number, values, np.nan)


def _check_chunk(
    text: dict[str, pa.Array],
    rows: np.ndarray,
    *,
    index: int,
    kind: str,
    fields: dict[str, str],
    timezone: str,
    boundary,
    units: Units,
    project,
) -> tuple[pa.Table, dict | None, int]:
    """Check one chunk; return (kept rows, rows set aside or None, naive times)."""
    n = len(rows)
    reasons = Reasons(n)
    for arr in text.values():
        control = has_control(arr)
        if control is not None:
            reasons.mark(
                control, "malformed_row", lambda r: ["control character"] * len(r)
            )
    times = parse_time_text(text["time"], timezone)
    mark_times(reasons, times.status)
    unit = pc.utf8_trim_whitespace(text["unit"])
    reasons.mark(
        pc.equal(pc.utf8_length(unit), 0).to_numpy(zero_copy_only=False), "no_unit"
    )
    first, second = (
        ("easting", "northing") if kind == "bng" else ("longitude", "latitude")
    )
    x, y = check_points(
        reasons,
        _numbers(text[first]),
        _numbers(text[second]),
        kind=kind,
        boundary=boundary,
        project=project,
    )
    officers = np.ones(n, dtype=np.int16)
    if "officers" in text:
        values = _numbers(text["officers"])
        blank = pc.equal(
            pc.utf8_length(pc.utf8_trim_whitespace(text["officers"])), 0
        ).to_numpy(zero_copy_only=False)
        officers = check_officers(
            reasons, np.where(np.isnan(values) & ~blank, -1.0, values)
        )
    ok = reasons.ok
    bad = np.flatnonzero(~ok)
    keep = np.flatnonzero(ok) if len(bad) else slice(None)
    codes = units.encode(unit.filter(pa.array(ok)) if len(bad) else unit)
    kept = pa.table(
        {
            "unit": pa.array(codes, pa.int32()),
            "time": pa.array(times.ns[keep]),
            "x": pa.array(x[keep]),
            "y": pa.array(y[keep]),
            "officers": pa.array(officers[keep], pa.int16()),
            "seq": pa.array((np.int64(index) << _ROW_BITS) | rows[keep]),
        },
        schema=SPILL_SCHEMA,
    )
    if not len(bad):
        return kept, None, int(times.naive.sum())
    take = pa.array(bad)
    ordered = [text[f].take(take) for f in fields]
    raw_text = pc.binary_join_element_wise(*ordered, ",").to_numpy(zero_copy_only=False)
    aside = quarantine_piece(
        index, rows[bad], reasons.codes(bad), reasons.reasons(bad), raw_text
    )
    return kept, aside, int(times.naive.sum())
