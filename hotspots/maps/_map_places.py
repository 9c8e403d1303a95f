"""Patrol places, numbered by rank, with their crime counts in the popup."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import place_names
from hotspots.maps._combine import (
    add_rings_to_legend,
    drawn_places,
    places_key,
    tag_places,
)
from hotspots.maps._html import fmt, popup_table
from hotspots.maps._labels import LabelSet
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry, translucent

__all__ = ["places_map"]

logger = logging.getLogger(__name__)

#: Popup rows of a place, in order (those present are shown).
_POPUP = [
    "top_locations",
    "lsoa_name",
    "quality_flag",
    "busiest_point_share",
    "place_id",
    "n",
    "harm",
    "share",
    "cumulative_share",
    "score",
    "area_km2",
]
_PERCENT = ("share", "cumulative_share", "busiest_point_share")
_FILL = 0.15


def _percent(value) -> str:
    try:
        share = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{100 * share:.1f}%" if math.isfinite(share) else "–"


def places_map(
    places: gpd.GeoDataFrame,
    *,
    colour: str = "#4a148c",
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
    """Map patrol places, each labelled with its rank.

    Parameters
    ----------
    places : GeoDataFrame
        Output of :func:`hotspots.select_places` (``rank``, ``place_id``, ``n``,
        ``share``, ``cumulative_share``, ``score``, ``area_km2``; polygons), or
        any places (polygons or points). Without ``rank``, places are numbered in
        row order.
    colour : str, default "#4a148c"
        Outline and label colour (CSS colour).
    popup_columns : sequence of str
        Extra columns shown (escaped) in each place's popup, e.g. ``["notes"]``.
    name : str, optional
        Layer name; None = "Patrol places".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`.

    Returns
    -------
    folium.Map
        The map with the places, a legend and a layer control. Each place is
        labelled with its rank, and from zoom 14 with its busiest police.uk
        location too ("1 East Gates", from ``top_locations`` as written by
        :func:`hotspots.select_places`); where labels would overlap, the
        lower-ranked ones are left out until you zoom in. Hover a place for its
        rank and name, click it for its numbers. When ``m`` already shows the
        same places as treated places (:func:`hotspots.maps.rings_map`), they
        are drawn once: as patrol places, with the rings in the one legend.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> places = gpd.GeoDataFrame(
    ...     {"rank": [1, 2], "place_id": ["E458000N304000", "E458600N304000"],
    ...      "n": [40, 31]},
    ...     geometry=[box(458000, 304000, 458150, 304150),
    ...               box(458600, 304000, 458750, 304150)], crs=27700)
    >>> m = places_map(places, tiles=None)
    >>> "Patrol places (2)" in m.get_root().render()
    True
    """
    mapped = to_wgs84(places, "places")
    meta = places.attrs.get("hotspots", {})
    if "rank" in mapped.columns:
        ranks = [fmt(r) for r in mapped["rank"]]
    else:
        logger.info(
            "places have no 'rank' column: numbered 1..%d in row order.", len(mapped)
        )
        ranks = [str(i) for i in range(1, len(mapped) + 1)]
    translucent(colour, _FILL)  # check the colour before building anything
    key = places_key(mapped)
    drawn = drawn_places(m, key)
    treated = drawn if drawn is not None and drawn.role == "treated" else None
    m = start_map(
        places,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=f"Patrol places ({len(mapped)})",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    style = {
        "color": colour,
        "weight": 2.5,
        "opacity": 0.95,
        "fillColor": colour,
        "fillOpacity": _FILL,
    }
    shown = mapped.assign(
        **{c: mapped[c].map(_percent) for c in _PERCENT if c in mapped}
    )
    names = place_names(mapped)
    called = [
        f"Patrol place {r}: {n}" if n else f"Patrol place {r}"
        for r, n in zip(ranks, names, strict=True)
    ]
    layer = geojson_layer(
        mapped,
        name=name or "Patrol places",
        styles=[style] * len(mapped),
        table=popup_table(
            shown,
            [*_POPUP, *popup_columns],
            headings=called,
            labels={"score": f"Score ({meta['score']})"} if "score" in meta else None,
        ),
        tooltips=called,
        labels=LabelSet(
            short=ranks,
            long=[f"{r} {n}" if n else r for r, n in zip(ranks, names, strict=True)],
            colour=colour,
        ),
        show=show,
    )
    tag_places(layer, key, "patrol")
    notes = [
        "The number on each place is its rank (1 = highest score). Zoom in for "
        "names, and for ranks left out where places are close together."
    ]
    if "share_of_crimes" in meta and "area_share" in meta:
        notes.append(
            f"Together: {100 * meta['share_of_crimes']:.1f}% of crimes on "
            f"{100 * meta['area_share']:.2f}% of the area."
        )
    if meta.get("min_separation"):
        notes.append(f"At least {meta['min_separation']:,.0f} m apart (centres).")
    total = np.nansum(mapped["n"].to_numpy(dtype=float)) if "n" in mapped else None
    label = "patrol place" + (f" ({fmt(total)} crimes in all)" if total else "")
    legend = Legend(
        "Patrol places",
        [LegendEntry(translucent(colour, _FILL), label, outline=colour)],
        subtitle=f"{len(mapped)} places"
        + (f", by {meta['score']}" if "score" in meta else ""),
        notes=notes,
        layer=layer,
    )
    if treated is not None:  # rings_map drew these places: draw them once
        del m._children[treated.layer.get_name()]
        if treated.legend is not None:
            del m._children[treated.legend.get_name()]
            part = getattr(treated.legend, "rings_part", None)
            if part is not None:
                add_rings_to_legend(legend, part)
    return finish_map(m, [layer], legend)
