"""Cost-benefit of a place-based intervention: unit costs of crime, officer hours."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from hotspots._validate import check_positive
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._unit_costs import mix_unit_cost

__all__ = [
    "CRIMES_PREVENTED",
    "CostBenefit",
    "break_even_reduction",
    "cost_benefit",
    "crimes_prevented",
]

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


def _cost(officer_hours: float, hourly_cost: float) -> float:
    return check_positive(officer_hours, "officer_hours") * check_positive(
        hourly_cost, "hourly_cost"
    )


@dataclass(frozen=True)
class CostBenefit:
    """Result of :func:`cost_benefit`.

    Attributes
    ----------
    net_benefit : Effect
        Benefit minus cost, GBP, with the interval carried from crimes
        prevented.
    benefit_cost_ratio : Effect
        Benefit / cost (> 1: the benefit exceeds the cost).
    cost : float
        Intervention cost, GBP (officer hours x hourly cost).
    unit_cost : float
        Mix-weighted cost per crime prevented, GBP.
    break_even_crimes : float
        Crimes that must be prevented for benefit to equal cost.
    """

    net_benefit: Effect
    benefit_cost_ratio: Effect
    cost: float
    unit_cost: float
    break_even_crimes: float

    def to_frame(self) -> pd.DataFrame:
        """Return the two effects as tidy rows."""
        return pd.concat(
            [self.net_benefit.to_frame(), self.benefit_cost_ratio.to_frame()],
            ignore_index=True,
        )

    def __str__(self) -> str:
        return f"{self.net_benefit}\n{self.benefit_cost_ratio}"


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


def cost_benefit(
    crimes_prevented: Effect | tuple[float, float, float],
    *,
    unit_costs: pd.DataFrame,
    mix: str | Mapping[str, float] | pd.Series,
    officer_hours: float,
    hourly_cost: float,
) -> CostBenefit:
    """Net benefit and benefit-cost ratio of an intervention, in GBP.

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
        Officer hours spent on the intervention (> 0).
    hourly_cost : float
        Fully loaded cost of one officer hour, GBP (> 0). No default: supply
        your force's figure and cite it (:doc:`/docs/methods/costs`).

    Returns
    -------
    CostBenefit
        ``net_benefit`` and ``benefit_cost_ratio`` (:class:`Effect`), ``cost``,
        ``unit_cost`` (mix-weighted) and ``break_even_crimes``. The effects'
        ``details`` hold ``benefit``, ``cost``, ``unit_cost`` and
        ``break_even_crimes``.

    Raises
    ------
    TypeError
        If ``crimes_prevented`` or ``unit_costs`` has the wrong type.
    ValueError
        If the effect is not "crimes prevented", the mix names offences not in
        the table or does not sum to 1, the table mixes price bases, or hours or
        cost are not > 0.

    Notes
    -----
    ``benefit = prevented x unit cost``, ``net = benefit - cost``, ``BCR =
    benefit / cost`` and ``break-even = cost / unit cost`` (:doc:`/docs/methods/costs`).
    Both are monotone in crimes prevented, so the intervals are the crimes-prevented
    bounds pushed through the same formulas: they carry only the statistical uncertainty
    of the effect, not that of unit costs or hours. The lower bound is the conservative
    case.

    Examples
    --------
    the worked example in :doc:`/docs/methods/costs`: 4,914 officer hours at an assumed
    £45, 25 violence with injury offences prevented.

    >>> from hotspots.evaluation import cost_benefit, home_office_unit_costs
    >>> result = cost_benefit((25, 10, 40), unit_costs=home_office_unit_costs(),
    ...                       mix="Violence with injury", officer_hours=4914,
    ...                       hourly_cost=45)
    >>> result.cost, result.net_benefit.estimate
    (221130.0, 130120.0)
    >>> round(result.benefit_cost_ratio.estimate, 3)
    1.588
    """
    estimate, low, high, caveats, effect = _interval(crimes_prevented)
    unit, price_base, shares = mix_unit_cost(unit_costs, mix)
    cost = _cost(officer_hours, hourly_cost)
    break_even = cost / unit
    level = effect.ci_level if effect is not None else 0.95
    source = str(unit_costs["source"].iloc[0])
    mix_text = ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
    method = (
        f"crimes prevented x unit cost ({price_base} prices; {source}); "
        f"mix {mix_text}; cost = {officer_hours:g} officer hours x GBP {hourly_cost:g}"
    )
    notes = (
        *caveats,
        "interval carries only the uncertainty in crimes prevented (unit costs and "
        "hours are taken as fixed)",
        f"unit costs in {price_base} prices: uprate with the GDP deflator to compare "
        "with current officer costs",
    )
    details = {
        "benefit": estimate * unit,
        "cost": cost,
        "unit_cost": unit,
        "break_even_crimes": break_even,
        "crimes_prevented": estimate,
    }
    n_treated = effect.n_treated if effect is not None else None
    net = estimate * unit - cost
    net_effect = Effect(
        measure="net benefit (GBP)",
        estimate=net,
        ci_low=low * unit - cost,
        ci_high=high * unit - cost,
        ci_level=level,
        method=method,
        n_treated=n_treated,
        caveats=notes,
        interpretation=(
            f"benefit {'exceeds' if net > 0 else 'falls short of'} the cost by GBP "
            f"{abs(net):,.0f}"
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
    return CostBenefit(net_effect, ratio_effect, cost, unit, break_even)


def break_even_reduction(
    *,
    expected_crimes: float,
    unit_costs: pd.DataFrame,
    mix: str | Mapping[str, float] | pd.Series,
    officer_hours: float,
    hourly_cost: float,
) -> Effect:
    """Percentage reduction at which the benefit equals the cost.

    Parameters
    ----------
    expected_crimes : float
        Crimes expected in the treated places over the evaluated period without
        the intervention (> 0), e.g. the pre-period monthly rate x post months.
    unit_costs, mix, officer_hours, hourly_cost
        As in :func:`cost_benefit`.

    Returns
    -------
    Effect
        ``measure="break-even reduction (%)"``: ``100 x (cost / unit cost) /
        expected_crimes``; no interval (a deterministic threshold; ``ci_low``
        and ``ci_high`` are ``nan``). ``details``: ``break_even_crimes``,
        ``cost``, ``unit_cost``, ``expected_crimes``.

    Raises
    ------
    ValueError
        As :func:`cost_benefit`, or if ``expected_crimes`` is not > 0.

    Examples
    --------
    the worked example in :doc:`/docs/methods/costs` (break-even 15.74 offences) with
    100 expected offences:

    >>> from hotspots.evaluation import break_even_reduction, home_office_unit_costs
    >>> result = break_even_reduction(expected_crimes=100,
    ...     unit_costs=home_office_unit_costs(), mix="Violence with injury",
    ...     officer_hours=4914, hourly_cost=45)
    >>> round(result.estimate, 2), round(result.details["break_even_crimes"], 2)
    (15.74, 15.74)
    """
    expected = check_positive(expected_crimes, "expected_crimes")
    unit, price_base, _ = mix_unit_cost(unit_costs, mix)
    cost = _cost(officer_hours, hourly_cost)
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
            f"cost / unit cost / expected crimes ({price_base} prices); cost = "
            f"{officer_hours:g} officer hours x GBP {hourly_cost:g}"
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
        },
    )
