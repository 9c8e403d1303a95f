"""Turn synthetic counts into police.uk rows, plant bad rows, write the files."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots._atomic import atomic_path
from hotspots.io._schema import CRIME_TYPES, POLICEUK_COLUMNS
from hotspots.synthetic._places import CONTEXT_LABEL, FORCE, FORCE_SLUG, VIOLENCE_TYPES

__all__ = ["build_rows", "month_file", "plant_bad_rows", "write_months", "write_zip"]

NO_LOCATION = "No Location"
_CRIME_ID_BYTES = 32  # 64 hex characters, like police.uk
_EXTRA_FIELD_SENTINEL = "@@EXTRA_FIELD@@"
_EXTRA_FIELD = "extra field"
#: A fixed timestamp for ZIP members (the earliest ZIP allows): no clock time leaks in.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Kinds of deliberately bad rows, in the order they are planted, with the reason
#: code the reader gives them.
BAD_ROW_PLAN: tuple[tuple[str, str], ...] = (
    ("extra_field", "malformed_row"),
    ("extra_field", "malformed_row"),
    ("month_13", "unparseable_month"),
    ("unknown_type", "unknown_crime_type"),
    ("text_longitude", "bad_coordinates"),
    ("text_latitude", "bad_coordinates"),
    ("swapped_lon_lat", "outside_uk"),
    ("swapped_lon_lat", "outside_uk"),
    ("repeat_crime_id", "duplicate_crime_id"),
    ("repeat_crime_id", "duplicate_crime_id"),
)
_BAD_ROW_DESCRIPTIONS = {
    "extra_field": "a 13th field after Context",
    "month_13": "Month is month 13 of the file's year",
    "unknown_type": "Crime type 'Knife crime' is not a police.uk category",
    "text_longitude": "Longitude is text",
    "text_latitude": "Latitude is text",
    "swapped_lon_lat": "Longitude and Latitude swapped",
    "repeat_crime_id": "repeats the Crime ID of an earlier row, with a later outcome",
}


def month_file(month: str) -> str:
    """Return the police.uk archive path of a month's street-level file."""
    return f"{month}/{month}-{FORCE_SLUG}-street.csv"


def _crime_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    hex_text = rng.bytes(_CRIME_ID_BYTES * n).hex()
    return np.frombuffer(hex_text.encode("ascii"), dtype=f"S{2 * _CRIME_ID_BYTES}")


def build_rows(counts, no_location, points, mix, months, rng) -> pd.DataFrame:
    """Return one row per crime, police.uk columns as text, ordered by month.

    ``counts`` is (crime types, map points, months), ``no_location`` is (crime types,
    months). Rows are shuffled within each month; a ``month_index`` column is added.
    """
    k, p, m = np.nonzero(counts)
    repeat = counts[k, p, m]
    k, p, m = np.repeat(k, repeat), np.repeat(p, repeat), np.repeat(m, repeat)
    k2, m2 = np.nonzero(no_location)
    repeat2 = no_location[k2, m2]
    k = np.concatenate([k, np.repeat(k2, repeat2)])
    m = np.concatenate([m, np.repeat(m2, repeat2)])
    p = np.concatenate([p, np.full(int(repeat2.sum()), -1)])
    order = np.lexsort((rng.random(k.size), m))
    k, p, m = k[order], p[order], m[order]
    n = k.size

    types = np.asarray(CRIME_TYPES, dtype=object)[k]
    outcome = np.empty(n, dtype=object)
    for index, name in enumerate(CRIME_TYPES):  # 14 crime types, vectorised within
        rows = np.flatnonzero(k == index)
        shares = mix[mix["crime_type"] == name]
        weights = (shares["n_2023"] + shares["n_2024"]).to_numpy(float)
        cumulative = np.cumsum(weights) / weights.sum()
        pick = np.searchsorted(cumulative, rng.random(rows.size), side="right")
        pick = np.minimum(pick, len(cumulative) - 1)
        outcome[rows] = shares["last_outcome"].to_numpy(object)[pick]
    crime_id = _crime_ids(n, rng).astype(object)
    crime_id[types == "Anti-social behaviour"] = ""

    located = p >= 0
    safe_p = np.where(located, p, 0)

    def point_field(column: str, missing: str) -> np.ndarray:
        values = points[column].to_numpy(object)[safe_p]
        return np.where(located, values, missing)

    months_arr = np.asarray(months, dtype=object)
    frame = pd.DataFrame(
        {
            "Crime ID": crime_id.astype(str),
            "Month": months_arr[m],
            "Reported by": FORCE,
            "Falls within": FORCE,
            "Longitude": point_field("longitude", ""),
            "Latitude": point_field("latitude", ""),
            "Location": point_field("location", NO_LOCATION),
            "LSOA code": point_field("lsoa_code", ""),
            "LSOA name": point_field("lsoa_name", ""),
            "Crime type": types,
            "Last outcome category": outcome,
            "Context": CONTEXT_LABEL,
        }
    )
    frame["month_index"] = m
    return frame


