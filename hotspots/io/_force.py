"""Read a force's own records-management extract through a column map."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from hotspots.exceptions import SchemaError
from hotspots.io._assemble import as_boundary, assemble, normalise_months
from hotspots.io._checks import RowReasons, check_coordinates, check_duplicates, to_text
from hotspots.io._crime_types import crime_type_codes, report_old_names
from hotspots.io._csv import parse_csv_bytes
from hotspots.io._diagnose import warn_whole_file_failures
from hotspots.io._result import RESPELLED_COLUMNS, IngestResult
from hotspots.io._schema import CRIME_TYPES, POLICEUK_RENAME

__all__ = ["read_force_extract"]

logger = logging.getLogger(__name__)

#: Fields a column map may name (our field -> meaning).
MAP_FIELDS = {
    "crime_id": "unique crime reference (optional; repeats are quarantined)",
    "date": "date or date-time the offence was committed (required)",
    "offence_code": "Home Office offence code, e.g. '8N' (this or crime_type required)",
    "crime_type": "police.uk crime type (used when there is no offence_code)",
    "easting": "British National Grid easting, metres",
    "northing": "British National Grid northing, metres",
    "longitude": "WGS84 longitude, degrees",
    "latitude": "WGS84 latitude, degrees",
    "location": "street or place description (optional)",
    "lsoa_code": "LSOA code (optional)",
    "force": "force name column (optional; or pass force=)",
    "outcome": "latest outcome (optional)",
}
_FALLBACK_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def _load_map(column_map: Mapping[str, str] | str | Path) -> dict:
    if isinstance(column_map, Mapping):
        mapping = dict(column_map)
    else:
        with Path(column_map).open(encoding="utf-8") as f:
            loaded = yaml.safe_load(f) or {}
        mapping = dict(loaded.get("columns", loaded))
    unknown = sorted(set(mapping) - set(MAP_FIELDS))
    if unknown:
        raise SchemaError(
            f"read_force_extract: column_map has unknown field(s) {unknown}. "
            f"Fields are: {sorted(MAP_FIELDS)}."
        )
    if "date" not in mapping:
        raise SchemaError(
            'read_force_extract: column_map needs "date" (the offence date).'
        )
    has_bng = {"easting", "northing"} <= set(mapping)
    has_wgs = {"longitude", "latitude"} <= set(mapping)
    if has_bng == has_wgs:
        raise SchemaError(
            "read_force_extract: column_map must name either easting and northing "
            "(British National Grid) or longitude and latitude, not both or neither. "
            f"Got fields {sorted(mapping)}."
        )
    if "offence_code" not in mapping and "crime_type" not in mapping:
        raise SchemaError(
            'read_force_extract: column_map needs "offence_code" (Home Office code) '
            'or "crime_type" (police.uk type).'
        )
    return mapping


def _parse_dates(text: pd.Series, date_format: str | None) -> pd.Series:
    if date_format is not None:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    for fmt in _FALLBACK_DATE_FORMATS:
        missing = parsed.isna() & (text != "")
        if not missing.any():
            break
        parsed[missing] = pd.to_datetime(text[missing], format=fmt, errors="coerce")
    return parsed


def read_force_extract(
    path: str | Path,
    column_map: Mapping[str, str] | str | Path,
    *,
    force: str | None = None,
    date_format: str | None = None,
    start: str | None = None,
    end: str | None = None,
    boundary=None,
) -> IngestResult:
    """Read a force records-management extract (CSV) into British National Grid.

    Parameters
    ----------
    path : str or Path
        The extract, a CSV (UTF-8, UTF-8 with BOM or Windows-1252; gzip allowed).
    column_map : dict or path to a YAML file
        Our field -> the extract's column name. Fields: ``date`` (required), either
        ``easting``/``northing`` or ``longitude``/``latitude``, ``offence_code``
        (Home Office code) or ``crime_type``, and optional ``crime_id``,
        ``location``, ``lsoa_code``, ``force``, ``outcome``. A YAML file holds the
        same mapping, optionally under a ``columns:`` key.
    force : str, optional
        Force name written to every row when the extract has no force column.
    date_format : str, optional
        :func:`datetime.strptime` format of the date column. None accepts ISO 8601
        and UK day-first dates (``31/01/2024 23:15``).
    start, end : str, optional
        First and last month to keep, ``"YYYY-MM"``; other rows are quarantined as
        ``month_out_of_range``.
    boundary : shapely geometry, GeoSeries, GeoDataFrame or str, optional
        Study area; rows outside are quarantined as ``outside_boundary``. A string
        names a police force of England and Wales (``"leicestershire"``).

    Returns
    -------
    IngestResult
        As :func:`read_policeuk`, with extra columns ``date`` (datetime64, exact) and
        ``offence_code``; ``crime_type`` is the police.uk category of the offence
        code (``hotspots.io.offence_codes``), so police.uk and force data
        can be compared. Same quarantine rules, plus ``unparseable_date`` and
        ``unknown_offence_code``; rows at placeholder coordinates (easting or
        northing 0, -1 or a run of nines; latitude 0) are set aside as
        ``placeholder_coordinates``.

    Raises
    ------
    SchemaError
        The column map is incomplete or names a column the extract does not have.

    Warns
    -----
    HotspotsWarning
        When more than half the rows fail one check (naming the check, a sample
        value and the likely cause, e.g. a date format to pass as ``date_format``).

    Examples
    --------
    >>> column_map = {"crime_id": "URN", "date": "OffenceDate",
    ...               "offence_code": "HOCode", "easting": "X", "northing": "Y"}
    >>> result = read_force_extract(
    ...     "extract.csv", column_map, force="Leicestershire Police"
    ... )  # doctest: +SKIP
    """
    from hotspots.io._definitions import offence_codes

    path = Path(path)
    mapping = _load_map(column_map)
    start_p, end_p = normalise_months(start, end)
    with path.open("rb") as f:
        data = f.read()
    # Read with the extract's own header, then check the mapped names exist.
    raw = parse_csv_bytes(data, str(path), columns=(), required=())
    missing = {k: v for k, v in mapping.items() if v not in raw.header}
    if missing:
        first = next(iter(missing))
        raise SchemaError(
            f"read_force_extract: {path.name}: column(s) {sorted(missing.values())} "
            f"from column_map not found. Columns present: {raw.header}. Fix "
            f'column_map["{first}"].'
        )
    raw = parse_csv_bytes(data, str(path), columns=tuple(raw.header), required=())
    table = raw.table
    n = table.num_rows
    reasons = RowReasons(n)

    def col(field: str, default: str = "") -> pa.ChunkedArray:
        if field in mapping:
            return to_text(table.column(mapping[field]))
        return pa.chunked_array([pa.array([default] * n, type=pa.string())])

    if "force" not in mapping and force is None:
        raise SchemaError(
            "read_force_extract: pass force='<force name>' or map a 'force' column."
        )
    force_text = col("force", force or "").to_numpy(zero_copy_only=False)

    date_text = pd.Series(col("date").to_numpy(zero_copy_only=False), dtype=object)
    dates = _parse_dates(date_text, date_format)
    reasons.mark(dates.isna().to_numpy(), "unparseable_date")
    month = dates.dt.to_period("M").dt.to_timestamp().to_numpy(dtype="datetime64[ns]")
    month_text = dates.dt.strftime("%Y-%m").fillna("").to_numpy(dtype=object)

    offence = col("offence_code").to_numpy(zero_copy_only=False)
    extra = {"date": dates.to_numpy(dtype="datetime64[ns]"), "offence_code": offence}
    respelled = None
    if "offence_code" in mapping:
        table_codes = offence_codes()
        categories = dict(
            zip(
                table_codes["offence_code"],
                table_codes["policeuk_category"],
                strict=True,
            )
        )
        type_names = np.array([categories.get(c) for c in offence], dtype=object)
        reasons.mark(pd.isna(type_names), "unknown_offence_code")
    else:
        texts = col("crime_type").to_numpy(zero_copy_only=False)
        values, text_code = np.unique(texts.astype(str), return_inverse=True)
        type_codes, old_types = crime_type_codes(list(values))
        type_names = np.array(
            [CRIME_TYPES[i] if i >= 0 else None for i in type_codes], dtype=object
        )[text_code]
        reasons.mark(pd.isna(type_names), "unknown_crime_type")
        counts = np.bincount(text_code, minlength=len(values))
        respelled = pd.DataFrame(
            [
                ("Crime type", r.published, r.read_as, r.status, int(counts[r.value]))
                for r in old_types.itertuples()
            ],
            columns=list(RESPELLED_COLUMNS),
        )
        if len(old_types):
            extra["crime_type_published"] = texts
    type_index = np.array(
        [CRIME_TYPES.index(t) if isinstance(t, str) else -1 for t in type_names]
    )
    if start_p is not None or end_p is not None:
        lo, hi = start_p or "0000-00", end_p or "9999-99"
        in_range = (month_text >= lo) & (month_text <= hi)
        reasons.mark(~in_range, "month_out_of_range")

    kind = "bng" if "easting" in mapping else "lonlat"
    first, second = (
        ("easting", "northing") if kind == "bng" else ("longitude", "latitude")
    )
    lon, lat, x, y = check_coordinates(
        reasons, col(first), col(second), kind=kind, boundary=as_boundary(boundary)
    )
    check_duplicates(reasons, force_text, col("crime_id"))

    canonical = pa.table(
        {
            "Crime ID": col("crime_id"),
            "Reported by": pa.array(force_text, type=pa.string()),
            "Falls within": pa.array(force_text, type=pa.string()),
            "Location": col("location"),
            "LSOA code": col("lsoa_code"),
            "LSOA name": col("lsoa_name") if "lsoa_name" in mapping else col("_none"),
            "Crime type": pa.array(
                [t if isinstance(t, str) else "" for t in type_names], type=pa.string()
            ),
            "Last outcome category": col("outcome"),
            "Context": col("_none"),
        }
    )
    rename = {k: v for k, v in POLICEUK_RENAME.items() if k in canonical.column_names}
    result = assemble(
        tables=[raw],
        table=canonical,
        reasons=reasons,
        rename=rename,
        month=month,
        force=force_text,
        crime_type_index=type_index,
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        month_text=month_text,
        skipped=[],
        extra=extra,
        raw_table=table,
        respelled=respelled,
    )
    logger.info(
        "%s: kept %d of %d rows.", path.name, len(result.crimes), result.rows_read
    )
    report_old_names(
        result.respelled,
        {name: [path.name] for name in result.respelled["published"]},
        stacklevel=2,
    )
    warn_whole_file_failures(
        result, columns=_sample_columns(mapping, kind), stacklevel=2
    )
    return result


def _sample_columns(mapping: dict, kind: str) -> dict[str, tuple[str, ...]]:
    """Raw columns of the extract to quote when most rows fail a check."""
    xy = ("easting", "northing") if kind == "bng" else ("longitude", "latitude")
    coords = tuple(mapping[f] for f in xy)
    return {
        "unparseable_date": (mapping["date"],),
        "unknown_offence_code": (mapping.get("offence_code", ""),),
        "unknown_crime_type": (mapping.get("crime_type", ""),),
        "no_coordinates": coords,
        "bad_coordinates": coords,
        "placeholder_coordinates": coords,
        "outside_uk": coords,
        "outside_boundary": coords,
        "duplicate_crime_id": (mapping.get("crime_id", ""),),
        "malformed_row": ("raw_text",),
    }
