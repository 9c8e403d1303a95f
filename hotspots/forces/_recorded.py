"""Read the Home Office "Police recorded crime open data tables" by police force area.

Published in long format, one sheet per financial year (ODS or XLSX); the force
names are matched through the package's force table (:data:`hotspots.io.FORCES`).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning, InputFileError, SchemaError
from hotspots.io import FORCES, resolve_force

__all__ = ["RECORDED_COLUMNS", "SET_ASIDE_REASONS", "read_recorded_crime"]

logger = logging.getLogger(__name__)

#: Columns of the frame :func:`read_recorded_crime` returns, in order.
RECORDED_COLUMNS: tuple[str, ...] = (
    "force",
    "force_slug",
    "financial_year",
    "quarter",
    "offence_code",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "count",
)

#: Why a row was set aside.
SET_ASIDE_REASONS: dict[str, str] = {
    "non_geographic": "a national body without a police force area (fraud reporting)",
    "unknown_force": "the force name is not in hotspots.io.FORCES",
    "bad_period": "financial year or quarter missing or not understood",
    "bad_count": "number of offences missing or not a whole number",
}

# Published column name (and our snake_case name) -> output column.
_ALIASES: dict[str, str] = {
    "financial_year": "financial_year",
    "financial_quarter": "quarter",
    "quarter": "quarter",
    "force_name": "force",
    "force": "force",
    "offence_description": "offence_description",
    "offence_group": "offence_group",
    "offence_subgroup": "offence_subgroup",
    "offence_code": "offence_code",
    "number_of_offences": "count",
    "count": "count",
}
_REQUIRED = tuple(c for c in RECORDED_COLUMNS if c != "force_slug")
_PUBLISHED_NAMES = (
    "Financial Year, Financial Quarter, Force Name, Offence Description, "
    "Offence Group, Offence Subgroup, Offence Code, Number of Offences"
)
# National bodies listed beside the forces in the tables: fraud reported to Action
# Fraud, CIFAS and UK Finance (Financial Fraud Action UK until 2017) has no area.
_NON_GEOGRAPHIC = frozenset(
    {"action fraud", "cifas", "uk finance", "financial fraud action uk"}
)
_NOTE_MARK = re.compile(r"\s*\[\s*note[^\]]*\]", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})\s*[/\-_ ]\s*(\d{2}|\d{4})\s*$")
_EXCEL_ENGINES = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".ods": "odf"}
_HEADER_SEARCH_ROWS = 20  # header row looked for among a sheet's first rows
_SHOWN_NAMES = 8


def _key(column: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")


def _layout(columns: Sequence[object]) -> dict[object, str] | None:
    """Map a header's columns to ours, or None if a required one is missing."""
    found = {col: _ALIASES[_key(col)] for col in columns if _key(col) in _ALIASES}
    return found if set(_REQUIRED) <= set(found.values()) else None


def _missing_columns_error(path: Path, columns: Sequence[object]) -> SchemaError:
    shown = [str(c) for c in columns][:12]
    return SchemaError(
        f"read_recorded_crime: {path.name!r} does not have the columns of the Home "
        f"Office police recorded crime open data tables ({_PUBLISHED_NAMES}). "
        f"Columns found: {shown}. Pass the police force area table as downloaded "
        "(CSV, XLSX or ODS), or rename your columns to these."
    )


def _read_csv(path: Path) -> list[tuple[str, pd.DataFrame]]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputFileError(
            f"read_recorded_crime: cannot read {path.name!r} as CSV ({err}). Save the "
            "table as UTF-8 CSV, or pass the XLSX or ODS file as downloaded."
        ) from err
    if _layout(list(frame.columns)) is None:
        raise _missing_columns_error(path, list(frame.columns))
    return [("", frame)]


def _header_row(raw: pd.DataFrame) -> int | None:
    for i in range(min(_HEADER_SEARCH_ROWS, len(raw))):
        if _layout(list(raw.iloc[i].dropna())) is not None:
            return i
    return None


def _read_excel(
    path: Path, sheets: str | Sequence[str] | None
) -> list[tuple[str, pd.DataFrame]]:
    engine = _EXCEL_ENGINES[path.suffix.lower()]
    wanted = [sheets] if isinstance(sheets, str) else sheets
    try:
        book = pd.read_excel(
            path,
            sheet_name=None if wanted is None else list(wanted),
            header=None,
            dtype=object,
            engine=engine,
        )
    except ValueError as err:
        raise InputFileError(
            f"read_recorded_crime: cannot read {path.name!r}: {err}. Check the file "
            "and the sheet names passed in sheets=."
        ) from err
    found: list[tuple[str, pd.DataFrame]] = []
    for name, raw in book.items():
        row = _header_row(raw)
        if row is None:
            logger.info("%s: sheet %r has no data table; skipped.", path.name, name)
            continue
        frame = raw.iloc[row + 1 :].copy()
        frame.columns = [str(c).strip() for c in raw.iloc[row]]
        found.append((str(name), frame))
    if not found:
        first = next(iter(book.values()), pd.DataFrame())
        raise _missing_columns_error(
            path, list(first.iloc[0].dropna()) if len(first) else []
        )
    return found


