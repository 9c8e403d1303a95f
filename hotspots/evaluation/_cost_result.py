"""The result of a cost-benefit analysis, and the cost per crime prevented."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from hotspots.evaluation._deflator import (
    DEFLATOR_CITATION,
    resolve_price_year,
    uprate_unit_costs,
)
from hotspots.evaluation._degenerate import NOT_ESTIMABLE
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._unit_costs import check_unit_costs, mix_unit_cost

__all__ = ["CostBenefit", "cost_per_crime_effect", "price_basis", "priced_unit_cost"]


def price_basis(price_year: str, published: str) -> str:
    """Words for the prices money is in, e.g. "2024/25 prices, uprated from ..."."""
    if price_year == published:
        return f"{price_year} prices (the unit costs' own price year: no uprating)"
    return (
        f"{price_year} prices, uprated from {published} with the GDP deflator "
        f"({DEFLATOR_CITATION})"
    )


def priced_unit_cost(
    unit_costs: pd.DataFrame,
    mix: str | Mapping[str, float] | pd.Series,
    price_year: str | None,
) -> dict:
    """Mix-weighted unit cost in the patrol cost's price year, with its provenance.

    Returns a dict: ``unit_cost`` (GBP), ``price_year``, ``price_year_auto``,
    ``published`` (the table's own price base), ``factor``, ``source`` (of the
    deflator), ``shares`` (normalised mix) and ``table`` (the uprated table).
    """
    published = check_unit_costs(unit_costs)
    year, auto = resolve_price_year(
        price_year,
        context=(
            f"unit costs uprated from {published} prices and the hourly cost taken "
            "to be in that year's prices"
        ),
    )
    table = uprate_unit_costs(unit_costs, year)
    unit, _, shares = mix_unit_cost(table, mix)
    if not (math.isfinite(unit) and unit > 0):
        raise ValueError(
            f"the mix-weighted unit cost is {unit:g} GBP: every offence in the mix "
            "needs a unit cost > 0 (a value of a crime prevented of 0 makes the "
            "break-even and benefit-cost ratio undefined). Fix unit_costs, e.g. "
            "build it with unit_cost_table(), which checks each cost."
        )
    return {
        "unit_cost": unit,
        "price_year": year,
        "price_year_auto": auto,
        "published": str(table["published_price_base"].iloc[0]),
        "factor": float(table["deflator_factor"].iloc[0]),
        "source": str(table["deflator_source"].iloc[0]),
        "shares": shares,
        "table": table,
    }


def cost_per_crime_effect(
    cost: float,
    prevented: tuple[float, float, float],
    *,
    level: float,
    price_year: str,
    method: str,
    n_treated: int | None,
) -> Effect:
    """Cost / crimes prevented with its interval in GBP (``nan`` when not estimable).

    The interval is the cost divided by the crimes-prevented bounds, so the upper
    bound of crimes prevented gives the lower bound of the cost. It exists only
    when the lower bound of crimes prevented is above zero. NaN crimes prevented
    (not estimable) give NaN, with a caveat starting "not estimable".
    """
    estimate, low, high = prevented
    caveats = []
    if not math.isfinite(estimate):
        caveats.append(
            f"{NOT_ESTIMABLE}: crimes prevented was not estimated, so neither is the "
            "cost per crime prevented"
        )
    elif estimate <= 0:
        caveats.append(
            "not estimable: no crimes prevented on the central estimate "
            f"({estimate:,.1f})"
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        if math.isfinite(estimate):
            caveats.append(f"{NOT_ESTIMABLE} interval: crimes prevented has none")
    elif low <= 0:
        caveats.append(
            f"interval not estimable: the {level:.0%} interval of crimes prevented "
            f"({low:,.1f} to {high:,.1f}) reaches zero or below, so the cost per "
            "crime prevented has no upper bound"
        )
    value = cost / estimate if estimate > 0 else math.nan
    bounded = low > 0 and math.isfinite(high)
    return Effect(
        measure=f"cost per crime prevented (GBP, {price_year} prices)",
        estimate=value,
        ci_low=cost / high if bounded else math.nan,
        ci_high=cost / low if bounded else math.nan,
        ci_level=level,
        method=f"patrol cost / crimes prevented; {method}",
        n_treated=n_treated,
        caveats=tuple(caveats),
        interpretation=(
            f"GBP {value:,.0f} of patrol time per crime prevented"
            if estimate > 0
            else "no cost per crime prevented: none prevented on the central estimate"
            if math.isfinite(estimate)
            else "no estimate: crimes prevented was not estimated (see caveats)"
        ),
        details={
            "cost": cost,
            "crimes_prevented": estimate,
            "crimes_prevented_low": low,
            "crimes_prevented_high": high,
        },
    )


@dataclass(frozen=True)
class CostBenefit:
    """Result of :func:`cost_benefit`: every money figure in one price year.

    Attributes
    ----------
    net_benefit : Effect
        Benefit minus cost, GBP in ``price_year`` prices, with the interval
        carried from crimes prevented.
    benefit_cost_ratio : Effect
        Benefit / cost (> 1: the benefit exceeds the cost), with its interval.
    cost : float
        Intervention cost, GBP in ``price_year`` prices (officer hours x hourly
        cost).
    unit_cost : float
        Mix-weighted value of one crime prevented, GBP in ``price_year`` prices
        (the published unit costs uprated by ``deflator_factor``).
    break_even_crimes : float
        Crimes that must be prevented for benefit to equal cost.
    cost_per_crime : Effect
        Cost / crimes prevented, GBP in ``price_year`` prices, with its own
        interval (cost / the crimes-prevented bounds); ``nan`` bounds and a caveat
        when the interval of crimes prevented reaches zero (not estimable).
    price_year : str
        The financial year whose prices every money figure is in, e.g.
        ``"2024/25"``: the price year of the hourly cost.
    price_year_auto : bool
        True when ``price_year`` was chosen automatically (the latest year of
        the GDP deflator series).
    unit_cost_price_base : str
        The price year the unit costs were published in, e.g. ``"2015/16"``.
    deflator_factor : float
        GDP deflator ratio from ``unit_cost_price_base`` to ``price_year``.
    deflator_source : str
        Citation of the GDP deflator series used.
    """

    net_benefit: Effect
    benefit_cost_ratio: Effect
    cost: float
    unit_cost: float
    break_even_crimes: float
    cost_per_crime: Effect
    price_year: str
    price_year_auto: bool
    unit_cost_price_base: str
    deflator_factor: float
    deflator_source: str

    @property
    def price_basis(self) -> str:
        """The prices of every money figure in words, with the uprating used."""
        return price_basis(self.price_year, self.unit_cost_price_base)

    def to_frame(self) -> pd.DataFrame:
        """Return net benefit, benefit-cost ratio and cost per crime as tidy rows.

        The Effect columns plus ``price_year`` (the prices of the money rows).
        """
        frame = pd.concat(
            [
                self.net_benefit.to_frame(),
                self.benefit_cost_ratio.to_frame(),
                self.cost_per_crime.to_frame(),
            ],
            ignore_index=True,
        )
        frame["price_year"] = self.price_year
        return frame

    def __str__(self) -> str:
        return (
            f"{self.net_benefit}\n{self.benefit_cost_ratio}\n{self.cost_per_crime}\n"
            f"Money in {self.price_basis}."
        )
