import mapclassify
import numpy as np
import pytest

from hotspots.exceptions import SchemaError
from hotspots.maps import change_map
from tests.maps._inspect import features, fills, geojson_layers, legends, popup

pytestmark = pytest.mark.filterwarnings("ignore:Numba not installed")


def _rgb(colour):
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_change_map_classes_match_mapclassify_on_size_of_change(before_after):
    before, after = before_after
    m = change_map(before, after, k=3, tiles=None)

    (legend,) = legends(m)
    change = (after["n"] - before["n"]).to_numpy(dtype=float)
    size = np.abs(change[change != 0])
    expected = mapclassify.classify(size, "FisherJenks", k=3)
    np.testing.assert_allclose(legend.classes.bins, expected.bins)
    labels = [e.label for e in legend.entries]
    assert labels[3] == "no change"
    assert labels[0].startswith("+") and labels[-1].startswith("−")
    assert labels[-1].endswith(str(int(size.max())))


def test_change_map_colours_rises_red_falls_blue(before_after):
    before, after = before_after
    m = change_map(before, after, tiles=None)

    (layer,) = geojson_layers(m)
    drawn = (before["n"] != 0) | (after["n"] != 0)
    change = (after["n"] - before["n"])[drawn].to_numpy()
    for diff, colour in zip(change, fills(layer), strict=True):
        r, _, b = _rgb(colour)
        if diff > 0:
            assert r > b
        elif diff < 0:
            assert b > r
        else:
            assert colour == "#f7f7f7"


def test_change_map_skips_cells_empty_in_both_and_shows_both_counts(before_after):
    before, after = before_after
    m = change_map(before, after, periods=("2023", "2024"), tiles=None)

    (layer,) = geojson_layers(m)
    assert len(features(layer)) == len(before) - 4
    rows = popup(layer, 6)  # cell 10: 20 -> 2
    assert rows["heading"] == "Cell 10"
    assert rows["2023 (crimes per cell)"] == "20"
    assert rows["2024 (crimes per cell)"] == "2"
    assert rows["Change (2024 − 2023)"] == "-18"
    assert rows["Change (%)"] == "-90%"


def test_change_map_matches_cells_by_cell_id(before_after):
    before, after = before_after
    m1 = change_map(before, after, tiles=None)
    m2 = change_map(before.iloc[::-1], after, tiles=None)

    assert fills(geojson_layers(m1)[0]) == fills(geojson_layers(m2)[0])


def test_change_map_different_grids_explain_the_fix(before_after):
    before, after = before_after
    with pytest.raises(SchemaError, match="count_points"):
        change_map(before.iloc[:-1], after, tiles=None)
