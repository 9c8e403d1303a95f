"""Say loudly when a whole file (or most of it) fails one check.

A row-level quarantine is the right answer to a few bad rows, but when every row of
a file fails the same check the file itself is wrong (re-saved by a spreadsheet,
another layout, the wrong column map), and a count in the summary is easy to miss:
the next step then fails on "no crimes". :func:`warn_whole_file_failures` raises a
:class:`~hotspots.exceptions.HotspotsWarning` naming the file, the check, a sample
value and the likely cause.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from hotspots.exceptions import HotspotsWarning
from hotspots.io._months import SPREADSHEET_HINT
from hotspots.io._quarantine import REASONS
from hotspots.io._result import IngestResult

__all__ = ["MOST_ROWS", "warn_whole_file_failures"]

#: A file is "failing" a check when more than this share of its rows fail it.
MOST_ROWS = 0.5
_SAMPLE_CHARS = 60
_DATE_LIKE = re.compile(r"[/.]|^[A-Za-z]{3,}|^\d{4}-\d{1,2}-\d{1,2}")
_AMBIGUOUS_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{4}")

_CAUSES = {
    "malformed_row": (
        "the rows do not have the header's number of fields (a trailing comma in the "
        "header, another delimiter, or a file cut short)",
        "check the file in a text editor and download it again",
    ),
    "unparseable_date": (
        "the date column is in a format not recognised (ISO 8601 and UK day-first "
        "dates are)",
        "pass date_format=, e.g. date_format='%m/%d/%Y %H:%M'",
    ),
    "unknown_crime_type": (
        "the Crime type column holds something other than police.uk categories (is "
        "this a police.uk street file, or are the columns shifted?)",
        "check the Crime type column against hotspots.io.CRIME_TYPE_HISTORY",
    ),
    "unknown_offence_code": (
        "the offence codes are not Home Office codes as in hotspots.io.offence_codes()",
        'check column_map["offence_code"] names the Home Office code column',
    ),
    "no_coordinates": (
        "the coordinate columns are empty for most rows (not geocoded, or the "
        "columns were dropped on export)",
        "check the coordinate columns, or use another export of the data",
    ),
    "bad_coordinates": (
        "the coordinates are not plain numbers (a decimal comma, a degree sign, or "
        "text such as 'unknown')",
        "re-save the coordinates as plain decimal numbers",
    ),
    "placeholder_coordinates": (
        "the records were never located: the system wrote a placeholder such as 0,0",
        "geocode these crimes, or accept that they cannot be mapped",
    ),
    "outside_uk": (
        "latitude and longitude are swapped, or the coordinates are in another "
        "system (eastings/northings in the longitude/latitude columns, or the "
        "reverse)",
        "check which columns hold what and fix the column map or the file",
    ),
    "outside_boundary": (
        "the boundary is not this file's area (another force, or a boundary in the "
        "wrong CRS)",
        "check the boundary, e.g. boundary='leicestershire' for Leicestershire Police",
    ),
    "duplicate_crime_id": (
        "the same file or month was read twice",
        "read each month once",
    ),
}


def _month_cause(sample: str) -> tuple[str, str]:
    m = _AMBIGUOUS_DMY.match(sample)
    if m and m.group(1) not in ("1", "01") and m.group(2) not in ("1", "01"):
        return (
            f"{SPREADSHEET_HINT}; {sample!r} could be either day/month or "
            "month/day, so it is not guessed",
            "download the file from police.uk again and do not open it in a "
            "spreadsheet, or import the Month column as Text",
        )
    if _DATE_LIKE.search(sample):
        return (
            SPREADSHEET_HINT,
            "download the file from police.uk again, or import the Month column as "
            "Text when opening it",
        )
    return (
        "the Month column does not hold YYYY-MM months (is it the right column?)",
        "check the file's Month column",
    )


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= _SAMPLE_CHARS else text[:_SAMPLE_CHARS] + "...")


def _sample(rows: pd.DataFrame, columns: Sequence[str]) -> str:
    present = [c for c in columns if c in rows.columns]
    if not present:
        return _short(rows["reason"].iloc[0])
    first = rows.iloc[0]
    if len(present) == 1:
        return _short(first[present[0]])
    return ", ".join(f"{c}={_short(first[c])}" for c in present)


def warn_whole_file_failures(
    result: IngestResult,
    *,
    columns: Mapping[str, Sequence[str]],
    stacklevel: int,
) -> None:
    """Warn for each file in which most rows failed one (non-filter) check.

    ``outside_boundary`` warns only when no row of the file was kept: a study area
    smaller than a force-wide file leaves most rows outside by design.

    Parameters
    ----------
    result : IngestResult
        What a reader returned.
    columns : mapping
        Reason code -> quarantine columns to quote as the sample value (the raw
        field names of the file, e.g. ``{"unparseable_month": ["Month"]}``).
    stacklevel : int
        Stack level of the reader's caller, as for :func:`warnings.warn`.
    """
    frame = result.quarantine.frame
    if frame.empty:
        return
    bad = frame[~frame["is_filter"].astype(bool)]
    totals = result.sources.set_index("source")["rows_read"]
    kept: pd.Series | None = None  # kept rows per file, counted when needed
    for (source, code), rows in bad.groupby(["source", "reason_code"], sort=True):
        total = int(totals.get(source, 0))
        if not total or len(rows) <= MOST_ROWS * total:
            continue
        if code == "outside_boundary":
            if kept is None:
                kept = result.crimes["source"].astype(str).value_counts()
            if kept.get(source, 0):
                continue  # a study area smaller than the file's: expected
        sample = _sample(rows, columns.get(str(code), ("raw_text",)))
        if code == "unparseable_month":
            cause, todo = _month_cause(str(rows["month_text"].iloc[0]))
        else:
            cause, todo = _CAUSES.get(
                str(code), ("the file does not follow the expected layout", "check it")
            )
        share = len(rows) / total
        warnings.warn(
            f"{source}: {len(rows):,} of {total:,} rows ({share:.0%}) failed one "
            f"check, {code} ({REASONS[str(code)]}), and were set aside; e.g. "
            f"{sample}. Likely cause: {cause}. To fix: {todo}.",
            HotspotsWarning,
            stacklevel=stacklevel + 1,
        )
