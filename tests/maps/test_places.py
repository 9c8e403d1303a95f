import pytest

import hotspots
from hotspots.maps import places_map, rings_map, to_html
from hotspots.maps._labels import NAME_ZOOM
from tests.maps._inspect import (
    children,
    features,
    geojson_layers,
    legends,
    popup,
    title,
)

NAMES = [
    "East Gates (151); Fox Lane (45)",
    "Shopping Area (80)",
    "",  # a place without a named location keeps its rank alone
]


@pytest.fixture
def named(places):
    """The places with the columns hotspots.quality.describe_places adds."""
    return places.assign(
        top_locations=NAMES,
        lsoa_name=["Leicester 020A", "Leicester 041B", "Leicester 016D"],
        quality_flag=["", "reporting location (hospital)", ""],
        busiest_point_share=[0.6, 0.25, 0.5],
    )


def test_places_map_labels_rank_and_popup_numbers(places):
    m = places_map(places, tiles=None)

    (layer,) = geojson_layers(m)
    assert [f["properties"]["l"] for f in features(layer)] == ["1", "2", "3"]
    assert '"#4a148c"' in str(layer.on_each_feature)  # label colour
    first = popup(layer, 0)
    assert first["heading"] == "Patrol place 1"
    assert features(layer)[0]["properties"]["t"] == "Patrol place 1"
    assert first["Place"] == "E458600N304600"
    assert first["Crimes"] == "31"
    assert first["Share of all crimes"] == "20.0%"
    assert first["Score (count)"] == "31"
    assert popup(layer, 2)["Cumulative share"] == "41.0%"


def test_places_map_legend_reports_concentration(places):
    (legend,) = legends(places_map(places, tiles=None))

    assert "41.0% of crimes on 0.56% of the area" in " ".join(legend.notes)
    assert "63 crimes in all" in legend.entries[0].label


def test_places_map_without_rank_numbers_rows(places):
    m = places_map(places.drop(columns="rank").iloc[::-1], tiles=None)

    (layer,) = geojson_layers(m)
    assert [f["properties"]["l"] for f in features(layer)] == ["1", "2", "3"]


def test_places_map_from_select_places(crimes):
    chosen = hotspots.select_places(crimes, n_places=2)
    m = places_map(chosen, tiles=None)

    assert title(m).what == "Patrol places (2)"
    assert len(features(geojson_layers(m)[0])) == 2


def test_places_map_names_places_in_labels_tooltips_and_popups(named):
    m = places_map(named, tiles=None)

    (layer,) = geojson_layers(m)
    props = [f["properties"] for f in features(layer)]
    assert [p["l"] for p in props] == ["1", "2", "3"]  # at low zoom: the rank
    assert [p.get("ln") for p in props] == ["1 East Gates", "2 Shopping Area", "3"]
    assert [p["t"] for p in props] == [
        "Patrol place 1: East Gates",
        "Patrol place 2: Shopping Area",
        "Patrol place 3",
    ]
    second = popup(layer, 1)
    assert second["heading"] == "Patrol place 2: Shopping Area"
    assert second["LSOA"] == "Leicester 041B"
    assert second["Data-quality flag"] == "reporting location (hospital)"
    assert second["Share on its busiest map point"] == "25.0%"
    assert f'"nameZoom": {NAME_ZOOM}' in str(layer.on_each_feature)


def test_places_map_labels_sit_inside_their_place(places):
    import shapely

    m = places_map(places, tiles=None)

    (layer,) = geojson_layers(m)
    for feature in features(layer):
        lat, lon = feature["properties"]["lp"]
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.contains(shapely.Point(lon, lat))


@pytest.mark.parametrize("order", ["places_first", "rings_first"])
def test_places_and_rings_on_one_map_draw_the_places_once(named, order):
    if order == "places_first":
        m = places_map(named, tiles=None)
        rings_map(named, radius=250, m=m)
    else:
        m = rings_map(named, radius=250, tiles=None)
        places_map(named, m=m)

    layers = geojson_layers(m)
    assert [layer.layer_name for layer in layers] == [
        "Displacement rings (250 m)",
        "Patrol places",  # drawn over the rings, with its rank labels
    ]
    (legend,) = legends(m)
    assert legend.layer is layers[1]
    assert [e.label for e in legend.entries] == [
        "patrol place (63 crimes in all)",
        "ring, 250 m wide",
    ]
    assert any("cut out of every ring" in note for note in legend.notes)
    page = to_html(m, offline=False)
    assert "treated place (3)" not in page and '"Treated places"' not in page


def test_other_places_are_still_drawn_by_rings_map(places):
    m = places_map(places.iloc[:2], tiles=None)
    rings_map(places.iloc[2:], radius=250, m=m)

    names = [layer.layer_name for layer in geojson_layers(m)]
    assert names == ["Patrol places", "Displacement rings (250 m)", "Treated places"]
    assert len(legends(m)) == 2
    assert len(children(m, type(legends(m)[0]))) == 2
