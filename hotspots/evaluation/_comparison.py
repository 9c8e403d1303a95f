"""Choose comparison places matched on pre-period level and trend."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from hotspots._validate import check_positive, check_projected
from hotspots.evaluation._panel import check_panel
from hotspots.exceptions import CRSError

__all__ = ["Matched", "candidate_places", "choose_comparisons"]

logger = logging.getLogger(__name__)

#: Default candidate cell size in metres (micro-places, as the patrol places).
CANDIDATE_CELL_SIZE = 150.0
#: Absolute standardised difference above which balance is flagged as poor.
POOR_BALANCE = 0.25


@dataclass(frozen=True)
class Matched:
    """Comparison places matched to treated places, with a balance table.

    Attributes
    ----------
    pairs : DataFrame
        One row per match: ``treated_id``, ``comparison_id``, ``distance``
        (Euclidean, in pool standard deviations of level and trend).
    comparison_ids : tuple of str
        The chosen comparison places, in match order.
    balance : DataFrame
        Index ``level`` (mean monthly count over ``pre_months``) and ``trend``
        (OLS slope, crimes per month per month); columns ``treated_mean``,
        ``comparison_mean``, ``pool_mean`` and ``std_diff`` (treated minus
        comparison mean over the pooled SD of the two groups).
    panel : DataFrame
        Rows of the input panel for the treated and the chosen comparison
        places, ready for :func:`did`.
    caveats : tuple of str
        Poor balance (``|std_diff| > 0.25``) or a thin pool.
    """

    pairs: pd.DataFrame
    comparison_ids: tuple[str, ...]
    balance: pd.DataFrame
    panel: pd.DataFrame = field(repr=False)
    caveats: tuple[str, ...] = ()


def candidate_places(
    crimes: gpd.GeoDataFrame,
    exclude: gpd.GeoDataFrame | None = None,
    *,
    cell_size: float = CANDIDATE_CELL_SIZE,
    months: Sequence | None = None,
    min_count: int = 1,
) -> gpd.GeoDataFrame:
    """Return square cells holding crimes, outside the areas to exclude.

    Parameters
    ----------
    crimes : GeoDataFrame
        Points in a projected CRS (metres) with a ``month`` column.
    exclude : GeoDataFrame, optional
        Areas no candidate may touch: the treated places and their rings (see
        :func:`rings`), so comparison places are neither treated nor in the
        displacement zone.
    cell_size : float, default 150
        Cell side in metres. Cells are aligned to the CRS origin (0, 0), as the
        police.uk-style patrol places are, and named ``E{x0}N{y0}`` after their
        south-west corner.
    months : sequence of dates or "YYYY-MM" strings, optional
        Count only crimes in these months (e.g. the selection year). None = all.
    min_count : int, default 1
        Keep cells with at least this many crimes in ``months``.

    Returns
    -------
    GeoDataFrame
        Columns ``place_id``, ``n`` (crimes in ``months``), ``x``, ``y`` (cell
        centre) and ``geometry``, sorted by ``n`` descending then ``place_id``.

    Raises
    ------
    CRSError
        If a frame is not in metres or the two use different CRSs.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> from hotspots.evaluation import candidate_places
    >>> crimes = gpd.GeoDataFrame({"month": pd.to_datetime(["2024-01-01"] * 3)},
    ...     geometry=[Point(10, 10), Point(20, 20), Point(400, 10)], crs=27700)
    >>> candidate_places(crimes)[["place_id", "n"]].to_numpy().tolist()
    [['E0N0', 2], ['E300N0', 1]]
    """
    check_projected(crimes, name="crimes")
    size = check_positive(cell_size, "cell_size")
    points = crimes
    if months is not None:
        wanted = pd.DatetimeIndex(pd.to_datetime(list(months))).to_period("M")
        points = crimes[crimes["month"].dt.to_period("M").isin(wanted)]
    x0 = np.floor(points.geometry.x.to_numpy() / size) * size
    y0 = np.floor(points.geometry.y.to_numpy() / size) * size
    cells = (
        pd.DataFrame({"x0": x0, "y0": y0})
        .groupby(["x0", "y0"])
        .size()
        .rename("n")
        .reset_index()
    )
    cells = cells[cells["n"] >= min_count]
    out = gpd.GeoDataFrame(
        {
            "place_id": [
                f"E{x:.0f}N{y:.0f}"
                for x, y in zip(cells["x0"], cells["y0"], strict=True)
            ],
            "n": cells["n"].to_numpy(np.int64),
            "x": cells["x0"].to_numpy() + size / 2,
            "y": cells["y0"].to_numpy() + size / 2,
        },
        geometry=[
            box(x, y, x + size, y + size)
            for x, y in zip(cells["x0"], cells["y0"], strict=True)
        ],
        crs=crimes.crs,
    )
    if exclude is not None and len(exclude):
        check_projected(exclude, name="exclude")
        if exclude.crs != crimes.crs:
            raise CRSError(
                f"crimes ({crimes.crs.to_string()}) and exclude "
                f"({exclude.crs.to_string()}) use different CRSs. Reproject one "
                "with to_crs()."
            )
        hit = out.geometry.intersects(
            exclude.geometry.union_all()
        ) & ~out.geometry.touches(exclude.geometry.union_all())
        logger.info(
            "Dropped %d candidate cells touching excluded areas.", int(hit.sum())
        )
        out = out[~hit.to_numpy()]
    return out.sort_values(["n", "place_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def _features(data: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Mean monthly count and OLS slope per place over the given rows."""
    months = np.sort(data["month"].unique())
    t = np.searchsorted(months, data["month"].to_numpy()).astype(float)
    frame = pd.DataFrame(
        {"id": data[id_column].to_numpy(), "t": t, "y": data["count"].to_numpy(float)}
    )
    frame["tc"] = frame["t"] - frame.groupby("id")["t"].transform("mean")
    frame["yc"] = frame["y"] - frame.groupby("id")["y"].transform("mean")
    grouped = frame.assign(txy=frame["tc"] * frame["yc"], tt=frame["tc"] ** 2).groupby(
        "id"
    )
    level = grouped["y"].mean()
    sums = grouped[["txy", "tt"]].sum()
    trend = sums["txy"] / sums["tt"].where(sums["tt"] > 0)
    return pd.DataFrame({"level": level, "trend": trend.fillna(0.0)})


