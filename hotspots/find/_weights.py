"""Spatial weights as sparse matrices, self-weight included (the "star" in Gi*).

Grids from :func:`hotspots.make_grid` get contiguity straight from their ``row`` and
``col`` numbers (no geometry operations); other polygons (e.g. LSOAs) go through
libpysal's contiguity builder; distance bands use a k-d tree on cell centres.
"""

from __future__ import annotations

import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from hotspots.exceptions import HotspotsWarning

__all__ = ["Neighbours", "check_neighbours", "spatial_weights"]

Neighbours = Literal["queen", "rook"] | float

_SQUARE_OFFSETS = {
    "rook": [(-1, 0), (1, 0), (0, -1), (0, 1)],
    "queen": [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)],
}
# Pointy-topped hexagons, odd rows shifted right: neighbours depend on row parity.
_HEX_OFFSETS = {
    0: [(0, -1), (0, 1), (-1, -1), (-1, 0), (1, -1), (1, 0)],
    1: [(0, -1), (0, 1), (-1, 0), (-1, 1), (1, 0), (1, 1)],
}


def _from_pairs(n: int, i: np.ndarray, j: np.ndarray) -> sp.csr_matrix:
    rows = np.concatenate([np.arange(n), i])
    cols = np.concatenate([np.arange(n), j])
    # Pairs are unique by construction, so COO -> CSR needs no de-duplication.
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _grid_contiguity(cells: gpd.GeoDataFrame, kind: str, shape: str) -> sp.csr_matrix:
    row = cells["row"].to_numpy(dtype=np.int64)
    col = cells["col"].to_numpy(dtype=np.int64)
    n = len(cells)
    r0, c0 = row.min() - 1, col.min() - 1
    nr, nc = row.max() - r0 + 2, col.max() - c0 + 2
    index = np.full((nr, nc), -1, dtype=np.int64)
    index[row - r0, col - c0] = np.arange(n)
    pairs_i, pairs_j = [], []
    groups: dict[object, tuple[np.ndarray, list[tuple[int, int]]]]
    if shape == "square":
        groups = {None: (np.arange(n), _SQUARE_OFFSETS[kind])}
    else:
        parity = row % 2
        groups = {p: (np.flatnonzero(parity == p), _HEX_OFFSETS[p]) for p in (0, 1)}
    for members, offsets in groups.values():
        for dr, dc in offsets:
            j = index[row[members] - r0 + dr, col[members] - c0 + dc]
            ok = j >= 0
            pairs_i.append(members[ok])
            pairs_j.append(j[ok])
    return _from_pairs(n, np.concatenate(pairs_i), np.concatenate(pairs_j))


