"""One map from several outputs: cells, areas with rates, places and crimes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Literal

import folium
import geopandas as gpd
import xyzservices

from hotspots.exceptions import SchemaError
from hotspots.maps._base import DEFAULT_TILES
from hotspots.maps._map_cells import cells_map
from hotspots.maps._map_clusters import clusters_map
from hotspots.maps._map_crimes import crimes_map
from hotspots.maps._map_gistar import gistar_map
from hotspots.maps._map_places import places_map
from hotspots.maps._map_quality import quality_map
from hotspots.maps._map_rates import rates_map

__all__ = ["LAYER_KINDS", "layer_kind", "layered_map"]

logger = logging.getLogger(__name__)

LayerKind = Literal[
    "gistar", "clusters", "density", "counts", "rates", "places", "quality", "crimes"
]
#: The kinds of layer :func:`layered_map` draws, bottom to top.
LAYER_KINDS: tuple[str, ...] = (
    "rates",
    "counts",
    "density",
    "gistar",
    "clusters",
    "places",
    "quality",
    "crimes",
)


def layer_kind(frame: gpd.GeoDataFrame) -> LayerKind:
    """Say which layer a package output is, from its columns and geometry.

    Parameters
    ----------
    frame : GeoDataFrame
        An output of the package: cells from :func:`hotspots.find_hotspots` or
        :func:`hotspots.gistar` (``gi_bin``), cells from
        :func:`hotspots.local_moran` (``cluster`` and ``quadrant``), areas from
        :func:`hotspots.find.rates` (``rate`` and ``rate_note``), cells from
        :func:`hotspots.kde` (``kde``) or :func:`hotspots.count_points` (``n``),
        places from :func:`hotspots.select_places` (``place_id``), or crime
        points from :func:`hotspots.read_policeuk`.

    Returns
    -------
    str
        One of :data:`LAYER_KINDS`: "gistar", "clusters", "density", "counts",
        "rates", "places", "quality" or "crimes". Cells with Gi* classes are
        "gistar" even when they also hold ``kde`` and ``n`` (and areas with
        rates tested by Gi* are "gistar"); ask for those layers by name.

    Raises
    ------
    SchemaError
        If the frame is empty, or polygons carry none of the columns above.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> layer_kind(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=27700))
    'crimes'
    >>> layer_kind(gpd.GeoDataFrame({"n": [3]}, geometry=[box(0, 0, 1, 1)], crs=27700))
    'counts'
    """
    if len(frame) == 0:
        raise SchemaError("the layer is empty: there is nothing to draw.")
    columns = set(frame.columns)
    if {"gi_bin", "hotspot_class"} & columns:
        return "gistar"
    if {"cluster", "quadrant"} <= columns:
        return "clusters"
    if {"rate", "rate_note"} <= columns:
        return "rates"
    if {"place_id", "rank"} <= columns:
        return "places"
    if {"flag", "n"} <= columns:
        return "quality"
    if frame.geometry.geom_type.isin(["Point", "MultiPoint"]).all():
        return "crimes"
    if "kde" in columns:
        return "density"
    if "n" in columns:
        return "counts"
    raise SchemaError(
        "cannot tell what these polygons are: they have none of the columns gi_bin, "
        "cluster, rate, place_id, kde or n (found "
        f"{sorted(columns - {frame.geometry.name})}). Map an output of hotspots "
        "find, rates, select or ingest, or say the kind explicitly."
    )


def layered_map(
    layers: Sequence[tuple[str, gpd.GeoDataFrame]],
    *,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    title: str | None = None,
    synthetic: bool | None = None,
) -> folium.Map:
    """Draw several outputs on one map, each as a layer that can be switched off.

    Parameters
    ----------
    layers : sequence of (kind, GeoDataFrame)
        Each frame with its kind: "gistar" (:func:`~hotspots.maps.gistar_map`),
        "clusters" (:func:`~hotspots.maps.clusters_map`), "rates"
        (:func:`~hotspots.maps.rates_map`), "density"
        (:func:`~hotspots.maps.cells_map` of ``kde``), "counts"
        (:func:`~hotspots.maps.cells_map` of ``n``), "places"
        (:func:`~hotspots.maps.places_map`), "quality" (flagged map points,
        :func:`~hotspots.maps.quality_map`), "crimes"
        (:func:`~hotspots.maps.crimes_map`) or "auto" (:func:`layer_kind`). Layers
        are drawn in the order of :data:`LAYER_KINDS` (areas under cells under
        places under crimes), whatever order they are given in.
    tiles : str, xyzservices.TileProvider or None, default "OpenStreetMap.Mapnik"
        Base map, shown when the reader has a network (a map saved offline keeps
        it and works without it); None for none.
    outline : GeoDataFrame or GeoSeries, optional
        Study-area polygons drawn as an outline for context; named areas (LSOAs)
        are named when zoomed in (see :func:`hotspots.maps.base_map`).
    title : str, optional
        Title; None = the default title of the lowest layer's map. Escaped like
        all text.
    synthetic : bool, optional
        Label the map SYNTHETIC; None = detect from the data, as each map does.

    Returns
    -------
    folium.Map
        The map with one layer per input, their legends and a layer control.

    Raises
    ------
    ValueError
        If ``layers`` is empty or a kind is unknown.
    SchemaError
        If a frame lacks the columns its kind needs.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> cells = gpd.GeoDataFrame({"n": [1, 5]},
    ...     geometry=[box(0, 0, 250, 250), box(250, 0, 500, 250)], crs=27700)
    >>> pts = gpd.GeoDataFrame(geometry=[Point(100, 100)], crs=27700)
    >>> m = layered_map([("auto", pts), ("auto", cells)], tiles=None,
    ...                 title="SYNTHETIC DATA example", synthetic=True)
    >>> type(m).__name__
    'Map'
    """
    if not layers:
        raise ValueError("layers is empty: give at least one (kind, frame) pair.")
    resolved = []
    for kind, frame in layers:
        if kind == "auto":
            kind = layer_kind(frame)
        if kind not in LAYER_KINDS:
            raise ValueError(
                f"unknown layer kind {kind!r}; use one of {LAYER_KINDS} or 'auto'."
            )
        resolved.append((kind, frame))
    resolved.sort(key=lambda pair: LAYER_KINDS.index(pair[0]))
    logger.info("Map layers: %s.", ", ".join(kind for kind, _ in resolved))
    (first_kind, first), *rest = resolved
    m = _DRAW[first_kind](
        first, tiles=tiles, outline=outline, title=title, synthetic=synthetic
    )
    for kind, frame in rest:
        _DRAW[kind](frame, m=m, synthetic=synthetic)
    return m


def _gistar(frame, **kwargs):
    return gistar_map(frame, **kwargs)


def _density(frame, **kwargs):
    return cells_map(frame, column="kde", **kwargs)


def _counts(frame, **kwargs):
    return cells_map(frame, column="n", **kwargs)


_DRAW: dict[str, Callable[..., folium.Map]] = {
    "gistar": _gistar,
    "clusters": clusters_map,
    "rates": rates_map,
    "density": _density,
    "counts": _counts,
    "places": places_map,
    "quality": quality_map,
    "crimes": crimes_map,
}
