"""Before/after change per grid cell on a diverging palette."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.exceptions import SchemaError
from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import (
    cell_headings,
    cell_size_text,
    require_columns,
    values_of,
)
from hotspots.maps._html import popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry, classify

__all__ = ["change_map"]

logger = logging.getLogger(__name__)

_NO_CHANGE = "#f7f7f7"
_HINT = (
    "Count both periods on one grid: grid = hotspots.make_grid(all_crimes, "
    "cell_size=...); before = hotspots.count_points(crimes_before, grid=grid); "
    "after = hotspots.count_points(crimes_after, grid=grid)."
)


def _aligned(before, after, column):
    """Return (after cells, before values, after values) matched cell by cell."""
    for frame, label in ((before, "before"), (after, "after")):
        require_columns(frame, [column], label, _HINT)
    key = "cell_id" if {"cell_id"} <= set(before) & set(after) else None
    left = before.set_index(key) if key else before
    right = after.set_index(key) if key else after
    if not left.index.is_unique or not right.index.is_unique:
        raise SchemaError(f"cells must be unique in both periods. {_HINT}")
    if len(left) != len(right) or not left.index.isin(right.index).all():
        raise SchemaError(
            f"before and after have different cells ({len(left)} and {len(right)}; "
            f"matched on {key or 'the index'}). {_HINT}"
        )
    left = left.loc[right.index]
    b = values_of(left, column, "before")
    a = values_of(right, column, "after")
    return after, b, a


def _signed(label: str, sign: str) -> str:
    """Sign both ends of a class label: "3 – 5" -> "+3 to +5"."""
    return " to ".join(sign + part for part in label.split(" – "))


def _diverging(cmap: str, k: int) -> tuple[list[str], list[str]]:
    """``k`` increase colours and ``k`` decrease colours, faint to strong."""
    import matplotlib
    from matplotlib.colors import to_hex

    try:
        colormap = matplotlib.colormaps[cmap]
    except KeyError as err:
        raise ValueError(
            f"cmap {cmap!r} is not a matplotlib colormap; use a diverging one such "
            "as 'RdBu_r' (red = increase) or 'PuOr_r'."
        ) from err
    steps = [0.7] if k == 1 else np.linspace(0.3, 0.95, k)
    up = [to_hex(colormap(0.5 + 0.5 * s)) for s in steps]
    down = [to_hex(colormap(0.5 - 0.5 * s)) for s in steps]
    return up, down


def change_map(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    column: str = "n",
    periods: tuple[str, str] = ("before", "after"),
    scheme: str = "FisherJenks",
    k: int = 3,
    cmap: str = "RdBu_r",
    opacity: float = 0.75,
    units: str = "crimes per cell",
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
    """Map the change in a count per cell between two periods (after − before).

    Parameters
    ----------
    before, after : GeoDataFrame
        The same cells counted in each period (e.g. :func:`hotspots.count_points`
        on one grid), matched on ``cell_id`` when both have it, else on the index.
        Use periods of equal length.
    column : str, default "n"
        The count to compare.
    periods : (str, str), default ("before", "after")
        Names of the two periods for the legend and popups, e.g.
        ``("2023", "2024")``.
    scheme : str, default "FisherJenks"
        mapclassify scheme for the size of the change (see
        :func:`hotspots.maps.cells_map`).
    k : int, default 3
        Classes on each side of zero (the same bounds for rises and falls, so a
        colour strength means the same size of change either way).
    cmap : str, default "RdBu_r"
        Diverging matplotlib colormap: its upper half colours rises (red), its
        lower half falls (blue).
    opacity : float, default 0.75
        Fill opacity, 0-1.
    units : str, default "crimes per cell"
        What ``column`` counts.
    popup_columns : sequence of str
        Extra columns of ``after`` shown (escaped) in popups.
    name : str, optional
        Layer name; None = "Change, <after> − <before>".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`.

    Returns
    -------
    folium.Map
        Cells with a crime in either period, coloured by the change; cells with
        none in both are not drawn. A legend lists rises (top), no change and
        falls (bottom); its ``classes`` hold the mapclassify breaks of the size
        of the change.

    Raises
    ------
    SchemaError
        If the two frames do not hold the same cells, or ``column`` is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(458000 + 250 * i, 304000, 458250 + 250 * i, 304250)
    ...          for i in range(4)]
    >>> before = gpd.GeoDataFrame({"n": [5, 2, 0, 4]}, geometry=cells, crs=27700)
    >>> after = gpd.GeoDataFrame({"n": [1, 2, 3, 9]}, geometry=cells, crs=27700)
    >>> m = change_map(before, after, periods=("2023", "2024"), tiles=None)
    >>> "Change in crimes per cell" in m.get_root().render()
    True
    """
    cells, b, a = _aligned(before, after, column)
    change = a - b
    drawn = (a != 0) | (b != 0)
    if not drawn.any():
        raise ValueError(
            f"every cell has {column} = 0 in both periods: nothing to map."
        )
    first, second = (str(p) for p in periods)
    frame = cells.loc[drawn].assign(
        _before=b[drawn],
        _after=a[drawn],
        _change=change[drawn],
        _percent=[
            f"{100 * (y - x) / x:+.0f}%" if x else "–"
            for x, y in zip(b[drawn], a[drawn], strict=True)
        ],
    )
    mapped = to_wgs84(frame, "cells")
    diff = mapped["_change"].to_numpy(dtype=float)
    size = np.abs(diff)
    nonzero = size > 0
    up, down = _diverging(cmap, k)
    classes = classify(size[nonzero], scheme=scheme, k=k) if nonzero.any() else None
    colour = np.full(len(mapped), _NO_CHANGE, dtype=object)
    if classes is not None:
        up, down = _diverging(cmap, classes.k)
        cls = np.zeros(len(mapped), dtype=int)
        cls[nonzero] = classes.yb
        colour = np.where(
            diff > 0, np.take(up, cls), np.where(diff < 0, np.take(down, cls), colour)
        )
    m = start_map(
        [before, after],
        m=m,
        tiles=tiles,
        outline=outline,
        default_title=f"Change in {units}",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    label = f"{second} − {first}"
    styles = [
        {
            "fillColor": c,
            "color": "#555555",
            "weight": 0.4,
            "opacity": 0.6,
            "fillOpacity": opacity,
        }
        for c in colour
    ]
    headings = cell_headings(mapped)
    layer = geojson_layer(
        mapped,
        name=name or f"Change, {label}",
        styles=styles,
        table=popup_table(
            mapped,
            ["_before", "_after", "_change", "_percent", *popup_columns],
            headings=headings,
            labels={
                "_before": f"{first} ({units})",
                "_after": f"{second} ({units})",
                "_change": f"Change ({label})",
                "_percent": "Change (%)",
            },
        ),
        tooltips=[f"{d:+,.0f} ({label})" for d in diff],
        show=show,
    )
    entries = []
    if classes is not None:
        entries += [
            LegendEntry(up[i], _signed(classes.labels[i], "+"), opacity=opacity)
            for i in reversed(range(classes.k))
        ]
    entries.append(LegendEntry(_NO_CHANGE, "no change", opacity=opacity))
    if classes is not None:
        entries += [
            LegendEntry(down[i], _signed(classes.labels[i], "−"), opacity=opacity)
            for i in range(classes.k)
        ]
    cell_text = cell_size_text(after)
    legend = Legend(
        f"Change in {units}",
        entries,
        subtitle=f"{label}" + (f"; {cell_text}" if cell_text else ""),
        notes=[
            "Red = more crimes, blue = fewer.",
            "Cells with none in either period are not drawn.",
        ],
        layer=layer,
        classes=classes,
    )
    logger.info(
        "Mapped change in %s for %d cells: %d up, %d down, %d unchanged.",
        column,
        len(mapped),
        int((diff > 0).sum()),
        int((diff < 0).sum()),
        int((diff == 0).sum()),
    )
    return finish_map(m, [layer], legend)
