"""Esri's 17 emerging hot spot patterns: the rules, vectorised over cells.

Method: :doc:`/docs/methods/emerging`. :func:`hotspots.emerging` applies them to
each cell's significant steps and trend.
"""

from __future__ import annotations

import numpy as np

from hotspots.find._mann_kendall import TRENDS

__all__ = ["EMERGING_PATTERNS"]

#: Esri's categories, hot then cold, in the order of their rules, then no pattern.
EMERGING_PATTERNS: tuple[str, ...] = (
    *(
        f"{kind} {side} spot"
        for side in ("hot", "cold")
        for kind in (
            "new",
            "consecutive",
            "intensifying",
            "persistent",
            "diminishing",
            "sporadic",
            "oscillating",
            "historical",
        )
    ),
    "no pattern detected",
)
# Rule numbers (index into EMERGING_PATTERNS; add _COLD for the cold version).
_NEW, _CONSECUTIVE, _INTENSIFYING, _PERSISTENT = 0, 1, 2, 3
_DIMINISHING, _SPORADIC, _OSCILLATING, _HISTORICAL = 4, 5, 6, 7
_COLD = 8
_NO_PATTERN = 16
#: Esri's "ninety percent of the time-step intervals".
_MOSTLY_SHARE = 0.9


def _side_codes(
    this: np.ndarray, other: np.ndarray, trend: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hot-spot rules on ``this`` (bool, cells × steps) with ``other`` the opposite.

    ``trend`` is +1 when the clustering grows stronger in the direction of
    ``this``. Returns (mostly, final, code when mostly, code when final only).
    """
    n_steps = this.shape[1]
    n_this = this.sum(axis=1)
    final = this[:, -1]
    final_run = np.cumprod(this[:, ::-1], axis=1).sum(axis=1)
    mostly = n_this >= _MOSTLY_SHARE * n_steps - 1e-9
    mostly_code = np.select(
        [final & (trend > 0), final & (trend < 0), trend == 0],
        [_INTENSIFYING, _DIMINISHING, _PERSISTENT],
        _HISTORICAL,
    )
    one_run = n_this == final_run
    final_code = np.select(
        [one_run & (final_run == 1), one_run, ~other.any(axis=1)],
        [_NEW, _CONSECUTIVE, _SPORADIC],
        _OSCILLATING,
    )
    return mostly, final, mostly_code, final_code


def _classify_patterns(significant: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Pattern code (index into :data:`EMERGING_PATTERNS`) for each row.

    ``significant``: cells × steps of −1/0/+1; ``trend``: −1/0/+1 per cell
    (significant Mann-Kendall trend of the z-series).
    """
    significant = np.atleast_2d(significant)
    hot, cold = significant > 0, significant < 0
    trend = np.asarray(trend)
    h_mostly, h_final, h_mostly_code, h_final_code = _side_codes(hot, cold, trend)
    c_mostly, c_final, c_mostly_code, c_final_code = _side_codes(cold, hot, -trend)
    return np.select(
        [h_mostly, c_mostly, h_final, c_final],
        [h_mostly_code, c_mostly_code + _COLD, h_final_code, c_final_code + _COLD],
        _NO_PATTERN,
    )


def _classify_series(significant, trend: str) -> str:
    """Pattern of one location: ``significant`` per step (−1/0/+1) and its trend."""
    code = np.array([TRENDS.index(trend) - 1])
    return EMERGING_PATTERNS[
        int(_classify_patterns(np.asarray([significant]), code)[0])
    ]
