"""Checks over time and over the whole file: months, missing locations, codes, IDs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from hotspots.quality._report import finding

__all__ = [
    "IMPLAUSIBLE_HIGH",
    "IMPLAUSIBLE_LOW",
    "LSOA_2011_LAST",
    "MISSING_SHIFT_ALPHA",
    "MISSING_SHIFT_MIN_POINTS",
    "MISSING_SHIFT_MIN_RATIO",
    "code_vintage_findings",
    "coverage_findings",
    "duplicate_findings",
    "gap_months",
    "missing_location_findings",
    "month_table",
]

#: A month whose total is below this share of the median month is implausible ...
IMPLAUSIBLE_LOW = 0.5
#: ... or above this multiple of it.
IMPLAUSIBLE_HIGH = 2.0
#: Fewest months for the median month to mean anything.
_MIN_MONTHS_FOR_TOTALS = 6
#: A shift in the share without a location is reported when the two-proportion
#: test (Bonferroni over the candidate months) gives p below this ...
MISSING_SHIFT_ALPHA = 0.01
#: ... the share changes by at least this factor ...
MISSING_SHIFT_MIN_RATIO = 1.5
#: ... and by at least this many percentage points.
MISSING_SHIFT_MIN_POINTS = 1.0
#: Fewest rows of a crime type for its own shift test.
_MIN_ROWS_FOR_SHIFT = 200
#: Fewest months on each side of a candidate change.
_MIN_SIDE_MONTHS = 3
#: The last 2011 LSOA code in England and in Wales. The 2021 LSOAs kept the codes
#: of unchanged areas and gave new, higher codes to split or merged ones (ONS,
#: "Lower layer Super Output Areas (December 2021) Boundaries EW", code lists), so a
#: code above these exists only in the 2021 set.
LSOA_2011_LAST = {"E01": 33768, "W01": 1958}


def _months(values) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.to_period("M")


def month_table(crimes, no_location: pd.DataFrame | None) -> pd.DataFrame:
    """Rows per month: located (kept), without a location (set aside), total, share.

    Months with no rows at all inside the span appear with zeros; without a
    ``month`` column the table is empty.
    """
    columns = ["month", "located", "no_location", "total", "no_location_share"]
    if "month" not in crimes.columns:
        return pd.DataFrame(columns=columns)
    counts = _months(crimes["month"]).value_counts()
    missing = (
        _months(no_location["month"]).value_counts()
        if no_location is not None and len(no_location)
        else counts.iloc[:0]
    )
    present = [m for m in list(counts.index) + list(missing.index) if pd.notna(m)]
    if not present:
        return pd.DataFrame(columns=columns)
    span = pd.period_range(min(present), max(present), freq="M")
    out = pd.DataFrame({"month": span})
    out["located"] = counts.reindex(span, fill_value=0).to_numpy()
    out["no_location"] = missing.reindex(span, fill_value=0).to_numpy()
    out["total"] = out["located"] + out["no_location"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["no_location_share"] = out["no_location"] / out["total"]
    return out


#: A month with no rows inside the span is read as missing data (not zero crime)
#: when the median month has at least this many rows.
GAP_MIN_MEDIAN = 20


def gap_months(months) -> list[str]:
    """Months inside the span of ``months`` (dates) with no rows at all, as YYYY-MM.

    Only when the median month holds at least ``GAP_MIN_MEDIAN`` (20) rows:
    with so many crimes a month, a month with none is a missing file, not a quiet
    month. Used by every verb that works month by month, so that a missing month
    is never read as zero.

    Parameters
    ----------
    months : array-like
        Shape (n,), one date per crime (anything :func:`pandas.to_datetime`
        reads; values it cannot read are left out); each counts in its calendar
        month.

    Returns
    -------
    list of str
        The empty months between the first and the last month, oldest first, as
        "YYYY-MM"; empty when no month is missing, when ``months`` is empty, or
        when the median month holds fewer than 20 rows.

    Examples
    --------
    >>> import pandas as pd
    >>> dates = pd.to_datetime(["2024-01-01"] * 30 + ["2024-03-01"] * 25)
    >>> gap_months(pd.Series(dates))
    ['2024-02']
    """
    periods = _months(pd.Series(months))
    counts = periods.value_counts()
    if counts.empty:
        return []
    span = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    full = counts.reindex(span, fill_value=0)
    if full[full > 0].median() < GAP_MIN_MEDIAN:
        return []
    return [str(m) for m in full.index[full.to_numpy() == 0]]


def coverage_findings(months: pd.DataFrame, force: str) -> list[dict]:
    """Months with no rows inside the span, and months far from the usual total."""
    found = []
    empty = months[months["total"] == 0]
    if len(empty):
        listed = ", ".join(str(m) for m in empty["month"][:12])
        found.append(
            finding(
                "warning",
                "coverage_gap",
                f"{force}: {len(empty)} month(s) ({listed})",
                f"no rows at all in {len(empty)} of {len(months)} months between "
                f"{months['month'].iloc[0]} and {months['month'].iloc[-1]}: the "
                "force's file for those months is missing, not the crime",
                "never read these months as zero crime: analyse a span without them "
                "(start=/end=), or get the missing files. The space-time cube, "
                "emerging hot spots, backtests and evaluate() refuse or drop them.",
                n=len(empty),
            )
        )
    full = months[months["total"] > 0]
    if len(full) >= _MIN_MONTHS_FOR_TOTALS:
        median = float(full["total"].median())
        odd = full[
            (full["total"] < IMPLAUSIBLE_LOW * median)
            | (full["total"] > IMPLAUSIBLE_HIGH * median)
        ]
        for row in odd.itertuples():
            found.append(
                finding(
                    "warning",
                    "implausible_month",
                    f"{force}: {row.month}",
                    f"{row.total:,} rows against a median month of {median:,.0f} "
                    f"({row.total / median:.0%}): a partial or duplicated file is "
                    "likelier than a real change",
                    "check the month's file against police.uk; leave the month out "
                    "(start=/end=) if it is incomplete.",
                    n=row.total,
                )
            )
    return found


def _best_split(located: np.ndarray, missing: np.ndarray) -> tuple[int, float, float]:
    """Split month index, two-sided p (Bonferroni) and z of the largest shift."""
    best = (-1, 1.0, 0.0)
    k = len(located)
    candidates = range(_MIN_SIDE_MONTHS, k - _MIN_SIDE_MONTHS + 1)
    tests = max(len(candidates), 1)
    total = located + missing
    for split in candidates:
        m1, n1 = missing[:split].sum(), total[:split].sum()
        m2, n2 = missing[split:].sum(), total[split:].sum()
        if n1 == 0 or n2 == 0:
            continue
        pooled = (m1 + m2) / (n1 + n2)
        if pooled in (0.0, 1.0):
            continue
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (m2 / n2 - m1 / n1) / se
        p = min(1.0, 2 * stats.norm.sf(abs(z)) * tests)
        if p < best[1] or best[0] < 0:
            best = (split, p, z)
    return best


def missing_location_findings(
    crimes, no_location: pd.DataFrame | None, force: str
) -> list[dict]:
    """Report the share of rows without a location, and a shift in it."""
    if no_location is None:
        return []
    found = []
    groups = [("all crime types", crimes, no_location)]
    if "crime_type" in crimes.columns and "crime_type" in no_location.columns:
        for kind in sorted(set(crimes["crime_type"].astype(str))):
            rows_in = crimes[crimes["crime_type"].astype(str) == kind]
            rows_out = no_location[no_location["crime_type"].astype(str) == kind]
            if len(rows_in) + len(rows_out) >= _MIN_ROWS_FOR_SHIFT:
                groups.append((kind, rows_in, rows_out))
    overall = month_table(crimes, no_location)
    share = overall["no_location"].sum() / max(overall["total"].sum(), 1)
    found.append(
        finding(
            "note",
            "missing_locations",
            f"{force}: all crime types",
            f"{int(overall['no_location'].sum()):,} of {int(overall['total'].sum()):,}"
            f" rows ({share:.1%}) have no location and are set aside; monthly share "
            f"{overall['no_location_share'].min():.1%} to "
            f"{overall['no_location_share'].max():.1%}",
            "say so when reporting counts: maps and places cover located rows only.",
            n=int(overall["no_location"].sum()),
        )
    )
    for label, rows_in, rows_out in groups:
        table = month_table(rows_in, rows_out)
        table = table[table["total"] > 0]
        if len(table) < 2 * _MIN_SIDE_MONTHS:
            continue
        located = table["located"].to_numpy()
        missing = table["no_location"].to_numpy()
        split, p, _ = _best_split(located, missing)
        if split < 0:
            continue
        before = missing[:split].sum() / (located[:split] + missing[:split]).sum()
        after = missing[split:].sum() / (located[split:] + missing[split:]).sum()
        low, high = sorted((before, after))
        if (
            p < MISSING_SHIFT_ALPHA
            and abs(after - before) * 100 >= MISSING_SHIFT_MIN_POINTS
            and high >= MISSING_SHIFT_MIN_RATIO * max(low, 1e-9)
        ):
            month = table["month"].iloc[split]
            found.append(
                finding(
                    "warning",
                    "missing_locations",
                    f"{force}: {label}, from {month}",
                    f"the share without a location moves from {before:.1%} to "
                    f"{after:.1%} at {month} (two-proportion test, Bonferroni over "
                    f"{len(table) - 2 * _MIN_SIDE_MONTHS + 1} candidate months, "
                    f"p = {p:.2g})",
                    "a before/after comparison across this month counts located "
                    "crimes on a changing base: compare periods on the same side of "
                    "it, or compare all rows (located or not) for the force as a "
                    "whole.",
                    n=int(missing[split:].sum()),
                )
            )
    return found


def _new_2021(codes: pd.Series) -> pd.Series:
    text = codes.astype("string").fillna("")
    prefix = text.str[:3]
    number = pd.to_numeric(text.str[3:], errors="coerce")
    last = prefix.map(LSOA_2011_LAST)
    return (number > last).fillna(False).astype(bool)


def code_vintage_findings(crimes, force: str) -> list[dict]:
    """2021-only LSOA codes in the series, and the month they start if they do."""
    if "lsoa_code" not in crimes.columns or "month" not in crimes.columns:
        return []
    new = _new_2021(crimes["lsoa_code"])
    if not new.any():
        return []
    months = _months(crimes["month"])
    by_month = new.groupby(months.to_numpy()).sum()
    first = by_month[by_month > 0].index.min()
    before = by_month[by_month.index < first]
    n_codes = crimes.loc[new.to_numpy(), "lsoa_code"].nunique()
    if len(before) and (before == 0).all() and len(before) >= 2:
        evidence = (
            f"{int(new.sum()):,} rows in {n_codes} LSOAs that exist only in the 2021 "
            f"set, none before {first}: the series switches from 2011 to 2021 LSOA "
            f"codes at {first}"
        )
        severity = "warning"
    else:
        evidence = (
            f"{int(new.sum()):,} rows in {n_codes} LSOAs that exist only in the 2021 "
            "set (codes above E01033768 / W01001958)"
        )
        severity = "note"
    return [
        finding(
            severity,
            "code_vintage",
            f"{force}: LSOA codes",
            evidence,
            "join LSOA tables by location (point in polygon), not by code, or use "
            "one vintage for the whole series; 2011 tables (census 2011 population, "
            "2011 outlines) miss the 2021-only codes.",
            n=int(new.sum()),
        )
    ]


def duplicate_findings(quarantine: pd.DataFrame | None) -> list[dict]:
    """Crime IDs repeated as published (set aside by the reader, first one kept)."""
    if quarantine is None or quarantine.empty:
        return []
    dup = quarantine[quarantine["reason_code"] == "duplicate_crime_id"]
    found = []
    for force, rows in dup.groupby(
        dup.get("force_text", pd.Series("", index=dup.index)), sort=True
    ):
        found.append(
            finding(
                "note",
                "duplicate_ids",
                f"{force or 'all forces'}: Crime ID",
                f"{len(rows):,} rows repeat a Crime ID already read (the first was "
                "kept, the rest set aside)",
                "nothing to do for maps; say it when reporting counts, and check "
                "whether the repeats are the same crime updated in a later month.",
                n=len(rows),
            )
        )
    return found
