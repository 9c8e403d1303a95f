"""Look inside a folium map built by hotspots.maps without a browser."""

from __future__ import annotations

import json
import re

import folium
from folium.plugins import FastMarkerCluster

from hotspots.maps._legend import Legend
from hotspots.maps._outline import AREA_PANE
from hotspots.maps._title import TitleBox


def children(m: folium.Map, kind: type) -> list:
    return [c for c in m._children.values() if isinstance(c, kind)]


def legends(m: folium.Map) -> list[Legend]:
    return children(m, Legend)


def title(m: folium.Map) -> TitleBox:
    (box,) = children(m, TitleBox)
    return box


def _is_outline(layer: folium.GeoJson) -> bool:
    return layer.layer_name == "Boundary" or layer.options.get("pane") == AREA_PANE


def geojson_layers(m: folium.Map) -> list[folium.GeoJson]:
    """The data layers (outlines left out)."""
    return [c for c in children(m, folium.GeoJson) if not _is_outline(c)]


def area_layers(m: folium.Map) -> list[folium.GeoJson]:
    """The named-area layers drawn from an ``outline=`` with names."""
    return [
        c for c in children(m, folium.GeoJson) if c.options.get("pane") == AREA_PANE
    ]


def features(layer: folium.GeoJson) -> list[dict]:
    return layer.data["features"]


def styles(layer: folium.GeoJson) -> list[dict]:
    """The Leaflet style of each feature (the layer writes each style once)."""
    match = re.search(r"STYLES = (\[.*?\]), LABELS", str(layer.on_each_feature))
    assert match, "no STYLES constant in the layer's script"
    palette = json.loads(match.group(1))
    return [palette[f["properties"]["s"]] for f in features(layer)]


def fills(layer: folium.GeoJson) -> list[str]:
    return [style["fillColor"] for style in styles(layer)]


def clusters(m: folium.Map) -> list[FastMarkerCluster]:
    return children(m, FastMarkerCluster)


def _labels(js: str) -> list[str]:
    match = re.search(r"LABELS = (\[.*?\]),", str(js))
    assert match, "no LABELS constant in the layer's script"
    return json.loads(match.group(1))


def popup(layer: folium.GeoJson, i: int) -> dict[str, str]:
    """Escaped popup rows of feature ``i``: {label: value} (plus "heading")."""
    props = features(layer)[i]["properties"]
    rows = dict(zip(_labels(layer.on_each_feature), props["v"], strict=True))
    if "h" in props:
        rows["heading"] = props["h"]
    return rows


def crime_popup(cluster: FastMarkerCluster, i: int) -> dict[str, str]:
    """Escaped popup rows of crime ``i`` of a crimes_map cluster layer."""
    labels = _labels(cluster.callback)
    return dict(zip(labels, cluster.data[i][3][: len(labels)], strict=True))
