"""Small hand-made frames near Leicester (EPSG:27700) for the map tests."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from tests.maps._browser import REQUIRE_ENV

X0, Y0 = 458000.0, 304000.0  # central Leicester, British National Grid metres
CELL = 250.0
NCOL, NROW = 8, 6

#: Strings that would run script if a popup, tooltip, legend or title rendered them
#: as HTML (or inside a JavaScript template literal, or broke out of a <script>).
PAYLOADS = (
    "<script>document.body.setAttribute('data-xss','1')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-xss','2')\">",
    "\"><svg onload=\"document.body.setAttribute('data-xss','3')\">",
    "${document.body.setAttribute('data-xss','4')}",
    "</script><script>document.body.setAttribute('data-xss','5')</script>",
    "'><iframe srcdoc=\"<script>parent.document.body.setAttribute('data-xss','6')"
    '</script>">',
)


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def poison(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Return a copy with a payload in every row of each of ``columns``."""
    out = frame.copy()
    for j, column in enumerate(columns):
        out[column] = [payload(i + j) for i in range(len(out))]
    return out


@pytest.fixture
def crimes() -> gpd.GeoDataFrame:
    """60 crimes: 40 in a tight group, 20 spread over 2 km."""
    rng = np.random.default_rng(20240601)
    xy = np.vstack(
        [
            rng.normal([X0 + 600, Y0 + 700], 60, size=(40, 2)),
            rng.uniform([X0, Y0], [X0 + 2000, Y0 + 1500], size=(20, 2)),
        ]
    )
    types = ["Violence and sexual offences", "Robbery", "Possession of weapons"]
    return gpd.GeoDataFrame(
        {
            "crime_id": [f"c{i:03d}" for i in range(60)],
            "month": pd.to_datetime([f"2024-{1 + i % 12:02d}-01" for i in range(60)]),
            "force": "Leicestershire Police",
            "location": [f"On or near Street {i % 7}" for i in range(60)],
            "lsoa_name": "Leicester 020A",
            "crime_type": [types[i % 3] for i in range(60)],
            "last_outcome_category": "Under investigation",
            "context": "",
        },
        geometry=[Point(x, y) for x, y in xy],
        crs=27700,
    )


def _grid() -> gpd.GeoDataFrame:
    cells = [
        box(X0 + c * CELL, Y0 + r * CELL, X0 + (c + 1) * CELL, Y0 + (r + 1) * CELL)
        for r in range(NROW)
        for c in range(NCOL)
    ]
    grid = gpd.GeoDataFrame(
        {"cell_id": np.arange(len(cells))}, geometry=cells, crs=27700
    )
    grid.attrs["hotspots"] = {"cell_size": CELL, "shape": "square"}
    return grid


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    """48 cells of 250 m with counts (some 0) and a hand-set Gi* bin per cell."""
    rng = np.random.default_rng(7)
    grid = _grid()
    n = rng.poisson(4, len(grid))
    n[[3, 17, 30]] = 0
    n[[19, 20, 27]] = [25, 31, 18]
    grid["n"] = n
    grid["kde"] = n * 16.0 + rng.uniform(0, 1, len(grid))
    bins = np.zeros(len(grid), dtype=int)
    bins[[19, 20]] = 3
    bins[27] = 2
    bins[[11, 12]] = 1
    bins[40] = -1
    bins[41] = -2
    bins[47] = -3
    grid["gi_bin"] = bins
    grid["gi_z"] = bins * 1.1
    grid["p_value"] = np.where(bins == 0, 0.5, 0.001)
    grid["p_fdr"] = np.where(bins == 0, 0.6, 0.004)
    grid.attrs["hotspots"] = {
        "cell_size": CELL,
        "shape": "square",
        "value": "n",
        "fdr": True,
        "neighbours": "queen",
        "permutations": 0,
    }
    return grid


@pytest.fixture
def before_after() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The same 48 cells counted in two periods; 4 cells empty in both."""
    rng = np.random.default_rng(11)
    before, after = _grid(), _grid()
    before["n"] = rng.poisson(5, len(before))
    after["n"] = rng.poisson(5, len(after))
    before.loc[[0, 1, 2, 3], "n"] = 0
    after.loc[[0, 1, 2, 3], "n"] = 0
    before.loc[[10, 11], "n"] = [20, 18]
    after.loc[[10, 11], "n"] = [2, 3]
    return before, after


@pytest.fixture
def places() -> gpd.GeoDataFrame:
    """Three patrol places of 150 m, as hotspots.select_places returns them."""
    corners = [(X0 + 600, Y0 + 600), (X0 + 1200, Y0 + 300), (X0 + 300, Y0 + 1200)]
    frame = gpd.GeoDataFrame(
        {
            "rank": [1, 2, 3],
            "place_id": [f"E{x:.0f}N{y:.0f}" for x, y in corners],
            "score": [31.0, 20.0, 12.0],
            "n": [31, 20, 12],
            "share": [0.2, 0.13, 0.08],
            "cumulative_share": [0.2, 0.33, 0.41],
            "area_km2": [0.0225] * 3,
        },
        geometry=[box(x, y, x + 150, y + 150) for x, y in corners],
        crs=27700,
    )
    frame.attrs["hotspots"] = {
        "score": "count",
        "share_of_crimes": 0.41,
        "area_share": 0.0056,
        "min_separation": 300.0,
    }
    return frame


@pytest.fixture
def asset_cache():
    """The verified asset cache; skip (fail when browsers are required) if absent."""
    from hotspots.maps import assets

    problems = assets.verify()
    if problems:
        reason = (
            f"offline map assets missing or invalid ({len(problems)}); run "
            "`python -m hotspots.maps.assets fetch`"
        )
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(reason)
        pytest.skip(reason)
    return assets.cache_dir()
