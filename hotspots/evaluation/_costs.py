"""Cost-benefit of a place-based intervention: crimes prevented, priced in one year.

Officer hours are in ``_cost_hours``, the GDP deflator in ``_deflator``, the result
type in ``_cost_result`` and the break-even threshold in ``_cost_break_even``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import pandas as pd

from hotspots.evaluation._cost_hours import patrol_cost
from hotspots.evaluation._cost_result import (
    CostBenefit,
    cost_per_crime_effect,
    price_basis,
)
from hotspots.evaluation._deflator import resolve_price_year, uprate_unit_costs
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._unit_costs import check_unit_costs, mix_unit_cost

__all__ = ["CRIMES_PREVENTED", "cost_benefit", "crimes_prevented", "priced_unit_cost"]

#: Measure name an :class:`Effect` must carry to be used as crimes prevented.
CRIMES_PREVENTED = "crimes prevented"


def _interval(value) -> tuple[float, float, float, tuple[str, ...], Effect | None]:
    """(estimate, low, high, caveats, effect) from an Effect or a 3-tuple."""
    if isinstance(value, Effect):
        if value.measure != CRIMES_PREVENTED:
            raise ValueError(
                f"crimes_prevented must be an Effect with measure "
                f"{CRIMES_PREVENTED!r}; got {value.measure!r}. Convert a rate ratio "
                "with hotspots.crimes_prevented(effect, observed_after=...)."
            )
        return value.estimate, value.ci_low, value.ci_high, value.caveats, value
    try:
        estimate, low, high = (float(v) for v in value)
    except (TypeError, ValueError) as err:
        raise TypeError(
            "crimes_prevented must be an Effect or an (estimate, low, high) tuple; "
            f"got {value!r}"
        ) from err
    if not all(math.isfinite(v) for v in (estimate, low, high)):
        raise ValueError(f"crimes_prevented must be finite; got {value!r}")
    if not low <= estimate <= high:
        raise ValueError(
            f"crimes_prevented must satisfy low <= estimate <= high; got {value!r}"
        )
    return estimate, low, high, (), None


def crimes_prevented(rate_ratio: Effect, *, observed_after: float) -> Effect:
    """Convert a rate-ratio effect into crimes prevented in the post period.

    Parameters
    ----------
    rate_ratio : Effect
        A ratio effect (e.g. the DiD incidence rate ratio from :func:`did`),
        < 1 = fewer crimes than expected.
    observed_after : float
        Crimes observed in the treated places over the post period (>= 0).

    Returns
    -------
    Effect
        ``measure="crimes prevented"``: ``observed_after * (1/IRR - 1)``, with
        the interval from the IRR's bounds (the upper IRR bound gives the
        lower bound); caveats and ``n_treated`` are carried over.

    Raises
    ------
    ValueError
        If the effect has no positive, finite interval or ``observed_after`` < 0.

    Notes
    -----
    The counterfactual count is ``observed_after / IRR``; the difference from
    the observed count is the number prevented (negative = extra crimes).

    Examples
    --------
    >>> from hotspots.evaluation import Effect, crimes_prevented
    >>> irr = Effect("incidence rate ratio", 0.8, 0.64, 1.0)
    >>> prevented = crimes_prevented(irr, observed_after=100)
    >>> round(prevented.estimate, 2), round(prevented.ci_low, 2), prevented.ci_high
    (25.0, 0.0, 56.25)
    """
    if not isinstance(rate_ratio, Effect):
        raise TypeError(
            f"rate_ratio must be an Effect (e.g. from did()); got {rate_ratio!r}"
        )
    values = (rate_ratio.estimate, rate_ratio.ci_low, rate_ratio.ci_high)
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(
            f"rate_ratio needs a positive estimate and finite positive CI; got "
            f"{rate_ratio.estimate:g} ({rate_ratio.ci_low:g}, {rate_ratio.ci_high:g})."
        )
    if (
        isinstance(observed_after, bool)
        or not isinstance(observed_after, numbers.Real)
        or not math.isfinite(observed_after)
        or observed_after < 0
    ):
        raise ValueError(f"observed_after must be a count >= 0; got {observed_after!r}")
    n = float(observed_after)

    def prevented(ratio: float) -> float:
        return n * (1 / ratio - 1)

    return Effect(
        measure=CRIMES_PREVENTED,
        estimate=prevented(rate_ratio.estimate),
        ci_low=prevented(rate_ratio.ci_high),
        ci_high=prevented(rate_ratio.ci_low),
        ci_level=rate_ratio.ci_level,
        p_value=rate_ratio.p_value,
        method=(
            f"observed x (1/ratio - 1) from: {rate_ratio.method or rate_ratio.measure}"
        ),
        n_treated=rate_ratio.n_treated,
        n_comparison=rate_ratio.n_comparison,
        caveats=rate_ratio.caveats,
        interpretation=(
            f"{abs(prevented(rate_ratio.estimate)):.1f} crimes "
            f"{'prevented' if rate_ratio.estimate < 1 else 'added'} over "
            f"{n:g} observed in the post period"
        ),
        details={"observed_after": n, "rate_ratio": rate_ratio.estimate},
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


def cost_benefit(
    crimes_prevented: Effect | tuple[float, float, float],
    *,
    unit_costs: pd.DataFrame,
    mix: str | Mapping[str, float] | pd.Series,
    officer_hours: float,
    hourly_cost: float,
    price_year: str | None = None,
) -> CostBenefit:
    """Net benefit, benefit-cost ratio and cost per crime prevented, in one price year.

    Parameters
    ----------
    crimes_prevented : Effect or (estimate, low, high)
        Crimes prevented over the evaluated period: an :class:`Effect` with
        ``measure="crimes prevented"`` (see :func:`crimes_prevented`) or a
        tuple. Negative = crimes added.
    unit_costs : DataFrame
        Cost per crime by offence, columns :data:`UNIT_COST_COLUMNS` (one
        ``price_base``), e.g. :func:`home_office_unit_costs` or your own
        :func:`unit_cost_table`. No table is applied by default.
    mix : str or mapping of offence -> share
        Offence mix of the prevented crimes; shares sum to 1. A single offence
        name means all prevented crimes are of that type.
    officer_hours : float
        Officer hours spent on the intervention (> 0), e.g. from
        :func:`officer_hours`.
    hourly_cost : float
        Fully loaded cost of one officer hour, GBP in ``price_year`` prices
        (> 0). No default: supply your force's figure and cite it
        (:doc:`/docs/methods/costs`).
    price_year : str, optional
        The financial year whose prices ``hourly_cost`` is in, e.g.
        ``"2024/25"``; the unit costs are uprated to it with the GDP deflator
        (:func:`uprate_unit_costs`). None = the latest year of the shipped
        series (logged at INFO and recorded as ``price_year_auto``).

    Returns
    -------
    CostBenefit
        ``net_benefit``, ``benefit_cost_ratio`` and ``cost_per_crime``
        (:class:`Effect`, each with its interval), ``cost``, ``unit_cost``
        (mix-weighted) and ``break_even_crimes``, all money in ``price_year``
        prices; ``price_year``, ``price_year_auto``, ``unit_cost_price_base``,
        ``deflator_factor`` and ``deflator_source`` say how. The effects'
        ``details`` hold ``benefit``, ``cost``, ``unit_cost``,
        ``break_even_crimes`` and ``deflator_factor``.

    Raises
    ------
    TypeError
        If ``crimes_prevented`` or ``unit_costs`` has the wrong type.
    ValueError
        If the effect is not "crimes prevented", the mix names offences not in
        the table or does not sum to 1, the table mixes price bases, hours or
        cost are not > 0, or a price year is outside the GDP deflator series
        (the message gives its range).

    Notes
    -----
    ``benefit = prevented x unit cost``, ``net = benefit - cost``, ``BCR =
    benefit / cost``, ``cost per crime = cost / prevented`` and ``break-even =
    cost / unit cost`` (:doc:`/docs/methods/costs`). All are monotone in crimes
    prevented, so the intervals are the crimes-prevented bounds pushed through the
    same formulas (for the cost per crime the upper bound of crimes prevented gives
    the lower bound, and there is no interval when crimes prevented can be zero).
    They carry only the statistical uncertainty of the effect, not that of unit
    costs, hours or the deflator. The lower bound of crimes prevented is the
    conservative case.

    Examples
    --------
    The worked example in :doc:`/docs/methods/costs`: 4,914 officer hours at an
    assumed £45, 25 violence with injury offences prevented, with the hourly cost
    in the unit costs' own 2015/16 prices (no uprating):

    >>> from hotspots.evaluation import cost_benefit, home_office_unit_costs
    >>> result = cost_benefit((25, 10, 40), unit_costs=home_office_unit_costs(),
    ...                       mix="Violence with injury", officer_hours=4914,
    ...                       hourly_cost=45, price_year="2015/16")
    >>> result.cost, result.net_benefit.estimate
    (221130.0, 130120.0)
    >>> round(result.benefit_cost_ratio.estimate, 3)
    1.588

    With £45 an hour in 2024/25 prices the unit costs are uprated to match:

    >>> result = cost_benefit((25, 10, 40), unit_costs=home_office_unit_costs(),
    ...                       mix="Violence with injury", officer_hours=4914,
    ...                       hourly_cost=45, price_year="2024/25")
    >>> round(result.unit_cost), round(result.benefit_cost_ratio.estimate, 3)
    (18839, 2.13)
    >>> print(result.price_basis)
    2024/25 prices, uprated from 2015/16 with the GDP deflator (HM Treasury, March 2026)
    """
    estimate, low, high, caveats, effect = _interval(crimes_prevented)
    priced = priced_unit_cost(unit_costs, mix, price_year)
    unit, year = priced["unit_cost"], priced["price_year"]
    cost = patrol_cost(officer_hours, hourly_cost)
    break_even = cost / unit
    level = effect.ci_level if effect is not None else 0.95
    source = str(unit_costs["source"].iloc[0])
    mix_text = ", ".join(f"{k} {v:.0%}" for k, v in priced["shares"].items())
    basis = price_basis(year, priced["published"])
    method = (
        f"crimes prevented x unit cost ({source}; {basis}); mix {mix_text}; cost = "
        f"{officer_hours:g} officer hours x GBP {hourly_cost:g} ({year} prices)"
    )
    notes = (
        *caveats,
        "interval carries only the uncertainty in crimes prevented (unit costs, "
        "hours and the deflator are taken as fixed)",
        f"all money in {basis}; the hourly cost is taken to be in {year} prices",
    )
    details = {
        "benefit": estimate * unit,
        "cost": cost,
        "unit_cost": unit,
        "break_even_crimes": break_even,
        "crimes_prevented": estimate,
        "deflator_factor": priced["factor"],
    }
    n_treated = effect.n_treated if effect is not None else None
    net = estimate * unit - cost
    net_effect = Effect(
        measure=f"net benefit (GBP, {year} prices)",
        estimate=net,
        ci_low=low * unit - cost,
        ci_high=high * unit - cost,
        ci_level=level,
        method=method,
        n_treated=n_treated,
        caveats=notes,
        interpretation=(
            f"benefit {'exceeds' if net > 0 else 'falls short of'} the cost by GBP "
            f"{abs(net):,.0f} ({year} prices)"
        ),
        details=details,
    )
    ratio = estimate * unit / cost
    ratio_effect = Effect(
        measure="benefit-cost ratio",
        estimate=ratio,
        ci_low=low * unit / cost,
        ci_high=high * unit / cost,
        ci_level=level,
        method=method,
        n_treated=n_treated,
        caveats=notes,
        interpretation=f"GBP {ratio:.2f} of crime costs avoided per GBP 1 spent",
        details=details,
    )
    per_crime = cost_per_crime_effect(
        cost,
        (estimate, low, high),
        level=level,
        price_year=year,
        method=method,
        n_treated=n_treated,
    )
    return CostBenefit(
        net_benefit=net_effect,
        benefit_cost_ratio=ratio_effect,
        cost=cost,
        unit_cost=unit,
        break_even_crimes=break_even,
        cost_per_crime=per_crime,
        price_year=year,
        price_year_auto=priced["price_year_auto"],
        unit_cost_price_base=priced["published"],
        deflator_factor=priced["factor"],
        deflator_source=priced["source"],
    )
