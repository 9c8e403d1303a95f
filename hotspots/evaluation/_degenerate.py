"""Degenerate inputs of the effect estimators: what cannot be estimated, and why.

One rule for :func:`did`, :func:`relative_effect_size`, :func:`randomisation_test`,
:func:`its`, the naive before/after comparison and the cost functions:

* **a wrong input raises** (``ValueError`` or ``SchemaError``) with what to do:
  negative or missing counts, no treated or no comparison places, no months before
  or after the start, an unknown option;
* **valid data that carry no information on the effect give an Effect whose
  estimate and/or interval are NaN**, with a caveat starting ``"not estimable:"``
  that says why and what to do: a zero cell in the 2 x 2 table of crimes
  (treated/comparison x before/after), which drives a count model's rate ratio to 0
  or infinity (complete separation); a fit that runs off to infinity on a subtler
  pattern (quasi-separation) or does not converge; no variation left for a standard
  error. Such an Effect flows through :func:`hotspots.evaluation.judge` as "not
  shown" and never prints as a confident number.

The helpers never let a numpy or statsmodels warning, an ``OverflowError`` or a
``ZeroDivisionError`` reach the caller.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np

from hotspots.evaluation._effect import Effect
from hotspots.exceptions import HotspotsWarning

__all__ = [
    "MIN_FITTED_MEAN",
    "NOT_ESTIMABLE",
    "fit_problem",
    "nan_effect",
    "ratio_interval",
    "recorded_warnings",
    "zero_cell_caveat",
    "zero_cells",
]

#: Every caveat that explains a NaN estimate or interval starts with this.
NOT_ESTIMABLE = "not estimable"
#: A fitted mean below this (crimes per place-month) means the fit ran off to
#: infinity: at a maximum-likelihood estimate that exists every mean is well above it.
MIN_FITTED_MEAN = 1e-6
#: Largest |log ratio| whose exponential is a usable number (exp(700) ~ 1e304).
_MAX_LOG = 700.0
#: A standard error at or below this share of max(1, |beta|) is taken to be zero.
_ZERO_SE = 1e-8

#: Words for the cells of the 2 x 2 table of crimes, keyed as in :func:`zero_cells`.
_CELL_WORDS = {
    "treated_before": "the treated places had no crimes before the start",
    "treated_after": "the treated places had no crimes from the start on",
    "comparison_before": "the comparison places had no crimes before the start",
    "comparison_after": "the comparison places had no crimes from the start on",
}


def zero_cells(table: Mapping[str, float]) -> list[str]:
    """Keys of the 2 x 2 table of crimes that hold no crimes, in table order."""
    return [key for key, value in table.items() if not value > 0]


def zero_cell_caveat(cells: list[str]) -> str:
    """Return the plain-words caveat for a 2 x 2 table of crimes with zero cells."""
    what = "; ".join(_CELL_WORDS.get(c, c) for c in cells)
    return (
        f"{NOT_ESTIMABLE}: {what}. With a zero in the 2 x 2 table of crimes "
        "(treated/comparison x before/after) the rate ratio's best estimate is 0 or "
        "infinite and has no interval (complete separation in a count model), so "
        "no number is given. Report the counts themselves (in details), or widen "
        "the places or lengthen the period before estimating an effect"
    )


def nan_effect(
    measure: str,
    *,
    method: str,
    caveats: tuple[str, ...] | list[str],
    ci_level: float = 0.95,
    n_treated: int | None = None,
    n_comparison: int | None = None,
    details: Mapping[str, float] | None = None,
    interpretation: str = "",
) -> Effect:
    """Return an Effect with NaN estimate, interval and p-value, and why.

    ``p_value`` is NaN, not None: a test exists but could not be computed, and
    code that formats the p (``f"{e.p_value:.3g}"``) keeps working and shows nan.
    The first caveat (the reason) is also given as a :class:`HotspotsWarning`, so a
    notebook user who reads only ``.estimate`` is told.
    """
    if caveats:
        warnings.warn(f"{measure}: {caveats[0]}", HotspotsWarning, stacklevel=3)
    return Effect(
        measure=measure,
        estimate=math.nan,
        ci_low=math.nan,
        ci_high=math.nan,
        ci_level=ci_level,
        p_value=math.nan,
        method=method,
        n_treated=n_treated,
        n_comparison=n_comparison,
        caveats=tuple(caveats),
        interpretation=interpretation
        or "no estimate: the data cannot identify this effect (see caveats)",
        details=dict(details or {}),
    )


def ratio_interval(
    beta: float, se: float, z: float, *, log_scale: bool = True
) -> tuple[float, float, float, str | None]:
    """(estimate, low, high, problem) of a Wald interval, NaN where not estimable.

    ``log_scale`` exponentiates (rate ratios); otherwise the interval is on the
    scale of ``beta``. ``problem`` is None when the interval is usable, else words
    for the caveat: a missing or zero standard error, or a ratio too large to
    represent. The point estimate stays when only the interval fails.
    """
    if not math.isfinite(beta) or (log_scale and abs(beta) > _MAX_LOG):
        return math.nan, math.nan, math.nan, "the estimate ran off to infinity"
    estimate = math.exp(beta) if log_scale else beta
    if not math.isfinite(se) or se <= _ZERO_SE * max(1.0, abs(beta)):
        return (
            estimate,
            math.nan,
            math.nan,
            "no standard error could be computed (it came out zero or missing: "
            "the model fits the data exactly or too few units vary)",
        )
    low, high = beta - z * se, beta + z * se
    if not log_scale:
        return estimate, low, high, None
    if max(abs(low), abs(high)) > _MAX_LOG:
        return (
            estimate,
            math.nan,
            math.nan,
            f"the interval is too wide to report (log ratio {beta:.3g} +/- "
            f"{z * se:.3g})",
        )
    return estimate, math.exp(low), math.exp(high), None


def fit_problem(fit, *, min_mean: float = MIN_FITTED_MEAN) -> str | None:
    """Return words for why a fitted count GLM cannot be trusted, or None.

    Not converged, non-finite coefficients, or a fitted mean below ``min_mean``
    (the likelihood kept rising as a mean went to zero: separation). statsmodels'
    own "perfect separation" warning is not used: it also fires on an exact fit
    (a saturated model), which has a valid estimate.
    """
    params = np.asarray(fit.params, dtype=float)
    if not np.isfinite(params).all():
        return "the model's coefficients are not finite"
    mu = np.asarray(fit.fittedvalues, dtype=float)
    if len(mu) and (not np.isfinite(mu).all() or mu.min() < min_mean):
        return (
            "the fitted crimes of some months or places run off to zero "
            "(quasi-separation: e.g. crimes stop after one month of a period)"
        )
    if getattr(fit, "converged", True) is False:
        return "the model did not converge"
    return None


@contextmanager
def recorded_warnings() -> Iterator[list[str]]:
    """Record (do not show) every warning raised inside; yield their messages.

    statsmodels warns about separation (also on exact fits), convergence and zero
    residual degrees of freedom, and numpy about 0/0: the estimators check the fit
    themselves (:func:`fit_problem`) and turn what matters into caveats.
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        yield messages
    messages.extend(str(w.message) for w in caught)