def _distance_band(cells: gpd.GeoDataFrame, distance: float) -> sp.csr_matrix:
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    tree = cKDTree(centres)
    pairs = tree.query_pairs(distance * (1 + 1e-9), output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return _from_pairs(len(cells), i, j)


def _polygon_contiguity(cells: gpd.GeoDataFrame, kind: str) -> sp.csr_matrix:
    from libpysal.graph import Graph

    graph = Graph.build_contiguity(cells.reset_index(drop=True), rook=(kind == "rook"))
    adj = graph.adjacency.reset_index()
    adj = adj[(adj["weight"] > 0) & (adj["focal"] != adj["neighbor"])]
    return _from_pairs(
        len(cells), adj["focal"].to_numpy(np.int64), adj["neighbor"].to_numpy(np.int64)
    )


def spatial_weights(cells: gpd.GeoDataFrame, neighbours: Neighbours) -> sp.csr_matrix:
    """Binary spatial weights with ``w_ii = 1``, as a CSR matrix (cells in order).

    Parameters
    ----------
    cells : GeoDataFrame
        Grid cells from :func:`hotspots.make_grid` (contiguity from ``row``/``col``)
        or any polygons (contiguity from shared edges/corners via libpysal).
    neighbours : "queen", "rook" or float
        Queen (shared edge or corner) or rook (shared edge) contiguity; a number is a
        distance band in metres between cell centres. For hexagons queen and rook
        are the same six neighbours.
    """
    if isinstance(neighbours, str):
        if neighbours not in ("queen", "rook"):
            raise ValueError(
                f"neighbours must be 'queen', 'rook' or a distance in metres; "
                f"got {neighbours!r}"
            )
        meta = cells.attrs.get("hotspots", {})
        if {"row", "col"} <= set(cells.columns) and meta.get("shape") in (
            "square",
            "hex",
        ):
            return _grid_contiguity(cells, neighbours, meta["shape"])
        return _polygon_contiguity(cells, neighbours)
    distance = float(neighbours)
    if not np.isfinite(distance) or distance <= 0:
        raise ValueError(f"neighbours distance must be > 0 metres; got {neighbours!r}")
    return _distance_band(cells, distance)


def _band_reaching_every_cell(cells: gpd.GeoDataFrame) -> float:
    """Smallest distance band (m, rounded up) that gives every cell a neighbour."""
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    distance, _ = cKDTree(centres).query(centres, k=2)
    return float(np.ceil(distance[:, 1].max()))


def check_neighbours(
    cells: gpd.GeoDataFrame, w: sp.csr_matrix, neighbours: Neighbours
) -> np.ndarray:
    """Return a mask of the cells Gi* cannot test; warn, or refuse if none is left.

    A cell cannot be tested when it has no neighbour (an island: its Gi* would only
    restate its own standardised value) or when every other cell is its neighbour
    (its neighbourhood is the whole study area, so the statistic is 0/0).

    Raises
    ------
    ValueError
        If no cell can be tested; the message gives the distance band that would
        reach every cell.

    Warns
    -----
    HotspotsWarning
        If some cells cannot be tested, with their number and what to do.
    """
    n = len(cells)
    off = np.diff(w.tocsr().indptr) - (w.diagonal() != 0)
    islands, whole = off == 0, off >= n - 1
    if not (islands.any() or whole.any()):
        return islands
    band = _band_reaching_every_cell(cells) if n > 1 else float("nan")
    is_band = not isinstance(neighbours, str)
    setting = f"neighbours={neighbours!r}" + (" m" if is_band else "")
    if islands.all():
        fix = (
            f"{setting} is shorter than the spacing between cell centres: use "
            f"neighbours={band:g} (metres, the shortest band that reaches a "
            "neighbour of every cell) or 'queen'."
            if is_band
            else "the cells do not touch: use a distance band, e.g. "
            f"neighbours={band:g}."
        )
        raise ValueError(
            f"no cell has a neighbour with {setting}, so Gi* has nothing to compare "
            f"any cell with (every z would just restate the cell's own value). {fix}"
        )
    if whole.all():
        raise ValueError(
            f"with {setting} every cell neighbours every other, so each "
            "neighbourhood is the whole study area and Gi* is undefined (0/0). Use "
            "a shorter band or 'queen'."
        )
    parts = []
    if islands.any():
        labels = [str(v) for v in cells.index[islands][:5]]
        advice = (
            f"A band of at least {band:g} m gives every cell a neighbour."
            if is_band
            else f"Give them neighbours with a distance band (neighbours={band:g} "
            "reaches every cell) or report them separately."
        )
        parts.append(
            f"{int(islands.sum())} of {n} cells have no neighbour with {setting} "
            f"(islands, e.g. rows {labels}). {advice}"
        )
    if whole.any():
        parts.append(
            f"{int(whole.sum())} of {n} cells have every other cell as a neighbour "
            "(their neighbourhood is the whole study area): use a shorter band."
        )
    warnings.warn(
        " ".join(parts) + " These cells are not testable: they get no z-score or "
        "p-value and the class 'not testable', with and without permutations.",
        HotspotsWarning,
        stacklevel=3,
    )
    return islands | whole
