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
    priced_unit_cost,
)
from hotspots.evaluation._degenerate import NOT_ESTIMABLE, nan_effect
from hotspots.evaluation._effect import Effect

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
        If the ratio or a bound is 0 or negative (not a ratio: a log ratio or a
        difference?) or ``observed_after`` is not a count >= 0.

    Notes
    -----
    The counterfactual count is ``observed_after / IRR``; the difference from
    the observed count is the number prevented (negative = extra crimes).

    **Degenerate inputs** give NaN, with a caveat starting "not estimable" first
    and the ratio's own caveats after it, rather than an error: a ratio that was
    not estimable (NaN, e.g. :func:`did` on a panel whose treated places had no
    crimes after the start) gives NaN crimes prevented; a ratio without a finite
    interval keeps the estimate with a NaN interval; ``observed_after = 0`` gives
    NaN, since ``0 x (1/IRR - 1)`` is 0 whatever the effect (estimate the expected
    count another way, e.g. from the pre-period rate).

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
    if any(v <= 0 for v in values):
        raise ValueError(
            f"rate_ratio must be a ratio > 0 with bounds > 0; got "
            f"{rate_ratio.estimate:g} ({rate_ratio.ci_low:g}, {rate_ratio.ci_high:g}). "
            "Pass the rate ratio itself (e.g. did()'s IRR), not its log."
        )
    if (
        isinstance(observed_after, bool)
        or not isinstance(observed_after, numbers.Real)
        or not math.isfinite(observed_after)
        or observed_after < 0
    ):
        raise ValueError(f"observed_after must be a count >= 0; got {observed_after!r}")
    n = float(observed_after)
    method = f"observed x (1/ratio - 1) from: {rate_ratio.method or rate_ratio.measure}"
    details = {"observed_after": n, "rate_ratio": rate_ratio.estimate}
    reason = _not_estimable_prevented(rate_ratio, n)
    if reason is not None:
        return nan_effect(
            CRIMES_PREVENTED,
            method=method,
            caveats=(reason, *rate_ratio.caveats),
            ci_level=rate_ratio.ci_level,
            n_treated=rate_ratio.n_treated,
            n_comparison=rate_ratio.n_comparison,
            details=details,
        )
    caveats = rate_ratio.caveats
    if not rate_ratio.has_ci:
        caveats = (
            f"{NOT_ESTIMABLE} interval: the rate ratio has no finite interval",
            *caveats,
        )

    def prevented(ratio: float) -> float:
        return n * (1 / ratio - 1) if math.isfinite(ratio) else math.nan

    return Effect(
        measure=CRIMES_PREVENTED,
        estimate=prevented(rate_ratio.estimate),
        ci_low=prevented(rate_ratio.ci_high),
        ci_high=prevented(rate_ratio.ci_low),
        ci_level=rate_ratio.ci_level,
        p_value=rate_ratio.p_value,
        method=method,
        n_treated=rate_ratio.n_treated,
        n_comparison=rate_ratio.n_comparison,
        caveats=caveats,
        interpretation=(
            f"{abs(prevented(rate_ratio.estimate)):.1f} crimes "
            f"{'prevented' if rate_ratio.estimate < 1 else 'added'} over "
            f"{n:g} observed in the post period"
        ),
        details=details,
    )


def _not_estimable_prevented(rate_ratio: Effect, observed_after: float) -> str | None:
    """Why crimes prevented cannot be computed from this ratio and count, or None."""
    if not math.isfinite(rate_ratio.estimate):
        return (
            f"{NOT_ESTIMABLE}: the {rate_ratio.measure} was not estimated (see the "
            "caveats after this one), so neither are the crimes prevented"
        )
    if observed_after == 0:
        return (
            f"{NOT_ESTIMABLE}: no crimes were observed after the start, so observed "
            "x (1/ratio - 1) is 0 whatever the effect. Estimate the expected count "
            "another way (e.g. the pre-period rate x post months)"
        )
    return None


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

    **Degenerate inputs.** Zero or negative hours, hourly cost or unit cost raise
    ``ValueError`` (cost or value undefined). Crimes prevented that were not
    estimable (an Effect with a NaN estimate, e.g. from a rate ratio that could
    not be estimated) give NaN money figures with a caveat starting "not
    estimable" and the effect's own caveats; a NaN interval gives NaN intervals the
    same way. ``cost`` and ``break_even_crimes`` do not depend on the effect and
    stay.

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
    if not math.isfinite(estimate):
        notes = (
            f"{NOT_ESTIMABLE}: crimes prevented was not estimated (see the caveats "
            "after this one), so neither is the benefit",
            *notes,
        )
    elif not (math.isfinite(low) and math.isfinite(high)):
        notes = (f"{NOT_ESTIMABLE} interval: crimes prevented has none", *notes)
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
            if math.isfinite(net)
            else "no estimate: crimes prevented was not estimated (see caveats)"
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
        interpretation=(
            f"GBP {ratio:.2f} of crime costs avoided per GBP 1 spent"
            if math.isfinite(ratio)
            else "no estimate: crimes prevented was not estimated (see caveats)"
        ),
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
