"""Turn checked text columns into the kept GeoDataFrame and the quarantine frame."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.exceptions import CRSError
from hotspots.io._areas import FAR_OUTSIDE_KM, far_outside_by_force, force_polygon
from hotspots.io._checks import RowReasons
from hotspots.io._forces import lookup_force
from hotspots.io._quarantine import REASONS, Quarantine
from hotspots.io._result import RESPELLED_COLUMNS, IngestResult, SkippedFile
from hotspots.io._schema import BNG, CRIME_TYPES, OUTPUT_COLUMNS

__all__ = [
    "as_boundary",
    "assemble",
    "months_from_text",
    "normalise_months",
    "quarantine_frame",
]

_MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"


def normalise_months(
    start: str | None, end: str | None
) -> tuple[str | None, str | None]:
    """Check ``start``/``end`` are ``YYYY-MM`` (or None) and in order."""
    out: list[str | None] = []
    for name, value in (("start", start), ("end", end)):
        if value is None:
            out.append(None)
            continue
        value = str(value).strip()
        if not re.match(_MONTH_RE, value):
            raise ValueError(
                f"{name} must be a month 'YYYY-MM', e.g. '2024-01'; got {value!r}"
            )
        out.append(value)
    if out[0] and out[1] and out[0] > out[1]:
        raise ValueError(f"start ({out[0]}) is after end ({out[1]}); swap them.")
    return out[0], out[1]


def months_from_text(month_text) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``YYYY-MM`` text to datetime64[ns] month starts; return (values, ok)."""
    ok = pc.match_substring_regex(month_text, _MONTH_RE)
    safe = pc.if_else(ok, month_text, pa.scalar("1970-01"))
    stamps = pc.strptime(pc.binary_join_element_wise(safe, "01", "-"), "%Y-%m-%d", "ns")
    values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    return values, ok.to_numpy(zero_copy_only=False)


def as_boundary(boundary):
    """Return ``boundary`` as one shapely geometry in EPSG:27700 (or None).

    ``boundary`` may be a GeoDataFrame/GeoSeries (reprojected and dissolved), a
    shapely geometry already in EPSG:27700, or the name or slug of a police force
    of England and Wales (its area, :func:`hotspots.io.force_area`).
    """
    if boundary is None:
        return None
    if isinstance(boundary, str):
        if lookup_force(boundary) is None:
            raise ValueError(
                f"boundary={boundary!r} is text but names no police force. Pass a "
                "force's slug or name (e.g. 'leicestershire'), a GeoDataFrame, or "
                "read a file first: boundary=hotspots.read_boundary(path)."
            )
        return force_polygon(boundary)
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None:
            raise CRSError(
                "boundary has no CRS. Set it first, e.g. boundary.set_crs(27700) "
                "(British National Grid) or boundary.set_crs(4326) "
                "(longitude/latitude)."
            )
        return boundary.to_crs(BNG).geometry.union_all()
    return boundary


def _column_source(tables) -> pd.Categorical:
    codes = np.repeat(np.arange(len(tables)), [t.table.num_rows for t in tables])
    return pd.Categorical.from_codes(codes, categories=[t.source for t in tables])


