"""The smallest effect a trial at the chosen places could detect (``plan=``)."""

from __future__ import annotations

import dataclasses
import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.design import (
    REGRESSION_CAVEAT,
    Plan,
    base_rates,
    estimate_dispersion,
    minimum_detectable_effect,
)

__all__ = ["PLAN_SEED", "plan_power"]

logger = logging.getLogger(__name__)

#: Seed of the power simulation, fixed so the same places give the same numbers.
PLAN_SEED = 20240601


def _monthly_counts(places: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame):
    """Crimes per place and month over the selection period (places x months)."""
    month = pd.to_datetime(crimes["month"]).dt.to_period("M")
    span = pd.period_range(month.min(), month.max(), freq="M")
    points = gpd.GeoDataFrame(
        {"_month": month.to_numpy()},
        geometry=crimes.geometry.to_numpy(),
        crs=crimes.crs,
    )
    joined = gpd.sjoin(
        points, places[["place_id", "geometry"]], how="inner", predicate="within"
    )
    table = (
        joined.groupby(["place_id", "_month"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=places["place_id"], columns=span, fill_value=0)
        .fillna(0)
    )
    return table.to_numpy(dtype=float), len(span)


def plan_power(
    places: gpd.GeoDataFrame, crimes: gpd.GeoDataFrame, plan: Plan, *, n_sims: int
) -> dict:
    """Simulate ``plan`` at ``places`` and return the record for ``attrs``.

    Base rates are each place's crimes ``n`` over the months the crimes span;
    a ``plan`` without ``dispersion`` gets the NB2 alpha of the places' own
    monthly counts (:func:`hotspots.design.estimate_dispersion`).
    """
    if "month" not in crimes.columns:
        raise ValueError(
            "plan= needs the crimes' 'month' column to turn counts into rates "
            "(read_policeuk and read_force_extract give one)"
        )
    monthly, months = _monthly_counts(places, crimes)
    dispersion_auto = plan.dispersion is None
    if dispersion_auto:
        plan = dataclasses.replace(
            plan, dispersion=estimate_dispersion(monthly) if months >= 2 else 0.0
        )
        logger.info(
            "plan: month-to-month variation of the places' counts, NB2 alpha %.3f "
            "(from %d months); pass Plan(dispersion=) to override",
            plan.dispersion,
            months,
        )
    caveats = [REGRESSION_CAVEAT]
    if dispersion_auto and months < 2:
        caveats.append(
            "The crimes span one month, so month-to-month variation could not be "
            "estimated and none was assumed: the power is optimistic. Select on "
            "12 months or give Plan(dispersion=)."
        )
    rates = base_rates(places, months=months, per=plan.unit)
    result = minimum_detectable_effect(
        plan, rates, n_sims=n_sims, seed=PLAN_SEED, progress=False
    )
    sentence = result.sentence()
    logger.info("%s", sentence)
    return {
        "plan": plan.to_dict(),
        "plan_text": plan.describe(),
        "months_selected": months,
        "dispersion_auto": dispersion_auto,
        "mean_rate": float(np.mean(rates)),
        "mde": result.mde,
        "mde_reduction": result.mde_reduction,
        "power_table": result.table.to_dict(orient="list"),
        "sentence": sentence,
        "caveats": [*result.caveats, *caveats],
        "n_sims": n_sims,
        "seed": PLAN_SEED,
    }
