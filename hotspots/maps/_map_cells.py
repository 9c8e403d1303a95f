"""Choropleth of counts or kernel density per grid cell, with a classed legend."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import (
    cell_headings,
    cell_size_text,
    place_names,
    require_columns,
    values_of,
)
from hotspots.maps._html import fmt, popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry, classify, sequential_colours

__all__ = ["cells_map"]

logger = logging.getLogger(__name__)

#: What the package's cell columns count, as shown in legends and tooltips.
UNITS: dict[str, str] = {
    "n": "crimes per cell",
    "weighted_n": "harm-weighted crimes per cell",
    "kde": "crimes per km² (kernel density)",
}
#: Named-place columns shown in popups when present (hotspots.find_hotspots).
_NAMED = ["top_locations", "lsoa_name", "quality_flag"]
_TITLES = {
    "n": "Crimes per grid cell",
    "weighted_n": "Harm-weighted crimes per grid cell",
    "kde": "Kernel density of crimes",
}


def cells_map(
    cells: gpd.GeoDataFrame,
    *,
    column: str = "n",
    scheme: str = "FisherJenks",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlOrRd",
    hide_zero: bool = True,
    opacity: float = 0.7,
    units: str | None = None,
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
    """Map grid cells coloured by classes of a count or density column.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells from :func:`hotspots.count_points`, :func:`hotspots.kde` or
        :func:`hotspots.find_hotspots` (any CRS; reprojected for the map).
    column : str, default "n"
        Column to colour by: ``"n"`` (crimes per cell), ``"weighted_n"`` or
        ``"kde"`` (crimes per km²), or any numeric column.
    scheme : str, default "FisherJenks"
        mapclassify scheme for the classes, e.g. ``"FisherJenks"`` (natural
        breaks), ``"Quantiles"`` (equal numbers of cells), ``"EqualInterval"``.
    k : int, default 5
        Number of classes (fewer when there are fewer distinct values).
    bins : sequence of float, optional
        Your own class upper bounds; overrides ``scheme`` and ``k``.
    cmap : str, default "YlOrRd"
        Sequential matplotlib colormap, light (low) to dark (high).
    hide_zero : bool, default True
        Leave cells with 0 undrawn (and out of the classes), so the classes
        describe where crime is; the legend says so.
    opacity : float, default 0.7
        Fill opacity, 0-1.
    units : str, optional
        What the column measures, for the legend and tooltips. None = known
        units for ``n``, ``weighted_n`` and ``kde``, else the column name.
    popup_columns : sequence of str
        Extra columns shown (escaped) in each cell's popup.
    name : str, optional
        Layer name in the layer control. None = from the units.
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`. Cells carry no
        ``context`` column: pass ``synthetic=True`` for cells of synthetic data.

    Returns
    -------
    folium.Map
        The map (``m`` if given) with the cell layer, a classed legend (the
        legend element keeps the mapclassify breaks in ``.classes``) and a layer
        control.

    Raises
    ------
    SchemaError
        If ``column`` is missing, not numeric or has missing values.
    ValueError
        If no cell is left to draw, or ``scheme`` is unknown.

    Notes
    -----
    Classes hold values up to and including their upper bound (mapclassify's
    convention); labels of whole-number columns are whole-number ranges.
    Fisher-Jenks takes time growing with the square of the number of cells when
    numba is not installed; above 1,000 cells its breaks are then found on 500
    evenly spaced quantiles of the values (logged, and named in the legend).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"n": [0, 1, 4, 9]},
    ...     geometry=[box(458000 + 250 * i, 304000, 458250 + 250 * i, 304250)
    ...               for i in range(4)], crs=27700)
    >>> m = cells_map(cells, tiles=None, k=3)
    >>> "Crimes per cell" in m.get_root().render()
    True
    """
    require_columns(
        cells, [column], "cells", "Count crimes per cell with hotspots.count_points."
    )
    values = values_of(cells, column, "cells")
    drawn = values != 0 if hide_zero else np.ones(len(values), dtype=bool)
    if not drawn.any():
        raise ValueError(
            f"every cell has {column} = 0, so there is nothing to colour. Check the "
            "period and area, or pass hide_zero=False."
        )
    unit = units or UNITS.get(column, column)
    mapped = to_wgs84(cells.loc[drawn], "cells")
    shown = mapped[column].to_numpy(dtype=float)
    classes = classify(shown, scheme=scheme, k=k, bins=bins)
    colours = sequential_colours(cmap, classes.k)
    m = start_map(
        cells,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=_TITLES.get(column, unit.capitalize()),
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    styles = [
        {
            "fillColor": colours[c],
            "color": "#555555",
            "weight": 0.4,
            "opacity": 0.6,
            "fillOpacity": opacity,
        }
        for c in classes.yb
    ]
    label = unit[:1].upper() + unit[1:]
    names = place_names(mapped)
    layer = geojson_layer(
        mapped,
        name=name or label,
        styles=styles,
        table=popup_table(
            mapped,
            [column, *_NAMED, *popup_columns, "cell_id"],
            headings=cell_headings(mapped),
            labels={column: label},
        ),
        tooltips=[
            f"{fmt(v)} {unit}" + (f": {n}" if n else "")
            for v, n in zip(shown, names, strict=True)
        ],
        show=show,
    )
    entries = [
        LegendEntry(colours[i], classes.labels[i], opacity=opacity)
        for i in reversed(range(classes.k))
    ]
    notes = [f"{classes.scheme} classes (mapclassify)"]
    if hide_zero:
        notes.append(f"Cells with {column} = 0 are not drawn.")
    size = cell_size_text(cells)
    legend = Legend(
        label,
        entries,
        subtitle=size,
        notes=notes,
        layer=layer,
        classes=classes,
    )
    logger.info(
        "Mapped %d of %d cells in %d %s classes of %s.",
        len(mapped),
        len(cells),
        classes.k,
        classes.scheme,
        column,
    )
    return finish_map(m, [layer], legend)
