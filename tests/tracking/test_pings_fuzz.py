"""Fuzzing read_pings with malformed exports: every data row is counted once."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.tracking._pings import read_pings

HEADER = b"unit,time,longitude,latitude"
UNITS = st.sampled_from([b"A", b"B", b"C 1", b'"D"', b"", b" "])
TIMES = st.sampled_from(
    [
        b"2024-06-01T10:00:00Z",
        b"2024-06-01T10:00:30+01:00",
        b"2024-06-01T10:01:00.250Z",
        b"2024-06-01 10:02:00",
        b"2024-10-27 01:30:00",  # repeated hour: ambiguous
        b"2024-03-31 01:30:00",  # skipped hour: does not exist
        b"2024-02-30T10:00:00Z",
        b"not a time",
        b"",
    ]
)
LONS = st.sampled_from([b"-1.13", b"-1.1301", b"-1.2", b"0", b"10", b"x", b""])
LATS = st.sampled_from([b"52.63", b"52.6301", b"0", b"99", b"", b"nan"])
# text without line breaks; quotes, commas and bytes that are not UTF-8 included
GARBAGE = (
    st.binary(max_size=12)
    .map(lambda b: b.replace(b"\n", b"?").replace(b"\r", b"?"))
    .map(lambda b: bytes(c if c >= 32 or c == 9 else 63 for c in b))
)
FIELD = st.one_of(GARBAGE, st.sampled_from([b'"', b'"a,b"', b"\xff\xfe", b"\xe9"]))


@st.composite
def rows(draw) -> bytes:
    kind = draw(st.sampled_from(["good", "good", "good", "fields", "garbage"]))
    if kind == "good":
        return b",".join([draw(UNITS), draw(TIMES), draw(LONS), draw(LATS)])
    if kind == "fields":  # a wrong number of fields, or garbage in a field
        n = draw(st.integers(1, 6))
        return b",".join(draw(st.lists(FIELD, min_size=n, max_size=n)))
    return draw(GARBAGE)


@st.composite
def files(draw) -> tuple[bytes, int]:
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 40))):
        choice = draw(st.sampled_from(["row", "row", "row", "blank", "repeat"]))
        if choice == "blank":
            lines.append(b"")
        elif choice == "repeat" and lines:
            lines.append(lines[-1])
        else:
            lines.append(draw(rows()))
    if lines and draw(st.booleans()):  # at most one control character
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i] + b"\x00"
    data = b"\n".join([HEADER, *lines]) + (b"\n" if draw(st.booleans()) else b"")
    return data, sum(1 for line in lines if line)


def _read(path: Path, chunk_rows: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_pings(path, chunk_rows=chunk_rows)


@settings(max_examples=30, deadline=None)
@given(files())
def test_read_pings_fuzz_every_row_kept_or_set_aside(example):
    data, n_rows = example
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(data)
        big = _read(path, 1_000_000)
        small = _read(path, 3)
        for pings in (big, small):
            assert pings.rows_read == n_rows
            assert pings.rows_read == pings.rows_kept + len(pings.quarantine)
            rows = pings.quarantine["row"]
            assert rows.between(1, n_rows).all() and rows.is_unique
        pd.testing.assert_frame_equal(big.frame(), small.frame())
        pd.testing.assert_frame_equal(big.quarantine, small.quarantine)
