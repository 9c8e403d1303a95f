"""The result of :func:`hotspots.forces.funnel`: limits, table, plot and words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hotspots.forces import _funnel_limits as lim
from hotspots.forces._funnel_input import unknown_units_message
from hotspots.forces._funnel_text import describe, sentence_for

__all__ = ["Funnel"]


@dataclass(frozen=True)
class Funnel:
    """A funnel plot's statistics: limits, z-scores and each force's position.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per force, ranked (rank 1 first). Columns: the unit, count and
        population columns (the names passed to :func:`funnel`), ``rate`` (per
        ``per`` residents), ``expected`` (theta x population, events), ``z``
        (Poisson z-score ``(O - E) / sqrt(E)``), ``z_adjusted`` (the z-score with
        the overdispersion allowed for: ``z / sqrt(phi)`` or ``(y - theta) /
        sqrt(theta/n + tau²)``; equal to ``z`` when no adjustment is applied),
        ``low_<level>``/``high_<level>`` for each level (``low_95``, ``high_95``,
        ``low_998``, ``high_998``; per ``per``, at that force's population),
        ``position`` (``"above 99.8% limit"``, ``"above 95% limit"``, ``"within
        limits"``, ``"below 95% limit"``, ``"below 99.8% limit"``; a rate on a
        limit is within it) and ``rank`` (1 = highest rate; ties share the best
        rank). ``table.attrs["hotspots"]`` records the settings.
    theta : float
        Target rate, per ``per`` residents.
    phi : float
        Overdispersion factor estimated from the winsorised z-scores (always
        estimated; applied only with ``overdispersion="multiplicative"`` and
        ``phi > 1``).
    tau2 : float
        Additive between-force variance of the true rates, in (per ``per``)²
        (always estimated; applied only with ``overdispersion="additive"``).
        ``sqrt(tau2)`` is the spread of true rates between forces, per ``per``.
    overdispersion : {"additive", "multiplicative"} or None
        The adjustment asked for.
    per : float
        Rates are per this many residents.
    levels : tuple of float
        Control levels, ascending.
    highlight : str or None
        The force drawn distinctly by :meth:`plot`.
    adjusted : bool
        True when the limits were widened for overdispersion.
    dispersion_p : float
        p-value of ``I phi`` against chi-squared on ``I - 1`` degrees of freedom
        (small = overdispersed; conservative after winsorising).
    """

    table: pd.DataFrame = field(repr=False, compare=False)
    theta: float
    phi: float
    tau2: float
    overdispersion: Literal["additive", "multiplicative"] | None
    per: float
    levels: tuple[float, ...]
    highlight: str | None = None
    adjusted: bool = False
    dispersion_p: float = math.nan
    exact: bool | Literal["auto"] = "auto"
    winsorise: float = 0.1
    target_auto: bool = True
    unit: str = "force"
    count: str = "count"
    population: str = "population"
    measure: str = "offences"

    def limits(self, populations: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Return the control limits at the given populations.

        Parameters
        ----------
        populations : array-like of float
            Residents (> 0).

        Returns
        -------
        pandas.DataFrame
            ``population`` and ``low_<level>``/``high_<level>`` for each level,
            per ``per`` residents, computed as for the forces (same exact rule and
            overdispersion).
        """
        n = np.atleast_1d(np.asarray(populations, dtype=float))
        if n.size == 0 or not np.all(np.isfinite(n) & (n > 0)):
            raise ValueError("populations must be one or more numbers > 0")
        out = pd.DataFrame({"population": n})
        for level in self.levels:
            low, high = rate_limits(self, n, level)
            name = lim.level_name(level)
            out[f"low_{name}"] = low * self.per
            out[f"high_{name}"] = high * self.per
        return out

    def plot(
        self,
        ax=None,
        *,
        highlight: str | None = None,
        title: str | None = None,
        label_outliers: bool = True,
        log_x: bool | None = None,
    ):
        """Draw rates against population with the control limits.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; None = a new figure.
        highlight : str, optional
            A force drawn with a black ring and labelled; None = ``self.highlight``.
        title : str, optional
            None = "Funnel plot: <measure> per <per> residents".
        label_outliers : bool, default True
            Name the forces outside the widest limits (the 10 most extreme).
        log_x : bool, optional
            Populations on a log axis; None = automatic (log when the largest
            population is more than 20 times the smallest; logged).

        Returns
        -------
        matplotlib Axes

        Raises
        ------
        ValueError
            If ``highlight`` is not one of the forces.
        """
        from hotspots.forces._funnel_plot import plot_funnel

        return plot_funnel(
            self,
            ax,
            highlight=highlight,
            title=title,
            label_outliers=label_outliers,
            log_x=log_x,
        )

    def to_html(self, path: str | Path, *, title: str | None = None) -> Path:
        """Write the plot (inline SVG) and the ranked table as one HTML file.

        The page needs no other file and runs no script; force names and titles
        are HTML-escaped.

        Parameters
        ----------
        path : str or Path
            The file to write (replaced atomically; folders are created).
        title : str, optional
            Page and plot title; None = "Funnel plot: <measure> per <per>
            residents".

        Returns
        -------
        Path
            ``path``.
        """
        from hotspots.forces._funnel_plot import write_funnel_html

        return write_funnel_html(self, path, title=title)

    def sentence(self, unit: str) -> str:
        """Return one force's rate, rank and position in one sentence.

        The rule: ``"{force}: {rate} {measure} per {per} residents, rank {rank}
        of {forces}; {where}{allowance} (z = {z_adjusted})."`` where ``where`` is
        "within the 95% limits", "above the upper 95% limit but within the 99.8%
        limits", "above the upper 99.8% limit" (or "below the lower ..."), and
        ``allowance`` says whether the limits allow for overdispersion. Rates have
        two decimals (three significant figures below 1).

        Raises
        ------
        ValueError
            If ``unit`` is not one of the forces.

        Examples
        --------
        >>> import pandas as pd
        >>> from hotspots.forces import funnel
        >>> t = pd.DataFrame({"force": ["A", "B", "C"], "count": [90, 110, 100],
        ...                   "population": [10_000, 10_000, 10_000]})
        >>> funnel(t, overdispersion=None).sentence("A")
        'A: 9.00 offences per 1,000 residents, rank 3 of 3; within the 95% limits, with no allowance for overdispersion (z = -1.00).'
        """  # noqa: E501
        rows = self.table[self.table[self.unit] == str(unit)]
        if rows.empty:
            raise ValueError(
                f"{unit!r} is not in the funnel; unknown: "
                f"{unknown_units_message([unit], self.table[self.unit])}"
            )
        return sentence_for(self, rows.iloc[0])

    def __str__(self) -> str:
        return describe(self)


def rate_limits(result: Funnel, n: np.ndarray, level: float):
    """Limits per resident at populations ``n`` for one level."""
    theta = result.theta / result.per
    if result.adjusted and result.overdispersion == "multiplicative":
        _, high = lim.normal_limits(theta, n, level)
        half = (high - theta) * math.sqrt(result.phi)  # variance phi * theta / n
        low, high = theta - half, theta + half
    elif result.adjusted:
        low, high = lim.normal_limits(theta, n, level, result.tau2 / result.per**2)
    else:
        low, high = lim.normal_limits(theta, n, level)
        exact_mask = np.full(n.shape, bool(result.exact))
        if result.exact == "auto":
            exact_mask = theta * n < lim.EXACT_BELOW
        if exact_mask.any():
            e_low, e_high = lim.exact_poisson_limits(theta, n[exact_mask], level)
            low[exact_mask], high[exact_mask] = e_low, e_high
    return np.maximum(low, 0.0), high
