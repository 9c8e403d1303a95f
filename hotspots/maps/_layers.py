"""One GeoJSON layer builder shared by the polygon maps (cells, places, rings).

Each feature carries only its style number, its escaped popup values, tooltip and
labels; the layer's styles and popup column labels are written once, in a small
``onEachFeature`` function that binds them. Data columns are not copied into the
page, so nothing unescaped reaches Leaflet, and large grids stay small. Labels are
placed by the page's label script (:mod:`hotspots.maps._labels`), which keeps them
from overlapping.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import shapely
from folium.utilities import JsCode
from shapely.geometry import mapping

from hotspots.maps._html import PopupTable, esc, js_json
from hotspots.maps._labels import LabelSet, anchors

__all__ = ["geojson_layer"]

#: Layers with more features than this are drawn on a canvas instead of as SVG.
_CANVAS_FROM = 3000
#: Widest popup, px (long words wrap inside it).
POPUP_MAX_WIDTH_PX = 320

_BIND = """
function (feature, layer) {
    var STYLES = %(styles)s, LABELS = %(labels)s, MARK = %(mark)s;
    var p = feature.properties;
    layer.setStyle(STYLES[p.s]);
    if (p.v) {
        layer.bindPopup(function () {
            return hotspotsPopup(LABELS, p.v, p.h);
        }, {maxWidth: %(popup_width)d});
    }
    if (p.t) {
        layer.bindTooltip(p.t, {sticky: true});
    }
    if (p.l) {
        hotspotsLabel(layer, p.lp, p.l, p.ln, MARK);
    }
}
"""


def geojson_layer(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    styles: Sequence[dict],
    table: PopupTable | None = None,
    tooltips: Sequence[object] | None = None,
    labels: LabelSet | None = None,
    show: bool = True,
    point_radius: float = 7,
    **options,
) -> folium.GeoJson:
    """Return a GeoJSON layer of ``frame`` (EPSG:4326), one style per feature.

    Parameters
    ----------
    frame : GeoDataFrame
        Features in EPSG:4326.
    name : str
        Layer name (plain text; escaped here, as the layer control shows HTML).
    styles : sequence of dict
        Leaflet path style of each feature.
    table : PopupTable, optional
        Escaped popup contents (:func:`hotspots.maps._html.popup_table`).
    tooltips : sequence, optional
        Plain text per feature (escaped here), shown on hover.
    labels : LabelSet, optional
        Labels placed at each feature's centre (escaped here), e.g. ranks and
        names; the page hides those that would overlap.
    show : bool, default True
        Whether the layer is on when the map opens.
    point_radius : float, default 7
        Radius in pixels when the features are points.
    **options
        Further Leaflet options of the layer, e.g. ``pane``.
    """
    palette: list[dict] = []
    index: dict[str, int] = {}
    features = []
    points_at = anchors(frame) if labels is not None else []
    for i, geom in enumerate(frame.geometry.to_numpy()):
        key = js_json(styles[i])
        if key not in index:
            index[key] = len(palette)
            palette.append(dict(styles[i]))
        props: dict = {"s": index[key]}
        if table is not None:
            props["v"] = table.values[i]
            if table.headings is not None:
                props["h"] = table.headings[i]
        if tooltips is not None and str(tooltips[i]):
            props["t"] = esc(tooltips[i])
        if labels is not None and str(labels.short[i]):
            props["l"] = esc(labels.short[i])
            props["lp"] = points_at[i]
            if labels.long is not None and str(labels.long[i]):
                props["ln"] = esc(labels.long[i])
        features.append(
            {"type": "Feature", "geometry": mapping(geom), "properties": props}
        )
    points = bool(len(frame)) and bool(
        (shapely.get_type_id(frame.geometry.to_numpy()) == 0).all()
    )
    mark = None
    if labels is not None:
        mark = {
            "colour": esc(labels.colour) if labels.colour else None,
            "minZoom": labels.min_zoom,
            "nameZoom": labels.name_zoom,
            "priority": labels.priority,
        }
    bind = _BIND % {
        "styles": js_json(palette),
        "labels": js_json(table.labels if table is not None else []),
        "mark": js_json(mark),
        "popup_width": POPUP_MAX_WIDTH_PX,
    }
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=esc(name),
        show=show,
        on_each_feature=JsCode(bind),
        marker=folium.CircleMarker(radius=point_radius) if points else None,
        zoom_on_click=False,
        **options,
    )
    if len(features) > _CANVAS_FROM:
        # Thousands of SVG paths make panning slow; one canvas draws them quickly.
        # (folium renders a JsCode option as code; its option type omits JsCode.)
        layer.options["renderer"] = JsCode("L.canvas({padding: 0.5})")  # type: ignore[assignment]
    return layer
