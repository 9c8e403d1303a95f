"""Conditional-permutation pseudo p-values of Gi* (esda's ``p_sim``), vectorised.

One shared set of random draws, each cell's own value held fixed, as esda's
``crand``, but with numpy rather than numba.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["permutation_p"]

_CHUNK_ENTRIES = 4_000_000  # gathered values per permutation chunk (memory bound)


def _draws(
    rng: np.random.Generator, permutations: int, n_other: int, width: int
) -> np.ndarray:
    """``width`` distinct indices from ``0..n_other-1`` per permutation (rows).

    Drawn with replacement, then rows with a repeat drawn again until none has one
    (esda's scheme; fast while width is small next to n_other). When repeats would
    be common (a wide distance band), each row is a slice of a random permutation
    instead, so the loop cannot run for ever.
    """
    if width * (width - 1) <= 4 * n_other:
        draws = rng.integers(0, n_other, size=(permutations, width))
        repeated = (np.diff(np.sort(draws, axis=1), axis=1) == 0).any(axis=1)
        while repeated.any():
            draws[repeated] = rng.integers(
                0, n_other, size=(int(repeated.sum()), width)
            )
            repeated = (np.diff(np.sort(draws, axis=1), axis=1) == 0).any(axis=1)
        return draws
    rows = max(1, _CHUNK_ENTRIES // n_other)
    parts = [
        rng.permuted(
            np.tile(np.arange(n_other), (min(rows, permutations - i), 1)), axis=1
        )[:, :width]
        for i in range(0, permutations, rows)
    ]
    return np.vstack(parts)


def permutation_p(
    x: np.ndarray,
    w: sp.csr_matrix,
    permutations: int,
    rng: np.random.Generator,
    progress: bool,
) -> np.ndarray:
    """Folded one-sided conditional-permutation pseudo p-values (esda's ``p_sim``).

    For each cell its own value is held fixed and its k neighbours' values are
    replaced by k values drawn without replacement from the other n − 1 cells; the
    draws are shared by all cells (as in esda's ``crand``). ``larger`` counts
    permuted weighted sums at least as large as observed, folded to the smaller tail:
    ``p = (larger + 1) / (permutations + 1)``. Cells with no neighbour, or with
    every other cell as a neighbour, have nothing to permute: their p is NaN.
    """
    from tqdm.auto import tqdm  # imported here: only permutations show progress

    n = len(x)
    w = w.tocsr()
    diag = w.diagonal()
    off = w - sp.diags(diag)
    off.eliminate_zeros()
    k = np.diff(off.indptr)
    k[(k == 0) | (k >= n - 1)] = 0  # nothing to permute: p stays NaN
    kmax = int(k.max()) if n else 0
    observed = w @ x
    # Shared draws: for each permutation, kmax distinct indices from 0..n-2 (without
    # replacement, like esda's).
    width = max(kmax, 1)
    if n - 1 < width:
        raise ValueError(f"a cell has {kmax} neighbours but there are only {n} cells.")
    draws = _draws(rng, permutations, n - 1, width)
    larger = np.zeros(n)
    cells_by_k = [np.flatnonzero(k == kk) for kk in range(1, kmax + 1)]
    total = sum(len(c) for c in cells_by_k)
    bar = tqdm(total=total, desc="Gi* permutations", disable=not progress, unit="cell")
    for kk, cells in enumerate(cells_by_k, start=1):
        if len(cells) == 0:
            continue
        chunk = max(1, _CHUNK_ENTRIES // (permutations * kk))
        base = draws[:, :kk]
        for start in range(0, len(cells), chunk):
            ids = cells[start : start + chunk]
            # neighbour weights of each cell, in CSR order: shape (c, kk)
            ptr = off.indptr[ids][:, None] + np.arange(kk)[None, :]
            weights = off.data[ptr]
            idx = base[None, :, :] + (base[None, :, :] >= ids[:, None, None])
            sims = np.einsum("cpk,ck->cp", x[idx], weights)
            sims += (diag[ids] * x[ids])[:, None]
            larger[ids] = (sims >= observed[ids, None] - 1e-12).sum(axis=1)
            bar.update(len(ids))
    bar.close()
    folded = np.minimum(larger, permutations - larger)
    p = (folded + 1) / (permutations + 1)
    p[k == 0] = np.nan
    return p
