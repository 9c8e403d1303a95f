"""Low-level CSV reading: bytes in, a table of text columns out, malformed rows kept.

We parse with :mod:`pyarrow.csv` (a multi-format C++ reader that is 3-4x faster than
``pandas.read_csv`` with ``dtype=str``) and read every column as text; typing and
validation happen afterwards, vectorised, so that a bad value sets one row aside
instead of failing the whole file. Rows with the wrong number of fields are caught by
pyarrow's ``invalid_row_handler`` and returned with their text and record number.
"""

from __future__ import annotations

import csv
import logging
import mmap
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hotspots.exceptions import InputFileError, SchemaError
from hotspots.io._decode import (
    CONTROL_RE,
    MAX_LINES_IN_VALUE,
    NOT_CONTROL_BYTES,
    decode_bytes,
)

__all__ = [
    "CsvBytes",
    "RawTable",
    "missing_columns_message",
    "parse_csv_bytes",
    "parse_rows",
    "parse_text",
    "read_header",
]

logger = logging.getLogger(__name__)

#: A file's bytes as the parsers take them: read, or mapped (:mod:`._csv_mapped`).
CsvBytes = bytes | mmap.mmap


@dataclass(frozen=True)
class RawTable:
    """Text columns of one CSV source, plus the rows that could not be parsed.

    Attributes
    ----------
    source : str
        The file name (or ``archive.zip!member``) shown in messages.
    table : pyarrow.Table
        Parsed rows; every column is text (missing optional columns are blank).
    row : numpy.ndarray
        1-based data-record number of each parsed row (header excluded).
    bad_rows : list of tuple
        ``(row, text, n_fields, n_expected)`` for each row with the wrong number of
        fields.
    header : list of str
        The header as found in the file.
    encoding : str
        The encoding the bytes were read as.
    has_control : numpy.ndarray or None
        Per parsed row, True if a value holds a control character (NUL etc.); None
        when the file has none at all (the usual case, checked on the raw bytes).
    prepared : object or None
        Columns a reader computed from this piece ahead of its checks (police.uk:
        :class:`hotspots.io._stream_prepare.Prepared`); None when not computed.
    """

    source: str
    table: pa.Table
    row: np.ndarray
    bad_rows: list[tuple[int, str, int, int]]
    header: list[str]
    encoding: str
    has_control: np.ndarray | None = None
    prepared: object = None


def read_header(data: CsvBytes, source: str) -> tuple[list[str], int]:
    """Parse the header line; return the names and the byte offset after it."""
    end = data.find(b"\n")
    end = len(data) if end < 0 else end + 1
    line = data[:end].decode("utf-8").rstrip("\r\n")
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration) as err:
        raise InputFileError(
            f"{source}, line 1: cannot parse the header line ({err})."
        ) from err
    header = [h.strip() for h in header]
    seen: set[str] = set()
    dupes = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if dupes:
        raise SchemaError(
            f"{source}, line 1: column(s) {sorted(set(dupes))} appear more than once "
            f"in the header {header}. Remove the repeated column(s) and read again."
        )
    return header, end


def parse_csv_bytes(
    data: bytes,
    source: str,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    use_threads: bool = True,
) -> RawTable:
    """Parse CSV bytes into text columns ``columns`` (missing optional ones blank).

    Parameters
    ----------
    data : bytes
        The file's content, any accepted encoding (see :func:`decode_bytes`).
    source : str
        Name used in messages and in the quarantine's ``source`` column.
    columns : tuple of str
        Columns to return, in order. Other columns in the file are ignored.
    required : tuple of str
        Columns that must be in the header.
    use_threads : bool, default True
        Let pyarrow parse on several threads. False when the caller already parses
        several files side by side (the result is the same).

    Raises
    ------
    SchemaError
        If a required column is missing or a column name is repeated.
    InputFileError
        If the bytes are not a readable CSV (see :func:`decode_bytes`).
    """
    data, encoding = decode_bytes(data, source)
    return parse_text(data, encoding, source, columns, required, use_threads)


