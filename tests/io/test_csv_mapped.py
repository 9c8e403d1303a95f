"""A file used where it lies (memory-mapped) gives what reading it gives."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import hotspots.io._csv_chunks as chunks
from hotspots.io import read_policeuk
from hotspots.io._csv_chunks import parse_csv_pieces
from hotspots.io._csv_mapped import map_plain
from hotspots.io._schema import POLICEUK_COLUMNS, REQUIRED_POLICEUK_COLUMNS
from tests.conftest import HEADER, policeuk_row

KW = {"columns": POLICEUK_COLUMNS, "required": REQUIRED_POLICEUK_COLUMNS}
NAME = "2024-06-leicestershire-street.csv"


def _text(n: int = 150) -> bytes:
    lines = [policeuk_row(f"id{i}", lon=f"-1.{100 + i:03d}000") for i in range(n)]
    lines[n // 4] += ",extra"  # malformed
    lines[n // 2] = lines[n // 2].replace("On or near", "On or near \x01")  # control
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _write(tmp_path, data: bytes):
    path = tmp_path / NAME
    path.write_bytes(data)
    return path


def _assert_same_pieces(path) -> None:
    mapped = map_plain(path, NAME)
    assert mapped is not None
    got = list(parse_csv_pieces(mapped, NAME, encoding="utf-8", **KW))
    want = list(parse_csv_pieces(path.read_bytes(), NAME, **KW))
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.table.equals(b.table)
        np.testing.assert_array_equal(a.row, b.row)
        assert (a.bad_rows, a.header, a.encoding) == (b.bad_rows, b.header, b.encoding)
        np.testing.assert_array_equal(a.has_control, b.has_control)


@pytest.mark.parametrize("piece_bytes", [None, 900])  # one piece; many pieces
@pytest.mark.parametrize("quoted", [False, True])
def test_a_mapped_file_gives_the_pieces_of_reading_it(
    tmp_path, monkeypatch, piece_bytes, quoted
):
    if piece_bytes:
        monkeypatch.setattr(chunks, "PIECE_BYTES", piece_bytes)
    data = _text()
    if quoted:  # a quote: the file is parsed whole, as read
        data = data.replace(b"On or near Granby", b'"On or near, Granby"', 1)
    _assert_same_pieces(_write(tmp_path, data))


@pytest.mark.parametrize(
    "change",
    [
        lambda t: b"\xef\xbb\xbf" + t,  # byte-order mark
        lambda t: t.replace(b"Granby Street", b"Caf\xe9 Street"),  # Windows-1252
        lambda t: t.replace(b"Granby Street", "Café Street".encode()),  # not ASCII
        lambda t: t.replace(b"\n", b"\r"),  # old Mac line ends
        lambda t: t.decode().encode("utf-16"),
        gzip.compress,
        lambda t: b"",
        lambda t: b" " * 5_000 + t,  # blank first bytes
    ],
)
def test_files_that_decoding_changes_are_read_not_mapped(tmp_path, change):
    assert map_plain(_write(tmp_path, change(_text())), NAME) is None


@pytest.mark.parametrize(
    ("change", "encoding"),
    [
        (lambda t: t.replace(b"Granby Street", b"Caf\xe9 Street"), "cp1252"),
        (lambda t: b"\xef\xbb\xbf" + t, "utf-8-sig"),
        (lambda t: t.decode().encode("utf-16"), "utf-16"),
        (lambda t: t, "utf-8"),
    ],
)
def test_sources_name_the_file_s_own_encoding(tmp_path, change, encoding):
    # a whole-file parse once decoded the bytes twice and reported UTF-8
    result = read_policeuk(_write(tmp_path, change(_text(20))))
    assert result.sources["encoding"].tolist() == [encoding]


def test_a_file_that_cannot_be_mapped_is_read(tmp_path, monkeypatch):
    import mmap

    path = _write(tmp_path, _text(20))
    want = read_policeuk(path)

    def refuse(*args, **kwargs):
        raise OSError("this file system cannot map files")

    monkeypatch.setattr(mmap, "mmap", refuse)
    assert map_plain(path, NAME) is None
    got = read_policeuk(path)
    assert got.crimes.equals(want.crimes)
    assert got.quarantine.frame.equals(want.quarantine.frame)
