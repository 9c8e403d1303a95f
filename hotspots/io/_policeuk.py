"""Read police.uk street-level crime: one CSV, a bulk-archive folder, or its ZIP."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from hotspots.exceptions import InputFileError
from hotspots.io._assemble import (
    as_boundary,
    assemble,
    normalise_months,
)
from hotspots.io._checks import (
    RowReasons,
    categorical,
    check_coordinates,
    check_duplicates,
    coded,
)
from hotspots.io._csv import RawTable, parse_csv_bytes
from hotspots.io._result import IngestResult
from hotspots.io._schema import (
    CRIME_TYPES,
    POLICEUK_COLUMNS,
    POLICEUK_RENAME,
    REQUIRED_POLICEUK_COLUMNS,
)

__all__ = ["force_matches", "read_policeuk"]

logger = logging.getLogger(__name__)

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# `YYYY-MM/YYYY-MM-<force>-street.csv` inside a bulk archive (folder or ZIP).
_STREET_RE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")
_FORCE_WORDS = re.compile(r"\b(police|constabulary|service|the)\b")


def _force_key(name: str) -> str:
    key = _FORCE_WORDS.sub(" ", name.lower().replace("-", " "))
    return " ".join(key.replace("&", "and").split())


def force_matches(wanted: Iterable[str], name: str) -> bool:
    """Return True if force ``name`` is one of ``wanted``.

    Names compare without case, hyphens and the words "police", "constabulary" and
    "service", so ``"leicestershire"`` (the archive's file slug) matches
    ``"Leicestershire Police"`` (the ``Falls within`` value).
    """
    key = _force_key(name)
    return any(_force_key(w) == key for w in wanted)


def _iter_sources(path: Path) -> Iterator[tuple[str, str | None, str | None, object]]:
    """Yield (source name, month, force slug, loader) for each street-level file."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if _STREET_RE.search(p.as_posix()))
        if not files:
            listing = sorted(p.name for p in path.iterdir())[:10]
            raise InputFileError(
                f"{path}: no police.uk street-level files "
                f"('YYYY-MM/YYYY-MM-<force>-street.csv') in this folder. Found: "
                f"{listing}. Pass a single CSV path to read one file."
            )
        for file in files:
            month, slug = _STREET_RE.search(file.as_posix()).groups()  # type: ignore[union-attr]
            yield (
                f"{path.name}/{file.relative_to(path).as_posix()}",
                month,
                slug,
                file.read_bytes,
            )
        return
    if not path.exists():
        raise InputFileError(f"{path}: no such file or folder. Check the path.")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                m
                for m in archive.namelist()
                if _STREET_RE.search(m) and not m.endswith("/")
            )
            if not members:
                raise InputFileError(
                    f"{path.name}: the ZIP holds no street-level files "
                    f"('YYYY-MM/YYYY-MM-<force>-street.csv'); it has "
                    f"{archive.namelist()[:10]}. Download the 'street' files from "
                    "police.uk, or extract a CSV and pass its path."
                )
            for member in members:
                month, slug = _STREET_RE.search(member).groups()  # type: ignore[union-attr]
                yield (
                    f"{path.name}!{member}",
                    month,
                    slug,
                    lambda m=member: archive.read(m),
                )
        return
    match = _STREET_RE.search(path.name)
    month, slug = match.groups() if match else (None, None)
    yield path.name, month, slug, path.read_bytes


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
        Keep only these forces, by name (``"Leicestershire Police"``) or archive
        slug (``"leicestershire"``). None keeps all. Archive files of other forces
        are not opened; rows of other forces in opened files are quarantined as
        ``force_not_requested``.
    start, end : str, optional
        First and last month to keep, ``"YYYY-MM"``, inclusive. Archive files
        outside the range are not opened; rows outside it are quarantined as
        ``month_out_of_range``.
    crime_types : iterable of str, or str, optional
        police.uk crime types to keep (any case), or the name of a definition in
        :data:`hotspots.DEFINITIONS` such as ``"serious_violence"``.
        None keeps all 14.
    boundary : shapely geometry, GeoSeries or GeoDataFrame, optional
        Study area; rows outside it are quarantined as ``outside_boundary``. A
        GeoSeries/GeoDataFrame is reprojected to EPSG:27700 and dissolved; a bare
        shapely geometry must already be in EPSG:27700 metres.

    Returns
    -------
    IngestResult
        ``.crimes``: GeoDataFrame in EPSG:27700 with columns ``crime_id``,
        ``month`` (datetime64, first day of the month), ``reported_by``, ``force``
        (categorical), ``longitude``, ``latitude`` (as published, WGS84),
        ``location``, ``lsoa_code``, ``lsoa_name``, ``crime_type`` (categorical, the
        14 police.uk types), ``last_outcome_category``, ``context``, ``source``
        (file), ``row`` (1-based data-row number in that file) and ``geometry``
        (points, metres). ``.quarantine.frame``: every row set aside, with
        ``reason_code`` and ``reason``. ``rows_read == len(crimes) + len(quarantine)``.

    Raises
    ------
    InputFileError
        The path does not exist, holds no street-level files, or a file is empty,
        binary, or in an unknown text encoding.
    SchemaError
        A file lacks a required column (``Month``, ``Falls within``, ``Longitude``,
        ``Latitude``, ``Crime type``) or repeats a column name.

    Notes
    -----
    Checks, in order (a row failing several is set aside under the first):
    wrong number of fields or control characters (``malformed_row``); month not
    ``YYYY-MM``; crime type not one of the 14 police.uk types; month, force or
    crime type not asked for; blank coordinates (police.uk "No Location"); text in
    the coordinates; outside the UK (with a note when latitude and longitude look
    swapped); outside ``boundary``; a Crime ID repeated within a force (the first
    occurrence in file order is kept; police.uk repeats a crime in later files when
    its outcome changes). Accepted encodings: UTF-8 with or without BOM, UTF-16 with
    BOM, Windows-1252; CRLF line ends. police.uk locations are snapped to
    anonymised map points and months carry no day (:doc:`/docs/methods/policeuk-data`).

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
    forces = list(forces) if forces is not None else None

    tables: list[RawTable] = []
    skipped: list[str] = []
    for source, month, slug, load in _iter_sources(path):
        outside = month is not None and (
            (start_p is not None and month < start_p)
            or (end_p is not None and month > end_p)
        )
        other_force = (
            forces is not None and slug is not None and not force_matches(forces, slug)
        )
        if outside or other_force:
            skipped.append(source)
            continue
        tables.append(
            parse_csv_bytes(
                load(),  # type: ignore[operator]
                source,
                columns=POLICEUK_COLUMNS,
                required=REQUIRED_POLICEUK_COLUMNS,
            )
        )
        logger.debug("%s: %d rows", source, tables[-1].table.num_rows)
    if skipped:
        logger.info(
            "Skipped %d archive file(s) outside the months/forces asked for.",
            len(skipped),
        )
    if not tables:
        raise InputFileError(
            f"{path}: no street-level file matches the months/forces asked for "
            f"(start={start}, end={end}, forces={forces}); {len(skipped)} file(s) "
            "were skipped. Widen the filters."
        )
    return _validate(
        tables, wanted_types, start_p, end_p, forces, as_boundary(boundary), skipped
    )


