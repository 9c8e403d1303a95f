"""The data-quality layer: map points flagged as likely recording artefacts."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import xyzservices

from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._html import popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry

__all__ = ["QUALITY_COLOUR", "quality_map"]

#: Marker colour of flagged map points (a warning orange, apart from the Gi* reds).
QUALITY_COLOUR = "#e66101"
_POPUP = ["location", "lsoa_name", "n", "n_months", "flag", "ratio", "justice_share"]


def quality_map(
    points: gpd.GeoDataFrame,
    *,
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
    """Map the map points the data-quality checks flag, with why each is flagged.

    Parameters
    ----------
    points : GeoDataFrame
        :attr:`hotspots.quality.QualityReport.flagged_points` (``location``,
        ``n``, ``flag``...), points in any CRS.
    popup_columns : sequence of str
        Extra columns shown (escaped) in each point's popup.
    name : str, optional
        Layer name; None = "Data-quality flags".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`.

    Returns
    -------
    folium.Map
        The map with one orange marker per flagged point (click it for the
        evidence), a legend and a layer control.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> flagged = gpd.GeoDataFrame(
    ...     {"location": ["On or near Hospital"], "n": [340],
    ...      "flag": ["reporting location (hospital)"]},
    ...     geometry=[Point(458583, 303575)], crs=27700)
    >>> m = quality_map(flagged, tiles=None)
    >>> "Data-quality flags" in m.get_root().render()
    True
    """
    mapped = to_wgs84(points, "points")
    m = start_map(
        points,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=f"Map points flagged by the data-quality checks ({len(mapped)})",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    style = {
        "color": QUALITY_COLOUR,
        "weight": 2,
        "fillColor": QUALITY_COLOUR,
        "fillOpacity": 0.8,
    }
    headings = [
        f"Flagged point: {label}"
        for label in mapped.get("location", [""] * len(mapped))
    ]
    layer = geojson_layer(
        mapped,
        name=name or "Data-quality flags",
        styles=[style] * len(mapped),
        table=popup_table(mapped, [*_POPUP, *popup_columns], headings=headings),
        tooltips=[str(v) for v in mapped.get("flag", [""] * len(mapped))],
        show=show,
        point_radius=8,
    )
    legend = Legend(
        "Data-quality flags",
        [LegendEntry(QUALITY_COLOUR, "likely recording artefact")],
        subtitle=f"{len(mapped)} map points",
        notes=[
            "Police stations, custody suites, hospitals, prisons, courts or default "
            "locations: check before sending patrols."
        ],
        layer=layer,
    )
    return finish_map(m, [layer], legend)
