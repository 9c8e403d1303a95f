"""One up-front check in every verb: CRS in ground metres, and usable coordinates.

Cases 08 (crimes in Web Mercator) and 11 (a GeoDataFrame built by hand with the
"No Location" rows kept) of the shared failing cases, rebuilt here with invented
points.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
from hotspots.evaluation import panel
from hotspots.exceptions import CRSError, SchemaError


def _crimes(n=400, seed=8):
    rng = np.random.default_rng(seed)
    xy = np.vstack(
        [
            rng.uniform([457000, 303000], [460000, 306000], (n, 2)),
            rng.normal([458600, 304500], 60, (n // 4, 2)),
        ]
    )
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    return gpd.GeoDataFrame(
        {"month": months[np.arange(len(xy)) % 12], "crime_type": "Robbery"},
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )


PLACES = gpd.GeoDataFrame(
    {"place_id": ["P1"]},
    geometry=[shapely.box(457000, 303000, 461000, 306000)],
    crs=27700,
)

VERBS = {
    "count_points": lambda g: hotspots.count_points(g, cell_size=250),
    "kde": lambda g: hotspots.kde(g, cell_size=250, bandwidth=400),
    "gistar": lambda g: hotspots.gistar(g, cell_size=250),
    "find_hotspots": lambda g: hotspots.find_hotspots(
        g, cell_size=250, bandwidth=400, progress=False
    ),
    "select_places": lambda g: hotspots.select_places(g, n_places=3),
    "concentration": lambda g: hotspots.concentration(g),
    "emerging": lambda g: hotspots.emerging(g, cell_size=250),
    "panel": lambda g: panel(g, PLACES),
    "check_data": lambda g: hotspots.quality.check_data(g),
}


@pytest.mark.parametrize("verb", list(VERBS))
def test_web_mercator_is_refused_with_how_to_reproject(verb):
    """Case 08: EPSG:3857 metres are 1/cos(latitude) ground metres (1.65 here)."""
    mercator = _crimes().to_crs(3857)
    with pytest.raises(CRSError, match=r"not ground metres.*scale there is 1\.65"):
        VERBS[verb](mercator)


def test_utm_and_british_national_grid_are_accepted():
    crimes = _crimes()
    hotspots.count_points(crimes.to_crs(crimes.estimate_utm_crs()), cell_size=250)
    hotspots.count_points(crimes, cell_size=250)


@pytest.mark.parametrize("kind", ["inf", "nan", "empty"])
@pytest.mark.parametrize("verb", list(VERBS))
def test_rows_without_a_usable_location_are_named_not_dropped(verb, kind):
    """Case 11: pandas + points_from_xy keeps 'No Location' rows as NaN/inf points."""
    crimes = _crimes()
    bad = [7, 22, 37]
    if kind == "inf":  # what to_crs makes of NaN longitude/latitude
        geoms = crimes.geometry.to_numpy().copy()
        geoms[bad] = shapely.Point(np.inf, np.inf)
    elif kind == "nan":
        geoms = crimes.geometry.to_numpy().copy()
        geoms[bad] = shapely.Point(np.nan, np.nan)
    else:
        geoms = crimes.geometry.to_numpy().copy()
        geoms[bad] = shapely.Point()
    crimes = crimes.set_geometry(gpd.GeoSeries(geoms, crs=27700))
    with pytest.raises(
        SchemaError, match=r"3 of 500 rows .* e\.g\. rows \[7, 22, 37\]"
    ):
        VERBS[verb](crimes)