def _financial_year(value: object) -> str | None:
    match = _YEAR.match(str(value))
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2)[-2:])
    return f"{start}/{end:02d}" if (start + 1) % 100 == end else None


def _number(text: str) -> float | None:
    try:
        number = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return number if np.isfinite(number) and number == int(number) else None


def _quarter(value: object) -> int | None:
    number = _number(str(value).upper().strip().removeprefix("Q"))
    return int(number) if number in (1.0, 2.0, 3.0, 4.0) else None


def _count(value: object) -> int | None:
    number = _number(str(value))
    return None if number is None else int(number)


def _text(column: pd.Series) -> pd.Series:
    return column.map(lambda v: "" if pd.isna(v) else str(v).strip())


def _force_lookup(names: pd.Series) -> tuple[dict[str, str], dict[str, str]]:
    """Return slug by published name and set-aside reason by published name."""
    slugs: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for name in names.unique():
        clean = _NOTE_MARK.sub("", name).strip()
        if " ".join(re.sub(r"[^a-z0-9]+", " ", clean.lower()).split()) in (
            _NON_GEOGRAPHIC
        ):
            reasons[name] = "non_geographic"
            continue
        try:
            slugs[name] = resolve_force(clean)
        except ValueError:
            reasons[name] = "unknown_force"
    return slugs, reasons


