import geopandas as gpd
import pytest

from hotspots.exceptions import SchemaError
from hotspots.maps import LAYER_KINDS, layer_kind, layered_map, to_html
from tests.maps.conftest import PAYLOADS


def test_layer_kind_names_each_output(cells, places, crimes):
    assert layer_kind(cells) == "gistar"  # Gi* wins over kde and n
    assert layer_kind(cells.drop(columns=["gi_bin"])) == "density"
    assert layer_kind(cells[["cell_id", "n", "geometry"]]) == "counts"
    assert layer_kind(places) == "places"
    assert layer_kind(crimes) == "crimes"


def test_layer_kind_refuses_unknown_polygons_and_empty_frames(cells):
    with pytest.raises(SchemaError, match="none of the columns"):
        layer_kind(cells[["cell_id", "geometry"]])
    with pytest.raises(SchemaError, match="empty"):
        layer_kind(cells.iloc[:0])


def test_layered_map_draws_every_layer_bottom_to_top(cells, places, crimes):
    m = layered_map(
        [("auto", crimes), ("auto", places), ("density", cells), ("auto", cells)],
        tiles=None,
        synthetic=True,
    )
    page = to_html(m, offline=False)
    names = [
        "Kernel density",
        "Gi* hot and cold spots",
        "Patrol places",
        "Crimes",
    ]
    found = [page.find(name) for name in names]
    assert all(i >= 0 for i in found), dict(zip(names, found, strict=True))
    assert "SYNTHETIC" in page


def test_layered_map_escapes_the_title(cells):
    m = layered_map([("auto", cells)], tiles=None, title=PAYLOADS[0])
    page = to_html(m, offline=False)
    assert PAYLOADS[0] not in page
    assert "\\u0026lt;script\\u0026gt;" in page  # escaped, then JSON-encoded


def test_layered_map_rejects_unknown_kinds_and_no_layers(cells):
    with pytest.raises(ValueError, match="unknown layer kind"):
        layered_map([("heat", cells)], tiles=None)
    with pytest.raises(ValueError, match="at least one"):
        layered_map([], tiles=None)


def test_layer_kinds_are_ordered_cells_then_places_then_points():
    assert LAYER_KINDS.index("places") > LAYER_KINDS.index("gistar")
    assert LAYER_KINDS[-1] == "crimes"
    assert isinstance(gpd.GeoDataFrame, type)
