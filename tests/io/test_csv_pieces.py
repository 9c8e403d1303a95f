"""A large CSV read in pieces gives exactly what reading it whole gives."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import hotspots.io._csv_chunks as chunks
from hotspots.io import ingest_national, open_national, read_policeuk
from hotspots.io._csv import parse_csv_bytes
from hotspots.io._csv_chunks import parse_csv_pieces
from hotspots.io._schema import POLICEUK_COLUMNS, REQUIRED_POLICEUK_COLUMNS
from tests.conftest import HEADER, policeuk_row

NAME = "2024-06-leicestershire-street.csv"


def _rows(quoted: bool) -> list[str]:
    """200 rows with faults spread through the file (so near any cut)."""
    rows = []
    for i in range(200):
        lon = f"-1.{100 + i:03d}000"
        if i % 37 == 5:
            rows.append(policeuk_row(f"id{i}", lon=lon) + ",extra")  # malformed
        elif i % 41 == 7:
            rows.append(policeuk_row(f"id{i - 1}", lon=lon))  # repeated Crime ID
        elif i % 43 == 3:
            rows.append(policeuk_row(f"id{i}", lon=""))  # no location
        elif i % 47 == 11:
            rows.append(policeuk_row(f"id{i}", location="On or near \x01 Lane"))
        elif i % 53 == 13:
            rows.append("")  # a blank line
        elif quoted and i % 29 == 2:
            rows.append(
                policeuk_row(f"id{i}", location='"On or near Bath Lane, Leicester"')
            )
        else:
            rows.append(policeuk_row(f"id{i}", lon=lon))
    return rows


def _write(tmp_path, rows: list[str]):
    path = tmp_path / NAME
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("utf-8"))
    return path


def _parse(data: bytes, piece_bytes: int | None = None):
    kw = {"columns": POLICEUK_COLUMNS, "required": REQUIRED_POLICEUK_COLUMNS}
    if piece_bytes is None:
        return parse_csv_bytes(data, NAME, **kw)
    return list(parse_csv_pieces(data, NAME, piece_bytes=piece_bytes, **kw))


@pytest.mark.parametrize("quoted", [False, True])
def test_pieces_hold_the_rows_of_one_parse(tmp_path, quoted):
    data = _write(tmp_path, _rows(quoted)).read_bytes()
    whole = _parse(data)
    assert whole.bad_rows and whole.has_control is not None
    for piece_bytes in range(300, 9000, 331):  # cuts fall all through the file
        pieces = _parse(data, piece_bytes)
        assert len(pieces) > 1
        assert pa.concat_tables([p.table for p in pieces]).equals(whole.table)
        assert np.array_equal(np.concatenate([p.row for p in pieces]), whole.row)
        assert sorted(b for p in pieces for b in p.bad_rows) == whole.bad_rows
        flags = [
            np.zeros(p.table.num_rows, bool) if p.has_control is None else p.has_control
            for p in pieces
        ]
        assert np.array_equal(np.concatenate(flags), whole.has_control)


@pytest.mark.parametrize("quoted", [False, True])
def test_read_policeuk_of_a_file_in_pieces_equals_one_batch(
    tmp_path, monkeypatch, quoted
):
    path = _write(tmp_path, _rows(quoted))
    whole = read_policeuk(path)
    q = whole.quarantine.frame
    assert {"malformed_row", "duplicate_crime_id", "no_coordinates"} <= set(
        q["reason_code"]
    )
    if quoted:
        assert "On or near Bath Lane, Leicester" in set(whole.crimes["location"])
    for piece_bytes, batch_rows in ((700, 1), (1500, 30), (4000, 1)):
        monkeypatch.setattr(chunks, "PIECE_BYTES", piece_bytes)
        monkeypatch.setattr("hotspots.io._policeuk.BATCH_ROWS", batch_rows)
        pieces = read_policeuk(path)
        pd.testing.assert_frame_equal(pieces.crimes, whole.crimes)
        pd.testing.assert_frame_equal(pieces.quarantine.frame, q)
        for name in ("sources", "respelled", "far_outside"):
            pd.testing.assert_frame_equal(getattr(pieces, name), getattr(whole, name))
        assert pieces.rows_read == whole.rows_read == 200 - 4  # 4 blank lines


def test_a_repeat_is_found_when_a_set_aside_row_holds_another_id(write_csv):
    # Two kept rows share ID "y"; "x" is on a row set aside for having no location.
    # (Counting distinct IDs over all rows, 2 == 2 candidates, once hid the repeat.)
    path = write_csv([policeuk_row("x", lon=""), policeuk_row("y"), policeuk_row("y")])
    q = read_policeuk(path).quarantine.frame
    assert q["reason_code"].tolist() == ["no_coordinates", "duplicate_crime_id"]


def _dataset(out, table: str) -> pd.DataFrame:
    frame = open_national(out, table=table).to_table().to_pandas()
    frame = frame.drop(columns=["force_slug", "year", "geometry"], errors="ignore")
    return frame.astype(str).sort_values(["source", "row"], ignore_index=True)


@pytest.mark.filterwarnings("ignore::hotspots.exceptions.HotspotsWarning")
@pytest.mark.parametrize("quoted", [False, True])
def test_ingest_national_of_a_file_in_pieces_equals_one_batch(
    tmp_path, monkeypatch, quoted
):
    root = tmp_path / "arch" / "2024-06"
    root.mkdir(parents=True)
    _write(root, _rows(quoted))
    whole = ingest_national(root.parent, tmp_path / "whole", progress=False)
    monkeypatch.setattr(chunks, "PIECE_BYTES", 900)
    pieces = ingest_national(
        root.parent, tmp_path / "pieces", batch_rows=20, progress=False
    )
    assert (pieces.rows_read, pieces.rows_kept, pieces.by_reason) == (
        whole.rows_read,
        whole.rows_kept,
        whole.by_reason,
    )
    for table in ("crimes", "quarantine"):
        a, b = _dataset(tmp_path / "pieces", table), _dataset(tmp_path / "whole", table)
        pd.testing.assert_frame_equal(a, b)
    ledger = json.loads((tmp_path / "pieces" / "_ledger.json").read_text())
    (entry,) = ledger["files"].values()
    assert len(entry["parts"]) > 2 and entry["rows_in"] == 196  # one commit, whole
    assert entry["rows_in"] == entry["kept"] + entry["aside"]


def test_ids_across_batches_are_compared_as_text_when_hashes_collide(
    tmp_path, monkeypatch
):
    path = _write(tmp_path, _rows(False))
    whole = read_policeuk(path)
    monkeypatch.setattr(chunks, "PIECE_BYTES", 700)
    monkeypatch.setattr("hotspots.io._policeuk.BATCH_ROWS", 1)
    # every ID has the same hash: only the text comparison tells them apart
    monkeypatch.setattr(
        "hotspots.io._checks.text_hashes",
        lambda arr: np.zeros(len(arr), dtype=np.uint64),
    )
    pieces = read_policeuk(path)
    pd.testing.assert_frame_equal(pieces.crimes, whole.crimes)
    pd.testing.assert_frame_equal(pieces.quarantine.frame, whole.quarantine.frame)


def test_text_hashes_of_equal_texts_are_equal():
    from hotspots.io._hashing import text_hashes

    ids = pa.array(["a" * 64, "b" * 64, "a" * 64, "c" * 64, "a" * 64])
    h = text_hashes(ids.slice(1))  # a slice: offsets do not start at 0
    assert h[1] == h[3] and len(set(h.tolist())) == 3
    assert np.array_equal(text_hashes(ids)[1:], h)
    mixed = text_hashes(pa.array(["a", "bb", "a", ""]))  # lengths differ
    assert mixed[0] == mixed[2] != mixed[1] != mixed[3]
    # a text's hash does not depend on the other texts of its batch
    assert text_hashes(pa.array(["x" * 9, "b" * 64]))[1] == h[0]