def _standardise(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    layout = _layout(list(frame.columns))
    if layout is None:  # pragma: no cover - checked by the readers
        raise SchemaError("read_recorded_crime: no recorded-crime columns")
    out = pd.DataFrame(
        {new: _text(frame[old]) for old, new in layout.items()}, index=frame.index
    )
    blank = (out == "").all(axis=1)
    out = out.loc[~blank].reset_index(drop=True)
    out["sheet"] = sheet
    out["row"] = np.flatnonzero(~blank.to_numpy()) + 1  # data row, 1-based
    return out


def read_recorded_crime(
    path: str | Path, *, sheets: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Read Home Office police recorded crime by force, quarter and offence code.

    Reads the Home Office *Police recorded crime open data tables* for police force
    areas as downloaded (ODS or XLSX, every sheet that holds the table, or a CSV),
    or the project's snake_case version of them, and matches each force name to the
    package's force table. Rows that cannot be used are set aside with a reason and
    counted; none are dropped silently.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` (optionally ``.gz``), ``.xlsx``/``.xlsm`` or ``.ods`` file with
        the published columns ``Financial Year``, ``Financial Quarter``, ``Force
        Name``, ``Offence Description``, ``Offence Group``, ``Offence Subgroup``,
        ``Offence Code``, ``Number of Offences`` (in any order, case and spacing
        ignored; the header may sit below a few title rows), or the snake_case
        names ``financial_year``, ``quarter``, ``force``, ``offence_description``,
        ``offence_group``, ``offence_subgroup``, ``offence_code``, ``count``. Other
        columns are ignored.
    sheets : str or sequence of str, optional
        Spreadsheets only: the sheets to read (the published workbook has one per
        financial year, e.g. ``"2017_18"``). None reads every sheet and skips those
        without the table (cover, notes). Reading one sheet of the full ODS is much
        faster than reading all of them.

    Returns
    -------
    pandas.DataFrame
        One row per force, quarter and offence code kept, with columns
        ``force`` (the package's force name, e.g. "Leicestershire Police"),
        ``force_slug`` (e.g. "leicestershire"), ``financial_year`` ("2017/18"),
        ``quarter`` (int, 1 = April-June ... 4 = January-March), ``offence_code``,
        ``offence_description``, ``offence_group``, ``offence_subgroup`` (text as
        published) and ``count`` (int, number of offences; may be negative).
        ``attrs["hotspots"]`` records ``source`` (file name), ``sheets``,
        ``rows_in``, ``rows_kept``, ``rows_set_aside``, ``set_aside_by_reason``,
        ``set_aside_by_name``, ``set_aside`` (a list of one dict per row set aside:
        ``sheet``, ``row`` (1-based data row), ``force_name`` (as published),
        ``financial_year``, ``quarter``, ``offence_code``, ``count`` (as text) and
        ``reason``; ``pd.DataFrame(...)`` makes it a table), ``negative_rows`` and
        ``negative_total``. Always ``rows_in == rows_kept + rows_set_aside``.

    Raises
    ------
    SchemaError
        If no sheet has the columns above; the message lists those found.
    InputFileError
        If the file cannot be parsed.
    ValueError
        If the file type is not CSV, XLSX or ODS.

    Warns
    -----
    HotspotsWarning
        When rows are set aside: which force names (or other reasons) and how
        many. The non-geographic bodies (Action Fraud, CIFAS, UK Finance,
        Financial Fraud Action UK) are always among them: fraud they record has
        no police force area.

    Notes
    -----
    Force names are matched through :data:`hotspots.io.FORCES` (case, punctuation
    and words such as "Police" ignored; "[Note 6]"-style markers removed), so
    "London, City of" is the City of London Police and "Metropolitan Police" the
    Metropolitan Police Service. British Transport Police rows are kept. Negative
    counts are Home Office adjustments (reclassified or cancelled records) and are
    kept as published; they are counted in ``attrs``. Set-aside reasons:
    :data:`SET_ASIDE_REASONS`.

    Examples
    --------
    >>> recorded = read_recorded_crime("prc-pfa-mar2013-onwards-tables.ods",
    ...                                sheets="2017_18")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"read_recorded_crime: no file {str(path)!r}. Pass the path of the "
            "downloaded police force area table."
        )
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".csv"] or suffixes[-2:] == [".csv", ".gz"]:
        tables = _read_csv(path)
    elif path.suffix.lower() in _EXCEL_ENGINES:
        tables = _read_excel(path, sheets)
    else:
        raise ValueError(
            f"read_recorded_crime: {path.name!r} is not a CSV, XLSX or ODS file. "
            "Pass the table as downloaded from the Home Office."
        )
    rows = pd.concat([_standardise(f, s) for s, f in tables], ignore_index=True)
    return _clean(rows, path.name, [s for s, _ in tables if s])


def _clean(rows: pd.DataFrame, source: str, sheets: list[str]) -> pd.DataFrame:
    year = rows["financial_year"].map(_financial_year)
    quarter = rows["quarter"].map(_quarter)
    count = rows["count"].map(_count)
    slugs, force_reasons = _force_lookup(rows["force"])
    reason = pd.Series("", index=rows.index, dtype=object)
    reason[count.isna()] = "bad_count"
    reason[year.isna() | quarter.isna()] = "bad_period"
    by_force = rows["force"].map(force_reasons)
    reason[by_force.notna()] = by_force[by_force.notna()]
    aside = reason != ""

    kept = rows.loc[~aside]
    names = FORCES.set_index("slug")["name"]
    slug = kept["force"].map(slugs)
    out = pd.DataFrame(
        {
            "force": slug.map(names).astype(str),
            "force_slug": slug.astype(str),
            "financial_year": year[~aside].astype(str),
            "quarter": quarter[~aside].astype("int64"),
            "offence_code": kept["offence_code"],
            "offence_description": kept["offence_description"],
            "offence_group": kept["offence_group"],
            "offence_subgroup": kept["offence_subgroup"],
            "count": count[~aside].astype("int64"),
        }
    ).reset_index(drop=True)
    out.attrs["hotspots"] = _record(rows, aside, reason, out, source, sheets)
    return out


def _record(
    rows: pd.DataFrame,
    aside: pd.Series,
    reason: pd.Series,
    out: pd.DataFrame,
    source: str,
    sheets: list[str],
) -> dict[str, Any]:
    set_aside = rows.loc[aside].assign(reason=reason[aside])
    by_reason = {str(k): int(v) for k, v in set_aside["reason"].value_counts().items()}
    by_name = {str(k): int(v) for k, v in set_aside["force"].value_counts().items()}
    columns = ["sheet", "row", "force", "financial_year", "quarter"]
    records = (
        set_aside[[*columns, "offence_code", "count", "reason"]]
        .rename(columns={"force": "force_name"})
        .to_dict("records")
    )
    negative = out["count"] < 0
    record = {
        "source": source,
        "sheets": sheets,
        "rows_in": len(rows),
        "rows_kept": len(out),
        "rows_set_aside": int(aside.sum()),
        "set_aside_by_reason": by_reason,
        "set_aside_by_name": by_name,
        "set_aside": records,
        "negative_rows": int(negative.sum()),
        "negative_total": int(out.loc[negative, "count"].sum()),
    }
    logger.info(
        "%s: read {rows_in} rows, kept {rows_kept}, set aside {rows_set_aside}; "
        "{negative_rows} negative counts kept (Home Office adjustments, total "
        "{negative_total}).".format(**record),
        source,
    )
    if by_reason:
        names = ", ".join(
            f"{k!r}: {v}" for k, v in list(by_name.items())[:_SHOWN_NAMES]
        )
        more = " ..." if len(by_name) > _SHOWN_NAMES else ""
        reasons = ", ".join(f"{v} {k}" for k, v in by_reason.items())
        warnings.warn(
            f"read_recorded_crime: set aside {record['rows_set_aside']} of "
            f"{record['rows_in']} rows of {source!r} ({reasons}), by force name: "
            f"{names}{more}. Non-geographic bodies record fraud that has no police "
            "force area; an unknown name needs adding to hotspots/data/forces.csv "
            "(aliases). The rows are in attrs['hotspots']['set_aside'].",
            HotspotsWarning,
            stacklevel=4,
        )
    return record
