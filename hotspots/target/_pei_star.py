"""PEI*: the efficiency score of the NIJ Real-Time Crime Forecasting Challenge (2017).

:func:`pei_star` divides the crimes a forecast's cells caught by the most that any
forecast of the same number of cells could have caught. Definition and sources in
:doc:`/docs/methods/accuracy`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["pei_star"]


def _cell_counts(cell_counts) -> np.ndarray:
    counts = np.asarray(cell_counts, dtype=float)
    if counts.ndim != 1:
        raise ValueError(
            f"cell_counts must be one count per cell, shape (n_cells,); got shape "
            f"{counts.shape}. Flatten a raster with .ravel() (and its mask with it)."
        )
    bad = ~np.isfinite(counts) | (counts < 0)
    if bad.any():
        raise ValueError(
            f"cell_counts must be counts >= 0; cells "
            f"{np.flatnonzero(bad)[:5].tolist()} hold {counts[bad][:5].tolist()}."
        )
    return counts


def _flagged_cells(flagged, n_cells: int) -> np.ndarray:
    chosen = np.asarray(flagged)
    if chosen.dtype == bool:
        if chosen.shape != (n_cells,):
            raise ValueError(
                f"a boolean flagged needs one value per cell, shape ({n_cells},); got "
                f"shape {chosen.shape}."
            )
        return np.flatnonzero(chosen)
    if chosen.size == 0:
        return chosen.astype(int).ravel()
    if chosen.ndim != 1 or not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError(
            "flagged must be a boolean mask over the cells or integer cell positions "
            f"(0 to {n_cells - 1}); got {chosen.dtype} of shape {chosen.shape}."
        )
    outside = (chosen < 0) | (chosen >= n_cells)
    if outside.any():
        raise ValueError(
            f"flagged positions {chosen[outside][:5].tolist()} are not cells: give "
            f"positions 0 to {n_cells - 1} into cell_counts."
        )
    unique, seen = np.unique(chosen, return_counts=True)
    if (seen > 1).any():
        raise ValueError(
            f"flagged lists cells {unique[seen > 1][:5].tolist()} more than once; a "
            "forecast is a set of cells. Drop the repeats (np.unique)."
        )
    return chosen


def pei_star(cell_counts, flagged) -> float:
    """Return PEI* ``= n / n*``: crimes caught over the most ``k`` cells could catch.

    Parameters
    ----------
    cell_counts : array-like of float, shape (n_cells,)
        Crimes in each cell in the test period (counts >= 0; weights such as harm
        scores also work). Include every cell of the study area.
    flagged : array-like of bool, shape (n_cells,), or of int, shape (k,)
        The forecast: a mask over the cells, or the positions of the ``k``
        flagged cells in ``cell_counts`` (each at most once).

    Returns
    -------
    float
        From 0 to 1; 1 means no set of ``k`` cells held more crime. NaN when the
        study area had no crime (``n* = 0``).

    Raises
    ------
    ValueError
        If a count is negative or not finite, ``flagged`` names no cell, a cell
        outside ``cell_counts`` or a cell twice, or the shapes do not match.

    Notes
    -----
    The efficiency score of the NIJ Real-Time Crime Forecasting Challenge (2017),
    discussed by White, Hunt & Green (2023): ``PEI* = PAI / PAI*``, where ``PAI*``
    is the PAI of the ``k`` cells that held most crime in the test period. With
    ``n`` the test crimes in the flagged cells, ``N`` the total and ``a/A`` the
    same in both, this is ``n / n*`` with ``n*`` the sum of the ``k`` largest
    cell counts. Ties do not matter: whichever of two equal cells is taken, the
    sum is the same. PEI* counts cells, not area: on cells of one size it equals
    :func:`hotspots.pei`; on cells of different sizes (clipped edges, street segments)
    ``n*`` is still the best ``k`` cells, whatever their area.

    Examples
    --------
    >>> counts = [5, 0, 2, 7, 1, 3, 0, 4, 2]  # a 3 x 3 grid, row by row
    >>> pei_star(counts, [0, 2, 4])  # caught 5 + 2 + 1; best 3 cells: 7 + 5 + 4
    0.5
    """
    counts = _cell_counts(cell_counts)
    cells = _flagged_cells(flagged, len(counts))
    if cells.size == 0:
        raise ValueError(
            "flagged selects no cells: PEI* needs a forecast of at least one cell."
        )
    n = float(counts[cells].sum())
    best = float(np.sort(counts)[::-1][: cells.size].sum())
    return n / best if best > 0 else math.nan
