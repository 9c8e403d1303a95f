"""Read police.uk street-level crime: one CSV, a bulk-archive folder, or its ZIP."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from hotspots.exceptions import InputFileError
from hotspots.io._archive import Source, open_sources, warn_unexpected_names
from hotspots.io._assemble import as_boundary, normalise_months
from hotspots.io._crime_types import report_old_names
from hotspots.io._csv import RawTable
from hotspots.io._diagnose import warn_whole_file_failures
from hotspots.io._forces import lookup_force, resolve_force
from hotspots.io._result import IngestResult, SkippedFile
from hotspots.io._stream import Rules
from hotspots.io._stream_prepare import read_pieces
from hotspots.io._stream_read import BATCH_ROWS, Gathered, gc_paused

__all__ = [
    "SAMPLE_COLUMNS",
    "Wanted",
    "force_matches",
    "not_wanted",
    "read_policeuk",
]

logger = logging.getLogger(__name__)

#: Raw columns quoted as the sample value when most of a file fails a check.
SAMPLE_COLUMNS = {
    "unparseable_month": ("Month",),
    "unknown_crime_type": ("Crime type",),
    "no_coordinates": ("Longitude", "Latitude"),
    "bad_coordinates": ("Longitude", "Latitude"),
    "placeholder_coordinates": ("Longitude", "Latitude"),
    "outside_uk": ("Longitude", "Latitude"),
    "outside_boundary": ("Longitude", "Latitude"),
    "duplicate_crime_id": ("Crime ID",),
    "malformed_row": ("raw_text",),
}


class Wanted:
    """The forces asked for, as slugs; ``text in wanted`` resolves ``text`` first."""

    def __init__(self, forces: Iterable[str]) -> None:
        if isinstance(forces, str):
            forces = [forces]
        self.slugs = {resolve_force(f) for f in forces}

    def __contains__(self, text: str) -> bool:
        return lookup_force(text) in self.slugs


def force_matches(wanted: Iterable[str], name: str) -> bool:
    """Return True if force ``name`` (slug, published or area name) is in ``wanted``.

    Both sides are resolved with :func:`hotspots.io.resolve_force`, so
    ``"leicestershire"`` (the archive slug) matches ``"Leicestershire Police"`` (the
    ``Falls within`` value) and ``"btp"`` matches ``"British Transport Police"``.

    Raises
    ------
    ValueError
        If a name in ``wanted`` is not a police.uk force.
    """
    return name in Wanted(wanted)


def not_wanted(src: Source, start_p, end_p, wanted) -> SkippedFile | None:
    """Return why archive file ``src`` is not opened (months, forces), or None."""
    month = src.month
    if month is not None and (
        (start_p is not None and month < start_p)
        or (end_p is not None and month > end_p)
    ):
        return SkippedFile(src.name, "month", "month outside start..end")
    if wanted is not None and src.slug is not None and src.slug not in wanted:
        return SkippedFile(src.name, "force", "force not in forces=")
    return None


def read_policeuk(
    path: str | Path,
    *,
    forces: Iterable[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    crime_types: Iterable[str] | str | None = None,
    boundary=None,
) -> IngestResult:
    """Read police.uk street-level crime into British National Grid, with a quarantine.

    Parameters
    ----------
    path : str or Path
        One street-level CSV (optionally gzipped), a folder laid out like the
        police.uk bulk archive (``YYYY-MM/YYYY-MM-<force>-street.csv``), or the
        archive's ZIP as downloaded (read in memory, never unpacked to disk).
    forces : iterable of str, optional
        Keep only these forces, by archive slug (``"leicestershire"``, ``"btp"``,
        ``"northern-ireland"``), published name (``"British Transport Police"``) or
        area name, as :func:`hotspots.io.resolve_force` reads them. None keeps all.
        Archive files of other forces are not opened; rows of other forces in opened
        files are quarantined as ``force_not_requested``.
    start, end : str, optional
        First and last month to keep, ``"YYYY-MM"``, inclusive. Archive files
        outside the range are not opened; rows outside it are quarantined as
        ``month_out_of_range``.
    crime_types : iterable of str, or str, optional
        police.uk crime types to keep (any case), or the name of a definition in
        :data:`hotspots.DEFINITIONS` such as ``"serious_violence"``.
        None keeps all 14.
    boundary : shapely geometry, GeoSeries, GeoDataFrame or str, optional
        Study area; rows outside it are quarantined as ``outside_boundary``. A
        GeoSeries/GeoDataFrame is reprojected to EPSG:27700 and dissolved; a bare
        shapely geometry must already be in EPSG:27700 metres; a string names a
        police force of England and Wales (``"leicestershire"``), whose area
        (:func:`hotspots.io.force_area`) is used.

    Returns
    -------
    IngestResult
        ``.crimes``: GeoDataFrame in EPSG:27700 with columns ``crime_id``,
        ``month`` (datetime64, first day of the month), ``reported_by``, ``force``
        (categorical), ``longitude``, ``latitude`` (as published, WGS84),
        ``location``, ``lsoa_code``, ``lsoa_name``, ``crime_type`` (categorical, the
        14 police.uk types), ``last_outcome_category``, ``context``, ``source``
        (file), ``row`` (1-based data-row number in that file) and ``geometry``
        (points, metres), plus ``crime_type_published`` (the crime type as written)
        when some rows carry a name police.uk no longer uses. ``.quarantine.frame``:
        every row set aside, with ``reason_code`` and ``reason``.
        ``rows_read == len(crimes) + len(quarantine)``. ``.skipped_files``,
        ``.respelled`` and ``.far_outside`` (also in ``by_force()`` and
        ``str(result)``): files not read, values read from other spellings, and
        rows lying more than 5 km outside their force's area (kept).

    Raises
    ------
    InputFileError
        The path does not exist, holds no street-level files, or a file is empty,
        binary, or in an unknown text encoding.
    SchemaError
        A file lacks a required column (``Month``, ``Falls within``, ``Longitude``,
        ``Latitude``, ``Crime type``) or repeats a column name.
    ValueError
        A name in ``forces`` or a text ``boundary`` is not a police.uk force (the
        message lists the closest names).

    Warns
    -----
    HotspotsWarning
        When more than half the rows of a file fail one check (naming the file, the
        check, a sample value and the likely cause); when street-like files in a
        folder or ZIP are not named ``YYYY-MM-<force>-street.csv`` and so not read;
        when rows carry "Public disorder and weapons", which police.uk split in 2013
        and which is read as "Public order".

    Notes
    -----
    Checks, in order (a row failing several is set aside under the first):
    wrong number of fields or control characters (``malformed_row``); month not
    ``YYYY-MM`` nor an unambiguous spreadsheet spelling (``Jan-24``,
    ``January 2024``, ``2024-01-01``, ``01/01/2024``, ``2024/01``; ``03/02/2024`` is
    ambiguous and set aside); crime type neither one of the 14 police.uk types nor
    an older police.uk name (:data:`hotspots.io.CRIME_TYPE_HISTORY`; "Violent
    crime" is read as "Violence and sexual offences"); month, force or crime type
    not asked for; blank coordinates (police.uk "No Location"); text in the
    coordinates; placeholder coordinates such as 0,0; outside the UK (with a note
    when latitude and longitude look swapped); outside ``boundary``; a Crime ID
    repeated within a force (the first occurrence in file order is kept; police.uk
    repeats a crime in later files when its outcome changes). Accepted encodings:
    UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252; CRLF line ends.
    police.uk locations are snapped to anonymised map points and months carry no
    day (:doc:`/docs/methods/policeuk-data`). Files are checked in batches of about
    250,000 rows (a file larger than 16 MiB in pieces of about 60,000 rows), with
    the result of checking them all at once; for a whole bulk archive on disk use
    :func:`hotspots.io.ingest_national` (:doc:`/docs/methods/national`).

    Examples
    --------
    >>> from hotspots.demo import real_sample_path
    >>> result = read_policeuk(real_sample_path(), start="2024-01", end="2024-03")
    >>> result.rows_read == len(result.crimes) + len(result.quarantine)
    True
    """
    from hotspots.io._definitions import resolve_crime_types

    path = Path(path)
    wanted_types = resolve_crime_types(crime_types)
    start_p, end_p = normalise_months(start, end)
    wanted = Wanted(forces) if forces is not None else None
    area = as_boundary(boundary)

    with gc_paused():
        gathered = Gathered(Rules(wanted_types, start_p, end_p, wanted, area))
        batch: list[RawTable] = []
        n_batch = 0
        with open_sources(path) as (sources, skipped):
            to_read = []
            for src in sources:
                why = not_wanted(src, start_p, end_p, wanted)
                if why is not None:
                    skipped.append(why)
                else:
                    to_read.append(src)
            for piece in read_pieces(to_read):  # parsed and prepared ahead, in order
                batch.append(piece)
                n_batch += piece.table.num_rows
                logger.debug("%s: %d rows", piece.source, piece.table.num_rows)
                if n_batch >= BATCH_ROWS:  # check these rows now, let their text go
                    gathered.add(batch)
                    batch, n_batch = [], 0
            if batch:
                gathered.add(batch)
        warn_unexpected_names(skipped, stacklevel=2)
        if skipped:
            logger.info("Skipped %d file(s); see result.skipped_files.", len(skipped))
        if not gathered.tables:
            raise InputFileError(
                f"{path}: no street-level file matches the months/forces asked for "
                f"(start={start}, end={end}, forces={forces}); {len(skipped)} "
                "file(s) were skipped. Widen the filters."
            )
        # still paused: the last batch's points are being made meanwhile
        result, old_in = gathered.result(skipped), gathered.old_in
    old = result.respelled[result.respelled["column"] == "Crime type"]
    report_old_names(old, old_in, stacklevel=2)
    warn_whole_file_failures(result, columns=SAMPLE_COLUMNS, stacklevel=2)
    return result
