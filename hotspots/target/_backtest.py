"""Rolling-origin backtest: which hotspot method best predicts the next month.

For each origin month, every method ranks the cells of one grid on the past
``train_months`` of crimes, the top cells are taken as predicted places (kept apart
as :func:`hotspots.select_places` does), and hit rate, PAI, PEI and RRI are measured
on the next ``test_months``. Crimes are assigned to cells once, and kernel densities
are computed once per month and summed over windows, so a two-year force sample runs
in seconds.
"""

from __future__ import annotations

import logging
import math
import numbers
import re
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from hotspots._validate import as_rng, check_projected
from hotspots.exceptions import HotspotsWarning
from hotspots.find._gistar import gistar_arrays
from hotspots.find._grid import assign_cells
from hotspots.find._kde_arrays import kernel_values
from hotspots.find._weights import spatial_weights
from hotspots.quality import gap_months
from hotspots.target._accuracy import hit_rate, max_capture, pai, pei, rri
from hotspots.target._greedy import greedy_select, place_grid
from hotspots.target._pei_star import pei_star
from hotspots.target._select import DEFAULT_N_PLACES

__all__ = ["DEFAULT_METHODS", "METRICS", "backtest"]

logger = logging.getLogger(__name__)

#: Methods compared when none are given: counts, KDE at three bandwidths (metres),
#: Gi* z of the counts, and a random choice of cells (the floor, PAI ≈ 1).
DEFAULT_METHODS: tuple[str, ...] = (
    "count",
    "kde_150",
    "kde_300",
    "kde_600",
    "gistar",
    "random",
)
_KDE = re.compile(r"^kde_(\d+(?:\.\d+)?)$")
#: The measures a backtest reports per origin and method.
METRICS = ("hit_rate", "pai", "pei", "pei_star", "rri")


def _parse_methods(methods: Sequence[str]) -> dict[str, float | None]:
    parsed: dict[str, float | None] = {}
    for name in methods:
        match = _KDE.match(name)
        if match and float(match.group(1)) > 0:
            parsed[name] = float(match.group(1))
        elif name in ("count", "last_month", "gistar", "random"):
            parsed[name] = None
        else:
            raise ValueError(
                f"unknown method {name!r}; use 'count', 'last_month', 'gistar', "
                "'random' or 'kde_<bandwidth in metres>' (e.g. 'kde_300')."
            )
    if not parsed:
        raise ValueError("methods is empty; e.g. methods=('count', 'random').")
    return parsed


def _sizes(n_places, area_share, n_cells: int) -> list[int]:
    if n_places is not None and area_share is not None:
        raise ValueError("give n_places or area_share, not both.")
    if area_share is not None:
        one = isinstance(area_share, numbers.Real)
        shares = [float(s) for s in ([area_share] if one else area_share)]
        if not shares or any(not 0 < s <= 1 for s in shares):
            raise ValueError(f"area_share must be in (0, 1]; got {shares}")
        return sorted({max(1, round(s * n_cells)) for s in shares})
    wanted = DEFAULT_N_PLACES if n_places is None else n_places
    counts = [wanted] if isinstance(wanted, int | np.integer) else list(wanted)
    if not counts or any(
        not isinstance(k, numbers.Integral) or not 1 <= int(k) <= n_cells
        for k in counts
    ):
        raise ValueError(
            f"n_places must be whole numbers in 1..{n_cells}; got {counts}"
        )
    return sorted({int(k) for k in counts})


def _origins(origins, months: pd.PeriodIndex, train: int, test: int) -> list:
    first, last = months[0] + train, months[-1] - (test - 1)
    if first > last:
        raise ValueError(
            f"the crimes span {len(months)} months ({months[0]}..{months[-1]}); a "
            f"backtest needs more than train_months + test_months - 1 = "
            f"{train + test - 1}. Use shorter windows or more data."
        )
    if origins is None:
        return list(pd.period_range(first, last, freq="M"))
    chosen = [pd.Period(o, freq="M") for o in origins]
    bad = [str(o) for o in chosen if not first <= o <= last]
    if bad:
        raise ValueError(
            f"origins {bad} have too little data; the first test month must be in "
            f"{first}..{last} for train_months={train}, test_months={test}."
        )
    return chosen


