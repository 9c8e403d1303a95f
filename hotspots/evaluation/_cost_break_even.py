"""The break-even reduction: how large a fall pays for the patrols."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import pandas as pd

from hotspots._validate import check_positive
from hotspots.evaluation._cost_hours import patrol_cost
from hotspots.evaluation._cost_result import price_basis, priced_unit_cost
from hotspots.evaluation._effect import Effect

__all__ = ["break_even_reduction"]


def break_even_reduction(
    *,
    expected_crimes: float,
    unit_costs: pd.DataFrame,
    mix: str | Mapping[str, float] | pd.Series,
    officer_hours: float,
    hourly_cost: float,
    price_year: str | None = None,
) -> Effect:
    """Percentage reduction at which the benefit equals the cost.

    Parameters
    ----------
    expected_crimes : float
        Crimes expected in the treated places over the evaluated period without
        the intervention (> 0), e.g. the pre-period monthly rate x post months.
    unit_costs, mix, officer_hours, hourly_cost, price_year
        As in :func:`cost_benefit`: the unit costs are uprated to the price year
        of the hourly cost (None = the latest year of the GDP deflator series,
        logged).

    Returns
    -------
    Effect
        ``measure="break-even reduction (%)"``: ``100 x (cost / unit cost) /
        expected_crimes``; no interval (a deterministic threshold; ``ci_low``
        and ``ci_high`` are ``nan``). ``details``: ``break_even_crimes``,
        ``cost`` and ``unit_cost`` (GBP in the price year named in ``method``),
        ``expected_crimes`` and ``deflator_factor``.

    Raises
    ------
    ValueError
        As :func:`cost_benefit` (hours, hourly cost and unit cost must be > 0),
        or if ``expected_crimes`` is not > 0: a threshold share of zero or NaN
        expected crimes is undefined, and the message says where a NaN usually
        comes from (a rate ratio that could not be estimated).

    Notes
    -----
    The percentage does not depend on the price year as long as the cost and the
    unit costs are in the same one, which is what the uprating ensures.

    Examples
    --------
    The worked example in :doc:`/docs/methods/costs` (break-even 15.74 offences,
    hourly cost in 2015/16 prices) with 100 expected offences:

    >>> from hotspots.evaluation import break_even_reduction, home_office_unit_costs
    >>> result = break_even_reduction(expected_crimes=100,
    ...     unit_costs=home_office_unit_costs(), mix="Violence with injury",
    ...     officer_hours=4914, hourly_cost=45, price_year="2015/16")
    >>> round(result.estimate, 2), round(result.details["break_even_crimes"], 2)
    (15.74, 15.74)
    """
    if isinstance(expected_crimes, numbers.Real) and math.isnan(expected_crimes):
        raise ValueError(
            "expected_crimes is NaN: it often comes from observed crimes / a rate "
            "ratio that could not be estimated (see that Effect's caveats). Give "
            "the expected count another way, e.g. the pre-period monthly rate x "
            "post months."
        )
    expected = check_positive(expected_crimes, "expected_crimes")
    priced = priced_unit_cost(unit_costs, mix, price_year)
    unit, year = priced["unit_cost"], priced["price_year"]
    cost = patrol_cost(officer_hours, hourly_cost)
    crimes = cost / unit
    percent = 100 * crimes / expected
    caveats = ["a threshold, not an estimate: no confidence interval"]
    if percent > 100:
        caveats.append(
            f"break-even needs {crimes:.1f} crimes prevented, more than the "
            f"{expected:g} expected: the intervention cannot pay for itself"
        )
    return Effect(
        measure="break-even reduction (%)",
        estimate=percent,
        ci_low=math.nan,
        ci_high=math.nan,
        method=(
            f"cost / unit cost / expected crimes ("
            f"{price_basis(year, priced['published'])}); cost = {officer_hours:g} "
            f"officer hours x GBP {hourly_cost:g} ({year} prices)"
        ),
        caveats=tuple(caveats),
        interpretation=(
            f"benefit equals cost if crime falls by {percent:.1f}% "
            f"({crimes:.1f} of {expected:g} expected crimes)"
        ),
        details={
            "break_even_crimes": crimes,
            "cost": cost,
            "unit_cost": unit,
            "expected_crimes": expected,
            "deflator_factor": priced["factor"],
        },
    )
