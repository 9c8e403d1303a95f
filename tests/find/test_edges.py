"""One rule for points on edges, everywhere (case 09), and grids that miss the points
(case 05): rebuilt here with invented points."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
from hotspots.evaluation import panel
from hotspots.exceptions import HotspotsWarning
from hotspots.find._grid import assign_cells
from hotspots.quality import describe_places

AREA = shapely.box(457000, 303000, 459000, 305000)  # a 2 km square
POINTS = {
    "interior line": (457500, 303600),
    "interior corner": (457500, 303500),
    "west edge": (457000, 304100),
    "south edge": (458100, 303000),
    "east edge": (459000, 304100),
    "north edge": (458100, 305000),
    "NE corner": (459000, 305000),
}


@pytest.fixture
def points():
    return gpd.GeoDataFrame(
        {"label": list(POINTS), "month": pd.Timestamp("2024-01-01")},
        geometry=[shapely.Point(*xy) for xy in POINTS.values()],
        crs=27700,
    )


def test_every_point_on_an_edge_is_counted_once(points):
    cells = hotspots.count_points(points, cell_size=250, boundary=AREA)
    assert int(cells["n"].sum()) == len(points) == 7
    assert cells.attrs["hotspots"]["n_outside"] == 0


def test_edge_rule_north_east_inside_touching_cell_on_the_outer_edge(points):
    cells = hotspots.count_points(points, cell_size=250, boundary=AREA)
    ids = dict(
        zip(
            points["label"],
            assign_cells(cells, points.geometry.x.to_numpy(), points.geometry.y),
            strict=True,
        )
    )
    by_id = cells.set_index("cell_id")
    # interior line x = 457500 between cols 1 and 2: the cell to the east (col 2)
    assert by_id.loc[ids["interior line"], "col"] == 2
    # interior corner: north-east cell
    assert tuple(by_id.loc[ids["interior corner"], ["row", "col"]]) == (2, 2)
    # outer east and north edges: the cell the point touches (last column/row)
    assert by_id.loc[ids["east edge"], "col"] == cells["col"].max()
    assert by_id.loc[ids["north edge"], "row"] == cells["row"].max()
    assert tuple(by_id.loc[ids["NE corner"], ["row", "col"]]) == (
        cells["row"].max(),
        cells["col"].max(),
    )


def test_ingest_boundary_is_closed_like_the_grid(tmp_path, points):
    lines = ["URN,OffenceDate,HOCode,X,Y,Street"] + [
        f"EX{i},05/01/2024 22:00,34B,{x:.0f},{y:.0f},{label}"
        for i, (label, (x, y)) in enumerate(POINTS.items())
    ]
    path = tmp_path / "extract.csv"
    path.write_text("\n".join(lines) + "\n")
    column_map = {
        "crime_id": "URN",
        "date": "OffenceDate",
        "offence_code": "HOCode",
        "easting": "X",
        "northing": "Y",
        "location": "Street",
    }
    result = hotspots.read_force_extract(
        path, column_map, force="Examplecity Police", boundary=AREA
    )
    assert sorted(result.crimes["location"]) == sorted(POINTS)
    assert len(result.quarantine) == 0


def test_panel_and_named_places_use_the_same_rule_on_shared_edges(points):
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B"]},
        geometry=[
            shapely.box(457400, 303400, 457500, 303700),
            shapely.box(457500, 303400, 457600, 303700),
        ],
        crs=27700,
    )
    counts = panel(points, places, months=["2024-01"]).set_index("place_id")["count"]
    # both interior points lie on the shared edge x = 457500: they go east, to B
    assert counts.to_dict() == {"A": 0, "B": 2}
    named = describe_places(places, points.assign(location=points["label"]))
    assert named["top_locations"].tolist() == [
        "",
        "interior corner (1); interior line (1)",
    ]


def test_grid_that_misses_the_points_is_refused_not_zero():
    """Case 05: a boundary of another district 40 km away."""
    rng = np.random.default_rng(3)
    xy = rng.uniform([457000, 303000], [460000, 306000], (400, 2))
    crimes = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    other = gpd.GeoDataFrame(
        geometry=[shapely.box(497000, 303000, 500000, 306000)], crs=27700
    )
    for verb in (
        lambda: hotspots.count_points(crimes, cell_size=250, boundary=other),
        lambda: hotspots.find_hotspots(
            crimes, cell_size=250, bandwidth=400, boundary=other, progress=False
        ),
    ):
        with pytest.raises(ValueError, match="none of the 400 points falls in a cell"):
            verb()
    with pytest.raises(ValueError, match="none of the 400 points lies within"):
        hotspots.kde(crimes, cell_size=250, bandwidth=400, boundary=other)


def test_points_outside_a_boundary_are_a_warning_with_a_count():
    crimes = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([457100, 457200, 470000], [303100, 303200, 303000]),
        crs=27700,
    )
    with pytest.warns(HotspotsWarning, match="1 of 3 points fall in no cell"):
        cells = hotspots.count_points(crimes, cell_size=250, boundary=AREA)
    assert int(cells["n"].sum()) == 2


def test_hexagon_edge_ties_go_north_east_and_count_once(points):
    cells = hotspots.count_points(points, cell_size=250, shape="hex", boundary=AREA)
    assert int(cells["n"].sum()) == 7
    meta = cells.attrs["hotspots"]
    size, (x0, y0) = meta["cell_size"], meta["origin"]
    height = size * np.sqrt(3) / 2
    by_rc = cells.set_index(["row", "col"])["cell_id"]
    # row 4 (even, unshifted): the vertical edge between cols 3 and 4 -> col 4 (east)
    x, y = x0 + size * 3.5, y0 + 4 * height
    assert assign_cells(cells, np.array([x]), np.array([y]))[0] == by_rc[(4, 4)]
    # row 3 (odd, shifted half a cell): the edge between cols 2 and 3 -> col 3
    x, y = x0 + size * (2.5 + 0.5), y0 + 3 * height
    assert assign_cells(cells, np.array([x]), np.array([y]))[0] == by_rc[(3, 3)]