_NON_SPACE = re.compile(rb"\S")


def has_control_byte(data: CsvBytes, start: int, end: int) -> bool:
    """Say whether ``data[start:end]`` holds a control byte (:data:`CONTROL_RE`).

    ``bytes.translate`` deleting every other byte runs at memory speed (about 0.1 s
    for 265 MB); a regular-expression search for the character class took 1 s.
    """
    return len(data[start:end].translate(None, NOT_CONTROL_BYTES)) > 0


def missing_columns_message(source: str, missing: list[str], header: list[str]) -> str:
    """Return the error message for required columns missing from a header."""
    return (
        f"{source}, line 1: required column(s) {missing} not found. Columns "
        f"present: {header}. Is this a police.uk street-level file "
        "('YYYY-MM-<force>-street.csv')? For a force's own extract use "
        "read_force_extract() with a column_map."
    )


def parse_text(
    data: CsvBytes,
    encoding: str,
    source: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    use_threads: bool = True,
) -> RawTable:
    header, body_start = read_header(data, source)
    missing = [c for c in required if c not in header]
    if missing:
        raise SchemaError(missing_columns_message(source, missing, header))
    if not _NON_SPACE.search(data, body_start):
        empty = pa.table({c: pa.array([], type=pa.string()) for c in columns})
        return RawTable(source, empty, np.array([], np.int64), [], header, encoding)
    span = (body_start, len(data))
    return parse_rows(
        data, span, header, encoding, source, columns, use_threads=use_threads
    )


def parse_rows(
    data: CsvBytes,
    span: tuple[int, int],
    header: list[str],
    encoding: str,
    source: str,
    columns: tuple[str, ...],
    *,
    use_threads: bool = True,
    may_have_control: bool = True,
) -> RawTable:
    """Parse the data lines ``data[span[0]:span[1]]`` (whole lines, no header).

    Record numbers in ``row`` and ``bad_rows`` count from 1 at ``span[0]``. A
    file whose body holds no quote character parses line by line, so its body
    can be parsed in pieces at line ends (:mod:`hotspots.io._csv_chunks`).
    ``may_have_control=False`` skips the control-byte scan of the span (the
    caller has scanned the whole file once and found none).
    """
    body_start, body_end = span
    names = [f"f{i}" for i in range(len(header))]
    # zero-copy view of the rows
    body = pa.py_buffer(data).slice(body_start, body_end - body_start)
    table, bad_rows = _parse_body(
        body, names, source, quotes_span_lines=False, use_threads=use_threads
    )
    if bad_rows and data.find(b'"', body_start, body_end) >= 0:
        # A quoted value may hold a line break: re-read allowing that. A stray
        # quote, though, makes the parser run on to the next quote or the end of
        # the file; then neutralise lines with unbalanced quotes and quarantine them.
        table2, bad2 = _parse_body(body, names, source, quotes_span_lines=True)
        if not _runaway_quote(table2, bad2):
            table, bad_rows = table2, bad2
        else:
            table, bad_rows = _parse_with_unbalanced_quotes(
                bytes(data[body_start:body_end]), names, source
            )
    n_total = table.num_rows + len(bad_rows)
    if bad_rows:
        is_bad = np.zeros(n_total + 1, dtype=bool)
        is_bad[[r for r, *_ in bad_rows if 0 < r <= n_total]] = True
        rows = np.flatnonzero(~is_bad[1:]) + 1
        if len(rows) != table.num_rows:  # record numbers unknown: number in order
            rows = np.arange(1, table.num_rows + 1)
    else:
        rows = np.arange(1, n_total + 1)
    missing_column = pa.array([""] * table.num_rows, type=pa.string())
    arrays = [
        table.column(f"f{header.index(c)}") if c in header else missing_column
        for c in columns
    ]
    has_control = None
    if may_have_control and has_control_byte(data, body_start, body_end):
        joined = pc.binary_join_element_wise(*table.columns, "\t")
        has_control = pc.match_substring_regex(joined, CONTROL_RE).to_numpy(
            zero_copy_only=False
        )
    return RawTable(
        source=source,
        table=pa.table(arrays, names=list(columns)),
        row=rows.astype(np.int64),
        bad_rows=bad_rows,
        header=header,
        encoding=encoding,
        has_control=has_control,
    )


