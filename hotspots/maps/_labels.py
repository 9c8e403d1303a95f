"""Labels that stay legible: ranks and names placed on the map without overlap.

A layer gives each feature a short label (a rank, "1") and optionally a longer one
with a name ("1 East Gates"); :func:`hotspots.maps._layers.geojson_layer` registers
them with the page. After every zoom or pan the page's label script
(:data:`LABELS_SCRIPT`) shows the labels whose layer is on, whose zoom level is
reached and whose anchor is in view, in order of priority (patrol places before
area names, rank 1 first), with the long text from :data:`NAME_ZOOM` on. A long
label that would overlap one already shown falls back to its short text, and a
label that still overlaps is left out; its feature's hover tooltip still names
it. Label texts are escaped in Python like every text from the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["LABELS_SCRIPT", "NAME_ZOOM", "LabelSet", "anchors"]

#: Zoom level from which labels show their long text (a rank with the place's name):
#: street level, where a 150 m place is about 40 px wide.
NAME_ZOOM = 14
_ANCHOR_DECIMALS = 6


@dataclass(frozen=True)
class LabelSet:
    """Labels of a layer's features (plain text; escaped when the layer is built).

    Parameters
    ----------
    short : sequence of str
        Label of each feature at low zoom, e.g. its rank.
    long : sequence of str, optional
        Label from ``name_zoom`` on, e.g. "1 East Gates" (empty = ``short``).
    colour : str, optional
        Text and border colour of boxed labels; None = plain area-name labels.
    min_zoom : int, default 0
        Labels show from this zoom level.
    name_zoom : int, default NAME_ZOOM
        Zoom level from which ``long`` is shown.
    priority : int, default 0
        Lower numbers are placed first (and win when labels overlap).
    """

    short: Sequence[str]
    long: Sequence[str] | None = None
    colour: str | None = "#333333"
    min_zoom: int = 0
    name_zoom: int = NAME_ZOOM
    priority: int = 0


def anchors(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """Return each feature's label point as ``[lat, lon]`` (EPSG:4326 input).

    The centroid, or a point inside the polygon when the centroid falls outside
    it (an L-shaped area).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> anchors(gpd.GeoDataFrame(geometry=[box(-1.2, 52.6, -1.1, 52.7)], crs=4326))
    [[52.65, -1.15]]
    """
    geoms = frame.geometry.to_numpy()
    points = shapely.centroid(geoms)
    outside = ~shapely.contains(geoms, points) & (shapely.get_type_id(geoms) != 0)
    if outside.any():
        points[outside] = shapely.point_on_surface(geoms[outside])
    xy = np.round(shapely.get_coordinates(points), _ANCHOR_DECIMALS)
    return [[float(y), float(x)] for x, y in xy]


#: The page's label placement (defined once a page; see the module docstring).
LABELS_SCRIPT = """
var hotspotsLabelItems = window.hotspotsLabelItems || [];
window.hotspotsLabelItems = hotspotsLabelItems;
function hotspotsLabel(layer, at, short, long, opts) {
    hotspotsLabelItems.push({layer: layer, at: L.latLng(at[0], at[1]), short: short,
                             long: long || short, opts: opts,
                             index: hotspotsLabelItems.length});
}
function hotspotsLabelHtml(item, text) {
    var colour = item.opts.colour;
    return colour ? '<span style="color:' + colour + '">' + text + '</span>'
                  : '<span>' + text + '</span>';
}
function hotspotsDeclutter(map) {
    var zoom = map.getZoom(), view = map.getBounds().pad(0.2), kept = [], GAP = 2;
    var items = hotspotsLabelItems.slice().sort(function (a, b) {
        return a.opts.priority - b.opts.priority || a.index - b.index;
    });
    items.forEach(function (it) {
        var owner = it.layer._map || (it.tip && it.tip._map);
        if (!owner || owner !== map) { return; }
        var wanted = it.layer._map === map && zoom >= it.opts.minZoom &&
                     view.contains(it.at);
        if (!wanted) {
            if (it.tip && it.tip._map) { map.closeTooltip(it.tip); }
            return;
        }
        if (!it.tip) {
            it.tip = L.tooltip({permanent: true, direction: "center", opacity: 1,
                                interactive: false,
                                className: it.opts.colour ? "hotspots-label"
                                                          : "hotspots-area-label"});
            it.tip.setLatLng(it.at);
        }
        var texts = zoom >= it.opts.nameZoom && it.long !== it.short
            ? [it.long, it.short] : [it.short];
        var placed = texts.some(function (text) {
            if (it.shown !== text) {
                it.tip.setContent(hotspotsLabelHtml(it, text));
                it.shown = text;
            }
            if (!it.tip._map) { map.openTooltip(it.tip); }
            var r = it.tip.getElement().getBoundingClientRect();
            var clash = kept.some(function (k) {
                return r.left < k.right + GAP && r.right + GAP > k.left &&
                       r.top < k.bottom + GAP && r.bottom + GAP > k.top;
            });
            if (!clash) { kept.push(r); }
            return !clash;
        });
        if (!placed) { map.closeTooltip(it.tip); }
    });
}
function hotspotsWatchLabels(map) {
    var pending = false;
    function run() { pending = false; hotspotsDeclutter(map); }
    function later() { if (!pending) { pending = true; setTimeout(run, 0); } }
    map.on("zoomend moveend overlayadd overlayremove resize", later);
    map.whenReady(later);
}
"""
