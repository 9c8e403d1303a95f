"""Ingest a police.uk bulk archive (every force and month) into a GeoParquet dataset.

The files are read in batches of at most about ``batch_rows`` rows, each checked by
the engine :func:`read_policeuk` uses (:func:`hotspots.io._stream.check_batch`),
written as parts (:mod:`hotspots.io._national_write`) and committed in the ledger
(:mod:`hotspots.io._national_ledger`). See :doc:`/docs/methods/national`.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.io._archive import Source, open_sources, warn_unexpected_names
from hotspots.io._assemble import as_boundary, normalise_months
from hotspots.io._coordinates import warm_projection
from hotspots.io._crime_types import report_old_names
from hotspots.io._csv import RawTable
from hotspots.io._csv_chunks import parse_csv_pieces
from hotspots.io._csv_mapped import source_data
from hotspots.io._national_batch import READ_ERRORS, Batch
from hotspots.io._national_ledger import (
    Ledger,
    boundary_record,
    compare_file,
    ledger_key,
    note_file,
)
from hotspots.io._national_result import NationalIngest, summary_warning
from hotspots.io._national_write import wait_for_writes, write_batch
from hotspots.io._policeuk import Wanted, not_wanted
from hotspots.io._schema import POLICEUK_COLUMNS, REQUIRED_POLICEUK_COLUMNS
from hotspots.io._stream import Rules
from hotspots.io._stream_ids import SeenIds
from hotspots.io._stream_prepare import prepare

__all__ = ["NationalIngest", "ingest_national"]

logger = logging.getLogger(__name__)

#: Threads reading and parsing files, and files parsed ahead of the checks.
_WORKERS, _AHEAD = 2, 4


@dataclass
class _Run:
    """Running totals of one ingest."""

    ledger: Ledger
    seen: SeenIds
    rules: Rules
    totals: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    forces: set[str] = field(default_factory=set)
    months: set[str] = field(default_factory=set)
    old_names: list[pd.DataFrame] = field(default_factory=list)
    old_in: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, n: int) -> None:
        self.totals[key] = self.totals.get(key, 0) + n


def _failed(run: _Run, src: Source, sha: str, err: Exception) -> None:
    """Record a file that cannot be read at all as failed in the ledger, and warn.

    At whatever piece it failed, none of its rows is in the dataset.
    """
    entry: dict = {
        "size": src.size,
        "sha256": sha,
        "force": src.slug,
        "month": src.month,
        "status": "failed",
        "error": str(err),
        "parts": [],
    }
    note_file(entry, src)
    run.ledger.files[ledger_key(src.name)] = entry
    run.failed.append(src.name)
    warnings.warn(
        f"{src.name} was not read: {err} It is listed as failed in the ledger "
        "and read again when the file changes.",
        HotspotsWarning,
        stacklevel=3,
    )


def _load(src: Source) -> tuple[Source, str, Iterator[RawTable] | Exception]:
    """Read one file and parse its first piece (worker thread).

    Returns (source, sha256, the file's pieces or the error). A large file's other
    pieces are parsed as the caller takes them (:mod:`hotspots.io._csv_chunks`).
    """
    data, encoding = source_data(src)  # a plain file on disk: mapped
    sha = hashlib.sha256(data).hexdigest()
    pieces = parse_csv_pieces(  # files are parsed side by side: one thread each
        data,
        src.name,
        columns=POLICEUK_COLUMNS,
        required=REQUIRED_POLICEUK_COLUMNS,
        use_threads=False,
        prepare=prepare,  # coordinates, IDs and force-area distances, here
        encoding=encoding,
    )
    try:
        first = next(pieces)
    except READ_ERRORS as err:
        return src, sha, err
    return src, sha, chain([first], pieces)


def _loaded(
    todo: list[Source],
) -> Iterator[tuple[Source, str, Iterator[RawTable] | Exception]]:
    """Yield the files of ``todo`` parsed, in order, a few ahead on other threads.

    pyarrow parses without holding the GIL, so small files are parsed side by side
    while the main thread checks and writes; at most ``_AHEAD`` files wait in memory.
    """
    warm_projection()  # PROJ's transformer is built while the first files load
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        waiting: deque = deque()
        for src in todo:
            waiting.append(pool.submit(_load, src))
            if len(waiting) >= _AHEAD:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def _to_read(sources, skipped, ledger: Ledger, start_p, end_p, wanted):
    """Split the archive's files: (to read, already ingested, in scope, touched).

    A file in the ledger is compared by size and modification time (a ZIP member:
    size and CRC-32), and by SHA-256 only when those differ or were not recorded
    (:func:`~hotspots.io._national_ledger.compare_file`). A failed file is read
    again when it changed; an ingested one that changed is warned about and not
    read; one whose bytes are the same gets its new time recorded (``touched``).
    """
    todo, done, in_scope, touched = [], 0, 0, 0
    for src in sources:
        why = not_wanted(src, start_p, end_p, wanted)
        if why is not None:
            skipped.append(why)
            continue
        in_scope += 1
        entry = ledger.files.get(ledger_key(src.name))
        state = None if entry is None else compare_file(entry, src)
        if entry is None or (entry["status"] == "failed" and state == "changed"):
            todo.append(src)
            continue
        done += 1
        if state == "touched":
            note_file(entry, src)
            touched += 1
        elif state == "changed":
            what = (
                f"{entry['size']:,} -> {src.size:,} bytes"
                if entry["size"] != src.size
                else "same size, other content"
            )
            warnings.warn(
                f"{src.name} has changed since it was ingested ({what}); it is not "
                "read again, so the dataset keeps the earlier copy. To take the new "
                "one, ingest the archive into a new output folder (a new out).",
                HotspotsWarning,
                stacklevel=3,
            )
    todo.sort(key=lambda s: (s.slug or "", s.month or "", s.name))
    return todo, done, in_scope, touched


def ingest_national(
    archive: str | Path,
    out: str | Path,
    *,
    crime_types=None,
    forces=None,
    start: str | None = None,
    end: str | None = None,
    boundary=None,
    batch_rows: int = 1_000_000,
    progress: bool = True,
) -> NationalIngest:
    """Ingest a police.uk bulk archive into a partitioned GeoParquet dataset.

    Every street-level file not yet in the dataset is read and checked with the
    rules of :func:`hotspots.read_policeuk` (same reason codes), in batches of at
    most about ``batch_rows`` rows, and written by force and year. Running it again
    reads only files that are new; an interrupted run resumes without duplicates.

    Parameters
    ----------
    archive : str or Path
        A police.uk bulk archive folder or its ZIP (``YYYY-MM/YYYY-MM-<force>-
        street.csv`` for many forces and months), or one street-level CSV.
    out : str or Path
        The dataset folder, created if needed: ``crimes/force=<slug>/year=<YYYY>/
        part-<n>.parquet`` (GeoParquet, EPSG:27700: read_policeuk's kept columns,
        ``geometry`` and ``x``, ``y`` in metres), ``quarantine/...`` (rows set
        aside with ``reason_code`` and ``reason``) and ``_ledger.json``.
    crime_types, forces, start, end
        As in :func:`hotspots.read_policeuk`; files outside ``forces`` or
        ``start``..``end`` are not opened, other rows are set aside as filters.
        Keep them the same for every run into one dataset.
    boundary : shapely geometry, GeoSeries, GeoDataFrame or str, optional
        Study area, as in :func:`hotspots.read_policeuk`: a GeoDataFrame or
        GeoSeries with a CRS, a shapely geometry in EPSG:27700, or a force's name
        or slug (its area). Rows outside it are set aside as ``outside_boundary``.
        The ledger records it (a SHA-256 of its normalised WKB and a description);
        a later run into the same dataset must pass the same area (or none if
        the first passed none).
    batch_rows : int, default 1_000_000
        Rows checked and written at a time: files are added to a batch until it
        holds at least this many rows; a file larger than 16 MiB (about 60,000
        rows) is checked and written in pieces of that size, and committed whole.
        Peak memory grows with it, not with the archive: measured on SYNTHETIC
        police.uk archives of 1M and 2M rows, about 1.2 GiB at 1,000,000 and
        0.55 GiB at 250,000 (about 0.35 GiB + 0.8 KiB per row of ``batch_rows``),
        plus 8 bytes per Crime ID kept of the forces in the batch.
    progress : bool, default True
        Show a progress bar over files (tqdm).

    Returns
    -------
    NationalIngest
        Files seen/new/skipped/failed, rows read/kept/set aside (conserved per file,
        ``rows_read == rows_kept + rows_set_aside``), rows set aside by reason,
        forces, months, seconds and the ``dataset`` path.

    Raises
    ------
    InputFileError
        The archive does not exist or holds no street-level file, or ``out`` is a
        non-empty folder that is not a national dataset.
    ValueError
        ``batch_rows`` is below 1; a force, month or crime type is not known, or
        a text ``boundary`` names no force; or ``out`` holds rows checked against
        another ``boundary`` (ingest into a new folder).
    CRSError
        ``boundary`` is a GeoDataFrame or GeoSeries without a CRS.

    Warns
    -----
    HotspotsWarning
        Rows set aside for data problems, by reason; files most of whose rows fail
        one check (as :func:`hotspots.read_policeuk`, judged over the whole file
        when it is read in pieces); files that cannot be read (recorded as failed
        in the ledger); files changed since they were ingested; street-like files
        with unexpected names.

    Notes
    -----
    A Crime ID repeated within a force is set aside across batches and runs as in
    :func:`hotspots.read_policeuk`: the first occurrence ingested is kept (files are
    read force by force, in month order).

    A file that cannot be parsed, at its first piece or a later one, is recorded as
    failed and none of its rows is written or remembered; the other files of the
    run are ingested. Files already in the ledger are not read again: a file is
    taken as unchanged when its size and modification time (a ZIP member: size and
    CRC-32) are as recorded; when the time differs its SHA-256 is compared, so a
    file only touched is fine (its new time is recorded), while a changed one, of
    any size, is warned about and not read (a failed one is read again). Ledgers
    written before these fields existed are checked by SHA-256 once.
    :doc:`/docs/methods/national`.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from hotspots.demo import real_sample_path
    >>> from hotspots.io import open_national
    >>> out = tempfile.mkdtemp()
    >>> with warnings.catch_warnings():  # rows without a location are set aside
    ...     warnings.simplefilter("ignore")
    ...     done = ingest_national(real_sample_path(), out, progress=False)
    >>> done.rows_read == done.rows_kept + done.rows_set_aside
    True
    >>> open_national(out).count_rows() == done.rows_kept
    True
    """
    from tqdm.auto import tqdm

    from hotspots.io._definitions import resolve_crime_types

    t0 = time.perf_counter()
    if int(batch_rows) < 1:
        raise ValueError(f"batch_rows must be at least 1; got {batch_rows}.")
    start_p, end_p = normalise_months(start, end)
    wanted = Wanted(forces) if forces is not None else None
    area = as_boundary(boundary)
    rules = Rules(resolve_crime_types(crime_types), start_p, end_p, wanted, area)
    out = Path(out)
    logger.info("Ingesting into %s in batches of %s rows.", out.name, f"{batch_rows:,}")
    wait_for_writes(out)  # parts an earlier failed run in this process still writes
    ledger = Ledger.load(out)
    record = boundary_record(boundary, area)
    ledger.use_boundary(record)  # one rule per dataset
    if record is not None:
        logger.info("Study area: %s.", record["description"])
    run = _Run(ledger, SeenIds(out / "_seen", ledger.seen, ledger.id_hash), rules)
    with open_sources(Path(archive)) as (sources, skipped):
        todo, done, in_scope, touched = _to_read(
            sources, skipped, ledger, start_p, end_p, wanted
        )
        warn_unexpected_names(skipped, stacklevel=2)
        if not todo:
            logger.info("Nothing new: all %d file(s) are already ingested.", done)
        batch = Batch(run, int(batch_rows), write_batch)
        for src, sha, pieces in tqdm(
            _loaded(todo), total=len(todo), disable=not progress, unit="file"
        ):
            err = (  # batch.add commits when the batch holds batch_rows rows
                pieces
                if isinstance(pieces, Exception)
                else batch.add(src, sha, pieces, stacklevel=3)
            )
            if err is not None:  # not parsed, at its first piece or a later one
                _failed(run, src, sha, err)
        if batch.files:
            batch.commit(stacklevel=3)
        elif run.failed or touched:
            ledger.save()
    t = run.totals
    reasons = {k.split(":", 1)[1]: n for k, n in t.items() if k.startswith("reason:")}
    result = NationalIngest(
        dataset=out,
        files_seen=in_scope,
        files_new=len(todo),
        files_skipped=done,
        rows_read=t.get("rows_read", 0),
        rows_kept=t.get("rows_kept", 0),
        rows_set_aside=sum(reasons.values()),
        by_reason=reasons,
        forces=tuple(sorted(run.forces)),
        months=tuple(sorted(run.months)),
        seconds=time.perf_counter() - t0,
        files_failed=tuple(run.failed),
        skipped_files=tuple(skipped),
    )
    logger.info("%s", result)
    if run.old_names:  # log old crime-type names; warn about the split one
        keys = ["column", "published", "read_as", "status"]
        old = pd.concat(run.old_names).groupby(keys, sort=False)["n"].sum()
        report_old_names(old.reset_index(), run.old_in, stacklevel=2)
    summary_warning(result)
    return result