def _runaway_quote(table: pa.Table, bad_rows: list) -> bool:
    """Return True if a quote ran on across lines instead of closing a field.

    A correctly quoted multi-line value parses into a record with the right number
    of fields; a bad row spanning several lines, or a value spanning very many, is
    a stray quote swallowing the lines after it.
    """
    if any("\n" in text for _, text, *_ in bad_rows):
        return True
    return any(
        (pc.max(pc.count_substring(column, "\n")).as_py() or 0) > MAX_LINES_IN_VALUE
        for column in table.columns
    )


def _parse_with_unbalanced_quotes(
    body: bytes, names: list[str], source: str
) -> tuple[pa.Table, list[tuple[int, str, int, int]]]:
    """Parse a body in which some lines have an odd number of quote characters.

    Those lines are parsed with their quotes removed, so the parser cannot run on
    across lines, then moved to the bad rows with their original text; every other
    line is one record, parsed normally.
    """
    lines = body.split(b"\n")
    unbalanced: dict[int, str] = {}
    record = 0
    for i, line in enumerate(lines):
        if line in (b"", b"\r"):
            continue  # the parser skips empty lines
        record += 1
        if line.count(b'"') % 2:
            unbalanced[record] = line.decode("utf-8", errors="replace").rstrip("\r")
            lines[i] = line.replace(b'"', b"")
    table, bad_all = _parse_body(
        b"\n".join(lines), names, source, quotes_span_lines=False
    )
    n_total = table.num_rows + len(bad_all)
    bad_numbers = {b[0] for b in bad_all}
    # Record number of each parsed row: every record that was not a bad row.
    parsed = [r for r in range(1, n_total + 1) if r not in bad_numbers]
    keep = np.array([r not in unbalanced for r in parsed], dtype=bool)
    if len(keep) == table.num_rows:
        table = table.filter(pa.array(keep))
    bad_rows = [b for b in bad_all if b[0] not in unbalanced]
    bad_rows += [
        (r, text, text.count(",") + 1, len(names)) for r, text in unbalanced.items()
    ]
    bad_rows.sort()
    for r, _, _, _ in bad_rows:
        if r in unbalanced:
            logger.info("%s: row %d has an unbalanced quote; quarantined.", source, r)
    return table, bad_rows


def _parse_body(
    body: bytes | pa.Buffer,
    names: list[str],
    source: str,
    *,
    quotes_span_lines: bool,
    use_threads: bool = True,
) -> tuple[pa.Table, list[tuple[int, str, int, int]]]:
    """Parse CSV rows (no header) as text; return the table and the bad rows.

    ``use_threads=False`` parses on this thread only (and numbers bad rows at once).
    """
    for threaded in (True, False) if use_threads else (False,):
        bad_rows: list[tuple[int, str, int, int]] = []

        def _on_invalid(row: pacsv.InvalidRow, bad=bad_rows) -> str:
            # row.number counts records of the body from 1 (None when threaded).
            number = -1 if row.number is None else row.number
            bad.append((number, row.text, row.actual_columns, row.expected_columns))
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(
                    column_names=names, use_threads=threaded, block_size=1 << 24
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=quotes_span_lines,
                    invalid_row_handler=_on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    # the callers pass decoded bytes (decode_bytes, or a file
                    # mapped only when it is ASCII): valid UTF-8 already
                    check_utf8=False,
                ),
            )
        except pa.ArrowInvalid as err:
            raise InputFileError(
                f"{source}: cannot be parsed as CSV ({err}). Check that it is a "
                "comma-separated file with one header line, then read it again."
            ) from err
        # Threaded parsing is fast but does not number bad rows: redo those files
        # single-threaded (rare) so every quarantined row has its record number.
        if not bad_rows or not threaded:
            return table, bad_rows
    raise AssertionError("unreachable")  # pragma: no cover
