import pytest
import shapely

from hotspots.evaluation import rings
from hotspots.exceptions import CRSError
from hotspots.maps import rings_map
from tests.maps._inspect import features, geojson_layers, legends, popup


def test_rings_map_draws_places_and_rings(places):
    m = rings_map(places, radius=200, tiles=None)

    ring_layer, place_layer = geojson_layers(m)
    assert ring_layer.layer_name == "Displacement rings (200 m)"
    assert place_layer.layer_name == "Treated places"
    assert len(features(ring_layer)) == len(features(place_layer)) == 3
    (legend,) = legends(m)
    assert [e.label for e in legend.entries] == [
        "treated place (3)",
        "ring, 200 m wide",
    ]


def test_rings_map_matches_evaluate_rings(places):
    expected = rings(places, radius=250).to_crs(4326)
    m = rings_map(places, tiles=None)

    ring_layer, _ = geojson_layers(m)
    drawn = shapely.geometry.shape(features(ring_layer)[0]["geometry"])
    ring = expected.geometry.iloc[0]
    assert drawn.symmetric_difference(ring).area < 1e-3 * ring.area  # 6 decimals
    assert popup(ring_layer, 0)["Overlaps another ring"] in ("yes", "no")
    assert popup(ring_layer, 0)["Ring width"] == "250 m"


def test_rings_map_takes_given_rings_and_reads_their_width(places):
    given = rings(places, radius=400)
    m = rings_map(places, rings=given, tiles=None)

    ring_layer, _ = geojson_layers(m)
    assert ring_layer.layer_name == "Displacement rings (400 m)"


def test_rings_map_needs_metres_to_compute_rings(places):
    with pytest.raises(CRSError, match="to_crs"):
        rings_map(places.to_crs(4326), tiles=None)


def test_rings_map_names_treated_places(places):
    named = places.assign(top_locations=["East Gates (151)", "", "Fox Lane (9)"])
    m = rings_map(named, radius=250, tiles=None)

    _, place_layer = geojson_layers(m)
    tips = [f["properties"]["t"] for f in features(place_layer)]
    assert tips == [
        "Treated place E458600N304600: East Gates",
        "Treated place E459200N304300",
        "Treated place E458300N305200: Fox Lane",
    ]
    assert popup(place_layer, 0)["Busiest police.uk locations"] == "East Gates (151)"
