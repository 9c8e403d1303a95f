"""The result of :func:`hotspots.evidence.meta_analysis`: :class:`MetaAnalysis`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from hotspots.evaluation._effect import Effect
from hotspots.evidence._pool import METHODS

__all__ = ["STUDY_TABLE", "MetaAnalysis", "change_words"]

#: Columns of :attr:`MetaAnalysis.studies`.
STUDY_TABLE = (
    "label",
    "log_res",
    "se_log_res",
    "res",
    "res_ci_low",
    "res_ci_high",
    "weight_fixed",
    "weight_random",
)


def change_words(percent: float) -> str:
    """Say a percentage change in treated relative to comparison in words."""
    if round(percent) == 0:
        return "crime no different from comparison"
    side = "lower" if percent < 0 else "higher"
    return f"crime {abs(percent):.0f}% {side} than comparison"


@dataclass(frozen=True, eq=False)
class MetaAnalysis:
    """A pooled relative effect size with heterogeneity, weights and caveats.

    All ``res*`` numbers are on the relative effect size scale (RES > 1 = crime
    fell relative to the comparison); ``log_res``, ``se_log_res`` and ``tau2``
    are on the log scale.

    Attributes
    ----------
    method : str
        ``"DL"`` (DerSimonian-Laird) or ``"PM"`` (Paule-Mandel) for tau².
    k : int
        Studies pooled.
    res, ci_low, ci_high : float
        Random-effects pooled RES and its ``ci_level`` interval.
    log_res, se_log_res : float
        The same on the log scale, with its standard error.
    fixed_res, fixed_ci_low, fixed_ci_high : float
        Fixed-effect (inverse variance) RES and interval.
    q, q_df, q_p : float, int, float
        Cochran's Q, its degrees of freedom (k - 1) and chi-squared p-value.
    tau2, i2, h2 : float
        Between-study variance, I² (share, 0 to 1) and H² = Q/df.
    pi_low, pi_high : float
        Prediction interval for the RES of a new study (NaN for k < 3).
    percent_change : float
        ``(1/res - 1) * 100``: change in treated places relative to comparison
        (negative = fewer crimes).
    effect : Effect
        The pooled estimate as an :class:`~hotspots.Effect`.
    studies : DataFrame
        One row per pooled study (:data:`STUDY_TABLE` columns, weights in
        percent), plus the input's other columns.
    excluded : DataFrame
        Rows not pooled: ``label`` and ``reason``.
    subgroups : DataFrame or None
        With ``by=``: one row per level (``k``, ``res``, ``ci_low``,
        ``ci_high``, ``tau2``, ``i2``, ``q``).
    q_between, q_between_df, q_between_p : float
        Fixed-effect test of differences between subgroups (NaN without ``by``).
    caveats : tuple of str
        What a reader needs to know before using the numbers.
    """

    method: str
    k: int
    res: float
    ci_low: float
    ci_high: float
    log_res: float
    se_log_res: float
    fixed_res: float
    fixed_ci_low: float
    fixed_ci_high: float
    q: float
    q_df: int
    q_p: float
    tau2: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    percent_change: float
    effect: Effect
    studies: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    caveats: tuple[str, ...] = ()
    ci_level: float = 0.95
    by: str | None = None
    subgroups: pd.DataFrame | None = field(default=None, repr=False)
    q_between: float = math.nan
    q_between_df: int = 0
    q_between_p: float = math.nan

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: k, pooled and fixed-effect RES, heterogeneity, PI."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "k": self.k,
                    "res": self.res,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "ci_level": self.ci_level,
                    "percent_change": self.percent_change,
                    "fixed_res": self.fixed_res,
                    "fixed_ci_low": self.fixed_ci_low,
                    "fixed_ci_high": self.fixed_ci_high,
                    "q": self.q,
                    "q_df": self.q_df,
                    "q_p": self.q_p,
                    "tau2": self.tau2,
                    "i2": self.i2,
                    "h2": self.h2,
                    "pi_low": self.pi_low,
                    "pi_high": self.pi_high,
                    "n_excluded": len(self.excluded),
                    "n_caveats": len(self.caveats),
                }
            ]
        )

    def __str__(self) -> str:
        level = f"{self.ci_level:.0%}"
        head = (
            f"Random-effects meta-analysis ({METHODS[self.method]}), k = {self.k}: "
            f"RES {self.res:.2f} ({level} CI {self.ci_low:.2f} to {self.ci_high:.2f}); "
            f"{change_words(self.percent_change)}."
        )
        lines = [
            head,
            f"  Fixed effect: RES {self.fixed_res:.2f} ({self.fixed_ci_low:.2f} to "
            f"{self.fixed_ci_high:.2f}).",
        ]
        if self.q_df > 0:
            lines.append(
                f"  Heterogeneity: Q = {self.q:.2f} (df {self.q_df}, "
                f"p = {self.q_p:.3g}), tau² = {self.tau2:.4f}, I² = {self.i2:.0%}."
            )
        if math.isfinite(self.pi_low):
            lines.append(
                f"  Prediction interval: {self.pi_low:.2f} to {self.pi_high:.2f}."
            )
        if self.subgroups is not None and self.q_between_df == 0:
            lines.append(f"  Subgroups by {self.by}: one level only, no test.")
        elif self.subgroups is not None:
            lines.append(
                f"  Subgroups by {self.by}: Q_between = {self.q_between:.2f} "
                f"(df {self.q_between_df}, p = {self.q_between_p:.3g})."
            )
        if len(self.excluded):
            lines.append(f"  {len(self.excluded)} row(s) not pooled (see .excluded).")
        lines.extend(f"- {c}" for c in self.caveats)
        return "\n".join(lines)
