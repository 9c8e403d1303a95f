"""Fixtures for the evaluation tests: the SYNTHETIC patrol design as frames."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely import wkt


@pytest.fixture(scope="session")
def patrol_design(synthetic_violence):
    """Patrol places, their rings, and a place x month panel with a ring-free pool."""
    from hotspots.evaluation import candidate_places, panel, rings

    truth, violence = synthetic_violence
    patrol = truth["patrol"]
    places = gpd.GeoDataFrame(
        {"place_id": [p["place_id"] for p in patrol["places"]], "treated": True},
        geometry=[wkt.loads(p["wkt"]) for p in patrol["places"]],
        crs=27700,
    )
    ring = rings(places, radius=truth["ring"]["radius_m"])
    exclude = gpd.GeoDataFrame(
        geometry=pd.concat([places.geometry, ring.geometry]).to_numpy(), crs=27700
    )
    pool = candidate_places(violence, exclude, months=patrol["selection_months"])
    pool = pool.head(2000).assign(treated=False)[["place_id", "treated", "geometry"]]
    everything = gpd.GeoDataFrame(
        pd.concat([places, pool], ignore_index=True), geometry="geometry", crs=27700
    )
    counts = panel(violence, everything, months=truth["months"])
    return {
        "truth": truth,
        "violence": violence,
        "places": places,
        "rings": ring,
        "panel": counts,
    }


@pytest.fixture(scope="session")
def displacement_counts(patrol_design):
    """The WDQ's and WDD's six counts on the SYNTHETIC design, selection year vs
    patrol year: places (treated), rings (dissolved) and the rest of the force
    area as control, each ``(before, after)``."""
    from hotspots.evaluation import panel

    truth, violence = patrol_design["truth"], patrol_design["violence"]
    start = pd.Timestamp(truth["patrol"]["treatment_start"])
    selection = pd.to_datetime(truth["patrol"]["selection_months"])
    ring = patrol_design["rings"].dissolve()[["geometry"]].assign(place_id="ring")
    ring_counts = panel(violence, ring, months=truth["months"])
    treated = patrol_design["panel"][patrol_design["panel"]["treated"]]

    def before_after(frame):
        before = frame.loc[frame["month"].isin(selection), "count"].sum()
        return before, frame.loc[frame["month"] >= start, "count"].sum()

    rb, ra = before_after(treated)
    bb, ba = before_after(ring_counts)
    cb = violence["month"].isin(selection).sum() - rb - bb
    ca = (violence["month"] >= start).sum() - ra - ba
    return rb, ra, bb, ba, cb, ca
