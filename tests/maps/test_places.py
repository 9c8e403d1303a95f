import hotspots
from hotspots.maps import places_map
from tests.maps._inspect import features, geojson_layers, legends, popup, title


def test_places_map_labels_rank_and_popup_numbers(places):
    m = places_map(places, tiles=None)

    (layer,) = geojson_layers(m)
    assert [f["properties"]["l"] for f in features(layer)] == ["1", "2", "3"]
    assert '"#4a148c"' in str(layer.on_each_feature)  # label colour
    first = popup(layer, 0)
    assert first["heading"] == "Patrol place 1"
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
