"""One GeoJSON layer builder shared by the polygon maps (cells, places, rings).

Each feature carries only its style number, its escaped popup values, tooltip and
label; the layer's styles and popup column labels are written once, in a small
``onEachFeature`` function that binds them. Data columns are not copied into the
page, so nothing unescaped reaches Leaflet, and large grids stay small.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import shapely
from folium.utilities import JsCode
from shapely.geometry import mapping

from hotspots.maps._html import PopupTable, esc, js_json

__all__ = ["geojson_layer"]

#: Layers with more features than this are drawn on a canvas instead of as SVG.
_CANVAS_FROM = 3000

_BIND = """
function (feature, layer) {
    var STYLES = %(styles)s, LABELS = %(labels)s, MARK = %(mark)s;
    var p = feature.properties;
    layer.setStyle(STYLES[p.s]);
    if (p.v) {
        layer.bindPopup(function () {
            return hotspotsPopup(LABELS, p.v, p.h);
        }, {maxWidth: 360});
    }
    if (p.l) {
        layer.bindTooltip('<span style="color:' + MARK + '">' + p.l + '</span>',
                          {permanent: true, direction: "center",
                           className: "hotspots-label"});
    } else if (p.t) {
        layer.bindTooltip(p.t, {sticky: true});
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
    marks: Sequence[object] | None = None,
    mark_colour: str = "#333333",
    show: bool = True,
    point_radius: float = 7,
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
    tooltips, marks : sequence, optional
        Plain text per feature (escaped here): a hover tooltip, or a label always
        shown at the centre (``marks``, e.g. a rank) in ``mark_colour``.
    show : bool, default True
        Whether the layer is on when the map opens.
    point_radius : float, default 7
        Radius in pixels when the features are points.
    """
    palette: list[dict] = []
    index: dict[str, int] = {}
    features = []
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
        if tooltips is not None:
            props["t"] = esc(tooltips[i])
        if marks is not None:
            props["l"] = esc(marks[i])
        features.append(
            {"type": "Feature", "geometry": mapping(geom), "properties": props}
        )
    points = bool(len(frame)) and bool(
        (shapely.get_type_id(frame.geometry.to_numpy()) == 0).all()
    )
    bind = _BIND % {
        "styles": js_json(palette),
        "labels": js_json(table.labels if table is not None else []),
        "mark": js_json(esc(mark_colour)),
    }
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=esc(name),
        show=show,
        on_each_feature=JsCode(bind),
        marker=folium.CircleMarker(radius=point_radius) if points else None,
        zoom_on_click=False,
    )
    if len(features) > _CANVAS_FROM:
        # Thousands of SVG paths make panning slow; one canvas draws them quickly.
        # (folium renders a JsCode option as code; its option type omits JsCode.)
        layer.options["renderer"] = JsCode("L.canvas({padding: 0.5})")  # type: ignore[assignment]
    return layer