def plant_bad_rows(frame: pd.DataFrame, months: list[str], rng) -> tuple:
    """Insert the rows of :data:`BAD_ROW_PLAN`; return (frame, list of bad-row dicts).

    Templates are located rows of non-violent types (not anti-social behaviour), so
    the bad rows never change the violence counts that choose the patrol places.
    Each bad row's ``row`` is its 1-based data-row number in its month file.
    """
    n_months = len(months)
    frame = frame.copy()
    frame["order"] = frame.groupby("month_index").cumcount().astype(float)
    template_ok = (
        (frame["Longitude"] != "")
        & ~frame["Crime type"].isin([*VIOLENCE_TYPES, "Anti-social behaviour"])
    ).to_numpy()
    candidates = np.flatnonzero(template_ok)
    mid_month = "2023-05" if "2023-05" in months else months[n_months // 2]
    new_rows, planted = [], []
    for number, (kind, reason) in enumerate(BAD_ROW_PLAN):
        if kind == "repeat_crime_id":
            earlier = candidates[
                frame["month_index"].to_numpy()[candidates] < n_months - 1
            ]
            row = frame.iloc[int(rng.choice(earlier))].copy()
            month_index = int(rng.integers(row["month_index"] + 1, n_months))
            outcome = row["Last outcome category"]
            row["Last outcome category"] = (
                "Awaiting court outcome"
                if outcome != "Awaiting court outcome"
                else "Court result unavailable"
            )
        else:
            row = frame.iloc[int(rng.choice(candidates))].copy()
            month_index = (
                months.index(mid_month)
                if kind == "month_13"
                else int(rng.integers(0, n_months))
            )
            row["Crime ID"] = _crime_ids(1, rng)[0].decode("ascii")
            row["Month"] = months[month_index]
        if kind == "extra_field":
            row["Context"] = _EXTRA_FIELD_SENTINEL
        elif kind == "month_13":
            row["Month"] = f"{mid_month[:4]}-13"
        elif kind == "unknown_type":
            row["Crime type"] = "Knife crime"
        elif kind == "text_longitude":
            row["Longitude"] = "not known"
        elif kind == "text_latitude":
            row["Latitude"] = "see notes"
        elif kind == "swapped_lon_lat":
            row["Longitude"], row["Latitude"] = row["Latitude"], row["Longitude"]
        size = int((frame["month_index"] == month_index).sum())
        row["month_index"] = month_index
        row["order"] = int(rng.integers(0, size + 1)) - 0.5 + number * 1e-3
        new_rows.append(row)
        planted.append(
            {
                "file": month_file(months[month_index]),
                "crime_id": row["Crime ID"],
                "reason_code": reason,
                "description": _BAD_ROW_DESCRIPTIONS[kind],
            }
        )
    frame = pd.concat([frame, pd.DataFrame(new_rows)], ignore_index=True)
    frame["bad"] = -1
    frame.loc[len(frame) - len(new_rows) :, "bad"] = np.arange(len(new_rows))
    frame = frame.sort_values(["month_index", "order"], kind="mergesort")
    frame = frame.reset_index(drop=True)
    row_number = frame.groupby("month_index").cumcount() + 1
    for index in np.flatnonzero(frame["bad"].to_numpy() >= 0):
        planted[frame["bad"].iat[index]]["row"] = int(row_number.iat[index])
    return frame.drop(columns=["order", "bad"]), planted


def _csv_text(part: pd.DataFrame) -> str:
    """Return CSV text with LF line ends; quote fields only where CSV needs it.

    Joining the columns is much faster than :meth:`pandas.DataFrame.to_csv` and gives
    the same bytes for police.uk text, which rarely needs quoting.
    """
    columns = []
    for name in part.columns:
        values = part[name].astype(str)
        special = values.str.contains(r'[",\n\r]', regex=True)
        if special.any():
            quoted = '"' + values[special].str.replace('"', '""', regex=False) + '"'
            values = values.where(~special, quoted)
        columns.append(values)
    header = ",".join(part.columns)
    if not len(part):
        return header + "\n"
    lines = columns[0].str.cat(columns[1:], sep=",")
    return header + "\n" + "\n".join(lines.tolist()) + "\n"


def write_months(
    frame: pd.DataFrame, root: Path, months: list[str], skip: Iterable[str] = ()
) -> dict[str, bytes]:
    """Write one CSV per month under ``root``; return {archive path: file bytes}.

    Months in ``skip`` get no file (a planted month gap).
    """
    written = {}
    skip = set(skip)
    for index, month in enumerate(months):
        if month in skip:
            continue
        part = frame.loc[frame["month_index"] == index, list(POLICEUK_COLUMNS)]
        text = _csv_text(part)
        text = text.replace(_EXTRA_FIELD_SENTINEL, f"{CONTEXT_LABEL},{_EXTRA_FIELD}")
        data = text.encode("utf-8")
        name = month_file(month)
        with atomic_path(root / name) as tmp:
            tmp.write_bytes(data)
        written[name] = data
    return written


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    """Write ``members`` to a ZIP with fixed timestamps (byte-identical re-runs)."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
