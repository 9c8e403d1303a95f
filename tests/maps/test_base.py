import folium
import geopandas as gpd
import pytest
import xyzservices
from folium.map import FitBounds, LayerControl
from shapely.geometry import box

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.maps import (
    DEFAULT_TILES,
    base_map,
    cells_map,
    crimes_map,
    gistar_map,
    places_map,
    to_html,
)
from hotspots.maps._outline import AREA_LABEL_ZOOM, AREA_ZOOM, AreaPane
from hotspots.maps._tiles import TileFallback
from hotspots.maps._title import SYNTHETIC_LABEL
from tests.maps._inspect import (
    area_layers,
    children,
    features,
    geojson_layers,
    legends,
    title,
)

SYNTHETIC_CONTEXT = "SYNTHETIC DATA - not real crime"


def test_base_map_title_says_synthetic_when_flagged(crimes):
    m = base_map(crimes, tiles=None, title="Serious violence", synthetic=True)

    box = title(m)
    assert box.synthetic
    assert box.html.startswith('<div class="hotspots-synthetic">SYNTHETIC DATA')
    assert "SYNTHETIC DATA" in to_html(m, offline=False)


def test_base_map_title_not_synthetic_by_default(crimes):
    m = base_map(crimes, tiles=None, title="Serious violence")

    assert not title(m).synthetic
    assert "SYNTHETIC" not in title(m).html


@pytest.mark.parametrize("column", ["context", "Context"], ids=["schema", "police.uk"])
def test_synthetic_detected_from_context_column(crimes, column):
    crimes = crimes.rename(columns={"context": column})
    crimes[column] = SYNTHETIC_CONTEXT

    m = crimes_map(crimes, tiles=None)

    assert title(m).synthetic
    assert SYNTHETIC_LABEL in title(m).html


def test_synthetic_false_cannot_hide_synthetic_data(crimes):
    crimes["context"] = SYNTHETIC_CONTEXT
    with pytest.warns(HotspotsWarning, match="labelled SYNTHETIC anyway"):
        m = crimes_map(crimes, tiles=None, synthetic=False)
    assert title(m).synthetic


def test_title_says_what_where_when_from_data(crimes):
    m = crimes_map(crimes, tiles=None)

    box = title(m)
    assert box.what == "Crimes (60)"
    assert box.where == "Leicestershire Police"
    assert box.when == "2024-01 to 2024-12"


@pytest.mark.parametrize(
    "name", [DEFAULT_TILES, "Esri.WorldGrayCanvas"], ids=["default", "esri"]
)
def test_tile_attribution_comes_from_xyzservices(crimes, name):
    provider = xyzservices.providers.query_name(name)

    m = crimes_map(crimes, tiles=name)

    (tiles,) = children(m, folium.TileLayer)
    assert tiles.options["attribution"] == provider.html_attribution
    assert tiles.layer_name == provider.name
    page = to_html(m, offline=False)
    assert provider.build_url(fill_subdomain=False, scale_factor="{r}") in page


def test_tiles_none_gives_plain_background(crimes):
    m = crimes_map(crimes, tiles=None)

    assert children(m, folium.TileLayer) == []
    assert children(m, TileFallback) == []
    assert "background: #f3f3f0" in to_html(m, offline=False)


def test_tiles_are_added_after_the_page_loads_with_an_offline_note(crimes):
    m = crimes_map(crimes)

    (tiles,) = children(m, folium.TileLayer)
    (fallback,) = children(m, TileFallback)
    assert not tiles.show  # not added while the page loads: the data come first
    assert fallback.tiles is tiles
    page = to_html(m, offline=False)
    assert f"{tiles.get_name()}.addTo(" not in page  # only in the fallback:
    assert f"var tiles = {tiles.get_name()};" in page
    assert 'window.addEventListener("load", add)' in page
    assert "needs a network" in page


def _lsoas(cells):
    """Four named areas (LSOA-like) covering the cells' extent."""
    x0, y0, x1, y1 = cells.total_bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    quarters = [
        box(x0, y0, xm, ym),
        box(xm, y0, x1, ym),
        box(x0, ym, xm, y1),
        box(xm, ym, x1, y1),
    ]
    return gpd.GeoDataFrame(
        {"LSOA11NM": [f"Leicester 0{i}0A" for i in range(4)]},
        geometry=quarters,
        crs=27700,
    )


