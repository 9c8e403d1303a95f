"""Kernel density on arrays: the kernels, the exact sum and the fast (FFT) mode.

The array core of :func:`hotspots.kde`: it never looks at coordinate reference
systems or GeoDataFrames (the adapter in ``_kde.py`` does that).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import scipy.fft
from scipy.signal import fftconvolve
from scipy.spatial import cKDTree

__all__ = ["Kernel", "kde_arrays", "kernel_support", "kernel_values"]

Kernel = Literal["quartic", "gaussian"]

#: Gaussian kernel truncated at this many bandwidths in exact mode (tail < 1e-13).
_GAUSSIAN_CUTOFF = 8.0
#: Fast mode bins events on a lattice at most this fraction of the bandwidth apart.
_LATTICE_STEPS_PER_BANDWIDTH = 8
_PAIR_CHUNK = 5_000_000


def kernel_values(d2: np.ndarray, h: float, kernel: Kernel) -> np.ndarray:
    """Kernel value per square metre at squared distance ``d2``."""
    if kernel == "quartic":
        u = 1.0 - d2 / (h * h)
        return np.where(u > 0, 3.0 / (math.pi * h * h) * u * u, 0.0)
    return np.exp(-d2 / (2.0 * h * h)) / (2.0 * math.pi * h * h)


def kernel_support(h: float, kernel: Kernel) -> float:
    """Distance (metres) beyond which the kernel is zero (or negligible)."""
    return h if kernel == "quartic" else _GAUSSIAN_CUTOFF * h


def _exact(px, py, w, cx, cy, h, kernel) -> np.ndarray:
    """Sum kernel contributions of events within the kernel's support, per centre."""
    out = np.zeros(len(cx))
    if len(px) == 0:
        return out
    radius = kernel_support(h, kernel)
    tree = cKDTree(np.column_stack([px, py]))
    centres = np.column_stack([cx, cy])
    # Process centres in blocks sized to keep the pair list bounded in memory.
    density = len(px) / max(1.0, np.ptp(px) * np.ptp(py) + radius * radius)
    block = max(1, int(_PAIR_CHUNK / max(1.0, density * math.pi * radius * radius)))
    for start in range(0, len(cx), block):
        stop = min(len(cx), start + block)
        near = cKDTree(centres[start:stop]).sparse_distance_matrix(
            tree, radius, output_type="ndarray"
        )
        if len(near) == 0:
            continue
        owner, idx = near["i"] + start, near["j"]
        # Recompute squared distances from coordinates (exact, no sqrt round trip).
        d2 = (px[idx] - cx[owner]) ** 2 + (py[idx] - cy[owner]) ** 2
        out += np.bincount(
            owner, weights=w[idx] * kernel_values(d2, h, kernel), minlength=len(cx)
        )
    return out


def _fast(px, py, w, cx, cy, h, kernel, cell_size) -> np.ndarray:
    """Linear binning onto a fine lattice, FFT convolution, bilinear read-out.

    The lattice spacing is ``cell_size / m`` with ``m`` the smallest integer making
    it at most ``h / 8``; the error against the exact sum is O(spacing²) and is
    measured in ``tests/test_kde.py`` and ``benchmarks/bench_kde.py``.
    """
    out = np.zeros(len(cx))
    if len(px) == 0:
        return out
    m = max(1, math.ceil(cell_size * _LATTICE_STEPS_PER_BANDWIDTH / h))
    step = cell_size / m
    radius = kernel_support(h, kernel)
    pad = math.ceil(radius / step) + 2
    # Anchor the lattice on a cell centre, so centres of a square grid fall on
    # lattice nodes and are read without interpolation error.
    x0 = cx.min() - step * (math.ceil(max(0.0, cx.min() - px.min()) / step) + pad)
    y0 = cy.min() - step * (math.ceil(max(0.0, cy.min() - py.min()) / step) + pad)
    nx = math.ceil((max(px.max(), cx.max()) - x0) / step) + pad + 2
    ny = math.ceil((max(py.max(), cy.max()) - y0) / step) + pad + 2
    # Linear (cloud-in-cell) binning: each event spreads its weight over the four
    # surrounding lattice nodes.
    gx, gy = (px - x0) / step, (py - y0) / step
    ix, iy = np.floor(gx).astype(np.int64), np.floor(gy).astype(np.int64)
    fx, fy = gx - ix, gy - iy
    index = np.concatenate(
        [iy * nx + ix, iy * nx + ix + 1, (iy + 1) * nx + ix, (iy + 1) * nx + ix + 1]
    )
    share = np.concatenate(
        [w * (1 - fx) * (1 - fy), w * fx * (1 - fy), w * (1 - fx) * fy, w * fx * fy]
    )
    lattice = np.bincount(index, weights=share, minlength=nx * ny)
    lattice = lattice.reshape(ny, nx)
    k = math.ceil(radius / step)
    offsets = np.arange(-k, k + 1) * step
    kx, ky = np.meshgrid(offsets, offsets)
    stencil = kernel_values(kx**2 + ky**2, h, kernel)
    # Single precision halves the transforms' time; its rounding (~1e-7 of the peak)
    # is far below the binning error documented in kde().
    with scipy.fft.set_workers(-1):  # use every core for the transforms
        smooth = fftconvolve(
            lattice.astype(np.float32), stencil.astype(np.float32), mode="same"
        ).astype(np.float64)
    # Bilinear read-out at the cell centres.
    gx, gy = (cx - x0) / step, (cy - y0) / step
    ix, iy = np.floor(gx + 1e-9).astype(np.int64), np.floor(gy + 1e-9).astype(np.int64)
    fx, fy = np.clip(gx - ix, 0, 1), np.clip(gy - iy, 0, 1)
    out = (
        smooth[iy, ix] * (1 - fx) * (1 - fy)
        + smooth[iy, ix + 1] * fx * (1 - fy)
        + smooth[iy + 1, ix] * (1 - fx) * fy
        + smooth[iy + 1, ix + 1] * fx * fy
    )
    return np.maximum(out, 0.0)  # FFT round-off can give tiny negatives


def kde_arrays(
    px: np.ndarray,
    py: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    *,
    bandwidth: float,
    kernel: Kernel = "quartic",
    weights: np.ndarray | None = None,
    method: Literal["exact", "fast"] = "exact",
    cell_size: float | None = None,
) -> np.ndarray:
    """Kernel density (events per m²) of events (px, py) at centres (cx, cy).

    ``method="fast"`` needs ``cell_size`` (the spacing the centres lie on).
    """
    px, py = np.asarray(px, float), np.asarray(py, float)
    w = np.ones_like(px) if weights is None else np.asarray(weights, float)
    if method == "exact":
        return _exact(
            px, py, w, np.asarray(cx, float), np.asarray(cy, float), bandwidth, kernel
        )
    if cell_size is None:
        raise ValueError("method='fast' needs cell_size (metres).")
    return _fast(
        px,
        py,
        w,
        np.asarray(cx, float),
        np.asarray(cy, float),
        bandwidth,
        kernel,
        cell_size,
    )
