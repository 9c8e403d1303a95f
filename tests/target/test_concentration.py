import geopandas as gpd
import matplotlib
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.target._concentration import Concentration, concentration, gini

matplotlib.use("Agg")


def points(xy):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=27700)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 1, 1], 0.0), ([0, 0, 0, 4], 0.75), ([0, 0, 0, 0], 0.0), ([1, 3], 0.25)],
    ids=["even", "one", "empty", "two"],
)
def test_gini_known_answers(values, expected):
    assert gini(values) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=60))
def test_gini_is_between_zero_and_one_minus_one_over_n(values):
    g = gini(values)
    assert 0 <= g <= 1 - 1 / len(values) + 1e-12


def test_gini_rejects_negative():
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -1])


def test_concentration_hand_case():
    # 10 x 10 cells of 150 m; 9 crimes in one cell, 1 in another.
    c = concentration(points([(75, 75)] * 9 + [(1425, 1425)]))
    assert isinstance(c, Concentration)
    assert (c.n_crimes, c.n_cells, c.n_places, c.cell_size) == (10, 100, 2, 150)
    top = c.top.set_index(["top_percent", "of"])
    assert top.loc[(1.0, "cells"), "n_units"] == 1
    assert top.loc[(1.0, "cells"), "share_of_crimes"] == pytest.approx(0.9)
    assert top.loc[(5.0, "cells"), "share_of_crimes"] == pytest.approx(1.0)
    assert top.loc[(1.0, "places"), "share_of_crimes"] == pytest.approx(0.9)
    assert c.gini == pytest.approx(gini([0] * 98 + [1, 9]))
    assert c.gini_places == pytest.approx(0.4)
    assert c.lorenz["crime_share"].iloc[0] == 0
    assert c.lorenz["crime_share"].iloc[-1] == pytest.approx(1)
    assert np.all(np.diff(c.lorenz["crime_share"]) >= -1e-12)
    assert "fewer crimes" in c.caveats[0]
    assert "top 1% of cells (1) hold 90.0% of crimes" in str(c)
    frame = c.to_frame()
    assert frame.loc[0, "share_top_1pct_cells"] == pytest.approx(0.9)


def test_concentration_plot_uses_title():
    c = concentration(points([(75, 75)] * 9 + [(1425, 1425)]))
    ax = c.plot(title="SYNTHETIC DATA — test")
    assert ax.get_title() == "SYNTHETIC DATA — test"


def test_concentration_errors():
    with pytest.raises(ValueError, match="percentages"):
        concentration(points([(75, 75), (300, 300)]), top_percent=(0,))
    with pytest.raises(ValueError, match="empty"):
        concentration(points([]))


@pytest.mark.slow
def test_concentration_planted_hotspots_hold_more_than_their_area(synthetic_violence):
    _, violence = synthetic_violence
    c = concentration(violence[violence["month"] >= "2024-01-01"])
    share = c.top.set_index(["top_percent", "of"])["share_of_crimes"]
    assert share[(1.0, "cells")] > 0.2  # far above 1% of crimes
