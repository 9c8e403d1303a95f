"""The base map every map function starts from: tiles, title, scale bar, bounds.

:func:`base_map` makes (or extends) a ``folium.Map``; the map functions
(:func:`hotspots.maps.crimes_map` and the others) call it and then add their layer,
legend and the layer control.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices
from folium.map import FitBounds, Layer, LayerControl
from folium.utilities import JsCode

from hotspots.maps._geo import to_wgs84
from hotspots.maps._outline import add_outline
from hotspots.maps._page import Page, ScaleBar
from hotspots.maps._tiles import (
    DEFAULT_TILES,
    MAX_ZOOM,
    TileFallback,
    resolve_tiles,
    tile_layer,
)
from hotspots.maps._title import (
    TitleBox,
    default_when,
    default_where,
    resolve_synthetic,
)

__all__ = ["DEFAULT_TILES", "base_map", "resolve_tiles", "to_wgs84"]

logger = logging.getLogger(__name__)

_FIT_MAX_ZOOM = 17  # fitting one point or a tiny area stops at street level
_FIT_PADDING_PX = (30, 30)
_EXPAND_LAYERS_MIN_PX = 1200  # page width (px) from which the layer list is open


def _children(m: folium.Map, kind: type) -> list:
    return [c for c in m._children.values() if isinstance(c, kind)]


def _extend_bounds(m: folium.Map, frames: Sequence[gpd.GeoDataFrame]) -> None:
    boxes = [f.total_bounds for f in frames if len(f)]
    for old in _children(m, FitBounds):
        (south, west), (north, east) = old.bounds
        boxes.append(np.array([west, south, east, north]))
        del m._children[old.get_name()]
    if not boxes:
        return
    b = np.vstack(boxes)
    west, south = b[:, 0].min(), b[:, 1].min()
    east, north = b[:, 2].max(), b[:, 3].max()
    fit = FitBounds(
        [[float(south), float(west)], [float(north), float(east)]],
        padding=_FIT_PADDING_PX,
        max_zoom=_FIT_MAX_ZOOM,
    )
    m.add_child(fit)
    # First, so every layer is drawn once, at the final view (not re-drawn).
    m._children.move_to_end(fit.get_name(), last=False)


def base_map(
    data: gpd.GeoDataFrame | Sequence[gpd.GeoDataFrame] = (),
    *,
    m: folium.Map | None = None,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    title: str | None = None,
    where: str | None = None,
    when: str | None = None,
    synthetic: bool | None = None,
) -> folium.Map:
    """Return a map with base tiles, a title box and a metric scale bar, fitted to data.

    Parameters
    ----------
    data : GeoDataFrame or sequence of GeoDataFrames, optional
        Frames (any CRS; EPSG:27700 is reprojected to EPSG:4326 for the map) the
        view is fitted to; their ``context`` column is read for the SYNTHETIC label.
    m : folium.Map, optional
        A map to extend instead of making a new one: the view is widened to
        include ``data``, and a title box and scale bar are added if missing.
    tiles : str, xyzservices.TileProvider or None, default "OpenStreetMap.Mapnik"
        Base map: an xyzservices name (resolved with
        ``xyzservices.providers.query_name``; the provider's attribution is shown)
        or provider. Tiles are downloaded by the browser while the map is viewed,
        so they need a network; without one (a map saved offline, opened on a
        laptop with no connection) the map shows a plain background and says so
        in the title box, and every layer of data still shows. None = no base
        map. Ignored when ``m`` is given.
    outline : GeoDataFrame or GeoSeries, optional
        Boundary lines drawn under the data (e.g. the force area). Polygons that
        carry names (LSOAs with ``lsoa_name``, ``LSOA21NM`` or ``LSOA11NM``, or a
        ``name`` column) are drawn as the boundary of their union, plus each
        area as a light outline from zoom 12, named on hover and, from zoom 14,
        by a label: what a reader without a base map finds places by.
    title : str, optional
        What the map shows (first line of the title box). None keeps the title of
        ``m`` or says "Map".
    where, when : str, optional
        Place and period, shown under the title, e.g. "Leicestershire Police",
        "2024-01 to 2024-12". None = kept from ``m``, else read from the data's
        ``force`` and ``month`` columns when they have them.
    synthetic : bool, optional
        Label the map "SYNTHETIC DATA – not real crime" in red. None = only when
        a ``context`` column of ``data`` contains "SYNTHETIC"; data marked so are
        always labelled.

    Returns
    -------
    folium.Map
        Add layers to it as to any folium map; save it with
        :func:`hotspots.maps.save`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame(geometry=[Point(458000, 304000)], crs=27700)
    >>> m = base_map(pts, tiles=None, title="Leicester", synthetic=True)
    >>> "SYNTHETIC" in m.get_root().render()
    True
    """
    frames = [data] if isinstance(data, gpd.GeoDataFrame) else list(data)
    mapped = [to_wgs84(f, "data") for f in frames]
    if m is None:
        m = folium.Map(tiles=None, control_scale=False)
        # Marker clusters need the map's own maxZoom (folium only sets the tiles').
        m.options["maxZoom"] = MAX_ZOOM
        provider = resolve_tiles(tiles)
        if provider is not None:
            layer = tile_layer(provider)
            m.add_child(layer)
            m.add_child(TileFallback(layer))
    elif not isinstance(m, folium.Map):
        raise TypeError(
            f"m must be a folium.Map (e.g. from a hotspots.maps function); got "
            f"{type(m).__name__}"
        )
    if not _children(m, Page):
        m.add_child(Page())
    if not _children(m, ScaleBar):
        m.add_child(ScaleBar())
    boxes = _children(m, TitleBox)
    if boxes:
        box = boxes[0]
    else:
        box = TitleBox(title or "Map")
        m.add_child(box)
    if title is not None:
        box.what = title
    for attr, given, default in (
        ("where", where, default_where),
        ("when", when, default_when),
    ):
        if given is not None:
            setattr(box, attr, given)
        elif getattr(box, attr) is None:
            found = [default(f) for f in frames]
            setattr(box, attr, next((v for v in found if v), None))
    box.synthetic = box.synthetic or resolve_synthetic(synthetic, frames)
    if outline is not None:
        mapped.append(add_outline(m, outline))
    _extend_bounds(m, mapped)
    return m


def start_map(
    data,
    *,
    default_title: str,
    m: folium.Map | None,
    title: str | None,
    **settings,
) -> folium.Map:
    """Call :func:`base_map`; a new map gets ``default_title`` when no title is given.

    A map passed as ``m`` keeps its title unless ``title`` is given.
    """
    if title is None and m is None:
        title = default_title
    return base_map(data, m=m, title=title, **settings)


def finish_map(m: folium.Map, layers: Sequence[Layer], legend=None) -> folium.Map:
    """Add layers (names made unique) and a legend; keep the layer control last."""
    taken = {c.layer_name for c in _children(m, Layer) if c not in layers}
    for layer in layers:
        base, i = layer.layer_name, 2
        while layer.layer_name in taken:
            layer.layer_name = f"{base} ({i})"
            i += 1
        taken.add(layer.layer_name)
        m.add_child(layer)
    if legend is not None:
        m.add_child(legend)
    if not _children(m, LayerControl):
        # Expanded where there is room beside the title box, an icon otherwise.
        collapsed = JsCode(f"window.innerWidth < {_EXPAND_LAYERS_MIN_PX}")
        m.add_child(LayerControl(collapsed=collapsed))  # type: ignore[arg-type]
    layer_control_last(m)
    return m


def layer_control_last(m: folium.Map) -> None:
    """Move the layer control to the end, after every layer it lists."""
    for control in _children(m, LayerControl):
        m._children.move_to_end(control.get_name())
