"""The police.uk checking engine: one batch of parsed files in, checked columns out.

:func:`hotspots.read_policeuk` runs it once on every file it opens;
:func:`hotspots.io.ingest_national` runs it on batches of files of bounded size
(``batch_rows``), passing a :class:`~hotspots.io._stream_ids.SeenIds` so that the
duplicate Crime ID rule holds across batches and across runs. Both therefore set
rows aside under the same rules, with the same reason codes, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots.io._assemble import quarantine_frame
from hotspots.io._checks import (
    RowReasons,
    categorical,
    check_coordinates,
    check_duplicates,
    coded,
)
from hotspots.io._crime_types import crime_type_codes
from hotspots.io._csv import RawTable
from hotspots.io._months import parse_months
from hotspots.io._result import RESPELLED_COLUMNS
from hotspots.io._schema import CRIME_TYPES
from hotspots.io._stream_prepare import batch_prepared

if TYPE_CHECKING:
    from hotspots.io._stream_ids import ExactSeen, SeenIds

__all__ = ["Checked", "Rules", "check_batch"]


@dataclass(frozen=True)
class Rules:
    """What the caller asked for: crime types, months, forces and study area."""

    wanted_types: tuple[str, ...] | list[str] | None = None
    start: str | None = None
    end: str | None = None
    wanted: Any = None  # a container of force names (``Wanted``) or None
    boundary: object = None  # shapely geometry in EPSG:27700 or None


@dataclass
class Checked:
    """One batch after every check: the columns :func:`assemble` takes, per row."""

    tables: list[RawTable]
    table: pa.Table
    reasons: RowReasons
    month: np.ndarray
    force: np.ndarray
    force_categorical: pd.Categorical
    crime_type_index: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    outside_m: np.ndarray  # metres outside the row's force area (0 in, NaN unknown)
    month_text: np.ndarray
    crime_type_code: np.ndarray  # the type as published: codes into the values
    crime_type_values: list[str]
    respelled: pd.DataFrame
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    old_in: dict[str, list[str]] = field(default_factory=dict)

    @property
    def crime_type_text(self) -> np.ndarray:
        """The crime type of each row as published (trimmed), as text."""
        return np.asarray(self.crime_type_values, dtype=object)[self.crime_type_code]

    def quarantine(self, source: pd.Categorical, rows: np.ndarray) -> pd.DataFrame:
        """Return the batch's rows set aside, as :func:`quarantine_frame` does.

        ``source`` names each row's file and ``rows`` its record number there.
        """
        return quarantine_frame(
            tables=self.tables,
            table=self.table,
            reasons=self.reasons,
            source=source,
            rows=rows,
            month_text=self.month_text,
            force=self.force,
        )


def _control_characters(tables: list[RawTable]) -> np.ndarray | None:
    if all(t.has_control is None for t in tables):
        return None
    return np.concatenate(
        [
            t.has_control
            if t.has_control is not None
            else np.zeros(t.table.num_rows, bool)
            for t in tables
        ]
    )


def _respelled_table(
    month: tuple[list[str], np.ndarray, np.ndarray, np.ndarray],
    crime_type: tuple[list[str], np.ndarray, pd.DataFrame],
) -> pd.DataFrame:
    """Rows of :attr:`IngestResult.respelled`: month spellings and old type names."""
    values, code, respelled, read_as = month
    counts = np.bincount(code, minlength=len(values))
    rows = [
        ("Month", values[i], read_as[i], "respelled", int(counts[i]))
        for i in np.flatnonzero(respelled)
    ]
    values, code, old = crime_type
    counts = np.bincount(code, minlength=len(values))
    rows += [
        ("Crime type", r.published, r.read_as, r.status, int(counts[r.value]))
        for r in old.itertuples()
    ]
    return pd.DataFrame(rows, columns=list(RESPELLED_COLUMNS))


def _months(table: pa.Table, reasons: RowReasons):
    """Check the Month column: month per row, codes, values, text, ok, respelled."""
    n = table.num_rows
    month_code, month_values = coded(table.column("Month"))
    month_text_v, month_ok_v, respelled_v = parse_months(month_values)
    month_v = np.array(
        [
            np.datetime64(f"{m}-01", "ns") if m else np.datetime64("NaT")
            for m in month_text_v
        ],
        dtype="datetime64[ns]",
    )
    month = month_v[month_code] if n else np.array([], "datetime64[ns]")
    reasons.mark(~month_ok_v[month_code], "unparseable_month")
    return month, month_code, month_values, month_text_v, month_ok_v, respelled_v


def check_batch(
    tables: list[RawTable], rules: Rules, seen: SeenIds | ExactSeen | None = None
) -> Checked:
    """Run every police.uk row check on ``tables`` (one batch), in precedence order.

    ``seen`` carries the Crime IDs kept by earlier batches; rows repeating one, or
    one earlier in the batch, are set aside as ``duplicate_crime_id``, and the IDs
    kept here are added to it (:class:`~hotspots.io._stream_ids.SeenIds`: national
    ingest, 64-bit hashes; :class:`~hotspots.io._stream_ids.ExactSeen`:
    read_policeuk, texts). None checks the batch alone, comparing the texts.
    """
    table = pa.concat_tables([t.table for t in tables])
    reasons = RowReasons(table.num_rows)
    has_control = _control_characters(tables)
    if has_control is not None:
        reasons.mark(has_control, "malformed_row", "control characters in the row")
    month, month_code, month_values, month_text_v, month_ok_v, respelled_v = _months(
        table, reasons
    )
    type_code, type_values = coded(table.column("Crime type"))
    type_index_v, old_types = crime_type_codes(type_values)
    type_index = type_index_v[type_code]
    reasons.mark(type_index < 0, "unknown_crime_type")

    if rules.start is not None or rules.end is not None:
        lo, hi = rules.start or "0000-00", rules.end or "9999-99"
        outside_v = month_ok_v & np.array(
            [not (lo <= m <= hi) for m in month_text_v], dtype=bool
        )
        reasons.mark(outside_v[month_code], "month_out_of_range")
    force_code, force_values = coded(table.column("Falls within"))
    force_np = np.asarray(force_values, dtype=object)[force_code]
    if rules.wanted is not None:
        wanted = rules.wanted
        other_v = np.array([f not in wanted for f in force_values], dtype=bool)
        reasons.mark(other_v[force_code], "force_not_requested")
    if rules.wanted_types is not None:
        wanted_idx = [CRIME_TYPES.index(t) for t in rules.wanted_types]
        reasons.mark(
            (type_index >= 0) & ~np.isin(type_index, wanted_idx),
            "crime_type_not_requested",
        )

    prepared = batch_prepared(tables)
    lon, lat, x, y = check_coordinates(
        reasons, None, None, boundary=rules.boundary, read=prepared.coords
    )
    force_categorical = categorical(force_code, force_values)
    if seen is None:
        check_duplicates(reasons, force_categorical, None, read=prepared.ids)
    else:  # within the batch and across batches
        seen.check(reasons, force_categorical, None, read=prepared.ids)

    checked = Checked(
        tables=tables,
        table=table,
        reasons=reasons,
        month=month,
        force=force_np,
        force_categorical=force_categorical,
        crime_type_index=type_index,
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        outside_m=prepared.outside_m,
        month_text=np.asarray(month_values, dtype=object)[month_code],
        crime_type_code=type_code.astype(np.int16),
        crime_type_values=list(type_values),
        respelled=_respelled_table(
            (month_values, month_code, respelled_v, month_text_v),
            (type_values, type_code, old_types),
        ),
    )
    if len(old_types):
        checked.extra["crime_type_published"] = checked.crime_type_text
        table_of_row = np.repeat(
            np.arange(len(tables)), [t.table.num_rows for t in tables]
        )
        for rec in old_types.itertuples():
            found = np.unique(table_of_row[type_code == rec.value])
            files = dict.fromkeys(tables[i].source for i in found)  # pieces: once
            checked.old_in[rec.published] = list(files)
    return checked
