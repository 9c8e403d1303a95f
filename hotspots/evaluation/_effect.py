"""The result type shared by every evaluation function: :class:`Effect`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["Effect"]

#: Columns of :meth:`Effect.to_frame`, in order.
FRAME_COLUMNS = (
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "p_value",
    "method",
    "n_treated",
    "n_comparison",
    "interpretation",
    "n_caveats",
    "caveats",
)


def _fmt(value: float) -> str:
    """Format a number with three significant-ish digits for ``__str__``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 0.01 and value != 0 else f"{value:.2f}"


@dataclass(frozen=True)
class Effect:
    """One estimated effect with its confidence interval, method and caveats.

    Every evaluation function in :mod:`hotspots.evaluation` (``did``,
    ``relative_effect_size``, ``wdq``, ``randomisation_test`` ...) returns this
    type, so results can be printed, compared and stacked into one table.

    Parameters
    ----------
    measure : str
        What ``estimate`` measures, e.g. ``"incidence rate ratio"``, ``"WDQ"``.
    estimate : float
        The point estimate, on the scale named by ``measure``.
    ci_low, ci_high : float
        Bounds of the confidence interval; ``nan`` when the method has no
        variance estimate (the WDQ), in which case a caveat says so.
    ci_level : float, default 0.95
        Coverage of the interval.
    p_value : float or None, default None
        Two-sided p-value for "no effect", where the method gives one.
    method : str, default ""
        How the estimate was made, e.g. ``"DiD, negative binomial GLM,
        cluster-robust SE by place"``.
    n_treated, n_comparison : int or None
        Numbers of treated and comparison units (places) behind the estimate.
    caveats : tuple of str, default ()
        Warnings produced by the code (failed pre-trend test, few treated units,
        short series ...). A reader should see these next to the estimate.
    interpretation : str, default ""
        A plain-words reading of the estimate, e.g. ``"some diffusion of
        benefits"``.
    details : mapping of str to float, default {}
        Further named numbers behind the estimate (e.g. the WDQ's success and
        buffer measures, the DiD's log coefficient and standard error). Stored
        read-only.
    model : object, default None
        The fitted statsmodels result, if any (not compared, not shown in repr).

    Examples
    --------
    >>> from hotspots.evaluation import Effect
    >>> e = Effect("incidence rate ratio", 0.78, 0.64, 0.95, p_value=0.014,
    ...            method="DiD, Poisson GLM", caveats=("only 6 pre-period months",))
    >>> print(e)
    incidence rate ratio 0.78 (95% CI 0.64 to 0.95), p=0.014; 1 caveat
      DiD, Poisson GLM
      - only 6 pre-period months
    >>> e.to_frame()[["measure", "estimate", "ci_low", "ci_high"]]
                    measure  estimate  ci_low  ci_high
    0  incidence rate ratio      0.78    0.64     0.95
    """

    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    ci_level: float = 0.95
    p_value: float | None = None
    method: str = ""
    n_treated: int | None = None
    n_comparison: int | None = None
    caveats: tuple[str, ...] = ()
    interpretation: str = ""
    details: Mapping[str, float] = field(default_factory=dict, hash=False)
    model: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.measure, str) or not self.measure:
            raise ValueError(
                f"measure must be a non-empty string; got {self.measure!r}"
            )
        if not 0 < self.ci_level < 1:
            raise ValueError(f"ci_level must be in (0, 1); got {self.ci_level!r}")
        if self.p_value is not None and not (
            math.isnan(self.p_value) or 0 <= self.p_value <= 1
        ):
            raise ValueError(f"p_value must be in [0, 1] or None; got {self.p_value!r}")
        if isinstance(self.caveats, str):
            raise TypeError(
                "caveats must be a tuple of strings, not one string; wrap it: "
                f"caveats=({self.caveats!r},)"
            )
        object.__setattr__(self, "caveats", tuple(self.caveats))
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))
        for name in ("estimate", "ci_low", "ci_high"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def has_ci(self) -> bool:
        """True when both interval bounds are finite numbers."""
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)

    def to_frame(self) -> pd.DataFrame:
        """Return the effect as one tidy row (columns :data:`FRAME_COLUMNS`).

        ``caveats`` are joined with ``"; "``; ``details`` are not included (read
        them from the attribute). Frames from several effects stack with
        :func:`pandas.concat`.
        """
        row = {
            "measure": self.measure,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_level": self.ci_level,
            "p_value": math.nan if self.p_value is None else float(self.p_value),
            "method": self.method,
            "n_treated": self.n_treated,
            "n_comparison": self.n_comparison,
            "interpretation": self.interpretation,
            "n_caveats": len(self.caveats),
            "caveats": "; ".join(self.caveats),
        }
        frame = pd.DataFrame([row], columns=list(FRAME_COLUMNS))
        for col in ("n_treated", "n_comparison"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def __str__(self) -> str:
        level = f"{self.ci_level * 100:g}%"
        ci = (
            f"{level} CI {_fmt(self.ci_low)} to {_fmt(self.ci_high)}"
            if self.has_ci
            else "no CI"
        )
        head = f"{self.measure} {_fmt(self.estimate)} ({ci})"
        if self.p_value is not None and not math.isnan(self.p_value):
            head += f", p={self.p_value:.2g}" if self.p_value >= 0.001 else ", p<0.001"
        n = len(self.caveats)
        head += f"; {n} caveat{'s' if n != 1 else ''}"
        lines = [head]
        if self.interpretation:
            lines.append(f"  {self.interpretation}")
        if self.method:
            lines.append(f"  {self.method}")
        lines.extend(f"  - {c}" for c in self.caveats)
        return "\n".join(lines)
