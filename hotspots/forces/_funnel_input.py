"""Checks of a table of counts and populations by force (one row per unit)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hotspots.exceptions import SchemaError

__all__ = ["check_rate_table", "unknown_units_message"]


def check_rate_table(
    table: pd.DataFrame,
    *,
    unit: str,
    count: str,
    population: str,
    reserved: Iterable[str] = (),
    caller: str = "funnel",
) -> pd.DataFrame:
    """Return the unit, count and population columns of ``table``, checked.

    Units become text; counts become int64 (they must be whole, finite and >= 0)
    and populations float (finite and > 0). Raises ``TypeError`` for a table that
    is not a DataFrame, :class:`SchemaError` (a ``ValueError``) for missing columns
    or column names that clash with output columns, and ``ValueError`` for an
    empty table, missing or duplicate units and bad counts or populations, each
    naming the rows and what to do.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{caller}: table must be a pandas DataFrame with one row per force; "
            f"got {type(table).__name__}"
        )
    names = {"unit": unit, "count": count, "population": population}
    if len(set(names.values())) != len(names):
        raise ValueError(
            f"{caller}: unit, count and population must name three different "
            f"columns; got {names}"
        )
    missing = [f"{arg}={col!r}" for arg, col in names.items() if col not in table]
    if missing:
        raise SchemaError(
            f"{caller}: column(s) {', '.join(missing)} not found in the table. "
            f"Columns present: {list(table.columns)}. Pass the right names, e.g. "
            f"{caller}(table, count='offences', population='residents')."
        )
    clashes = sorted(set(names.values()) & set(reserved))
    if clashes:
        raise SchemaError(
            f"{caller}: input column(s) {clashes} have the names of output columns; "
            f"rename them first, e.g. table.rename(columns={{{clashes[0]!r}: "
            f"'{clashes[0]}_in'}})."
        )
    if table.empty:
        raise ValueError(f"{caller}: the table has no rows; it needs one per force.")
    out = table[[unit, count, population]].copy()
    if out[unit].isna().any():
        rows = list(out.index[out[unit].isna()][:5])
        raise ValueError(
            f"{caller}: {int(out[unit].isna().sum())} row(s) have no {unit!r} name "
            f"(index {rows}). Name every force or drop those rows."
        )
    out[unit] = out[unit].astype(str)
    duplicated = sorted(set(out.loc[out[unit].duplicated(), unit]))
    if duplicated:
        raise ValueError(
            f"{caller}: {unit!r} must hold one row per force; repeated: "
            f"{duplicated[:10]}. Filter to one period and offence group, or add the "
            f"rows up: table.groupby({unit!r}, as_index=False)"
            f"[[{count!r}, {population!r}]].sum()."
        )
    out[count] = _numbers(out, count, unit, caller)
    out[population] = _numbers(out, population, unit, caller)
    counts = out[count].to_numpy()
    _refuse(
        out,
        ~np.isfinite(counts) | (counts < 0),
        f"{count!r} must be a count of offences (finite, >= 0)",
        unit,
        caller,
    )
    _refuse(
        out,
        counts != np.round(counts),
        f"{count!r} must hold whole numbers of offences (Poisson counts): sum over "
        f"periods rather than averaging",
        unit,
        caller,
    )
    populations = out[population].to_numpy()
    _refuse(
        out,
        ~np.isfinite(populations) | (populations <= 0),
        f"{population!r} must be > 0 (residents); a force with no population has "
        f"no rate: drop it or give its population",
        unit,
        caller,
    )
    out[count] = out[count].astype("int64")
    return out.reset_index(drop=True)


def _numbers(frame: pd.DataFrame, column: str, unit: str, caller: str) -> pd.Series:
    """Return ``column`` as float, or raise naming the values that are not numbers."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        shown = frame.loc[bad, [unit, column]].head(5).to_dict("records")
        raise ValueError(
            f"{caller}: {column!r} must hold numbers; not numbers: {shown}. Clean "
            f"the column, e.g. remove thousands separators."
        )
    return values.astype(float)


def _refuse(
    frame: pd.DataFrame, bad: np.ndarray, rule: str, unit: str, caller: str
) -> None:
    """Raise ``ValueError`` naming up to five units where ``bad`` holds."""
    if bad.any():
        shown = list(frame.loc[bad, unit].head(5))
        raise ValueError(f"{caller}: {rule}; found in {int(bad.sum())} row(s): {shown}")


def unknown_units_message(names: Iterable[str], known: Iterable[str]) -> str:
    """Return 'x' (did you mean 'y'?) text for names not among the known units."""
    import difflib

    known = [str(k) for k in known]
    lower = {k.lower(): k for k in known}
    parts = []
    for name in names:
        close = [lower[str(name).lower()]] if str(name).lower() in lower else []
        close = close or difflib.get_close_matches(str(name), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    return ", ".join(parts)
