"""Hexagon geometry for the grid: pointy-topped cells in rows offset by half a cell."""

import numpy as np
import shapely

_SQRT3 = np.sqrt(3.0)


def hex_row_height(size: float) -> float:
    """Distance between hexagon rows, in metres, for flat-to-flat width ``size``."""
    return size * _SQRT3 / 2.0


def hexagons(cx: np.ndarray, cy: np.ndarray, size: float) -> np.ndarray:
    """Pointy-topped hexagons with flat-to-flat width ``size`` centred on (cx, cy)."""
    radius = size / _SQRT3  # centre to vertex
    angles = np.deg2rad(np.arange(6) * 60.0 + 30.0)
    xs = cx[:, None] + radius * np.cos(angles)[None, :]
    ys = cy[:, None] + radius * np.sin(angles)[None, :]
    ring = np.stack([xs, ys], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return shapely.polygons(ring)


def hex_row_col(x, y, size, x0, y0):
    """Row and column of the nearest hexagon centre, among the two nearest rows."""
    height = hex_row_height(size)
    base = np.floor((y - y0) / height)
    best = np.full(x.shape, np.inf)
    row = np.zeros_like(x)
    col = np.zeros_like(x)
    for offset in (0.0, 1.0):
        r = base + offset
        shift = 0.5 * np.mod(r, 2)
        c = np.round((x - x0) / size - shift)
        d2 = (x - (x0 + size * (c + shift))) ** 2 + (y - (y0 + r * height)) ** 2
        better = d2 < best
        best = np.where(better, d2, best)
        row = np.where(better, r, row)
        col = np.where(better, c, col)
    return row, col