def test_outline_with_names_draws_the_boundary_and_named_areas(cells):
    m = gistar_map(cells, tiles=None, outline=_lsoas(cells))

    (areas,) = area_layers(m)
    assert areas.layer_name == "LSOAs (zoom in)"
    tips = [f["properties"]["t"] for f in features(areas)]
    assert tips == [f"Leicester 0{i}0A" for i in range(4)]
    assert [f["properties"]["l"] for f in features(areas)] == tips
    assert f'"minZoom": {AREA_LABEL_ZOOM}' in str(areas.on_each_feature)
    (pane,) = children(m, AreaPane)
    assert pane.min_zoom == AREA_ZOOM
    boundary = [c for c in children(m, folium.GeoJson) if c.layer_name == "Boundary"]
    (line,) = boundary
    assert len(line.data["features"]) == 1  # the union of the areas
    names = [c.get_name() for c in m._children.values()]
    assert names.index(pane.get_name()) < names.index(areas.get_name())
    assert names.index(areas.get_name()) < names.index(geojson_layers(m)[0].get_name())


@pytest.mark.parametrize(
    "outline",
    [lambda c: _lsoas(c).dissolve()[["geometry"]], lambda c: _lsoas(c).geometry],
    ids=["dissolved", "geoseries"],
)
def test_outline_without_names_is_the_boundary_only(cells, outline):
    m = gistar_map(cells, tiles=None, outline=outline(cells))

    assert area_layers(m) == [] and children(m, AreaPane) == []
    assert next(c.layer_name for c in children(m, folium.GeoJson)) == "Boundary"


def test_the_view_is_set_before_any_layer_is_drawn(cells, places):
    m = gistar_map(cells, tiles=None, outline=_lsoas(cells))
    places_map(places, m=m)

    first = next(iter(m._children.values()))
    assert isinstance(first, FitBounds)


def test_tiles_needing_a_key_explain_the_choices(crimes):
    provider = xyzservices.TileProvider(
        name="Keyed.Tiles",
        url="https://tiles.invalid/{z}/{x}/{y}.png?key={apikey}",
        attribution="(C) someone",
        apikey="<insert your API key here>",
    )
    with pytest.raises(ValueError, match="API key") as err:
        crimes_map(crimes, tiles=provider)
    assert "tiles=None" in str(err.value)


def test_unknown_tiles_name_suggests_providers(crimes):
    with pytest.raises(ValueError, match=r"OpenStreetMap\.Mapnik"):
        crimes_map(crimes, tiles="Nowhere.Tiles")


def test_scale_bar_is_metric_only(crimes):
    page = to_html(crimes_map(crimes, tiles=None), offline=False)

    assert "metric: true, imperial: false" in page


def test_layers_added_with_m_share_one_map(crimes, cells, places):
    m = crimes_map(crimes, tiles=None, title="Violence, Leicester")
    same = cells_map(cells, m=m, show=False)
    same = gistar_map(cells, m=same)
    same = places_map(places, m=same, synthetic=True)

    assert same is m
    assert title(m).what == "Violence, Leicester"  # kept: no title= given
    assert title(m).synthetic  # any layer can mark the map SYNTHETIC
    assert len(legends(m)) == 4
    assert len(children(m, FitBounds)) == 1
    assert isinstance(list(m._children.values())[-1], LayerControl)
    assert len(children(m, LayerControl)) == 1


def test_same_layer_name_twice_is_made_unique(cells):
    m = cells_map(cells, tiles=None)
    cells_map(cells, m=m, column="kde")
    cells_map(cells, m=m)

    names = [c.layer_name for c in m._children.values() if hasattr(c, "layer_name")]
    assert len(names) == len(set(names))


def test_bounds_cover_every_layer(crimes, places):
    m = places_map(places, tiles=None)
    crimes_map(crimes, m=m)

    (fit,) = children(m, FitBounds)
    (south, west), (north, east) = fit.bounds
    lonlat = crimes.to_crs(4326).total_bounds
    tol = 1e-6  # coordinates are rounded to 6 decimals (~0.1 m)
    assert west <= lonlat[0] + tol and south <= lonlat[1] + tol
    assert east >= lonlat[2] - tol and north >= lonlat[3] - tol


def test_input_in_bng_is_reprojected_for_folium(places):
    m = places_map(places, tiles=None)

    layer = next(c for c in m._children.values() if isinstance(c, folium.GeoJson))
    lon, lat = layer.data["features"][0]["geometry"]["coordinates"][0][0]
    assert -1.2 < lon < -1.0 and 52.5 < lat < 52.7  # Leicester, not metres


def test_no_crs_says_how_to_set_it(crimes):
    with pytest.raises(CRSError, match="set_crs"):
        crimes_map(crimes.set_crs(None, allow_override=True), tiles=None)


def test_m_must_be_a_folium_map(crimes):
    with pytest.raises(TypeError, match=r"folium\.Map"):
        crimes_map(crimes, m="not a map")
