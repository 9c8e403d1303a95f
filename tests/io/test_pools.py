"""The readers' kept threads: they work in a forked child, and idle after an error."""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings

import pytest

from hotspots.io import _csv_chunks, ingest_national, read_policeuk
from hotspots.io._pools import KeptPool
from tests.conftest import policeuk_row


def _read_and_ingest(folder: str, out: str) -> tuple[int, int]:
    crimes = read_policeuk(folder).crimes
    return len(crimes), ingest_national(folder, out, progress=False).rows_kept


@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork")
def test_readers_work_in_a_forked_child(tmp_path, write_csv, monkeypatch):
    # a file over the piece size goes to the pieces' threads, a small one to the
    # files' threads; both readers also use the projecting, copying and writing ones
    monkeypatch.setattr(_csv_chunks, "PIECE_BYTES", 4096)
    rows = [policeuk_row(crime_id=f"id{i:04d}") for i in range(120)]
    write_csv(rows, name="a/2024-06/2024-06-leicestershire-street.csv")
    july = [policeuk_row(crime_id=f"jul{i}", month="2024-07") for i in range(5)]
    write_csv(july, name="a/2024-07/2024-07-leicestershire-street.csv")
    folder = str(tmp_path / "a")
    expected = _read_and_ingest(folder, str(tmp_path / "parent"))  # threads started
    assert expected == (125, 125)
    with warnings.catch_warnings():  # newer Pythons warn of fork with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        with multiprocessing.get_context("fork").Pool(1) as pool:
            job = pool.apply_async(_read_and_ingest, (folder, str(tmp_path / "child")))
            # before KeptPool, the child waited for ever on its parent's threads
            assert job.get(timeout=120) == expected


def test_kept_pool_runs_work_and_is_renewed_for_a_child():
    pool = KeptPool(2, "hotspots-test")
    assert pool.submit(sum, [1, 2, 3]).result() == 6
    before = pool._pool
    pool._renew()  # what a fork does, in the child
    assert pool._pool is not before
    assert pool.submit(max, 4, 9).result() == 9


def test_files_queued_after_a_failing_file_are_not_parsed(
    tmp_path, write_csv, monkeypatch
):
    """A read that fails leaves no queued files for the kept threads to parse."""
    from hotspots.exceptions import SchemaError
    from hotspots.io import _stream_prepare

    write_csv([policeuk_row()], name="a/2024-01/2024-01-leicestershire-street.csv")
    (tmp_path / "a/2024-01/2024-01-leicestershire-street.csv").write_text("x,y\n1,2\n")
    for month in range(2, 13):
        name = f"a/2024-{month:02d}/2024-{month:02d}-leicestershire-street.csv"
        write_csv([policeuk_row(month=f"2024-{month:02d}")], name=name)
    started, release = [], threading.Event()
    whole = _stream_prepare._whole

    def slow_whole(src):
        started.append(src.name)
        if "2024-01" not in src.name:
            release.wait(30)  # the good files wait until the error is raised
        return whole(src)

    monkeypatch.setattr(_stream_prepare, "_whole", slow_whole)
    with pytest.raises(SchemaError, match="2024-01"):
        read_policeuk(tmp_path / "a")
    release.set()
    drained = _stream_prepare._FILES.submit(lambda: None)  # behind any left
    drained.result(timeout=30)
    # the bad file and at most one more per thread started; the other nine were
    # cancelled (before, all eleven were parsed after the error)
    assert len(started) <= 3
