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
from hotspots.maps._html import fmt, popup_table
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


def _first_name(top_locations: str) -> str:
    """Return the busiest location of ``"East Gates (151); Fox Lane (45)"``."""
    first = str(top_locations).split(";")[0].strip()
    return first.rsplit(" (", 1)[0] if first.endswith(")") else first


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
        The map with the places (rank labels always shown; click a place for its
        numbers), a legend and a layer control.

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
    layer = geojson_layer(
        mapped,
        name=name or "Patrol places",
        styles=[style] * len(mapped),
        table=popup_table(
            shown,
            [*_POPUP, *popup_columns],
            headings=[
                f"Patrol place {r}: {_first_name(top)}" if top else f"Patrol place {r}"
                for r, top in zip(
                    ranks, mapped.get("top_locations", [""] * len(mapped)), strict=True
                )
            ],
            labels={"score": f"Score ({meta['score']})"} if "score" in meta else None,
        ),
        marks=ranks,
        mark_colour=colour,
        show=show,
    )
    notes = ["The number on each place is its rank (1 = highest score)."]
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
    return finish_map(m, [layer], legend)
