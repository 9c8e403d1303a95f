"""Treated places and the displacement rings around them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import xyzservices

from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import place_names
from hotspots.maps._combine import (
    RingsPart,
    add_rings_to_legend,
    drawn_places,
    places_key,
    put_under,
    tag_places,
)
from hotspots.maps._html import popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry, translucent

__all__ = ["rings_map"]

logger = logging.getLogger(__name__)

_PLACE_COLOUR = "#b71c1c"
_RING_COLOUR = "#ef6c00"
_PLACE_FILL = 0.35
_RING_FILL = 0.12
_NAMED = ["top_locations", "lsoa_name"]


def rings_map(
    places: gpd.GeoDataFrame,
    rings: gpd.GeoDataFrame | None = None,
    *,
    radius: float | None = None,
    id_column: str = "place_id",
    popup_columns: Sequence[str] = (),
    name: str | None = None,
    show: bool = True,
    m: folium.Map | None = None,
    tiles: str | xyzservices.TileProvider | None = DEFAULT_TILES,
    outline: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    title: str | None = None,
    where: str | None = None,
    when: str | None = None,
    synthetic: bool | None = None,
) -> folium.Map:
    """Map treated places and their displacement rings (two layers).

    Parameters
    ----------
    places : GeoDataFrame
        Polygons of the treated places, projected CRS in metres (e.g. from
        :func:`hotspots.select_places` or :func:`hotspots.read_boundary`).
    rings : GeoDataFrame, optional
        Rings from :func:`hotspots.rings`. None = computed here with
        ``radius``.
    radius : float, optional
        Ring width in metres, used when ``rings`` is None (None = 250 m, the
        default of :func:`hotspots.rings`) and shown in the legend.
    id_column : str, default "place_id"
        Column naming each place in popups (skipped if absent).
    popup_columns : sequence of str
        Extra columns of ``places`` (and ``rings``) shown, escaped, in popups.
    name : str, optional
        Name of the places layer; None = "Treated places". The ring layer is
        named after it.
    show : bool, default True
        Whether the layers are on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`.

    Returns
    -------
    folium.Map
        The map with a layer of places, a layer of rings, one legend and a layer
        control. When ``m`` already shows the same places (from
        :func:`hotspots.maps.places_map`), they are not drawn again: the rings
        go under them and join their legend.

    Raises
    ------
    CRSError
        If rings must be computed and ``places`` is not in a projected CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> places = gpd.GeoDataFrame(
    ...     {"place_id": ["A", "B"]},
    ...     geometry=[box(458000, 304000, 458150, 304150),
    ...               box(459000, 304000, 459150, 304150)], crs=27700)
    >>> m = rings_map(places, radius=200, tiles=None)
    >>> "200 m" in m.get_root().render()
    True
    """
    if rings is None:
        from hotspots.evaluation._displacement import DEFAULT_RING_RADIUS_M
        from hotspots.evaluation._displacement import rings as make_rings

        rings = make_rings(places, radius=radius or DEFAULT_RING_RADIUS_M)
    if radius is None:
        radius = rings.attrs.get("hotspots", {}).get("radius")
    width = f"{radius:,.0f} m" if radius else "width not recorded"
    mapped_places = to_wgs84(places, "places")
    mapped_rings = to_wgs84(rings, "rings")
    key = places_key(mapped_places)
    drawn = drawn_places(m, key)
    m = start_map(
        [places, rings],
        m=m,
        tiles=tiles,
        outline=outline,
        default_title="Treated places and displacement rings",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    ids = (
        [str(v) for v in mapped_places[id_column]]
        if id_column in mapped_places
        else [str(i + 1) for i in range(len(mapped_places))]
    )
    names = place_names(mapped_places)
    called = [
        f"Treated place {i}" + (f": {n}" if n else "")
        for i, n in zip(ids, names, strict=True)
    ]
    ring_ids = (
        [str(v) for v in mapped_rings[id_column]]
        if id_column in mapped_rings
        else [str(i + 1) for i in range(len(mapped_rings))]
    )
    ring_layer = geojson_layer(
        mapped_rings.assign(ring_width=width),
        name=f"Displacement rings ({width})",
        styles=[
            {
                "color": _RING_COLOUR,
                "weight": 1.5,
                "dashArray": "5 4",
                "fillColor": _RING_COLOUR,
                "fillOpacity": _RING_FILL,
            }
        ]
        * len(mapped_rings),
        table=popup_table(
            mapped_rings.assign(ring_width=width),
            [id_column, "ring_width", "overlaps_other_ring", *popup_columns],
            headings=[f"Ring around place {i}" for i in ring_ids],
            labels={"overlaps_other_ring": "Overlaps another ring"},
        ),
        tooltips=[f"Ring around place {i}" for i in ring_ids],
        show=show,
    )
    overlapping = (
        int(mapped_rings["overlaps_other_ring"].sum())
        if "overlaps_other_ring" in mapped_rings
        else 0
    )
    notes = [
        "Rings are where displacement (or diffusion of benefits) is measured; the "
        "places themselves are cut out of every ring."
    ]
    if overlapping:
        notes.append(
            f"{overlapping} rings overlap another ring: count ring crimes once."
        )
    part = RingsPart(
        entries=(
            LegendEntry(
                translucent(_RING_COLOUR, _RING_FILL),
                f"ring, {width} wide",
                outline=_RING_COLOUR,
            ),
        ),
        notes=tuple(notes),
    )
    if drawn is not None:  # the same places are on the map already: draw them once
        logger.info("The places are already drawn; adding their rings only.")
        add_rings_to_legend(drawn.legend, part)
        finish_map(m, [ring_layer])
        put_under(m, ring_layer, drawn.layer)  # the places stay on top
        return m
    place_layer = geojson_layer(
        mapped_places,
        name=name or "Treated places",
        styles=[
            {
                "color": _PLACE_COLOUR,
                "weight": 2,
                "fillColor": _PLACE_COLOUR,
                "fillOpacity": _PLACE_FILL,
            }
        ]
        * len(mapped_places),
        table=popup_table(
            mapped_places,
            [id_column, *_NAMED, *popup_columns],
            headings=called,
        ),
        tooltips=called,
        show=show,
    )
    tag_places(place_layer, key, "treated")
    legend = Legend(
        "Displacement",
        [
            LegendEntry(
                translucent(_PLACE_COLOUR, _PLACE_FILL),
                f"treated place ({len(mapped_places)})",
                outline=_PLACE_COLOUR,
            ),
            *part.entries,
        ],
        notes=part.notes,
        layer=place_layer,
    )
    legend.rings_part = part  # type: ignore[attr-defined]
    return finish_map(m, [ring_layer, place_layer], legend)