def _validate(tables, wanted_types, start_p, end_p, forces, boundary, skipped):
    table = pa.concat_tables([t.table for t in tables])
    n = table.num_rows
    reasons = RowReasons(n)

    # Control characters (NUL etc.) anywhere in a row make it malformed.
    if any(t.has_control is not None for t in tables):
        has_control = np.concatenate(
            [
                t.has_control
                if t.has_control is not None
                else np.zeros(t.table.num_rows, bool)
                for t in tables
            ]
        )
        reasons.mark(has_control, "malformed_row", "control characters in the row")

    month_code, month_values = coded(table.column("Month"))
    month_ok_v = np.array([bool(_MONTH_RE.match(m)) for m in month_values], dtype=bool)
    month_v = np.array(
        [
            np.datetime64(f"{m}-01", "ns") if ok else np.datetime64("NaT", "ns")
            for m, ok in zip(month_values, month_ok_v, strict=True)
        ],
        dtype="datetime64[ns]",
    )
    month = month_v[month_code] if n else np.array([], "datetime64[ns]")
    reasons.mark(~month_ok_v[month_code], "unparseable_month")

    type_code, type_values = coded(table.column("Crime type"))
    lookup = {t.lower(): i for i, t in enumerate(CRIME_TYPES)}
    type_index_v = np.array([lookup.get(v.lower(), -1) for v in type_values], np.int64)
    type_index = type_index_v[type_code]
    reasons.mark(type_index < 0, "unknown_crime_type")

    month_str = np.asarray(month_values, dtype=object)[month_code]
    if start_p is not None or end_p is not None:
        lo, hi = start_p or "0000-00", end_p or "9999-99"
        outside_v = month_ok_v & np.array(
            [not (lo <= m <= hi) for m in month_values], dtype=bool
        )
        reasons.mark(outside_v[month_code], "month_out_of_range")
    force_code, force_values = coded(table.column("Falls within"))
    force_np = np.asarray(force_values, dtype=object)[force_code]
    if forces is not None:
        other_v = np.array([not force_matches(forces, f) for f in force_values], bool)
        reasons.mark(other_v[force_code], "force_not_requested")
    if wanted_types is not None:
        wanted_idx = [CRIME_TYPES.index(t) for t in wanted_types]
        reasons.mark(
            (type_index >= 0) & ~np.isin(type_index, wanted_idx),
            "crime_type_not_requested",
        )

    lon, lat, x, y = check_coordinates(
        reasons, table.column("Longitude"), table.column("Latitude"), boundary=boundary
    )
    check_duplicates(reasons, force_np, table.column("Crime ID"))

    return assemble(
        tables=tables,
        table=table,
        reasons=reasons,
        rename=POLICEUK_RENAME,
        month=month,
        force=force_np,
        crime_type_index=type_index,
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        month_text=month_str,
        skipped=skipped,
        force_categorical=categorical(force_code, force_values),
    )
