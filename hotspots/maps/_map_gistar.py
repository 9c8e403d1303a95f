"""Gi* hot and cold spots in the ArcGIS Gi_Bin classes (−3..+3)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.find._gistar import HOTSPOT_CLASSES
from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import (
    cell_headings,
    cell_size_text,
    place_names,
    require_columns,
    values_of,
)
from hotspots.maps._html import popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry

__all__ = ["GI_COLOURS", "gistar_map"]

logger = logging.getLogger(__name__)

#: Fill colour of each Gi_Bin class: deep red, red and pink for hot spots at 99, 95
#: and 90% confidence, grey for not significant, light to dark blue for cold spots.
GI_COLOURS: dict[int, str] = {
    3: "#a50f15",
    2: "#e31a1c",
    1: "#fb9a99",
    0: "#bdbdbd",
    -1: "#a6cee3",
    -2: "#3182bd",
    -3: "#08306b",
}
_NOT_SIGNIFICANT_OPACITY = 0.25
_POPUP = [
    "top_locations",
    "lsoa_name",
    "quality_flag",
    "hotspot_class",
    "gi_z",
    "p_value",
    "p_sim_two_sided",
    "p_fdr",
]
_AFTER = ["cell_id"]  # popup rows after the tested value


def _cells_text(n: int) -> str:
    return f"{n:,} cell" if n == 1 else f"{n:,} cells"


def _empty_classes_text(counts: dict[int, int]) -> list[str]:
    """Return a note for each side with no cell, e.g. "No cold spots (...)."."""
    notes = []
    for side, signs in (("hot", (1, 2, 3)), ("cold", (-1, -2, -3))):
        if not any(counts[b] for b in signs):
            notes.append(f"No {side} spots (90% confidence or more).")
    return notes


def _fdr_text(fdr: bool | None) -> str:
    if fdr is None:
        return "False discovery rate correction: not recorded (pass fdr=)."
    if fdr:
        return "False discovery rate (Benjamini-Hochberg) correction: applied."
    return (
        "False discovery rate correction: not applied (p-values unadjusted; expect "
        "some false hot spots among many cells)."
    )


def gistar_map(
    cells: gpd.GeoDataFrame,
    *,
    fdr: bool | None = None,
    show_not_significant: bool = False,
    opacity: float = 0.75,
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
    """Map Gi* hot and cold spots with the ArcGIS-style palette and legend.

    Parameters
    ----------
    cells : GeoDataFrame
        Output of :func:`hotspots.gistar` or :func:`hotspots.find_hotspots`:
        needs ``gi_bin`` (−3..3) and shows ``gi_z``, ``p_value``, ``p_fdr`` and
        the tested value (``attrs["hotspots"]["value"]``, e.g. ``n``) in popups.
    fdr : bool, optional
        Whether the classes were decided on false-discovery-rate adjusted
        p-values; the legend states it. None = read ``attrs["hotspots"]["fdr"]``
        as written by :func:`hotspots.gistar` (a warning when it is missing).
    show_not_significant : bool, default False
        Also draw the cells that are not significant, in faint grey. Left out by
        default: a force has tens of thousands of them, which make the page
        large and slow to open; the legend says how many are not drawn.
    opacity : float, default 0.75
        Fill opacity of significant cells, 0-1.
    popup_columns : sequence of str
        Extra columns shown (escaped) in each cell's popup.
    name : str, optional
        Layer name; None = "Gi* hot and cold spots".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`. Pass
        ``synthetic=True`` for cells of synthetic data.

    Returns
    -------
    folium.Map
        The map with the Gi* layer (hover a cell for its class and busiest
        location, click for the numbers), a legend of the classes with their
        confidence levels and cell counts (classes with no cell are summed up in
        a note), and a layer control.

    Raises
    ------
    SchemaError
        If ``gi_bin`` is missing or holds values outside −3..3.

    Warns
    -----
    HotspotsWarning
        When ``fdr`` is None and the cells do not record it.

    Notes
    -----
    Classes follow ArcGIS's Gi_Bin: ±3 at 99% confidence (p < 0.01), ±2 at 95%
    (p < 0.05), ±1 at 90% (p < 0.10), with two-sided p-values (see
    :func:`hotspots.gistar`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"gi_bin": [3, 0, -1]},
    ...     geometry=[box(458000 + 250 * i, 304000, 458250 + 250 * i, 304250)
    ...               for i in range(3)], crs=27700)
    >>> m = gistar_map(cells, fdr=True, tiles=None)
    >>> "Benjamini-Hochberg" in m.get_root().render()
    True
    """
    require_columns(
        cells,
        ["gi_bin"],
        "cells",
        "Compute the classes first with hotspots.gistar(...) or "
        "hotspots.find_hotspots(...).",
    )
    bins = values_of(cells, "gi_bin", "cells")
    if not np.isin(bins, list(GI_COLOURS)).all():
        raise SchemaError(
            "cells['gi_bin'] must hold whole numbers from -3 to 3 (ArcGIS Gi_Bin); "
            f"found {sorted(set(bins.tolist()) - set(GI_COLOURS))}."
        )
    meta = cells.attrs.get("hotspots", {})
    if fdr is None:
        fdr = meta.get("fdr")
        if fdr is None:
            warnings.warn(
                "the cells do not record whether FDR correction was used (their "
                "attrs were lost); the legend says 'not recorded'. Pass fdr=True or "
                "fdr=False.",
                HotspotsWarning,
                stacklevel=2,
            )
    keep = bins != 0 if not show_not_significant else np.ones(len(bins), dtype=bool)
    if keep.any():
        mapped = to_wgs84(cells.loc[keep], "cells")
    else:  # no hot or cold spot: an empty layer, and the legend says so
        mapped = to_wgs84(cells, "cells").iloc[:0]
    mapped_bins = mapped["gi_bin"].to_numpy(dtype=int)
    value = meta.get("value", "n")
    m = start_map(
        cells,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title="Gi* hot and cold spots",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    styles = [
        {
            "fillColor": GI_COLOURS[b],
            "color": "#555555",
            "weight": 0.4,
            "opacity": 0.6,
            "stroke": bool(b),  # outlines of thousands of grey cells read as a mesh
            "fillOpacity": opacity if b else _NOT_SIGNIFICANT_OPACITY,
        }
        for b in mapped_bins
    ]
    names = place_names(mapped)
    mapped = mapped.assign(hotspot_class=[HOTSPOT_CLASSES[b] for b in mapped_bins])
    layer = geojson_layer(
        mapped,
        name=name or "Gi* hot and cold spots",
        styles=styles,
        table=popup_table(
            mapped,
            [*_POPUP, value, *popup_columns, *_AFTER],
            headings=cell_headings(mapped),
        ),
        tooltips=[
            f"{HOTSPOT_CLASSES[b]}: {n}" if n else HOTSPOT_CLASSES[b]
            for b, n in zip(mapped_bins, names, strict=True)
        ],
        show=show,
    )
    counts = {b: int((bins == b).sum()) for b in GI_COLOURS}
    entries = [
        LegendEntry(
            colour,
            f"{HOTSPOT_CLASSES[b]} ({_cells_text(counts[b])})",
            opacity=opacity if b else _NOT_SIGNIFICANT_OPACITY,
        )
        for b, colour in GI_COLOURS.items()
        if counts[b] and (b or show_not_significant)
    ]
    size = cell_size_text(cells)
    notes = _empty_classes_text(counts)
    if not show_not_significant and counts[0]:
        notes.append(f"{_cells_text(counts[0])} not significant: not drawn.")
    notes += [
        "Confidence: 99% = p < 0.01, 95% = p < 0.05, 90% = p < 0.10 (two-sided).",
        _fdr_text(fdr),
    ]
    if meta.get("permutations"):
        notes.append(f"p from {meta['permutations']:,} permutations.")
    legend = Legend(
        "Gi* hot and cold spots",
        entries,
        subtitle=f"Getis-Ord Gi* of {value}" + (f", {size}" if size else ""),
        notes=notes,
        layer=layer,
    )
    logger.info(
        "Mapped Gi* classes of %d cells (%d hot, %d cold).",
        len(mapped),
        sum(counts[b] for b in (1, 2, 3)),
        sum(counts[b] for b in (-1, -2, -3)),
    )
    return finish_map(m, [layer], legend)
