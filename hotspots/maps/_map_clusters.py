"""Local Moran's I clusters and outliers in the ArcGIS Cluster and Outlier palette."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import xyzservices

from hotspots.exceptions import SchemaError
from hotspots.find._local_moran import CLUSTER_CLASSES, CLUSTER_NOT_TESTABLE
from hotspots.maps._base import DEFAULT_TILES, finish_map, start_map, to_wgs84
from hotspots.maps._columns import (
    cell_headings,
    cell_size_text,
    place_names,
    require_columns,
)
from hotspots.maps._html import popup_table
from hotspots.maps._layers import geojson_layer
from hotspots.maps._legend import Legend, LegendEntry

__all__ = ["CLUSTER_COLOURS", "clusters_map"]

logger = logging.getLogger(__name__)

_HH, _HL, _LH, _LL, _NS = (CLUSTER_CLASSES[q] for q in (1, 4, 2, 3, 0))
#: Fill colour of each class of :func:`hotspots.local_moran`, in legend order, as
#: ArcGIS's Cluster and Outlier Analysis and GeoDa's LISA maps draw them: red for
#: High-High clusters, pink for High-Low outliers, light blue for Low-High outliers,
#: blue for Low-Low clusters, grey for cells that are not significant and white
#: for cells that cannot be tested.
CLUSTER_COLOURS: dict[str, str] = {
    _HH: "#e31a1c",
    _HL: "#fb9a99",
    _LH: "#a6cee3",
    _LL: "#1f78b4",
    _NS: "#bdbdbd",
    CLUSTER_NOT_TESTABLE: "#ffffff",
}
#: Classes drawn only on request (tens of thousands of cells on a force grid).
_QUIET = (_NS, CLUSTER_NOT_TESTABLE)
_QUIET_OPACITY = 0.25
_POPUP = [
    "top_locations",
    "lsoa_name",
    "quality_flag",
    "cluster",
    "moran_i",
    "moran_z",
    "p_sim_two_sided",
    "p_fdr",
]
_AFTER = ["cell_id"]  # popup rows after the tested value
_LABELS = {
    "cluster": "Class",
    "moran_i": "Local Moran's I",
    "moran_z": "Local Moran's z (descriptive)",
    "p_sim_two_sided": "Permutation p (two-sided)",
}


def _cells_text(n: int) -> str:
    return f"{n:,} cell" if n == 1 else f"{n:,} cells"


def _significance_text(meta: dict) -> str:
    """Say which p decided the classes, e.g. "p_fdr < 0.05 (FDR, ...)"."""
    alpha, fdr = meta.get("alpha"), meta.get("fdr")
    if alpha is None or fdr is None:
        return "Significance: not recorded (the cells' attrs were lost)."
    rule = f"p < {alpha:g}, two-sided"
    if meta.get("permutations"):
        rule += f", from {meta['permutations']:,} permutations"
    if fdr:
        return (
            f"Significant: {rule}, after false discovery rate (Benjamini-Hochberg) "
            "correction."
        )
    return f"Significant: {rule}, not adjusted for the many cells tested."


def clusters_map(
    cells: gpd.GeoDataFrame,
    *,
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
    """Map Local Moran's I clusters and outliers with the ArcGIS-style palette.

    Parameters
    ----------
    cells : GeoDataFrame
        Output of :func:`hotspots.local_moran`: needs ``cluster`` (the labels of
        :data:`hotspots.find.CLUSTER_CLASSES`, or "Not testable") and shows
        ``moran_i``, ``moran_z``, the p-values and the tested value
        (``attrs["hotspots"]["value"]``, e.g. ``n``) in popups. Cells named with
        :func:`hotspots.quality.describe_places` (``top_locations``) are named by
        their busiest police.uk location on hover.
    show_not_significant : bool, default False
        Also draw the cells that are not significant (faint grey) and those that
        cannot be tested (white). Left out by default: a force has tens of
        thousands of them; the legend says how many are not drawn.
    opacity : float, default 0.75
        Fill opacity of significant cells, 0-1.
    popup_columns : sequence of str
        Extra columns shown (escaped) in each cell's popup.
    name : str, optional
        Layer name; None = "Local Moran's I clusters and outliers".
    show : bool, default True
        Whether the layer is on when the map opens.
    m, tiles, outline, title, where, when, synthetic
        Base map settings, see :func:`hotspots.maps.base_map`. Pass
        ``synthetic=True`` for cells of synthetic data.

    Returns
    -------
    folium.Map
        The map with the cluster layer (hover a cell for its class and busiest
        location, click for the numbers), a legend of the classes with cell
        counts and the significance rule, and a layer control.

    Raises
    ------
    SchemaError
        If ``cluster`` is missing or holds a label that is not a class of
        :func:`hotspots.local_moran`.

    Notes
    -----
    Clusters (High-High, Low-Low) are cells like their neighbours; outliers
    (High-Low, Low-High) are cells unlike them: a busy cell among quiet ones is a
    High-Low outlier. Classes use the two-sided permutation p (see
    :func:`hotspots.local_moran` and :doc:`/docs/methods/local-moran`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(
    ...     {"cluster": ["High-High cluster", "Not significant", "High-Low outlier"]},
    ...     geometry=[box(458000 + 250 * i, 304000, 458250 + 250 * i, 304250)
    ...               for i in range(3)], crs=27700)
    >>> m = clusters_map(cells, tiles=None)
    >>> "High-Low outlier (1 cell)" in m.get_root().render()
    True
    """
    require_columns(
        cells,
        ["cluster"],
        "cells",
        "Compute the classes first with hotspots.local_moran(...).",
    )
    classes = cells["cluster"].astype(object).to_numpy()
    unknown = sorted({str(c) for c in classes} - set(CLUSTER_COLOURS))
    if unknown:
        raise SchemaError(
            f"cells['cluster'] must hold the classes of hotspots.local_moran "
            f"({list(CLUSTER_COLOURS)}); found {unknown[:5]}."
        )
    meta = cells.attrs.get("hotspots", {})
    drawn = (
        np.ones(len(classes), dtype=bool)
        if show_not_significant
        else ~np.isin(classes, _QUIET)
    )
    if drawn.any():
        mapped = to_wgs84(cells.loc[drawn], "cells")
    else:  # nothing significant: an empty layer, and the legend says so
        mapped = to_wgs84(cells, "cells").iloc[:0]
    shown = mapped["cluster"].astype(object).tolist()
    value = meta.get("value", "n")
    m = start_map(
        cells,
        m=m,
        tiles=tiles,
        outline=outline,
        default_title="Local Moran's I clusters and outliers",
        title=title,
        where=where,
        when=when,
        synthetic=synthetic,
    )
    styles = [
        {
            "fillColor": CLUSTER_COLOURS[c],
            "color": "#555555",
            "weight": 0.4,
            "opacity": 0.6,
            "stroke": c not in _QUIET,  # outlines of many grey cells read as a mesh
            "fillOpacity": _QUIET_OPACITY if c in _QUIET else opacity,
        }
        for c in shown
    ]
    names = place_names(mapped)
    layer = geojson_layer(
        mapped,
        name=name or "Local Moran's I clusters and outliers",
        styles=styles,
        table=popup_table(
            mapped.assign(cluster=shown),
            [*_POPUP, value, *popup_columns, *_AFTER],
            headings=cell_headings(mapped),
            labels=_LABELS,
        ),
        tooltips=[f"{c}: {n}" if n else c for c, n in zip(shown, names, strict=True)],
        show=show,
    )
    counts = {c: int((classes == c).sum()) for c in CLUSTER_COLOURS}
    entries = [
        LegendEntry(
            colour,
            f"{c} ({_cells_text(counts[c])})",
            opacity=_QUIET_OPACITY if c in _QUIET else opacity,
        )
        for c, colour in CLUSTER_COLOURS.items()
        if counts[c] and (c not in _QUIET or show_not_significant)
    ]
    notes = []
    if not any(counts[c] for c in CLUSTER_COLOURS if c not in _QUIET):
        notes.append("No significant cluster or outlier.")
    for c in _QUIET:
        if counts[c] and not show_not_significant:
            notes.append(f"{_cells_text(counts[c])} {c.lower()}: not drawn.")
    notes += [
        "Cluster: a cell like its neighbours; outlier: a cell unlike them "
        "(High-Low: busy among quiet).",
        _significance_text(meta),
    ]
    size = cell_size_text(cells)
    subtitle = f"Anselin Local Moran's I of {value}"
    neighbours = meta.get("neighbours")
    if isinstance(neighbours, str):
        subtitle += f", {neighbours} neighbours"
    elif neighbours is not None:
        subtitle += f", neighbours within {float(neighbours):,.0f} m"
    legend = Legend(
        "Clusters and outliers",
        entries,
        subtitle=subtitle + (f", {size}" if size else ""),
        notes=notes,
        layer=layer,
    )
    logger.info(
        "Mapped Local Moran's I classes of %d cells (%s).",
        len(mapped),
        ", ".join(f"{counts[c]} {c}" for c in CLUSTER_COLOURS if counts[c]),
    )
    return finish_map(m, [layer], legend)
