"""National ingest, file by file: a failure in a later piece, warnings judged per
file, and files changed (or only touched) since they were ingested."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
import zipfile

import pandas as pd
import pytest

import hotspots.io._csv_chunks as chunks
import hotspots.io._national as national_module
from hotspots.exceptions import HotspotsWarning, InputFileError
from hotspots.io import ingest_national, open_national, read_policeuk
from tests.conftest import HEADER, policeuk_row

BIG = "2024-06-leicestershire-street.csv"


def _write(root, name, rows, header=HEADER):
    path = root / name[:7] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _kept(out) -> pd.DataFrame:
    table = open_national(out, columns=["source", "row", "crime_id"])
    frame = table.to_table().to_pandas().astype(str)
    return frame.sort_values(["source", "row"], ignore_index=True)


def _aside(out) -> pd.DataFrame:
    q = open_national(out, table="quarantine", columns=["source", "row", "reason_code"])
    frame = q.to_table().to_pandas().astype(str)
    return frame.sort_values(["source", "row"], ignore_index=True)


def _small_files(root):
    """Files around BIG: IDs that repeat BIG's and May's, a row without location."""
    _write(root, "2024-05-leicestershire-street.csv", [policeuk_row("m1", "2024-05")])
    _write(
        root,
        "2024-07-leicestershire-street.csv",
        [
            policeuk_row("b5", "2024-07"),  # in BIG's first pieces: kept all the same
            policeuk_row("m1", "2024-07"),  # kept in May: set aside
            policeuk_row("n", "2024-07", lon="", lat=""),
        ],
    )
    derby = "Derbyshire Constabulary"
    _write(root, "2024-06-derbyshire-street.csv", [policeuk_row("d", force=derby)])


def _pieces(path):
    return list(
        chunks.parse_csv_pieces(
            path.read_bytes(),
            path.name,
            columns=national_module.POLICEUK_COLUMNS,
            required=national_module.REQUIRED_POLICEUK_COLUMNS,
        )
    )


def _failing_at(piece_no):
    """parse_csv_pieces, but BIG raises while its piece ``piece_no`` is parsed."""
    real = national_module.parse_csv_pieces

    def pieces(data, source, **kwargs):
        for k, piece in enumerate(real(data, source, **kwargs), start=1):
            if source.endswith(BIG) and k == piece_no:
                raise InputFileError(f"{source}: piece {k} is unreadable (test).")
            yield piece

    return pieces


@pytest.mark.parametrize("piece_no", [2, 3])
@pytest.mark.parametrize("batch_rows", [1, 25, 10_000])
def test_a_later_piece_failing_fails_only_its_file(
    tmp_path, monkeypatch, piece_no, batch_rows
):
    root, without = tmp_path / "a" / "arch", tmp_path / "b" / "arch"
    _small_files(without)
    shutil.copytree(without, root)
    big = [policeuk_row(f"b{i}", "2024-06") for i in range(60)]
    _write(root, BIG, big)
    monkeypatch.setattr(chunks, "PIECE_BYTES", 1500)  # BIG: pieces of ~10 rows
    first, *rest = _pieces(root / BIG[:7] / BIG)
    assert len(rest) >= 3 and "b5" in first.table.column("Crime ID").to_pylist()
    monkeypatch.setattr(national_module, "parse_csv_pieces", _failing_at(piece_no))
    out = tmp_path / "ds"
    with pytest.warns(HotspotsWarning) as record:
        done = ingest_national(root, out, batch_rows=batch_rows, progress=False)
    messages = [str(w.message) for w in record]
    assert any(f"{BIG} was not read: " in m and "(test)" in m for m in messages)
    assert done.files_failed == (f"arch/2024-06/{BIG}",)
    assert done.files_new == 4 and done.rows_read == 5 and done.rows_kept == 3
    assert done.by_reason == {"duplicate_crime_id": 1, "no_coordinates": 1}
    # exactly read_policeuk on the archive without BIG
    want = read_policeuk(without)
    pd.testing.assert_frame_equal(
        _kept(out),
        want.crimes[["source", "row", "crime_id"]]
        .astype(str)
        .sort_values(["source", "row"], ignore_index=True),
    )
    assert sorted(_kept(out)["crime_id"]) == ["b5", "d", "m1"]
    q = want.quarantine.frame[["source", "row", "reason_code"]].astype(str)
    pd.testing.assert_frame_equal(
        _aside(out), q.sort_values(["source", "row"], ignore_index=True)
    )
    ledger = json.loads((out / "_ledger.json").read_text())
    entry = ledger["files"][f"2024-06/{BIG}"]
    assert entry["status"] == "failed" and entry["parts"] == []
    assert f"piece {piece_no} is unreadable" in entry["error"]
    for key, e in ledger["files"].items():
        if key != f"2024-06/{BIG}":
            assert e["status"] == "ok" and e["rows_in"] == e["kept"] + e["aside"]
    on_disk = {
        p.relative_to(out).as_posix()
        for sub in ("crimes", "quarantine")
        for p in (out / sub).rglob("*")
        if p.is_file()
    }
    named = {p for e in ledger["files"].values() for p in e["parts"]}
    assert on_disk == named  # nothing of BIG left behind
    again = ingest_national(root, out, batch_rows=batch_rows, progress=False)
    assert again.files_new == 0 and again.files_skipped == 4


def _file_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "failed one check" in str(w.message)]


def test_most_rows_failing_is_judged_per_file_not_per_piece(tmp_path, monkeypatch):
    root = tmp_path / "arch"
    # 12 of 48 rows without location, all at the start (the first piece)
    rows = [
        policeuk_row(f"r{i}", lon="", lat="") if i < 12 else policeuk_row(f"r{i}")
        for i in range(48)
    ]
    _write(root, BIG, rows)
    # and a file all of whose 48 rows have none, over several pieces
    none = [policeuk_row(f"s{i}", lon="", lat="") for i in range(48)]
    _write(root, "2024-07-leicestershire-street.csv", none)
    with warnings.catch_warnings(record=True) as whole:
        warnings.simplefilter("always")
        read_policeuk(root)
    monkeypatch.setattr(chunks, "PIECE_BYTES", 1200)
    pieces = _pieces(root / BIG[:7] / BIG)
    assert len(pieces) >= 3 and pieces[0].table.num_rows <= 12
    for batch_rows in (1, 1000):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            ingest_national(
                root,
                tmp_path / f"ds{batch_rows}",
                batch_rows=batch_rows,
                progress=False,
            )
        got = _file_warnings(record)
        assert got == _file_warnings(whole)  # read_policeuk's, file by file
        assert len(got) == 1
        assert got[0].startswith(
            "arch/2024-07/2024-07-leicestershire-street.csv: 48 of 48 rows (100%) "
            "failed one check, no_coordinates"
        )


def _hashes(monkeypatch) -> list[int]:
    """Count SHA-256 computations from now on."""
    calls, real = [], hashlib.sha256

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "sha256", counting)
    return calls


def _archive(root):
    _write(root, "2024-05-leicestershire-street.csv", [policeuk_row("a", "2024-05")])
    return _write(root, BIG, [policeuk_row("a1"), policeuk_row("a2")])


def _retime(path, seconds=10):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def test_a_same_size_change_is_found_and_a_touch_is_fine(tmp_path, monkeypatch):
    root, out = tmp_path / "arch", tmp_path / "ds"
    path = _archive(root)
    ingest_national(root, out, progress=False)
    calls = _hashes(monkeypatch)
    again = ingest_national(root, out, progress=False)  # size and time as recorded
    assert again.files_skipped == 2 and calls == []
    _retime(path)  # touched: same bytes, later time
    again = ingest_national(root, out, progress=False)  # no warning (an error here)
    assert again.files_new == 0 and len(calls) == 1  # only that file was hashed
    entry = json.loads((out / "_ledger.json").read_text())["files"][f"2024-06/{BIG}"]
    assert entry["mtime_ns"] == path.stat().st_mtime_ns
    ingest_national(root, out, progress=False)
    assert len(calls) == 1  # its new time is recorded: not hashed again
    size = path.stat().st_size
    path.write_text(path.read_text().replace("\na2,", "\nb2,"), encoding="utf-8")
    _retime(path)
    assert path.stat().st_size == size
    with pytest.warns(HotspotsWarning, match="same size, other content") as record:
        changed = ingest_national(root, out, progress=False)
    message = str(record[0].message)
    assert f"{BIG} has changed since it was ingested" in message
    assert "new output folder" in message
    assert changed.files_new == 0
    assert sorted(_kept(out)["crime_id"]) == ["a", "a1", "a2"]  # the earlier copy


def test_zip_members_are_compared_by_crc32(tmp_path, monkeypatch):
    text = "\n".join([HEADER, policeuk_row("a1"), policeuk_row("a2")]) + "\n"
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    for path, body in ((first, text), (second, text.replace("\na2,", "\nb2,"))):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(f"2024-06/{BIG}", body)
    out = tmp_path / "ds"
    ingest_national(first, out, progress=False)
    entry = json.loads((out / "_ledger.json").read_text())["files"][f"2024-06/{BIG}"]
    with zipfile.ZipFile(first) as archive:
        assert entry["crc32"] == archive.getinfo(f"2024-06/{BIG}").CRC
    calls = _hashes(monkeypatch)
    assert ingest_national(first, out, progress=False).files_skipped == 1
    with pytest.warns(HotspotsWarning, match="same size, other content"):
        ingest_national(second, out, progress=False)
    assert calls == []  # the ZIP's directory told: no member was read


def test_a_failed_file_changed_to_the_same_size_is_read_again(tmp_path):
    root, out = tmp_path / "arch", tmp_path / "ds"
    rows = [policeuk_row("a1"), policeuk_row("a2")]
    path = _write(root, BIG, rows, header=HEADER.replace("Month", "Mnoth"))
    with pytest.warns(HotspotsWarning, match="was not read"):
        first = ingest_national(root, out, progress=False)
    assert first.files_failed == (f"arch/2024-06/{BIG}",)
    _write(root, BIG, rows)
    _retime(path)
    fixed = ingest_national(root, out, progress=False)
    assert fixed.files_new == 1 and fixed.rows_kept == 2 and fixed.files_failed == ()


def test_a_ledger_without_times_still_loads(tmp_path, monkeypatch):
    root, out = tmp_path / "arch", tmp_path / "ds"
    path = _archive(root)
    ingest_national(root, out, progress=False)
    ledger = json.loads((out / "_ledger.json").read_text())
    ledger["version"] = 1  # as written before mtime_ns, crc32 and boundary
    del ledger["boundary"]
    for entry in ledger["files"].values():
        del entry["mtime_ns"]
    (out / "_ledger.json").write_text(json.dumps(ledger))
    calls = _hashes(monkeypatch)
    again = ingest_national(root, out, progress=False)  # no warning: an error here
    assert again.files_skipped == 2 and len(calls) == 2  # each hashed once
    files = json.loads((out / "_ledger.json").read_text())["files"]
    assert files[f"2024-06/{BIG}"]["mtime_ns"] == path.stat().st_mtime_ns
    ingest_national(root, out, progress=False)
    assert len(calls) == 2
    for entry in files.values():  # an old ledger, and a same-size change
        del entry["mtime_ns"]
    (out / "_ledger.json").write_text(json.dumps({**ledger, "files": files}))
    path.write_text(path.read_text().replace("\na2,", "\nb2,"), encoding="utf-8")
    with pytest.warns(HotspotsWarning, match="same size, other content"):
        ingest_national(root, out, progress=False)
