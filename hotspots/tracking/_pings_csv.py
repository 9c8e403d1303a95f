"""Streaming a ping export: header, column map, and blocks of rows parsed as text.

A file (plain or gzip) is read in blocks that end at a line break, so memory stays
bounded however long the file is. Each block is made valid UTF-8 (bytes that are
not UTF-8 are read as Windows-1252) and parsed by :mod:`pyarrow.csv` with every
field as text; rows with the wrong number of fields come back with their text and
record number. A ping export has no line breaks inside values, so a quote left
open at the end of a line does not swallow the lines after it: a block where that
happens is re-read line by line and the broken line set aside.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

import hotspots.io._decode  # noqa: F401  (registers the "hotspots-cp1252" handler)
from hotspots.exceptions import InputFileError, SchemaError
from hotspots.io._decode import _BINARY_SIGNATURES, _ZIP_MAGIC, NOT_CONTROL_BYTES

__all__ = [
    "MAP_FIELDS",
    "Block",
    "has_control",
    "iter_blocks",
    "read_header",
    "resolve_columns",
]

#: Fields a column map may name (our field -> meaning).
MAP_FIELDS = {
    "unit": "radio (ISSI), vehicle or officer id (required)",
    "time": "ISO 8601 date-time, with a UTC offset or Z preferred (required)",
    "easting": "British National Grid easting, metres",
    "northing": "British National Grid northing, metres",
    "longitude": "WGS84 longitude, degrees",
    "latitude": "WGS84 latitude, degrees",
    "officers": "number of officers the unit carries (optional, default 1)",
}
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096
_MAX_CONTROL_SHARE = 0.05


@dataclass
class Block:
    """Parsed rows of one block: text fields, record numbers and bad rows.

    ``columns`` maps our field to a pyarrow string array (one value per parsed
    row); ``row`` is each parsed row's 1-based data-row number in the file;
    ``bad`` lists ``(row, text)`` of rows that could not be parsed;
    ``consumed`` is the bytes of the file (compressed, if gzip) read so far.
    """

    columns: dict[str, pa.Array]
    row: np.ndarray
    bad: list[tuple[int, str]]
    consumed: int = 0


def load_map(columns: Mapping[str, str] | str | Path | None) -> dict[str, str]:
    """Read a column map (dict, or YAML file optionally under ``columns:``)."""
    if columns is None:
        return {}
    if isinstance(columns, Mapping):
        mapping = dict(columns)
    else:
        with Path(columns).open(encoding="utf-8") as f:
            loaded = yaml.safe_load(f) or {}
        mapping = dict(loaded.get("columns", loaded))
    unknown = sorted(set(mapping) - set(MAP_FIELDS))
    if unknown:
        raise SchemaError(
            f"read_pings: columns has unknown field(s) {unknown}. Fields are: "
            f"{sorted(MAP_FIELDS)}."
        )
    bng, wgs = {"easting", "northing"} & set(mapping), {"longitude", "latitude"}
    wgs &= set(mapping)
    if (bng and wgs) or len(bng) == 1 or len(wgs) == 1:
        raise SchemaError(
            "read_pings: columns must name both easting and northing (British "
            "National Grid) or both longitude and latitude, not a mixture. Got "
            f"fields {sorted(mapping)}."
        )
    return {k: str(v) for k, v in mapping.items()}


def resolve_columns(
    mapping: dict[str, str], header: list[str], source: str
) -> tuple[dict[str, str], str]:
    """Complete the column map from the header; return (map, "lonlat" or "bng").

    Fields not in ``mapping`` take their default names (matched ignoring case):
    ``unit``, ``time``, ``longitude``/``latitude`` if present else
    ``easting``/``northing``, and ``officers`` if present.
    """
    lower = {h.lower(): h for h in header}
    out = dict(mapping)
    for field in ("unit", "time"):
        out.setdefault(field, lower.get(field, field))
    if not {"easting", "longitude"} & set(out):
        pair = ("longitude", "latitude")
        if not {"longitude", "latitude"} <= set(lower):
            pair = ("easting", "northing")
        for field in pair:
            out[field] = lower.get(field, field)
    if "officers" not in out and "officers" in lower:
        out["officers"] = lower["officers"]
    kind = "bng" if "easting" in out else "lonlat"
    check_header(out, header, source)
    return out, kind


def check_header(mapping: dict[str, str], header: list[str], source: str) -> None:
    """Raise SchemaError naming the first mapped column the file lacks."""
    for field, column in mapping.items():
        if column not in header:
            raise SchemaError(
                f"read_pings: {source}: column {column!r} (for {field}) not found. "
                f"Columns present: {header}. Pass columns={{{field!r}: "
                "'<column name>'}} naming the file's column."
            )


def _sniff(head: bytes, source: str) -> None:
    if not head.strip():
        raise InputFileError(f"{source}: the file is empty. Check the export.")
    if head.startswith(_ZIP_MAGIC):
        raise InputFileError(
            f"{source}: this is a ZIP archive, not a CSV. Unzip it and pass the CSV."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            f"{source}: the file is UTF-16 text. Re-save it as UTF-8 CSV."
        )
    for magic, kind in _BINARY_SIGNATURES.items():
        if head.startswith(magic):
            raise InputFileError(
                f"{source}: this is {kind}, not a CSV. Export the pings as CSV."
            )
    sample = head[:_SNIFF_BYTES]
    if len(sample.translate(None, NOT_CONTROL_BYTES)) > _MAX_CONTROL_SHARE * len(
        sample
    ):
        raise InputFileError(
            f"{source}: does not look like a CSV (binary content in the first "
            f"{len(sample)} bytes). Export the pings as CSV."
        )


def _open(path: Path) -> tuple[pa.NativeFile, pa.NativeFile]:
    """Return (stream of text, raw file whose position is the bytes consumed)."""
    raw = pa.OSFile(str(path), "rb")
    gz = raw.read(2) == _GZIP_MAGIC
    raw.seek(0)
    return (pa.CompressedInputStream(raw, "gzip") if gz else raw), raw


def read_header(path: Path, source: str) -> list[str]:
    """Return the header names of a ping export (sniffing for wrong formats)."""
    stream, raw = _open(path)
    with raw, stream:
        head = stream.read(1 << 16)
    _sniff(head, source)
    return _header_names(head.removeprefix(b"\xef\xbb\xbf"), source)


def _header_names(head: bytes, source: str) -> list[str]:
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    text = line.decode("utf-8", errors="hotspots-cp1252")
    names = [n.strip() for n in next(csv.reader([text]))] if text else []
    if not names or not any(names):
        raise InputFileError(f"{source}: the first line is not a header of names.")
    return names


def iter_blocks(
    path: Path, source: str, header: list[str], fields: dict[str, str], size: int
) -> Iterator[Block]:
    """Yield parsed blocks of about ``size`` bytes of the file (after the header)."""
    base = 0
    stream, raw = _open(path)
    with raw, stream:
        carry = stream.read(max(size, 1 << 16)).removeprefix(b"\xef\xbb\xbf")
        cut = carry.find(b"\n")
        carry = b"" if cut < 0 else carry[cut + 1 :]
        while True:
            more = stream.read(size)
            data = carry + more
            cut = data.rfind(b"\n") + 1 if more else len(data)
            body, carry = data[:cut], data[cut:]
            if body:
                block = _parse(body, header, fields, source)
                block.row += base
                block.bad = [(r + base, t) for r, t in block.bad]
                base += len(block.row) + len(block.bad)
                block.consumed = raw.tell()
                yield block
            if not more:
                return


def _parse(body: bytes, header: list[str], fields: dict[str, str], source) -> Block:
    body = _utf8(body)
    wanted = list(dict.fromkeys(fields.values()))
    try:
        table, bad = _arrow_parse(body, header, wanted, threads=True)
        if bad:  # threaded parsing does not number bad rows: redo single-threaded
            table, bad = _arrow_parse(body, header, wanted, threads=False)
    except pa.ArrowInvalid:  # e.g. a quoted value across a block edge
        return _line_parse(body, header, fields)
    if b'"' in body and (any("\n" in t for _, t in bad) or _runaway(table)):
        return _line_parse(body, header, fields)
    n = table.num_rows + len(bad)
    is_bad = np.zeros(n + 1, dtype=bool)
    is_bad[[r for r, _ in bad]] = True
    rows = np.flatnonzero(~is_bad[1:]) + 1
    columns = {f: table.column(c).combine_chunks() for f, c in fields.items()}
    return Block(columns, rows.astype(np.int64), bad)


def _utf8(body: bytes) -> bytes:
    """Return the block as valid UTF-8, reading other bytes as Windows-1252."""
    if body.isascii():
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    try:
        text = body.decode("utf-8", errors="hotspots-cp1252")
    except UnicodeDecodeError:  # bytes undefined in Windows-1252 too (0x81...)
        text = body.decode("utf-8", errors="replace")
    return text.encode("utf-8")


def _arrow_parse(body, header, wanted, *, threads):
    bad: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((-1 if row.number is None else row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(
            column_names=header, use_threads=threads, block_size=1 << 22
        ),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(wanted, pa.string()),
            check_utf8=False,  # the block was made valid UTF-8 above
            include_columns=wanted,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table, bad


def _runaway(table: pa.Table) -> bool:
    """Return True if some value holds a line break (a quote ran across lines)."""
    for column in table.columns:
        for chunk in column.chunks:
            data = chunk.buffers()[2]
            if data is not None and b"\n" in data.to_pybytes():
                return True
    return False


def _line_parse(body: bytes, header: list[str], fields: dict[str, str]) -> Block:
    """Parse a block line by line (slow; only for blocks with a stray quote)."""
    index = {f: header.index(c) for f, c in fields.items()}
    values: dict[str, list[str]] = {f: [] for f in fields}
    rows, bad, record = [], [], 0
    for raw in body.split(b"\n"):
        line = raw.removesuffix(b"\r")
        if not line:
            continue
        record += 1
        text = line.decode("utf-8")
        try:
            parsed = next(csv.reader(io.StringIO(text), strict=True))
        except (csv.Error, StopIteration):
            parsed = []
        if len(parsed) != len(header):
            bad.append((record, text))
            continue
        rows.append(record)
        for f, i in index.items():
            values[f].append(parsed[i])
    columns = {f: pa.array(v, type=pa.string()) for f, v in values.items()}
    return Block(columns, np.asarray(rows, dtype=np.int64), bad)


def has_control(arr: pa.Array) -> np.ndarray | None:
    """Per value, True if it holds a control character; None when none does."""
    data = arr.buffers()[2]
    if data is None or not len(bytes(data).translate(None, NOT_CONTROL_BYTES)):
        return None
    pattern = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
