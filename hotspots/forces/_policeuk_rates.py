"""Force rates from police.uk street-level data: by month, and their change."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.forces._exact_ratio import exact_ratio_interval, exact_ratio_p
from hotspots.forces._rates import _CHANGE_COLUMNS, _join_populations
from hotspots.io import DEFINITIONS, FORCES, resolve_force, select_crimes

__all__ = ["policeuk_force_rates", "policeuk_rate_change"]

logger = logging.getLogger(__name__)

_MONTHLY_COLUMNS = ["force", "force_slug", "month", "count", "population", "rate"]
_MONTH = re.compile(r"^\s*(\d{4})(?:-(\d{2}))?\s*$")


def _month_text(months: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(months):
        return months.dt.strftime("%Y-%m")
    return months.astype(str).str.strip().str[:7]


def policeuk_force_rates(
    crimes: pd.DataFrame,
    *,
    definition: str = "serious_violence",
    populations: pd.DataFrame | None = None,
    per: float = 1000,
) -> pd.DataFrame:
    """Return monthly rates per resident population by force from police.uk data.

    Parameters
    ----------
    crimes : pandas.DataFrame
        ``crimes`` of :func:`hotspots.read_policeuk` (columns ``force``, the
        police.uk ``Falls within`` name, ``month`` and ``crime_type``), any crime
        types, one force or many.
    definition : str, default "serious_violence"
        A key of :data:`hotspots.DEFINITIONS`, applied with
        :func:`hotspots.select_crimes`. The default is the package's open-data
        proxy for serious violence: "Violence and sexual offences" + "Robbery" +
        "Possession of weapons".
    populations : pandas.DataFrame, optional
        ``force_slug`` (or ``force``) and ``population``. None = the 2011 Census
        usual residents of :func:`force_populations`.
    per : float, default 1000
        Rates are per this many residents.

    Returns
    -------
    pandas.DataFrame
        One row per force and month present in ``crimes`` (months with crimes of
        other types but none selected count 0), sorted by force and month:
        ``force`` (the package's force name), ``force_slug``, ``month``
        (``"YYYY-MM"``), ``count`` (int), ``population`` and ``rate`` (``count /
        population * per`` in that month). ``attrs["hotspots"]`` records
        ``definition``, ``policeuk_types``, ``per``, ``population_source``,
        ``left_out`` (forces without a population, e.g. British Transport
        Police) and ``rows_in``.

    Raises
    ------
    SchemaError
        If a column is missing.
    ValueError
        If ``definition`` is unknown, a force name is not a police.uk force, or
        ``per`` is not > 0.

    Notes
    -----
    police.uk counts differ from Home Office recorded crime: rows without a
    location are set aside by :func:`hotspots.read_policeuk` (about 3-7% of
    violence rows), categories are broad (the proxy's "Violence and sexual
    offences" holds all violence and sexual offences, not only serious
    violence), crimes are counted in the month police.uk lists them and the
    files are not revised as the Home Office tables are. See
    ``docs/methods/forces.md``.

    Examples
    --------
    >>> from hotspots.demo import load_real_sample
    >>> from hotspots.forces import policeuk_force_rates
    >>> rates = policeuk_force_rates(load_real_sample().crimes)
    >>> rates[["month", "count"]].head(2).values.tolist()
    [['2023-01', 3555], ['2023-02', 3489]]
    """
    what = "policeuk_force_rates"
    missing = [c for c in ("force", "month", "crime_type") if c not in crimes.columns]
    if missing:
        raise SchemaError(
            f"{what}: crimes is missing columns {missing}; found "
            f"{list(crimes.columns)}. Pass the crimes of hotspots.read_policeuk(...)."
        )
    if not per > 0:
        raise ValueError(f"{what}: per must be > 0; got {per!r}")
    if definition not in DEFINITIONS:
        raise ValueError(
            f"{what}: unknown definition {definition!r}; choose one of "
            f"{sorted(DEFINITIONS)}"
        )
    crimes = crimes.reset_index(drop=True)  # a new frame: labels unique
    names = crimes["force"].astype(str)
    slugs = {name: resolve_force(name) for name in names.unique()}
    frame = pd.DataFrame(
        {
            "force_slug": names.map(slugs),
            "month": _month_text(crimes["month"]),
        },
        index=crimes.index,
    )
    selected = select_crimes(crimes, definition)
    cells = frame[["force_slug", "month"]].drop_duplicates()
    sums = (
        frame.loc[selected.index]
        .groupby(["force_slug", "month"])
        .size()
        .rename("count")
        .reset_index()
    )
    table = cells.merge(sums, on=["force_slug", "month"], how="left")
    table["count"] = table["count"].fillna(0).astype("int64")
    table["force"] = table["force_slug"].map(FORCES.set_index("slug")["name"])
    out, record = _join_populations(table, populations, what)
    out["rate"] = out["count"] / out["population"] * per
    out = out.sort_values(["force", "month"], kind="stable").reset_index(drop=True)
    out = out[_MONTHLY_COLUMNS]
    out.attrs["hotspots"] = {
        "definition": definition,
        "policeuk_types": list(DEFINITIONS[definition].policeuk_types),
        "per": per,
        "rows_in": len(crimes),
        **record,
    }
    return out


def _months(spec: str | Sequence[str], present: list[str], name: str) -> list[str]:
    items = [spec] if isinstance(spec, str) else list(spec)
    chosen: list[str] = []
    for item in items:
        match = _MONTH.match(str(item))
        if match is None:
            raise ValueError(
                f"policeuk_rate_change: {name} {item!r} not understood; write a "
                "month '2017-07' or a calendar year '2017'."
            )
        hits = [m for m in present if m == item.strip() or m[:4] == item.strip()]
        if not hits:
            raise ValueError(
                f"policeuk_rate_change: {name} {item!r} is not in the rates; months "
                f"present: {present}."
            )
        chosen += hits
    return sorted(set(chosen))


def policeuk_rate_change(
    rates: pd.DataFrame,
    *,
    before: str | Sequence[str],
    after: str | Sequence[str],
    per: float = 1000,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Return each force's police.uk rate before and after, with an exact ratio CI.

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`policeuk_force_rates`.
    before, after : str or sequence of str
        Months (``"2017-07"``) or calendar years (``"2023"``: every month of it
        in ``rates``). They must not overlap.
    per : float, default 1000
        Rates are per this many residents.
    ci_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per force with months in both periods: ``force``,
        ``force_slug``, ``population``, ``count_before``, ``count_after``,
        ``rate_before``, ``rate_after``, ``ratio`` (rate per month after /
        before), ``ci_low``, ``ci_high`` and ``p_value``, as in
        :func:`rate_change`. ``attrs["hotspots"]`` records ``before`` and
        ``after`` (months used, over all forces), ``ci_level`` and ``method``.

    Raises
    ------
    ValueError
        If a period is not understood or not in ``rates``, or they overlap.

    Notes
    -----
    The interval is the exact conditional binomial interval of
    :func:`rate_change`, with each force's exposure the number of its months in
    each period.
    """
    first = _months(before, sorted(rates["month"].unique()), "before")
    second = _months(after, sorted(rates["month"].unique()), "after")
    if set(first) & set(second):
        raise ValueError(
            "policeuk_rate_change: before and after share "
            f"{sorted(set(first) & set(second))}; choose periods that do not overlap."
        )
    if not 0 < ci_level < 1:
        raise ValueError(
            f"policeuk_rate_change: ci_level must be in (0, 1); got {ci_level!r}"
        )
    rows = []
    for (force, slug, population), part in rates.groupby(
        ["force", "force_slug", "population"], sort=True
    ):
        in_before = part[part["month"].isin(first)]
        in_after = part[part["month"].isin(second)]
        if in_before.empty or in_after.empty:
            continue
        b, a = int(in_before["count"].sum()), int(in_after["count"].sum())
        exposure = len(in_after) / len(in_before)
        ratio, low, high = exact_ratio_interval(
            np.array([a]), np.array([b]), exposure_ratio=exposure, ci_level=ci_level
        )
        p = exact_ratio_p(a, b, exposure_ratio=exposure)
        rows.append(
            {
                "force": force,
                "force_slug": slug,
                "population": population,
                "count_before": b,
                "count_after": a,
                "rate_before": b / population * per,
                "rate_after": a / population * per,
                "ratio": ratio[0],
                "ci_low": low[0],
                "ci_high": high[0],
                "p_value": p,
            }
        )
    if not rows:
        warnings.warn(
            "policeuk_rate_change: no force has months in both periods.",
            HotspotsWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(rows, columns=_CHANGE_COLUMNS)
    out.attrs["hotspots"] = {
        "before": first,
        "after": second,
        "ci_level": ci_level,
        "per": per,
        "method": "exact conditional binomial (Clopper-Pearson) interval for the "
        "ratio of two Poisson rates",
    }
    return out
