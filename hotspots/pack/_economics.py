"""The pack's economics: the costing, its table, the first-screen line and E section."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.evaluation import (
    Effect,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
    uprate_unit_costs,
)
from hotspots.pack._format import money, table
from hotspots.pack._recipe import PackRecipe

__all__ = ["costing", "costs_frame", "economic_texts"]

#: How each unit of the costs table is shown: decimals of the estimate and bounds.
_DECIMALS = {"hours": 0, "crimes": 1, "ratio": 2, "percent": 2}


def costing(
    recipe: PackRecipe,
    table: pd.DataFrame,
    did: Effect,
    crimes: pd.DataFrame,
    observed_after: float,
) -> tuple[dict[str, Any], list[str]]:
    """Cost the patrols of a recipe that gives officer hours and an hourly cost.

    ``table`` is the published unit-cost table, ``did`` the rate-ratio effect,
    ``crimes`` the treated places' crimes (for the default offence mix) and
    ``observed_after`` their crimes after the start. Every money figure is in one
    price year: the hourly cost's, taken to be the latest year of the GDP deflator
    series (logged); the unit costs are uprated to it.

    Returns the costs dict (:attr:`PackAnalysis.costs`: ``prevented``,
    ``result``, ``break_even``, ``unit_costs`` in the price year, ``mix``) and
    the caveats it brings.
    """
    if recipe.officer_hours is None or recipe.hourly_cost is None:
        raise ValueError("costing needs a recipe with officer_hours and hourly_cost.")
    caveats = []
    mix: dict[str, float]
    if recipe.cost_mix is not None:
        mix = dict(recipe.cost_mix)
    else:
        share = float((crimes["crime_type"] == "Robbery").mean()) if len(crimes) else 0
        mix = {"Violence with injury": 1 - share, "Robbery (personal)": share}
        mix = {k: v for k, v in mix.items() if v > 0}
        caveats.append(
            "costs price every prevented violent crime at the Home Office 'violence "
            "with injury' rate: police.uk does not separate violence with and "
            "without injury, so the benefit is an upper bound (give cost_mix= to "
            "change it)"
        )
    prevented = crimes_prevented(did, observed_after=observed_after)
    result = cost_benefit(
        prevented,
        unit_costs=table,
        mix=mix,
        officer_hours=recipe.officer_hours,
        hourly_cost=recipe.hourly_cost,
        price_year=recipe.price_year,
    )
    even = break_even_reduction(
        expected_crimes=observed_after / did.estimate,
        unit_costs=table,
        mix=mix,
        officer_hours=recipe.officer_hours,
        hourly_cost=recipe.hourly_cost,
        price_year=result.price_year,
    )
    caveats.append(
        f"money is in {result.price_basis}: the hourly cost is taken to be in "
        f"{result.price_year} prices; unit costs are national averages"
    )
    caveats.append(
        "the unit costs include police response costs; when police time is the "
        "intervention part of the benefit may be double counted (Heeks et al. 2018)"
    )
    return {
        "prevented": prevented,
        "result": result,
        "break_even": even,
        "unit_costs": uprate_unit_costs(table, result.price_year),
        "mix": mix,
    }, caveats


def costs_frame(costs: dict[str, Any], recipe: PackRecipe) -> pd.DataFrame:
    """Return the costing as rows: item, estimate, its interval, unit and a note.

    Every interval is of the row's own item (crimes, pounds or the ratio); money
    rows name their price year in ``unit``.
    """
    prevented, result, even = costs["prevented"], costs["result"], costs["break_even"]
    gbp = f"GBP, {result.price_year} prices"
    per = result.cost_per_crime
    published = result.unit_cost_price_base
    rows = [
        ("officer hours", recipe.officer_hours, None, None, "hours", "as given"),
        (
            "cost of one officer hour",
            recipe.hourly_cost,
            None,
            None,
            gbp,
            recipe.hourly_cost_source,
        ),
        ("patrol cost", result.cost, None, None, gbp, "officer hours x hourly cost"),
        (
            "crimes prevented",
            prevented.estimate,
            prevented.ci_low,
            prevented.ci_high,
            "crimes",
            "observed after the start x (1/IRR - 1), DiD",
        ),
        (
            "cost per crime prevented",
            per.estimate,
            per.ci_low,
            per.ci_high,
            gbp,
            "; ".join(per.caveats) or "patrol cost / crimes prevented (and its bounds)",
        ),
        (
            "value of one crime prevented (unit cost of crime, mix-weighted)",
            result.unit_cost,
            None,
            None,
            gbp,
            f"published in {published} prices"
            + (
                ""
                if published == result.price_year
                else f", x {result.deflator_factor:.4f}: {result.price_basis}"
            ),
        ),
        (
            "net benefit",
            result.net_benefit.estimate,
            result.net_benefit.ci_low,
            result.net_benefit.ci_high,
            gbp,
            "crimes prevented x unit cost - patrol cost",
        ),
        (
            "benefit-cost ratio",
            result.benefit_cost_ratio.estimate,
            result.benefit_cost_ratio.ci_low,
            result.benefit_cost_ratio.ci_high,
            "ratio",
            "crimes prevented x unit cost / patrol cost",
        ),
        (
            "break-even crimes prevented",
            result.break_even_crimes,
            None,
            None,
            "crimes",
            "patrol cost / unit cost",
        ),
        ("break-even reduction", even.estimate, None, None, "percent", ""),
    ]
    return pd.DataFrame(
        rows, columns=["item", "estimate", "ci_low", "ci_high", "unit", "note"]
    ).astype({"ci_low": float, "ci_high": float})


def _level(effect) -> str:
    return f"{effect.ci_level:.0%}"


def _crimes_ci(prevented) -> str:
    return (
        f"{_level(prevented)} CI {prevented.ci_low:,.0f} to "
        f"{prevented.ci_high:,.0f} crimes"
    )


def _per_crime(result, prevented) -> str:
    """Cost per crime prevented with its own interval in pounds, or why none."""
    per = result.cost_per_crime
    level = _level(per)
    if prevented.estimate <= 0:
        return (
            f"none: no crimes prevented on the central estimate "
            f"({prevented.estimate:,.0f}; {_crimes_ci(prevented)}), so there is no "
            "cost per crime prevented"
        )
    if per.has_ci:
        interval = f"{level} CI {money(per.ci_low)} to {money(per.ci_high)}"
    else:
        interval = (
            f"{level} CI not estimable: the {level} CI of crimes prevented "
            f"({prevented.ci_low:,.0f} to {prevented.ci_high:,.0f}) reaches zero, so "
            "the cost per crime has no upper bound"
        )
    return f"{money(per.estimate)} of patrol time per crime prevented ({interval})"


def _ratio_and_net(result) -> str:
    ratio, net = result.benefit_cost_ratio, result.net_benefit
    return (
        f"benefit-cost ratio {ratio.estimate:.2f} ({_level(ratio)} CI "
        f"{ratio.ci_low:.2f} to {ratio.ci_high:.2f}); net benefit "
        f"{money(net.estimate)} ({_level(net)} CI {money(net.ci_low)} to "
        f"{money(net.ci_high)})"
    )


def _first_screen(costs: dict[str, Any], recipe: PackRecipe) -> str:
    prevented, result = costs["prevented"], costs["result"]
    upper = (
        "; the benefit is an upper bound (all violence priced as violence with injury)"
        if recipe.cost_mix is None
        else ""
    )
    spent = f"patrols cost {money(result.cost)}"
    if prevented.estimate > 0:
        spent += (
            f" for {prevented.estimate:,.0f} crimes prevented ({_crimes_ci(prevented)})"
        )
    return (
        f"{_per_crime(result, prevented)}; {spent}; {_ratio_and_net(result)}{upper}. "
        f"All money in {result.price_basis}."
    )


def _valuation(costs: dict[str, Any], recipe: PackRecipe) -> str:
    result = costs["result"]
    name = (
        "Home Office unit cost of crime (Heeks et al. 2018)"
        if recipe.unit_costs == "home_office"
        else f"unit cost of crime in {Path(recipe.unit_costs).name}"
    )
    published, year = result.unit_cost_price_base, result.price_year
    text = (
        f"Each is valued at {money(result.unit_cost)}, the mix-weighted {name}, "
        f"published in {published} prices. All money here is in {result.price_basis}"
    )
    if published != year:
        text += (
            f"; the deflator raises {published} prices by a factor of "
            f"{result.deflator_factor:.3f}"
        )
    return text + "."


def _economic(costs: dict[str, Any], recipe: PackRecipe, observed_after: float) -> str:
    prevented, result = costs["prevented"], costs["result"]
    even = costs["break_even"].estimate
    source = f"{recipe.hourly_cost_source}; " if recipe.hourly_cost_source else ""
    ratio_and_net = _ratio_and_net(result)
    per_crime = _per_crime(result, prevented)
    return (
        f"{recipe.officer_hours:,.0f} officer hours at "
        f"{money(float(recipe.hourly_cost or 0))} an hour ({source}taken to be in "
        f"{result.price_year} prices) cost {money(result.cost)}. Crimes prevented are "
        "the treated places' observed crimes after the start "
        f"({observed_after:,.0f}) times (1/IRR - 1) from the DiD: "
        f"{prevented.estimate:,.0f} ({_crimes_ci(prevented)}). "
        f"{_valuation(costs, recipe)} {per_crime[0].upper()}{per_crime[1:]}. "
        f"{ratio_and_net[0].upper()}"
        f"{ratio_and_net[1:]}. The patrols pay for themselves if they cut crime in "
        f"the places by {even:.1f}% or more."
    )


def _cell(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:,.{_DECIMALS.get(unit, 0)}f}"


def _costs_table(costs: dict[str, Any], recipe: PackRecipe) -> str:
    frame = costs_frame(costs, recipe)
    level = _level(costs["prevented"])
    interval = [
        f"{_cell(lo, u)} to {_cell(hi, u)}"
        if isinstance(lo, float) and math.isfinite(lo)
        else ("not estimable" if item == "cost per crime prevented" else "")
        for item, lo, hi, u in zip(
            frame["item"], frame["ci_low"], frame["ci_high"], frame["unit"], strict=True
        )
    ]
    shown = pd.DataFrame(
        {
            "item": frame["item"],
            "estimate": [
                _cell(v, u)
                for v, u in zip(frame["estimate"], frame["unit"], strict=True)
            ],
            f"{level} CI of the item": interval,
            "unit": frame["unit"],
            "note": frame["note"],
        }
    )
    return table(shown)


def economic_texts(
    costs: dict[str, Any] | None, recipe: PackRecipe, *, observed_after: float
) -> tuple[str, str, str]:
    """Return the first screen's cost line, the Economic paragraph and its table.

    ``costs`` is :attr:`PackAnalysis.costs` (None when the patrols were not
    costed); ``observed_after`` is the treated places' crimes after the start.
    Every money figure is in the costing's price year and says so; every interval
    names what it is an interval of (crimes, pounds or the ratio).
    """
    if costs is None:
        per_crime = "not costed: no officer hours and hourly cost were given"
        economic = (
            "The patrols were not costed: the recipe gave no officer hours and "
            "hourly cost. Record planned and delivered patrol hours so that cost per "
            "crime prevented and a benefit-cost ratio can be reported."
        )
        return per_crime, economic, ""
    return (
        _first_screen(costs, recipe),
        _economic(costs, recipe, observed_after),
        _costs_table(costs, recipe),
    )
