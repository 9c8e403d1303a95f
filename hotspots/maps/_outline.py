"""Outlines under the data: the study-area boundary, and named areas to find places by.

A map saved offline may have no base map (the reader has no network), so the
outline is what the reader finds places by. An outline whose polygons carry names
(LSOAs with ``lsoa_name``, ``LSOA21NM`` or ``LSOA11NM``, or any ``name`` column) is
drawn twice: their union as the boundary line, always shown, and each area as a
light outline from zoom :data:`AREA_ZOOM` on (where LSOAs are large enough to tell
apart), named on hover and, from zoom :data:`AREA_LABEL_ZOOM`, by a label where
there is room.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely
from folium import MacroElement
from folium.template import Template
from folium.utilities import JsCode

from hotspots.maps._geo import to_wgs84
from hotspots.maps._html import js_json
from hotspots.maps._labels import LabelSet
from hotspots.maps._layers import geojson_layer

__all__ = [
    "AREA_LABEL_ZOOM",
    "AREA_NAME_COLUMNS",
    "AREA_PANE",
    "AREA_ZOOM",
    "AreaPane",
    "add_outline",
]

#: Columns naming an outline's areas, in order of preference.
AREA_NAME_COLUMNS = ("lsoa_name", "LSOA21NM", "LSOA11NM", "name")
#: Area outlines (and their names on hover) show from this zoom level: at 12 an
#: urban LSOA (about 500 m across) is some 20 px wide.
AREA_ZOOM = 12
#: Area name labels show from this zoom level, where there is room for them.
AREA_LABEL_ZOOM = 14
#: Area labels are placed after every data label (places win any overlap).
_AREA_LABEL_PRIORITY = 10
#: Outline coordinates are rounded to 5 decimals (about 1 m): outlines are
#: generalised well beyond that, and hundreds of areas stay small.
_OUTLINE_DECIMALS = 5
#: The map pane of named areas (drawn under the data).
AREA_PANE = "hotspotsAreas"
_PANE_Z = 350  # under the data (Leaflet's overlay pane is 400), over the tiles
_BOUNDARY_STYLE = {"color": "#333", "weight": 1.5, "fill": False}
_AREA_STYLE = {
    "color": "#666666",
    "weight": 0.7,
    "opacity": 0.5,
    "fill": True,
    "fillOpacity": 0,
}


class AreaPane(MacroElement):
    """A map pane for area outlines, under the data, shown from ``min_zoom`` on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var pane = map.getPane({{ this.pane|tojson }}) ||
                       map.createPane({{ this.pane|tojson }});
            pane.style.zIndex = {{ this.z }};
            var sync = function () {
                pane.style.display = map.getZoom() >= {{ this.min_zoom }} ? "" : "none";
            };
            map.on("zoomend", sync);
            map.whenReady(sync);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, min_zoom: int = AREA_ZOOM):
        super().__init__()
        self._name = "HotspotsAreaPane"
        self.pane = AREA_PANE
        self.z = _PANE_Z
        self.min_zoom = min_zoom


def _name_column(frame: gpd.GeoDataFrame) -> str | None:
    return next((c for c in AREA_NAME_COLUMNS if c in frame.columns), None)


def add_outline(
    m: folium.Map, outline: gpd.GeoDataFrame | gpd.GeoSeries
) -> gpd.GeoDataFrame:
    """Draw ``outline`` on ``m``; return the boundary in EPSG:4326 (for the view).

    Named areas (see the module docstring) get the light, named layer under the
    boundary; an outline without names, or of one polygon, is the boundary only.
    """
    shape = outline if isinstance(outline, gpd.GeoDataFrame) else outline.to_frame()
    column = _name_column(shape)
    named = column is not None and len(shape) > 1
    if column is not None and named:
        union = shapely.union_all(shape.geometry.dropna().to_numpy())
        boundary = gpd.GeoDataFrame(geometry=[union], crs=shape.crs)
    else:
        boundary = shape[[shape.geometry.name]]
    lines = to_wgs84(boundary, "outline", decimals=_OUTLINE_DECIMALS)
    if column is not None and named:
        areas = to_wgs84(shape, "outline", decimals=_OUTLINE_DECIMALS)
        names = areas[column].fillna("").astype(str).tolist()
        kind = "LSOAs" if column.lower().startswith("lsoa") else "Areas"
        m.add_child(AreaPane())
        m.add_child(
            geojson_layer(
                areas[[areas.geometry.name]],
                name=f"{kind} (zoom in)",
                styles=[_AREA_STYLE] * len(areas),
                tooltips=names,
                labels=LabelSet(
                    short=names,
                    colour=None,
                    min_zoom=AREA_LABEL_ZOOM,
                    priority=_AREA_LABEL_PRIORITY,
                ),
                pane=AREA_PANE,
                # One canvas, not hundreds of SVG paths: quicker to open. It gets
                # the pointer where no data are drawn (the data panes' SVG lets
                # events through, see hotspots.maps._page).
                renderer=JsCode(f"L.canvas({{pane: {js_json(AREA_PANE)}}})"),
            )
        )
    m.add_child(
        folium.GeoJson(
            lines[[lines.geometry.name]].__geo_interface__,
            name="Boundary",
            style_function=lambda _: dict(_BOUNDARY_STYLE),
            interactive=False,
            control=True,
        )
    )
    return lines