def backtest(
    crimes: gpd.GeoDataFrame,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    train_months: int = 12,
    test_months: int = 1,
    n_places: int | Sequence[int] | None = None,
    area_share: float | Sequence[float] | None = None,
    origins: Sequence[str] | None = None,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    boundary=None,
    min_separation: float = 0.0,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Compare hotspot methods by rolling-origin forecasts of the next month(s).

    Parameters
    ----------
    crimes : GeoDataFrame
        Point events with a monthly ``month`` column (as from
        :func:`hotspots.read_policeuk`), projected CRS in metres.
    methods : sequence of str, default :data:`DEFAULT_METHODS`
        ``"count"`` (crimes per cell over the training window), ``"last_month"``
        (its last month only), ``"kde_<h>"`` (quartic kernel density, bandwidth
        ``h`` metres, e.g. ``"kde_300"``), ``"gistar"`` (Gi* z of the counts, queen
        neighbours) and ``"random"`` (cells drawn at random: the floor).
    train_months, test_months : int, default 12 and 1
        Window lengths in months.
    n_places : int or sequence of int, optional
        Cells to predict; several give a PAI curve. Default 18.
    area_share : float or sequence of float, optional
        Instead of ``n_places``: the share of the study area's cells to predict.
    origins : sequence of str, optional
        First test months (``"YYYY-MM"``); None = every month with a full
        training window before it and a full test window from it.
    grid, cell_size, boundary
        As :func:`hotspots.select_places` (default square cells of 150 m); the grid's
        cells are the study area ``A`` and candidates.
    min_separation : float, default 0
        Metres between predicted cell centres (the :func:`select_places` rule); 0
        takes the top cells, as forecasting studies do.
    rng : int, Generator or None
        Seed for the ``"random"`` method.
    progress : bool, default True
        Show a progress bar over origins.

    Returns
    -------
    pandas.DataFrame
        One row per origin, method and size: ``origin`` (first test month,
        ``YYYY-MM``), ``method``, ``n_places``, ``area_share``, ``hit_rate``,
        ``pai``, ``pei``, ``pei_star``, ``rri``, ``n``, ``n_total``, ``n_star``,
        ``n_fit``, ``n_total_fit``. ``attrs["hotspots"]`` records the settings and
        ``synthetic`` (True when the crimes are labelled SYNTHETIC). Summarise
        with :func:`backtest_summary`; plot with :func:`plot_backtest`.

    Notes
    -----
    Each method gives every cell a score from the training window only; the
    predicted cells are the top scores (ties by ``cell_id``; cells scoring zero
    never predicted). Metrics as :func:`hotspots.accuracy`, counted by cell:
    ``N`` and ``N1`` are the crimes in the grid in the test and training
    windows, ``n*`` the test crimes in the busiest cells of the same number. Every
    cell counts as one unit of area, so ``pei_star`` (NIJ 2017) equals ``pei`` here.
    Crimes outside the grid's cells are ignored.

    Examples
    --------
    >>> from hotspots import backtest_summary
    >>> from hotspots.demo import load_lsoa, load_real_sample
    >>> crimes = load_real_sample().crimes
    >>> results = backtest(crimes, methods=("count", "random"), boundary=load_lsoa(),
    ...                    rng=1, progress=False)
    >>> backtest_summary(results)["method"].tolist()
    ['count', 'random']
    """
    from tqdm.auto import tqdm

    check_projected(crimes, "crimes")
    if "month" not in crimes.columns:
        raise ValueError(
            "crimes need a 'month' column (as from hotspots.read_policeuk); columns: "
            f"{list(crimes.columns)}."
        )
    for value, name in ((train_months, "train_months"), (test_months, "test_months")):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    parsed = _parse_methods(methods)
    grid = place_grid(crimes, grid=grid, cell_size=cell_size, boundary=boundary)
    sizes = _sizes(n_places, area_share, len(grid))
    period = pd.to_datetime(crimes["month"]).dt.to_period("M")
    months = pd.period_range(period.min(), period.max(), freq="M")
    chosen_origins = _origins(origins, months, int(train_months), int(test_months))
    missing = {pd.Period(m, freq="M") for m in gap_months(crimes["month"])}
    if missing:
        kept = [
            o
            for o in chosen_origins
            if not any(
                o - int(train_months) <= m <= o + int(test_months) - 1 for m in missing
            )
        ]
        warnings.warn(
            f"no crimes at all in {', '.join(sorted(str(m) for m in missing))}: a "
            "missing month, not zero crime. Origins whose training or test months "
            f"include it are dropped ({len(chosen_origins) - len(kept)} of "
            f"{len(chosen_origins)}).",
            HotspotsWarning,
            stacklevel=2,
        )
        if not kept:
            raise ValueError(
                "every origin's training or test months include a missing month; "
                "use shorter windows (train_months=) or a span without the gap."
            )
        chosen_origins = kept
    x, y = crimes.geometry.x.to_numpy(), crimes.geometry.y.to_numpy()
    cell = assign_cells(grid, x, y)
    month = (
        (period.dt.year - months[0].year) * 12 + period.dt.month - months[0].month
    ).to_numpy()
    inside = cell >= 0
    n_cells, n_months = len(grid), len(months)
    # Crimes per month and cell: rows months, columns cells.
    monthly = np.zeros((n_months, n_cells))
    np.add.at(monthly, (month[inside], cell[inside]), 1.0)
    centres = grid.geometry.centroid
    cx, cy = centres.x.to_numpy(), centres.y.to_numpy()
    bandwidths = {name: h for name, h in parsed.items() if h is not None}
    surfaces = _monthly_kde(x, y, month, n_months, cx, cy, bandwidths)
    weights = spatial_weights(grid, "queen") if "gistar" in parsed else None
    generator = as_rng(rng)
    rows = []
    for origin in tqdm(chosen_origins, desc="Backtest origins", disable=not progress):
        start = (origin - months[0]).n
        fit = monthly[start - train_months : start].sum(axis=0)
        test = monthly[start : start + test_months].sum(axis=0)
        for name in parsed:
            if name == "count":
                score = fit
            elif name == "last_month":
                score = monthly[start - 1]
            elif name == "gistar":
                score = gistar_arrays(fit, weights)
            elif name == "random":
                score = 1.0 - generator.random(n_cells)  # in (0, 1]: all eligible
            else:
                score = surfaces[name][start - train_months : start].sum(axis=0)
            for k in sizes:
                picked = greedy_select(
                    score, cx, cy, n_places=k, min_separation=min_separation
                )
                rows.append(_row(str(origin), name, picked, fit, test, n_cells))
    results = pd.DataFrame(rows)
    results.attrs["hotspots"] = {
        **grid.attrs.get("hotspots", {}),
        "methods": list(parsed),
        "train_months": int(train_months),
        "test_months": int(test_months),
        "n_places": sizes,
        "min_separation": float(min_separation),
        "n_origins": len(chosen_origins),
        "n_crimes_outside_grid": int((~inside).sum()),
        "synthetic": _is_synthetic(crimes),
    }
    return results


def _monthly_kde(x, y, month, n_months, cx, cy, bandwidths) -> dict:
    """Quartic kernel density at cell centres, per month (events per m²).

    Exact, as the exact mode of :func:`hotspots.kde`: crimes are grouped by location
    (police.uk snap points repeat), each location's kernel weights on the centres
    within one bandwidth are computed once, and each month's surface is the sparse
    product of its location counts and those weights.
    """
    if not bandwidths:
        return {}
    locations, where = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    by_month = sp.csr_matrix(
        (np.ones(len(x)), (month, where.ravel())), shape=(n_months, len(locations))
    )
    loc_tree, centre_tree = cKDTree(locations), cKDTree(np.column_stack([cx, cy]))
    surfaces = {}
    for name, h in bandwidths.items():
        near = loc_tree.sparse_distance_matrix(centre_tree, h, output_type="ndarray")
        i, j = near["i"], near["j"]
        d2 = (locations[i, 0] - cx[j]) ** 2 + (locations[i, 1] - cy[j]) ** 2
        weights = sp.csr_matrix(
            (kernel_values(d2, h, "quartic"), (i, j)), shape=(len(locations), len(cx))
        )
        surfaces[name] = (by_month @ weights).toarray()
    return surfaces


def _row(origin, method, picked, fit, test, n_cells) -> dict:
    k = len(picked)
    n, n_total = float(test[picked].sum()), float(test.sum())
    n_fit, n_total_fit = float(fit[picked].sum()), float(fit.sum())
    n_star = max_capture(test, k)
    nan = math.nan
    return {
        "origin": origin,
        "method": method,
        "n_places": k,
        "area_share": k / n_cells,
        "hit_rate": hit_rate(n, n_total) if k else nan,
        "pai": pai(n, n_total, k, n_cells) if k else nan,
        "pei": pei(n, n_star) if k else nan,
        "pei_star": pei_star(test, picked) if k else nan,
        "rri": rri(n, n_total, n_fit, n_total_fit) if k else nan,
        "n": int(n),
        "n_total": int(n_total),
        "n_star": n_star,
        "n_fit": int(n_fit),
        "n_total_fit": int(n_total_fit),
    }


def _is_synthetic(crimes) -> bool:
    if "context" not in crimes.columns:
        return False
    return bool(crimes["context"].astype(str).str.contains("SYNTHETIC").any())
