"""Rates per 1,000 residents by force, and their change between two periods."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.forces._exact_ratio import exact_ratio_interval, exact_ratio_p
from hotspots.forces._groups import COUNT_COLUMNS
from hotspots.forces._population import as_populations
from hotspots.io import FORCES

__all__ = ["force_rates", "rate_change"]

logger = logging.getLogger(__name__)

_PERIOD = re.compile(r"^\s*(\d{4})\s*[/\-_]\s*(\d{2}|\d{4})(?:\s*Q([1-4]))?\s*$", re.I)
_QUARTERS_IN_YEAR = 4
_DEFAULT_GROUP = "serious violence"
_RATE_COLUMNS = ["force", "force_slug", "count", "population", "rate"]
_CHANGE_COLUMNS = [
    *("force", "force_slug", "population", "count_before", "count_after"),
    *("rate_before", "rate_after", "ratio", "ci_low", "ci_high", "p_value"),
]

Periods = str | Sequence[str]


def _check(counts: pd.DataFrame, group: str, per: float, what: str) -> pd.DataFrame:
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise SchemaError(
            f"{what}: counts is missing columns {missing}; found "
            f"{list(counts.columns)}. Pass hotspots.forces.load_recorded_crime() or "
            "serious_violence(read_recorded_crime(path))."
        )
    if not per > 0:
        raise ValueError(f"{what}: per must be > 0; got {per!r}")
    groups = list(dict.fromkeys(counts["group"]))
    if group not in groups:
        raise ValueError(
            f"{what}: no group {group!r} in counts; choose one of {groups}"
        )
    return counts[counts["group"] == group]


def _parse(spec: str, what: str) -> tuple[str, int | None]:
    match = _PERIOD.match(str(spec))
    if match is None or (int(match.group(1)) + 1) % 100 != int(match.group(2)[-2:]):
        raise ValueError(
            f"{what}: period {spec!r} not understood; write a financial year "
            "'2017/18' or a quarter '2017/18 Q2' (Q1 = April-June)."
        )
    year = f"{match.group(1)}/{match.group(2)[-2:]}"
    return year, int(match.group(3)) if match.group(3) else None


def _select(
    counts: pd.DataFrame, periods: Periods | None, what: str, name: str = "periods"
) -> tuple[pd.DataFrame, list[str], bool]:
    """Return the rows of the periods asked for, their labels, and if automatic."""
    present = counts[["financial_year", "quarter"]].drop_duplicates()
    available = sorted(f"{y} Q{q}" for y, q in present.itertuples(index=False))
    auto = periods is None
    if periods is None:
        latest = present["financial_year"].max()
        specs: list[tuple[str, int | None]] = [(latest, None)]
    else:
        items = [periods] if isinstance(periods, str) else list(periods)
        specs = [_parse(p, what) for p in items]
    keep = pd.Series(False, index=counts.index)
    for year, quarter in specs:
        hit = counts["financial_year"] == year
        if quarter is not None:
            hit &= counts["quarter"] == quarter
        if not hit.any():
            label = year if quarter is None else f"{year} Q{quarter}"
            raise ValueError(
                f"{what}: {name} asks for {label}, which counts does not hold; "
                f"available: {available}."
            )
        keep |= hit
    chosen = counts[keep]
    labels = sorted(
        f"{y} Q{q}"
        for y, q in chosen[["financial_year", "quarter"]]
        .drop_duplicates()
        .itertuples(index=False)
    )
    if auto:
        logger.info(
            "%s: %s set automatically to the latest financial year in the counts, "
            "%s (%d quarters). Pass %s= to choose.",
            what,
            name,
            specs[0][0],
            len(labels),
            name,
        )
    return chosen, labels, auto


def _join_populations(
    sums: pd.DataFrame, populations: pd.DataFrame | None, what: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    pops = as_populations(populations, what=what)
    joined = sums.merge(pops[["force_slug", "population"]], on="force_slug", how="left")
    lacking = joined["population"].isna()
    territorial = set(FORCES.loc[FORCES["has_area"], "slug"])
    left_out = sorted(joined.loc[lacking, "force_slug"])
    if left_out:
        logger.info(
            "%s: no resident population for %s; left out of the rates.",
            what,
            ", ".join(left_out),
        )
    unexpected = [s for s in left_out if s in territorial]
    if unexpected:
        warnings.warn(
            f"{what}: no population for the territorial force(s) {unexpected}; they "
            "are left out. Add them to populations=.",
            HotspotsWarning,
            stacklevel=3,
        )
    source = "2011 Census (hotspots.forces.force_populations)"
    record = {
        "population_source": source if populations is None else "populations=",
        "left_out": left_out,
    }
    joined = joined.loc[~lacking].reset_index(drop=True)
    if (joined["population"] == joined["population"].round()).all():
        joined["population"] = joined["population"].astype("int64")
    return joined, record


def _warn_partial_year(labels: list[str], auto: bool, what: str) -> None:
    if auto and len(labels) < _QUARTERS_IN_YEAR:
        warnings.warn(
            f"{what}: the latest financial year in the counts has only "
            f"{len(labels)} quarter(s) ({labels}); the rates are for those quarters, "
            "not a full year. Pass periods= to choose.",
            HotspotsWarning,
            stacklevel=3,
        )


def force_rates(
    counts: pd.DataFrame,
    *,
    group: str = _DEFAULT_GROUP,
    periods: Periods | None = None,
    populations: pd.DataFrame | None = None,
    per: float = 1000,
) -> pd.DataFrame:
    """Return each force's count and rate per resident population for one group.

    Parameters
    ----------
    counts : pandas.DataFrame
        Force x group x quarter counts: :func:`load_recorded_crime` or
        :func:`serious_violence` output (columns ``force``, ``force_slug``,
        ``financial_year``, ``quarter``, ``group``, ``count``).
    group : str, default "serious violence"
        A group in ``counts`` (see :data:`SERIOUS_VIOLENCE_GROUPS`).
    periods : str or sequence of str, optional
        Financial years (``"2017/18"``) or quarters (``"2017/18 Q2"``; Q1 is
        April-June) to add up. None = the latest financial year in ``counts``,
        logged and recorded (warns if it has fewer than four quarters).
    populations : pandas.DataFrame, optional
        ``force_slug`` (or ``force``) and ``population``. None = the 2011 Census
        usual residents of :func:`force_populations`.
    per : float, default 1000
        Rates are per this many residents.

    Returns
    -------
    pandas.DataFrame
        One row per force with a population, sorted by force: ``force``,
        ``force_slug``, ``count`` (int, offences in the periods), ``population``
        and ``rate`` (``count / population * per``, over the whole of the periods
        chosen: a financial year gives an annual rate). Ready for a funnel plot.
        ``attrs["hotspots"]`` records ``group``, ``periods`` (quarters used),
        ``periods_auto``, ``per``, ``population_source`` and ``left_out`` (forces
        without a population, e.g. British Transport Police, whose passengers are
        no resident population).

    Raises
    ------
    SchemaError
        If ``counts`` or ``populations`` lacks a column.
    ValueError
        If the group or a period is not in ``counts``, or ``per`` is not > 0.

    Notes
    -----
    A rate per resident ignores the people who work in, visit or travel through
    an area: the City of London (7,375 residents in 2011) has by far the highest
    rate for that reason. Recording practice differs between forces, too.

    Examples
    --------
    >>> from hotspots.forces import force_rates, load_recorded_crime
    >>> rates = force_rates(load_recorded_crime(), periods="2017/18")
    >>> len(rates)
    43
    """
    what = "force_rates"
    rows = _check(counts, group, per, what)
    chosen, labels, auto = _select(rows, periods, what)
    _warn_partial_year(labels, auto, what)
    sums = chosen.groupby(["force", "force_slug"], as_index=False)["count"].sum()
    out, record = _join_populations(sums, populations, what)
    out["rate"] = out["count"] / out["population"] * per
    out = out.sort_values("force", kind="stable").reset_index(drop=True)[_RATE_COLUMNS]
    out.attrs["hotspots"] = {
        "group": group,
        "periods": labels,
        "periods_auto": auto,
        "per": per,
        **record,
    }
    return out


def rate_change(
    counts: pd.DataFrame,
    *,
    before: Periods,
    after: Periods,
    group: str = _DEFAULT_GROUP,
    populations: pd.DataFrame | None = None,
    per: float = 1000,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Return each force's rate before and after, and their ratio with an exact CI.

    Parameters
    ----------
    counts : pandas.DataFrame
        As for :func:`force_rates`.
    before, after : str or sequence of str
        The periods compared: financial years (``"2017/18"``) or quarters
        (``"2017/18 Q1"``). They must not overlap.
    group : str, default "serious violence"
        A group in ``counts``.
    populations : pandas.DataFrame, optional
        As for :func:`force_rates`; one population serves both periods.
    per : float, default 1000
        Rates are per this many residents.
    ci_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per force with a population, sorted by force: ``force``,
        ``force_slug``, ``population``, ``count_before``, ``count_after``,
        ``rate_before``, ``rate_after`` (per ``per`` residents over each period),
        ``ratio`` (rate per quarter after / before; with periods of equal length,
        ``count_after / count_before``), ``ci_low``, ``ci_high`` (exact interval)
        and ``p_value`` (exact two-sided binomial test of no change).
        ``attrs["hotspots"]`` records ``group``, ``before``, ``after``,
        ``ci_level``, ``method``, ``per``, ``population_source``, ``left_out``.

    Raises
    ------
    SchemaError, ValueError
        As for :func:`force_rates`; also if the periods overlap or ``ci_level``
        is not between 0 and 1.

    Notes
    -----
    Treats each count as Poisson. Conditional on the total ``a + b``, the count
    after is binomial, so the Clopper-Pearson interval for its share gives an
    exact interval for the rate ratio (the "conditional binomial" method for
    comparing two Poisson rates). Real counts vary more than Poisson counts
    (overdispersion), so the interval is too narrow for judging a force against
    others; read it as "more than chance variation in this force's count".
    The same population is used for both periods, so the ratio compares counts.
    Counts with negative totals give NaN.

    Examples
    --------
    >>> from hotspots.forces import load_recorded_crime, rate_change
    >>> change = rate_change(load_recorded_crime(), before="2017/18 Q1",
    ...                      after="2017/18 Q4")
    >>> list(change.columns[-4:])
    ['ratio', 'ci_low', 'ci_high', 'p_value']
    """
    what = "rate_change"
    if not 0 < ci_level < 1:
        raise ValueError(f"{what}: ci_level must be between 0 and 1; got {ci_level!r}")
    rows = _check(counts, group, per, what)
    first, labels_before, _ = _select(rows, before, what, "before")
    second, labels_after, _ = _select(rows, after, what, "after")
    overlap = sorted(set(labels_before) & set(labels_after))
    if overlap:
        raise ValueError(
            f"{what}: before and after share {overlap}; choose periods that do not "
            "overlap."
        )
    keys = ["force", "force_slug"]
    sums = (
        first.groupby(keys)["count"]
        .sum()
        .rename("count_before")
        .to_frame()
        .join(second.groupby(keys)["count"].sum().rename("count_after"), how="inner")
        .reset_index()
    )
    out, record = _join_populations(sums, populations, what)
    exposure = len(labels_after) / len(labels_before)
    ratio, low, high = exact_ratio_interval(
        out["count_after"].to_numpy(),
        out["count_before"].to_numpy(),
        exposure_ratio=exposure,
        ci_level=ci_level,
    )
    out["p_value"] = [
        exact_ratio_p(a, b, exposure_ratio=exposure)
        for a, b in zip(out["count_after"], out["count_before"], strict=True)
    ]
    if np.isnan(ratio).any():
        warnings.warn(
            f"{what}: no ratio for {sorted(out.loc[np.isnan(ratio), 'force'])}: "
            "the counts are zero in both periods, or negative.",
            HotspotsWarning,
            stacklevel=2,
        )
    out = out.assign(
        rate_before=out["count_before"] / out["population"] * per,
        rate_after=out["count_after"] / out["population"] * per,
        ratio=ratio,
        ci_low=low,
        ci_high=high,
    )
    out = out.sort_values("force", kind="stable").reset_index(drop=True)
    out = out[_CHANGE_COLUMNS]
    out.attrs["hotspots"] = {
        "group": group,
        "before": labels_before,
        "after": labels_after,
        "ci_level": ci_level,
        "method": "exact conditional binomial (Clopper-Pearson) interval for the "
        "ratio of two Poisson rates",
        "per": per,
        **record,
    }
    return out
