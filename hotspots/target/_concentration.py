"""How concentrated crime is: shares held by the top cells, Lorenz curve and Gini.

The "law of crime concentration at place" figure analysts quote (e.g. "5% of places
hold half of the violence") and the Lorenz curve behind it, on the same micro-place
grid :func:`hotspots.select_places` uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._validate import check_projected
from hotspots.find._grid import count_points
from hotspots.target._greedy import place_grid

__all__ = ["Concentration", "concentration", "gini"]

#: Lorenz curve points kept (evenly spaced shares of cells; exact at each point).
_LORENZ_POINTS = 1001
_DEFAULT_TOP_PERCENT = (1.0, 5.0)


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values (0 = even, near 1 = one).

    ``G = Σ_i (2i − n − 1) x_(i) / (n Σ x)`` with ``x`` sorted ascending and
    ``i = 1..n``; one non-zero value among ``n`` gives ``(n − 1)/n``.

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    """
    x = np.sort(np.asarray(values, dtype=float))
    if len(x) == 0 or not np.isfinite(x).all() or (x < 0).any():
        raise ValueError(
            "gini needs one or more finite, non-negative values; got "
            f"{len(x)} value(s) with {int((~np.isfinite(x) | (x < 0)).sum())} bad."
        )
    total = x.sum()
    if total == 0:
        return 0.0
    n = len(x)
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


@dataclass(frozen=True)
class Concentration:
    """Concentration of crime over grid cells.

    Attributes
    ----------
    n_crimes : int
        Crimes counted in the cells.
    n_cells : int
        Cells in the study area (all cells of the grid).
    n_places : int
        Cells holding at least one crime.
    cell_size : float
        Metres.
    gini : float
        Gini coefficient of the counts over all cells; NaN for a single cell.
    gini_places : float
        Gini over the cells holding at least one crime; NaN when all crimes fall
        in one cell.
    top : pandas.DataFrame
        ``top_percent``, ``of`` (``"cells"``: all cells; ``"places"``: cells with
        crime), ``n_units`` (``ceil(percent/100 × units)``) and
        ``share_of_crimes`` held by the busiest ``n_units``.
    lorenz : pandas.DataFrame
        ``cell_share`` (cells ranked from the fewest crimes) and ``crime_share``
        (cumulative share of crimes), at up to 1001 evenly spaced points.
    lorenz_places : pandas.DataFrame
        The same over the cells holding at least one crime.
    caveats : tuple of str
        E.g. fewer crimes than cells (the Gini is then high by construction), a
        single cell or a single cell with crime (a Gini is NaN: "not estimable"),
        or too few units for a top share (rounding up inflates it).
    """

    n_crimes: int
    n_cells: int
    n_places: int
    cell_size: float
    gini: float
    gini_places: float
    top: pd.DataFrame = field(repr=False, compare=False)
    lorenz: pd.DataFrame = field(repr=False, compare=False)
    lorenz_places: pd.DataFrame = field(repr=False, compare=False, default=None)
    caveats: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Return one tidy row: counts, Gini and each top share as a column."""
        row = {
            "n_crimes": self.n_crimes,
            "n_cells": self.n_cells,
            "n_places": self.n_places,
            "cell_size": self.cell_size,
            "gini": self.gini,
            "gini_places": self.gini_places,
        }
        for r in self.top.itertuples():
            row[f"share_top_{r.top_percent:g}pct_{r.of}"] = r.share_of_crimes
        return pd.DataFrame([row])

    def __str__(self) -> str:
        lines = [
            f"{self.n_crimes:,} crimes in {self.n_cells:,} cells of "
            f"{self.cell_size:g} m ({self.n_places:,} with crime); Gini "
            f"{self.gini:.3f} over all cells, {self.gini_places:.3f} over cells "
            "with crime."
        ]
        for r in self.top.itertuples():
            lines.append(
                f"  top {r.top_percent:g}% of {r.of} ({r.n_units:,}) hold "
                f"{100 * r.share_of_crimes:.1f}% of crimes"
            )
        lines += [f"  caveat: {c}" for c in self.caveats]
        return "\n".join(lines)

    def plot(self, ax=None, *, title: str | None = None):
        """Plot the Lorenz curve with the line of equality; return the Axes.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; None makes a new figure.
        title : str, optional
            Plot title; name the data, and say SYNTHETIC DATA when they are.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 5))
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="equal spread")
        ax.plot(
            self.lorenz["cell_share"],
            self.lorenz["crime_share"],
            color="firebrick",
            label=f"all cells (Gini {self.gini:.2f})",
        )
        if self.lorenz_places is not None:
            ax.plot(
                self.lorenz_places["cell_share"],
                self.lorenz_places["crime_share"],
                color="darkorange",
                label=f"cells with crime (Gini {self.gini_places:.2f})",
            )
        ax.set_xlabel("share of cells (fewest crimes first)")
        ax.set_ylabel("cumulative share of crimes")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left")
        ax.set_title(title or "Concentration of crime over cells")
        return ax


def _top_shares(counts: np.ndarray, percents: Sequence[float], of: str):
    ordered = np.sort(counts)[::-1]
    total = ordered.sum()
    rows = []
    for pct in percents:
        k = min(len(ordered), max(1, math.ceil(pct / 100 * len(ordered))))
        share = ordered[:k].sum() / total if total else float("nan")
        rows.append((float(pct), of, k, float(share)))
    return rows