def assemble(
    *,
    tables,
    table: pa.Table,
    reasons: RowReasons,
    rename: dict[str, str],
    month: np.ndarray,
    force: np.ndarray,
    crime_type_index: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    month_text: np.ndarray,
    skipped: list[SkippedFile],
    extra: dict[str, np.ndarray] | None = None,
    raw_table: pa.Table | None = None,
    force_categorical: pd.Categorical | None = None,
    respelled: pd.DataFrame | None = None,
) -> IngestResult:
    """Build the :class:`IngestResult` from checked columns (see readers)."""
    keep = reasons.ok
    source = _column_source(tables)
    rows = np.concatenate([t.row for t in tables]) if tables else np.array([], int)

    text_cols = [c for c in rename if c not in ("Month", "Longitude", "Latitude")]
    kept_text = table.select(text_cols).filter(pa.array(keep)).to_pandas()
    crimes = kept_text.rename(columns=rename)
    crimes["month"] = month[keep]
    if force_categorical is None:
        force_categorical = pd.Categorical(force)
    crimes["force"] = force_categorical[keep]
    crimes["crime_type"] = pd.Categorical.from_codes(
        crime_type_index[keep], categories=list(CRIME_TYPES)
    )
    crimes["longitude"] = lon[keep]
    crimes["latitude"] = lat[keep]
    crimes["source"] = source[keep]
    crimes["row"] = rows[keep]
    for name, values in (extra or {}).items():
        crimes[name] = values[keep]
    ordered = [c for c in OUTPUT_COLUMNS if c in crimes.columns]
    ordered += [c for c in (extra or {}) if c not in ordered]
    geometry = gpd.points_from_xy(x[keep], y[keep], crs=BNG)
    crimes = gpd.GeoDataFrame(crimes[ordered], geometry=geometry, crs=BNG)

    quarantine = quarantine_frame(
        tables=tables,
        table=table if raw_table is None else raw_table,
        reasons=reasons,
        source=source,
        rows=rows,
        month_text=month_text,
        force=force,
    )
    sources = pd.DataFrame(
        {
            "source": [t.source for t in tables],
            "encoding": [t.encoding for t in tables],
            "rows_read": [t.table.num_rows + len(t.bad_rows) for t in tables],
        }
    )
    if respelled is None:
        respelled = pd.DataFrame(columns=list(RESPELLED_COLUMNS))
    return IngestResult(
        crimes=crimes,
        quarantine=Quarantine(quarantine),
        rows_read=int(sources["rows_read"].sum()),
        sources=sources,
        skipped_files=tuple(skipped),
        far_outside=far_outside_by_force(crimes, km=FAR_OUTSIDE_KM),
        far_outside_km=FAR_OUTSIDE_KM,
        respelled=respelled.reset_index(drop=True),
    )


def quarantine_frame(
    *,
    tables,
    table: pa.Table,
    reasons: RowReasons,
    source: pd.Categorical,
    rows: np.ndarray,
    month_text: np.ndarray,
    force: np.ndarray,
) -> pd.DataFrame:
    """Rows set aside (per :class:`RowReasons`) and malformed rows, file order.

    Columns: ``source``, ``row``, ``reason_code``, ``reason``, ``is_filter``,
    ``month_text``, ``force_text``, ``raw_text`` and the raw columns of ``table``.
    """
    aside = ~reasons.ok
    raw = table.filter(pa.array(aside)).to_pandas()
    quarantine = pd.DataFrame(
        {
            "source": np.asarray(source[aside], dtype=object),
            "row": rows[aside],
            "reason_code": reasons.codes(aside),
            "reason": reasons.reasons(aside),
            "is_filter": reasons.is_filter(aside),
            "month_text": month_text[aside],
            "force_text": force[aside],
            "raw_text": "",
        }
    )
    quarantine = pd.concat([quarantine, raw.astype(object)], axis=1)
    bad = [
        {
            "source": t.source,
            "row": r,
            "reason_code": "malformed_row",
            "reason": (
                f"{REASONS['malformed_row']}: {n_fields} fields, expected {n_exp}"
            ),
            "is_filter": False,
            "month_text": "",
            "force_text": "",
            "raw_text": text,
        }
        for t in tables
        for r, text, n_fields, n_exp in t.bad_rows
    ]
    if bad:
        quarantine = pd.concat([quarantine, pd.DataFrame(bad)], ignore_index=True)
        quarantine = quarantine.fillna(dict.fromkeys(raw.columns, ""))
    quarantine = quarantine.sort_values(
        ["source", "row"], kind="stable", ignore_index=True
    )
    return quarantine
