import mapclassify
import numpy as np
import pytest

from hotspots.exceptions import SchemaError
from hotspots.maps import cells_map
from hotspots.maps._legend import classify, sequential_colours
from tests.maps._inspect import fills, geojson_layers, legends, popup

pytestmark = pytest.mark.filterwarnings("ignore:Numba not installed")


@pytest.mark.parametrize(
    ("scheme", "k"),
    [("FisherJenks", 5), ("Quantiles", 4), ("EqualInterval", 3)],
    ids=["FisherJenks", "Quantiles", "EqualInterval"],
)
def test_cells_map_legend_classes_match_mapclassify(cells, scheme, k):
    m = cells_map(cells, scheme=scheme, k=k, tiles=None)

    (legend,) = legends(m)
    values = cells.loc[cells["n"] != 0, "n"].to_numpy(dtype=float)
    expected = mapclassify.classify(values, scheme, k=k)
    np.testing.assert_allclose(legend.classes.bins, expected.bins)
    np.testing.assert_array_equal(legend.classes.yb, expected.yb)
    assert len(legend.entries) == len(expected.bins)


def test_cells_map_colours_follow_classes_dark_for_high(cells):
    m = cells_map(cells, k=5, cmap="YlOrRd", tiles=None)

    (legend,) = legends(m)
    (layer,) = geojson_layers(m)
    colours = sequential_colours("YlOrRd", legend.classes.k)
    assert fills(layer) == [colours[c] for c in legend.classes.yb]
    # legend top row = highest class = darkest colour
    assert [e.colour for e in legend.entries] == colours[::-1]
    top = legend.entries[0].label
    assert top.endswith(str(int(cells["n"].max())))


def test_cells_map_hides_zero_cells_and_says_so(cells):
    m = cells_map(cells, tiles=None)

    (layer,) = geojson_layers(m)
    assert len(layer.data["features"]) == int((cells["n"] != 0).sum())
    (legend,) = legends(m)
    assert any("n = 0 are not drawn" in note for note in legend.notes)
    assert "250 m square cells" in legend.html


def test_cells_map_user_bins_and_units(cells):
    m = cells_map(cells, column="kde", bins=[50, 150, 600], tiles=None)

    (legend,) = legends(m)
    assert legend.classes.bins.tolist() == [50.0, 150.0, 600.0]
    assert legend.title == "Crimes per km² (kernel density)"


def test_classify_whole_number_labels_cover_every_value():
    values = np.array([1, 1, 2, 3, 5, 8, 13, 21, 34, 55], dtype=float)
    classes = classify(values, k=4)

    assert classes.labels == ("1 – 8", "9 – 21", "22 – 34", "35 – 55")


def test_classify_fewer_distinct_values_than_k():
    classes = classify(np.array([2.0, 2.0, 7.0]), k=5)

    assert classes.k == 2


def test_cells_map_missing_column_says_what_to_run(cells):
    with pytest.raises(SchemaError, match="count_points"):
        cells_map(cells.drop(columns="n"), tiles=None)


def test_cells_map_unknown_scheme_lists_choices(cells):
    with pytest.raises(ValueError, match="FisherJenks"):
        cells_map(cells, scheme="Jenkins", tiles=None)


def test_cells_map_all_zero_explains(cells):
    with pytest.raises(ValueError, match="hide_zero=False"):
        cells_map(cells.assign(n=0), tiles=None)


def test_cells_map_many_cells_fisher_jenks_on_quantiles(cells, monkeypatch):
    import mapclassify.classifiers

    monkeypatch.setattr(mapclassify.classifiers, "HAS_NUMBA", False)
    rng = np.random.default_rng(3)
    many = cells.sample(1500, replace=True, random_state=1).reset_index(drop=True)
    many["n"] = rng.negative_binomial(2, 0.3, len(many)) + 1

    m = cells_map(many, k=5, tiles=None)

    (legend,) = legends(m)
    values = many["n"].to_numpy(dtype=float)
    sample = np.quantile(values, np.linspace(0, 1, 500))
    expected = mapclassify.FisherJenks(sample, k=5).bins
    np.testing.assert_allclose(legend.classes.bins[:-1], expected[:-1])
    assert legend.classes.bins[-1] == values.max()
    assert "quantiles" in legend.classes.scheme
    assert np.bincount(legend.classes.yb).sum() == len(many)


def test_cells_map_names_cells_by_their_busiest_location(cells):
    named = cells.assign(top_locations="", lsoa_name="Leicester 020A")
    named.loc[19, "top_locations"] = "Church Gate (12); High Street (3)"

    m = cells_map(named, tiles=None)

    (layer,) = geojson_layers(m)
    drawn = named[named["n"] != 0].reset_index(drop=True)
    i = int(drawn.index[drawn["cell_id"] == 19][0])
    assert layer.data["features"][i]["properties"]["t"] == (
        "25 crimes per cell: Church Gate"
    )
    rows = popup(layer, i)
    assert rows["heading"] == "Church Gate"
    assert rows["Cell"] == "19" and rows["LSOA"] == "Leicester 020A"
    assert popup(layer, 0)["heading"] == f"Cell {drawn['cell_id'][0]}"