def _std_diff(a: pd.Series, b: pd.Series) -> float:
    pooled = (
        np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
        if len(a) > 1 and len(b) > 1
        else np.nan
    )
    return float((a.mean() - b.mean()) / pooled) if pooled and pooled > 0 else np.nan


def choose_comparisons(
    panel: pd.DataFrame,
    *,
    pre_months: Sequence,
    k: int = 1,
    id_column: str = "place_id",
) -> Matched:
    """Match each treated place to ``k`` untreated places on pre-period level and trend.

    Parameters
    ----------
    panel : DataFrame
        Place x month counts (:func:`panel`) with a boolean ``treated``. The
        untreated places are the eligible pool; build it from
        :func:`candidate_places` so that it excludes the treated places' rings.
    pre_months : sequence of dates or "YYYY-MM" strings
        Months to match on, normally the selection period that chose the
        treated places (so regression to the mean affects both groups alike).
    k : int, default 1
        Comparison places per treated place.
    id_column : str, default "place_id"
        Column naming each place.

    Returns
    -------
    Matched
        ``pairs``, ``comparison_ids``, ``balance`` (treated vs comparison means
        of level and trend, standardised differences), ``panel`` (treated and
        chosen rows) and ``caveats``.

    Raises
    ------
    ValueError
        If ``k`` < 1, a pre-period month is absent, or the pool has fewer than
        ``k`` x (treated places) places.

    Notes
    -----
    Greedy nearest-neighbour matching without replacement on the level and
    slope standardised by the pool's standard deviations, treated places taken
    in order of decreasing level (the hardest to match first).

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.evaluation import choose_comparisons
    >>> rows = [(p, m, n, p == "T") for p, ns in
    ...         {"T": [9, 10], "A": [8, 9], "B": [1, 1]}.items()
    ...         for m, n in zip(["2023-01", "2023-02"], ns)]
    >>> data = pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])
    >>> choose_comparisons(data, pre_months=["2023-01", "2023-02"]).comparison_ids
    ('A',)
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an integer >= 1; got {k!r}")
    data = check_panel(panel, id_column=id_column)
    wanted = (
        pd.DatetimeIndex(pd.to_datetime(list(pre_months))).to_period("M").to_timestamp()
    )
    missing = sorted(set(wanted) - set(data["month"]))
    if missing:
        raise ValueError(
            "pre_months not in the panel: "
            f"{[m.strftime('%Y-%m') for m in missing][:5]}. "
            "Build the panel over the selection period too."
        )
    features = _features(data[data["month"].isin(wanted)], id_column)
    treated_ids = data.loc[data["treated"], id_column].unique()
    pool_ids = data.loc[~data["treated"], id_column].unique()
    if len(pool_ids) < k * len(treated_ids):
        raise ValueError(
            f"the pool has {len(pool_ids)} untreated places, fewer than k={k} x "
            f"{len(treated_ids)} treated; lower k or widen the pool (candidate_places)."
        )
    pool = features.loc[pool_ids]
    scale = pool.std(ddof=1).replace(0, 1.0).fillna(1.0)
    z_pool = (pool / scale).to_numpy()
    treated = features.loc[treated_ids].sort_values("level", ascending=False)
    z_treated = (treated / scale).to_numpy()
    used = np.zeros(len(pool), dtype=bool)
    pairs = []
    for i, tid in enumerate(treated.index):
        dist = np.sqrt(((z_pool - z_treated[i]) ** 2).sum(axis=1))
        dist[used] = np.inf
        for j in np.argsort(dist, kind="stable")[:k]:
            used[j] = True
            pairs.append((tid, pool.index[j], float(dist[j])))
    pair_frame = pd.DataFrame(
        pairs, columns=["treated_id", "comparison_id", "distance"]
    )
    chosen = tuple(pair_frame["comparison_id"].tolist())
    comp = features.loc[list(chosen)]
    balance = pd.DataFrame(
        {
            "treated_mean": treated.mean(),
            "comparison_mean": comp.mean(),
            "pool_mean": pool.mean(),
            "std_diff": [_std_diff(treated[c], comp[c]) for c in ("level", "trend")],
        }
    )
    caveats = [
        f"poor balance on {name}: standardised difference {row.std_diff:.2f} "
        f"(|d| > {POOR_BALANCE})"
        for name, row in balance.iterrows()
        if abs(row.std_diff) > POOR_BALANCE
    ]
    logger.info(
        "Matched %d treated places to %d comparison places (k=%d); std diffs: "
        "level %.2f, trend %.2f.",
        len(treated_ids),
        len(chosen),
        k,
        balance.loc["level", "std_diff"],
        balance.loc["trend", "std_diff"],
    )
    keep = data[id_column].isin(set(treated_ids) | set(chosen))
    subset = pd.DataFrame(panel).loc[keep.to_numpy()].reset_index(drop=True)
    return Matched(pair_frame, chosen, balance, subset, tuple(caveats))