def _few_units_caveats(n_cells: int, n_places: int, top: pd.DataFrame) -> list[str]:
    """Caveats for concentration measured over too few cells to compare."""
    caveats = []
    if n_cells < 2:
        caveats.append(
            "not estimable: the grid has a single cell, and concentration compares "
            "cells, so both Ginis are NaN and every top share is trivially 100%. Use "
            "a smaller cell_size or a larger boundary"
        )
    elif n_places < 2:
        caveats.append(
            "not estimable: every crime falls in one cell, so the Gini over cells "
            "with crime is NaN (there is nothing to compare it with)"
        )
    units = {"cells": n_cells, "places": n_places}
    coarse = top[top["n_units"] / top["of"].map(units) > 2 * top["top_percent"] / 100]
    if n_cells > 1 and len(coarse):
        listed = ", ".join(
            f"top {r.top_percent:g}% of {r.of} = {r.n_units} of {units[r.of]}"
            for r in coarse.itertuples()
        )
        caveats.append(
            f"too few units for some top shares ({listed}): rounding up to whole "
            "cells more than doubles the share of units, so these shares overstate "
            "concentration; count over a larger area or smaller cells"
        )
    return caveats


def _lorenz(counts: np.ndarray) -> pd.DataFrame:
    ordered = np.sort(counts)
    x = np.arange(len(ordered) + 1) / len(ordered)
    y = np.concatenate([[0.0], np.cumsum(ordered)]) / max(ordered.sum(), 1e-300)
    at = np.linspace(0, 1, min(_LORENZ_POINTS, len(x)))
    return pd.DataFrame({"cell_share": at, "crime_share": np.interp(at, x, y)})


def concentration(
    crimes: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    boundary=None,
    top_percent: Sequence[float] = _DEFAULT_TOP_PERCENT,
) -> Concentration:
    """Return how concentrated crimes are over grid cells.

    Parameters
    ----------
    crimes : GeoDataFrame
        Point events, projected CRS in metres.
    grid, cell_size, boundary
        As :func:`hotspots.select_places`: the grid, or square cells of
        ``cell_size`` metres (None = 150 m, logged) inside ``boundary``.
    top_percent : sequence of float, default (1, 5)
        Percentages of cells (and of places with crime) to report shares for.

    Returns
    -------
    Concentration
        Top shares, Lorenz curve, Gini; ``str()`` gives a summary and
        ``.plot(title=...)`` the Lorenz curve.

    Raises
    ------
    CRSError
        If ``crimes`` is not in a projected CRS in metres.
    ValueError
        If ``crimes`` is empty, no crime falls in a cell of the grid, or
        ``top_percent`` holds a value outside (0, 100].

    Notes
    -----
    **Degenerate inputs.** Concentration compares cells: a grid of one cell gives
    NaN for both Ginis, and crimes all in one cell a NaN ``gini_places``, each with
    a caveat starting "not estimable"; a top share whose ``ceil`` rounds up to more
    than twice its percentage of the units is flagged.

    "Cells" are all cells of the grid, so empty ones count (the share of the
    study area); "places" are cells with at least one crime, as in studies that
    count only street segments with crime. The top ``p`` % are the
    ``ceil(p/100 × units)`` busiest. With fewer crimes than cells most cells must
    be empty and the Gini is high by construction (Bernasco & Steenbeek 2017,
    *J. Quant. Criminol.* 33, 451-467); compare Ginis only at equal cell size and
    crime volume.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(
    ...     geometry=[shapely.Point(75, 75)] * 9 + [shapely.Point(1425, 1425)],
    ...     crs=27700)
    >>> c = concentration(pts)
    >>> c.n_cells, float(c.top["share_of_crimes"].iloc[0])
    (100, 0.9)
    """
    check_projected(crimes, "crimes")
    if len(crimes) == 0:
        raise ValueError("crimes is empty: there is nothing to measure.")
    percents = [float(p) for p in top_percent]
    if not percents or any(not 0 < p <= 100 for p in percents):
        raise ValueError(f"top_percent must be percentages in (0, 100]; got {percents}")
    cells = count_points(
        crimes,
        grid=place_grid(crimes, grid=grid, cell_size=cell_size, boundary=boundary),
    )
    counts = cells["n"].to_numpy(dtype=float)
    with_crime = counts[counts > 0]
    if len(with_crime) == 0:
        raise ValueError(
            f"none of the {len(crimes)} crimes falls in a grid cell; check that the "
            "boundary (or grid) covers them."
        )
    rows = _top_shares(counts, percents, "cells") + _top_shares(
        with_crime, percents, "places"
    )
    top = pd.DataFrame(
        rows, columns=["top_percent", "of", "n_units", "share_of_crimes"]
    )
    caveats = []
    if counts.sum() < len(counts):
        caveats.append(
            f"fewer crimes ({int(counts.sum()):,}) than cells ({len(counts):,}): most "
            "cells must be empty, so the Gini over all cells is high by construction"
        )
    caveats += _few_units_caveats(len(counts), len(with_crime), top)
    return Concentration(
        n_crimes=int(counts.sum()),
        n_cells=len(counts),
        n_places=len(with_crime),
        cell_size=float(cells.attrs["hotspots"]["cell_size"]),
        gini=gini(counts) if len(counts) > 1 else math.nan,
        gini_places=gini(with_crime) if len(with_crime) > 1 else math.nan,
        top=top,
        lorenz=_lorenz(counts),
        lorenz_places=_lorenz(with_crime) if len(with_crime) else None,
        caveats=tuple(caveats),
    )
