"""One call for the usual hotspot map: counts, kernel density and Gi* on one grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from hotspots.find._gistar import gistar
from hotspots.find._grid import Shape, count_points
from hotspots.find._kde import Kernel, kde
from hotspots.find._weights import Neighbours
from hotspots.quality import (
    ArtefactAction,
    QualityReport,
    check_data,
    describe_places,
    handle_artefacts,
    warn_flagged,
)

__all__ = ["find_hotspots"]


def find_hotspots(
    points: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    weights: str | None = None,
    bandwidth: float | None = None,
    kernel: Kernel = "quartic",
    neighbours: Neighbours = "queen",
    permutations: int = 0,
    fdr: bool = True,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
    artefacts: ArtefactAction = "flag",
    quality: QualityReport | None = None,
) -> gpd.GeoDataFrame:
    """Return grid cells with counts, kernel density and Gi* hot/cold classes.

    Runs :func:`hotspots.count_points`, :func:`hotspots.kde` and
    :func:`hotspots.gistar` (on the counts, or on the weighted counts with
    ``weights``) on one grid, so the three can be compared cell by cell.

    Parameters
    ----------
    points : GeoDataFrame
        Point events in a projected CRS in metres.
    cell_size, shape, boundary
        Grid settings (see :func:`hotspots.make_grid`); None = automatic cell size.
    weights : str, optional
        Column of event weights (e.g. harm); Gi* then tests ``weighted_n``.
    bandwidth, kernel
        Kernel density settings (see :func:`hotspots.kde`); None = automatic.
    neighbours, permutations, fdr, rng, progress
        Gi* settings (see :func:`hotspots.gistar`).
    artefacts : {"flag", "exclude", "downweight", "off"}, default "flag"
        What to do with crimes at map points the data-quality checks flag as
        likely recording artefacts (:func:`hotspots.quality.check_data`): "flag"
        keeps them, names them in the hot cells' ``quality_flag`` and warns when
        a hot cell holds them; "exclude" leaves them out; "downweight" brings each
        flagged point down to its neighbourhood baseline; "off" skips the checks.
    quality : QualityReport, optional
        Checks already run on these points; None = run them here.

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``row``, ``col``, ``geometry``, ``n`` (and ``weighted_n``),
        ``kde`` (events per km²), ``gi_z``, ``p_value`` (and ``p_sim``,
        ``p_sim_two_sided`` with permutations), ``p_fdr``, ``gi_bin``,
        ``hotspot_class``, then for hot cells (``gi_bin > 0``) the names an analyst
        recognises them by (:func:`hotspots.quality.describe_places`:
        ``top_locations``, ``busiest_point_share``, ``lsoa_name``,
        ``quality_flag``, ``flagged_share``; empty for other cells).
        ``attrs["hotspots"]`` merges the choices of all three and records
        ``artefacts`` and the flagged points.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 5000, (500, 2)), rng.normal(2500, 80, (80, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = find_hotspots(pts, cell_size=250, bandwidth=500, progress=False)
    >>> cells.loc[cells["kde"].idxmax(), "gi_bin"] > 0
    np.True_
    """
    report = quality
    if report is None and artefacts != "off":
        report = check_data(points)
    used, artefact_weight, record = (
        handle_artefacts(points, report, artefacts, verb="find_hotspots")
        if report is not None
        else (points, None, {"artefacts": artefacts})
    )
    if artefact_weight is not None and weights:
        used = used.assign(_weight=used[weights] * used[artefact_weight])
        weights = "_weight"
    elif artefact_weight is not None:
        weights = artefact_weight
    counted = count_points(
        used, cell_size=cell_size, shape=shape, boundary=boundary, weights=weights
    )
    dense = kde(used, grid=counted, bandwidth=bandwidth, kernel=kernel, weights=weights)
    cells = counted.assign(kde=dense["kde"].to_numpy())
    cells.attrs = {"hotspots": {**counted.attrs["hotspots"], **dense.attrs["hotspots"]}}
    result = gistar(
        cells,
        value="weighted_n" if weights else "n",
        neighbours=neighbours,
        permutations=permutations,
        fdr=fdr,
        rng=rng,
        progress=progress,
    )
    meta = {**result.attrs["hotspots"], **record}
    hot = np.flatnonzero(result["gi_bin"].to_numpy() > 0)
    result = describe_places(result, points, report=report, rows=hot)
    result.attrs["hotspots"] = meta
    if artefacts == "flag":
        warn_flagged(result.iloc[hot], "hot cells", verb="find_hotspots")
    return result
