"""Per-force runs over the national dataset (SYNTHETIC fixture), in-process."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.find import count_points, gistar, kde
from hotspots.io import DEFINITIONS
from hotspots.national import force_crimes, forces_in, run_by_force

SV = list(DEFINITIONS["serious_violence"].policeuk_types)


def _points(rows: pd.DataFrame, slug: str) -> gpd.GeoDataFrame:
    rows = rows[(rows["slug"] == slug) & rows["crime_type"].isin(SV)]
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rows["x"], rows["y"]), crs=27700
    )


def test_force_crimes_reads_one_force_selected(national, national_rows):
    crimes = force_crimes(national, "leicestershire", start="2024-01", end="2024-06")
    rows = national_rows[
        (national_rows["slug"] == "leicestershire")
        & national_rows["crime_type"].isin(SV)
        & national_rows["month"].between("2024-01", "2024-06")
    ]
    assert len(crimes) == len(rows) > 0
    assert set(crimes["force_slug"]) == {"leicestershire"}
    assert set(crimes["force"]) == {"Leicestershire Police"}
    assert str(crimes.crs) == "EPSG:27700"
    assert sorted(crimes.geometry.x) == sorted(rows["x"])


@pytest.mark.parametrize(
    ("func", "verb", "settings"),
    [
        ("gistar", gistar, {"cell_size": 250, "neighbours": 500.0}),
        ("kde", kde, {"cell_size": 250, "bandwidth": 400}),
        ("grid", count_points, {"cell_size": 250}),
    ],
)
def test_run_by_force_equals_the_verb_on_each_force(
    national, national_rows, func, verb, settings
):
    results = run_by_force(national, func, progress=False, **settings)
    assert list(results) == forces_in(national)
    for slug, cells in results.items():
        direct = verb(_points(national_rows, slug), **settings)
        column = {"gistar": "gi_z", "kde": "kde", "grid": "n"}[func]
        np.testing.assert_allclose(cells[column], direct[column], rtol=1e-12)
        assert cells.attrs["hotspots"]["force"] == slug
        assert cells.attrs["hotspots"]["run"]["path"] == "in-process"


def test_run_by_force_takes_a_function_and_a_choice_of_forces(national):
    results = run_by_force(
        national, len, forces=["derbyshire"], definition="robbery", progress=False
    )
    assert list(results) == ["derbyshire"]
    assert results["derbyshire"] == len(
        force_crimes(national, "derbyshire", definition="robbery")
    )


def test_run_by_force_refuses_unknown_forces_and_functions(national):
    with pytest.raises(ValueError, match="not in the dataset"):
        run_by_force(national, "gistar", forces=["atlantis"], progress=False)
    with pytest.raises(ValueError, match="func must be"):
        run_by_force(national, "lisa", progress=False)


def test_crimes_far_outside_their_force_are_left_out_with_a_warning(tmp_path):
    from hotspots.exceptions import HotspotsWarning
    from tests.national.conftest import synthetic_rows, write_dataset

    rows = synthetic_rows(seed=11, per_force=600)
    far = rows[rows["slug"] == "derbyshire"].head(5).copy()
    far["crime_type"] = SV[0]
    far["x"], far["y"] = 530_000.0, 180_000.0  # central London: 170 km away
    root = tmp_path / "national"
    write_dataset(root, pd.concat([rows, far], ignore_index=True))
    with pytest.warns(HotspotsWarning, match=r"left out 5 crimes .*derbyshire 5"):
        results = run_by_force(
            root, "grid", forces=["derbyshire", "leicestershire"], cell_size=250,
            progress=False,
        )  # fmt: skip
    cells = results["derbyshire"]
    assert cells.attrs["hotspots"]["n_far_outside"] == 5
    assert results["leicestershire"].attrs["hotspots"]["n_far_outside"] == 0
    # the grid covers the force's own points only: the same as without the five
    direct = count_points(_points(rows, "derbyshire"), cell_size=250)
    np.testing.assert_array_equal(cells["n"], direct["n"])
    assert cells.total_bounds[0] > 400_000  # no cell reaches London
