"""The GDP deflator: money figures moved from one price year to another."""

from __future__ import annotations

import logging
import math
import numbers
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from hotspots.evaluation._unit_costs import check_unit_costs

__all__ = [
    "DEFLATOR_CITATION",
    "gdp_deflator",
    "latest_price_year",
    "price_year_label",
    "resolve_price_year",
    "uprate",
    "uprate_unit_costs",
]

logger = logging.getLogger(__name__)

_FILE = "gdp_deflator.csv"
#: The edition of the shipped series (``hotspots/data/README.md`` says where the
#: numbers come from and how they were checked).
_EDITION = "March 2026 (Quarterly National Accounts)"
_SOURCE = (
    "HM Treasury, GDP deflators at market prices, and money GDP, "
    f"{_EDITION}; financial years, outturn, 2024-25 = 100 (Open Government Licence "
    "v3.0)"
)
#: Short citation used in sentences: "uprated ... with the GDP deflator (...)".
DEFLATOR_CITATION = "HM Treasury, March 2026"
_YEAR = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


def price_year_label(value: object, name: str = "price_year") -> str:
    """Return a financial year as ``"YYYY/YY"`` (accepts ``2015/16``, ``2015-16``)."""
    match = _YEAR.match(value) if isinstance(value, str) else None
    if match:
        first, second = int(match.group(1)), match.group(2)
        short = f"{(first + 1) % 100:02d}"
        if second in (short, str(first + 1)):
            return f"{first}/{short}"
    raise ValueError(
        f"{name} must be a financial year written like '2015/16' (or '2015-16'); got "
        f"{value!r}."
    )


