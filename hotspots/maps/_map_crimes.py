"""Crime points, clustered at low zoom, with a popup per crime."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import shapely
import xyzservices
from folium.plugins import FastMarkerCluster

from hotspots.exceptions import SchemaError
from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._html import esc, js_json, popup_table
from hotspots.maps._layers import POPUP_MAX_WIDTH_PX
from hotspots.maps._legend import Legend, LegendEntry

__all__ = ["crimes_map"]

logger = logging.getLogger(__name__)

#: Popup rows of a crime when ``popup_columns`` is None (those present are shown).
DEFAULT_POPUP_COLUMNS: tuple[str, ...] = (
    "crime_type",
    "month",
    "location",
    "last_outcome_category",
    "context",
)
#: Categories coloured individually with ``colour_by``; the rest are "other".
_MAX_CATEGORIES = 9
_OTHER_COLOUR = "#9e9e9e"
_SNAPPED = "On or near"
#: Builds each marker from a row [lat, lon, colour number, escaped values].
_CALLBACK = """function (row) {
    var PALETTE = %(palette)s, LABELS = %(labels)s, TIP = %(tip)s, HEAD = %(head)d;
    var values = row[3];
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: %(radius)s, color: "#ffffff", weight: 1,
        fillColor: PALETTE[row[2]], fillOpacity: 0.9
    });
    marker.bindPopup(function () {
        return hotspotsPopup(LABELS, values, HEAD >= 0 ? values[HEAD] : "");
    }, {maxWidth: %(popup_width)d});
    var tip = TIP.map(function (i) { return values[i]; }).join(", ");
    marker.bindTooltip(tip || "crime");
    return marker;
}"""
#: Clusters are drawn in a neutral slate so they are not read as a crime category.
CLUSTER_COLOUR = "#37474f"
_CLUSTER_ICON = """function (cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 30 : (n < 100 ? 36 : 42);
    return L.divIcon({
        html: "<div><span>" + n + "</span></div>",
        className: "marker-cluster hotspots-cluster",
        iconSize: L.point(size, size)
    });
}"""


def _category_colours(values) -> tuple[list[str], list[int], list[LegendEntry]]:
    """Palette, colour number per value and legend: one colour per category.

    The most common categories come first (tab10); beyond nine, "other" is grey.
    """
    import matplotlib
    from matplotlib.colors import to_hex

    text = values.fillna("(missing)").astype(str)
    counts = text.value_counts()
    order = counts.index.tolist()
    tab10 = matplotlib.colormaps["tab10"]
    colours = [to_hex(tab10(i)) for i in range(tab10.N)]
    colours = [c for c in colours if c.lower() != "#7f7f7f"]  # grey is for "other"
    named = order[:_MAX_CATEGORIES]
    palette = [*colours[: len(named)], _OTHER_COLOUR]
    number = {cat: i for i, cat in enumerate(named)}
    entries = [
        LegendEntry(palette[i], f"{cat} ({counts[cat]:,})", shape="circle")
        for i, cat in enumerate(named)
    ]
    if len(order) > _MAX_CATEGORIES:
        rest = int(counts.iloc[_MAX_CATEGORIES:].sum())
        entries.append(LegendEntry(_OTHER_COLOUR, f"other ({rest:,})", shape="circle"))
    other = len(palette) - 1
    return palette, [number.get(t, other) for t in text], entries


def crimes_map(
    crimes: gpd.GeoDataFrame,
    *,
    popup_columns: Sequence[str] | None = None,
    colour_by: str | None = None,
    colour: str = "#c62828",
    radius: float = 6,
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
    """Map crimes as points that cluster at low zoom (Leaflet.markercluster).

    Parameters
    ----------
    crimes : GeoDataFrame
        Point events, e.g. from :func:`hotspots.read_policeuk` (any CRS;
        reprojected for the map).
    popup_columns : sequence of str, optional
        Columns shown (escaped) in each crime's popup. None = crime type, month,
        location, last outcome and context, where present.
    colour_by : str, optional
        Colour points by this column's categories (the nine most common get a
        colour each, the rest are grey "other"), e.g. ``"crime_type"``. None =
        one colour.
    colour : str, default "#c62828"
        Point colour when ``colour_by`` is None.
    radius : float, default 6
        Point radius in screen pixels.
    name : str, optional
        Layer name; None = "Crimes".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`. ``where`` and
        ``when`` default to the ``force`` and ``month`` columns; the map is
        labelled SYNTHETIC when the ``context`` column says so.

    Returns
    -------
    folium.Map
        The map with the clustered points (hover for type and month, click for
        the popup), a legend and a layer control.

    Raises
    ------
    SchemaError
        If the geometries are not points, or ``colour_by`` is not a column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> crimes = gpd.GeoDataFrame(
    ...     {"crime_type": ["Robbery", "Robbery"], "month": ["2024-05", "2024-06"],
    ...      "context": ["SYNTHETIC DATA - not real crime"] * 2},
    ...     geometry=[Point(458000, 304000), Point(458100, 304050)], crs=27700)
    >>> page = crimes_map(crimes, tiles=None).get_root().render()
    >>> "SYNTHETIC DATA" in page and "2024-05 to 2024-06" in page
    True
    """
    mapped = to_wgs84(crimes, "crimes")
    if not (shapely.get_type_id(mapped.geometry.to_numpy()) == 0).all():
        raise SchemaError(
            "crimes must be points; to map cells or areas use cells_map, places_map "
            "or rings_map."
        )
    if colour_by is not None and colour_by not in mapped.columns:
        raise SchemaError(
            f"colour_by column {colour_by!r} not found; columns: "
            f"{list(mapped.columns)}."
        )
    columns = list(DEFAULT_POPUP_COLUMNS if popup_columns is None else popup_columns)
    missing = [c for c in columns if c not in mapped.columns]
    if popup_columns is not None and missing:
        raise SchemaError(
            f"popup_columns {missing} not found; columns: {list(mapped.columns)}."
        )
    m = start_map(
        crimes,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=f"Crimes ({len(mapped):,})",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    if colour_by is None:
        palette, fills = [colour], [0] * len(mapped)
        entries = [LegendEntry(colour, "one crime", shape="circle")]
    else:
        palette, fills, entries = _category_colours(mapped[colour_by])
    # Tooltip columns not in the popup ride along after the popup's values.
    shown = [c for c in columns if c in mapped.columns]
    extra = [c for c in ("crime_type", "month") if c in mapped and c not in shown]
    table = popup_table(mapped, shown + extra)
    labels = table.labels[: len(shown)]
    position = {c: i for i, c in enumerate(shown + extra)}
    tip = [position[c] for c in ("crime_type", "month") if c in position]
    head = position.get("crime_type", -1)
    lat = mapped.geometry.y.to_numpy()
    lon = mapped.geometry.x.to_numpy()
    rows = [
        [float(y), float(x), f, v]
        for y, x, f, v in zip(lat, lon, fills, table.values, strict=True)
    ]
    callback = _CALLBACK % {
        "radius": float(radius),
        "palette": js_json(palette),
        "labels": js_json(labels),
        "tip": js_json(tip),
        "head": int(head),
        "popup_width": POPUP_MAX_WIDTH_PX,
    }
    layer = FastMarkerCluster(
        rows,
        callback=callback,
        name=esc(name or "Crimes"),
        show=show,
        icon_create_function=_CLUSTER_ICON,
    )
    entries.append(
        LegendEntry(CLUSTER_COLOUR, "cluster of nearby crimes", shape="circle")
    )
    notes = ["A cluster's number is how many crimes it holds; click it to zoom in."]
    if "location" in mapped and (
        mapped["location"].astype(str).str.startswith(_SNAPPED).mean() > 0.5
    ):
        notes.append(
            "police.uk locations are approximate: each crime is moved to a nearby "
            "anonymous map point."
        )
    legend = Legend(
        f"Crimes ({len(mapped):,})",
        entries,
        subtitle=None if colour_by is None else f"by {colour_by.replace('_', ' ')}",
        notes=notes,
        layer=layer,
    )
    logger.info("Mapped %d crimes (clustered).", len(mapped))
    return finish_map(m, [layer], legend)