@lru_cache(maxsize=1)
def _series() -> dict[str, float]:
    text = resources.files("hotspots.data").joinpath(_FILE).read_text("utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:] if line.strip()]
    return {price_year_label(year): float(value) for year, value in rows}


def latest_price_year() -> str:
    """Return the latest financial year of the shipped series, e.g. ``"2024/25"``."""
    return list(_series())[-1]


def _in_series(value: object, name: str, advice: str = "") -> str:
    year = price_year_label(value, name)
    series = _series()
    if year not in series:
        years = list(series)
        raise ValueError(
            f"{name} {year!r} is outside the GDP deflator series shipped with hotspots "
            f"({years[0]} to {years[-1]}, {DEFLATOR_CITATION}). "
            + (advice or f"Pass a year in that range, e.g. {name}={years[-1]!r}.")
        )
    return year


def resolve_price_year(price_year: str | None, *, context: str) -> tuple[str, bool]:
    """Return the price year to use and whether it was chosen automatically.

    ``None`` means the latest year of the shipped series; the choice is logged at
    INFO with ``context`` (what the year applies to).
    """
    if price_year is not None:
        return _in_series(price_year, "price_year"), False
    year = latest_price_year()
    logger.info(
        "Price year set automatically to %s, the latest year of the GDP deflator "
        "series (%s): %s. Pass price_year= to change it.",
        year,
        DEFLATOR_CITATION,
        context,
    )
    return year, True


def gdp_deflator() -> pd.DataFrame:
    """Return the GDP deflator series shipped with the package.

    Returns
    -------
    DataFrame
        One row per financial year, oldest first: ``price_year`` (``"2015/16"``)
        and ``gdp_deflator`` (index, 2024/25 = 100). ``attrs["source"]`` cites
        the edition. A new frame on every call.

    Notes
    -----
    HM Treasury's *GDP deflators at market prices, and money GDP*, March 2026
    edition (outturn from the ONS Quarterly National Accounts, ONS series L8GG),
    financial years 2010/11 to 2024/25 only: no forecast years. The HM Treasury
    Green Book uses this series to put costs and benefits from different years
    into the same prices. Where the numbers come from and how they were checked:
    ``hotspots/data/README.md``.

    Examples
    --------
    >>> from hotspots.evaluation import gdp_deflator
    >>> series = gdp_deflator().set_index("price_year")["gdp_deflator"]
    >>> series["2015/16"], series["2024/25"]
    (np.float64(74.5804), np.float64(100.0))
    """
    series = _series()
    frame = pd.DataFrame(
        {"price_year": list(series), "gdp_deflator": list(series.values())}
    )
    frame.attrs["source"] = _SOURCE
    return frame


def uprate(value, from_year: str, to_year: str | None = None):
    """Move a money figure from the prices of one financial year to another's.

    Parameters
    ----------
    value : float or array-like
        Money in ``from_year`` prices (GBP; may be negative).
    from_year : str
        The financial year whose prices ``value`` is in, e.g. ``"2015/16"``
        (``"2015-16"`` is accepted too).
    to_year : str, optional
        The financial year to express it in. None = the latest year of the
        shipped series (logged at INFO).

    Returns
    -------
    float or ndarray
        ``value x deflator[to_year] / deflator[from_year]``, GBP in ``to_year``
        prices; an array for array input.

    Raises
    ------
    ValueError
        If a year is not written like ``"2015/16"``, lies outside the shipped
        series (the message lists its range), or ``value`` is not finite.

    Notes
    -----
    The GDP deflator measures prices across the whole economy, the index the HM
    Treasury Green Book uses to compare money from different years
    (:doc:`/docs/methods/costs`). Moving to an earlier year deflates.

    Examples
    --------
    The Home Office unit cost of violence with injury, £14,050 in 2015/16
    prices, in 2024/25 prices:

    >>> from hotspots.evaluation import uprate
    >>> round(uprate(14_050, "2015/16", "2024/25"))
    18839
    """
    source = _in_series(from_year, "from_year")
    target, _ = (
        (_in_series(to_year, "to_year"), False)
        if to_year is not None
        else resolve_price_year(None, context=f"uprating from {source}")
    )
    series = _series()
    factor = series[target] / series[source]
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"value must be a finite amount of money; got {value!r}")
        return float(value) * factor
    array = np.asarray(value, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError("value must hold finite amounts of money; some are not.")
    return array * factor


def uprate_unit_costs(
    unit_costs: pd.DataFrame, price_year: str | None = None
) -> pd.DataFrame:
    """Return a unit-cost table in the prices of one financial year.

    Parameters
    ----------
    unit_costs : DataFrame
        A table from :func:`home_office_unit_costs` or :func:`unit_cost_table`
        (one ``price_base``, a financial year such as ``"2015/16"``).
    price_year : str, optional
        The financial year to express the costs in, e.g. ``"2024/25"``. None =
        the latest year of the shipped series (logged at INFO).

    Returns
    -------
    DataFrame
        The columns of :data:`UNIT_COST_COLUMNS` with ``unit_cost`` (GBP) in
        ``price_year`` prices and ``price_base`` set to it, plus
        ``published_unit_cost`` and ``published_price_base`` (the figures as
        published), ``deflator_factor`` (published to ``price_year``) and
        ``deflator_source``. A new frame; the input is not changed.

    Raises
    ------
    TypeError, ValueError
        If the table is not a unit-cost table, mixes price bases, or a year is
        outside the shipped series (the message says what to pass).

    Examples
    --------
    >>> from hotspots.evaluation import home_office_unit_costs, uprate_unit_costs
    >>> table = uprate_unit_costs(home_office_unit_costs(), "2024/25")
    >>> row = table.set_index("offence").loc["Violence with injury"]
    >>> row["published_unit_cost"], round(row["unit_cost"]), row["price_base"]
    (np.float64(14050.0), 18839, '2024/25')
    """
    base = check_unit_costs(unit_costs)
    target, _ = resolve_price_year(
        price_year, context=f"unit costs uprated from {base} prices"
    )
    published_base = (
        str(unit_costs["published_price_base"].iloc[0])
        if "published_price_base" in unit_costs.columns
        else base
    )
    advice = (
        "Uprate the costs to a year in that range yourself and rebuild the table "
        "with unit_cost_table(..., price_base=...)."
    )
    current = _in_series(base, "the unit costs' price_base", advice)
    series = _series()
    out = unit_costs.copy()
    if "published_unit_cost" not in out.columns:
        out["published_unit_cost"] = out["unit_cost"].astype(float)
        out["published_price_base"] = published_base
    out["unit_cost"] = out["unit_cost"].astype(float) * series[target] / series[current]
    out["price_base"] = target
    published = _in_series(published_base, "published_price_base", advice)
    out["deflator_factor"] = series[target] / series[published]
    out["deflator_source"] = _SOURCE
    return out
