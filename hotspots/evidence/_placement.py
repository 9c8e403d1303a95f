"""The result of :func:`hotspots.evidence.place_result` and its sentence rule."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from hotspots.evidence._meta_result import MetaAnalysis, change_words

__all__ = [
    "LOCAL_LABEL",
    "MIN_POOLED",
    "SENTENCE_DECIMALS",
    "WIDE_INTERVAL_RATIO",
    "Placement",
    "placement_sentence",
]

#: Label of the local result's row in ``with_local`` and on the forest plot.
LOCAL_LABEL = "This evaluation"
#: The local interval is called wide when high/low exceeds this ratio (a 95% CI
#: from, say, 0.8 to 1.6 or wider): its place among the studies is then uncertain.
WIDE_INTERVAL_RATIO = 2.0
#: Decimals of the RES values in :func:`placement_sentence`.
SENTENCE_DECIMALS = 2
#: The pooled estimate is quoted in the sentence (and drawn on the forest plot)
#: only when at least this many published effects give a standard error: with
#: fewer, DerSimonian-Laird's tau² and the pooled interval mean little.
MIN_POOLED = 5


@dataclass(frozen=True, eq=False)
class Placement:
    """Where a local relative effect size sits among published ones.

    Attributes
    ----------
    res, ci_low, ci_high : float
        The local RES (> 1 = crime fell relative to comparison) and interval.
    log_res, se_log_res : float
        The same on the log scale with its standard error.
    ci_level : float
        Coverage of the local interval.
    percent_change : float
        ``(1/res - 1) * 100``, negative = fewer crimes than comparison.
    published : DataFrame
        The published effects the local one is ranked among: one main outcome
        per trial (``main_outcome == "yes"``) with a point estimate, whether or
        not it gives a standard error. Columns as from :func:`load_studies`.
    k_published : int
        Rows of ``published``.
    percentile : float
        Mid-rank percentile of ``res`` among the published RES:
        ``100 * (#below + 0.5 * #equal) / k_published``.
    within_range : bool
        True when min <= ``res`` <= max of the published RES.
    without, with_local : MetaAnalysis or None
        The meta-analysis of the published effects that give a standard error,
        and with the local result added as one more row (label
        :data:`LOCAL_LABEL`); None when no published effect can be pooled.
    pooled_quoted : bool
        Whether ``without`` pools at least :data:`MIN_POOLED` effects, the rule
        for quoting the pooled estimate in the sentence and drawing it.
    shift : float
        ``with_local.res - without.res`` (NaN without a meta-analysis).
    sentence : str
        The reading built by :func:`placement_sentence` and the reviews'
        sentence (:func:`review_sentence`).
    caveats : tuple of str
        What limits the comparison.
    label : str
        The local result's label (kept on the forest plot).
    """

    res: float
    ci_low: float
    ci_high: float
    log_res: float
    se_log_res: float
    ci_level: float
    percent_change: float
    published: pd.DataFrame = field(repr=False)
    k_published: int
    percentile: float
    within_range: bool
    without: MetaAnalysis | None = field(repr=False)
    with_local: MetaAnalysis | None = field(repr=False)
    pooled_quoted: bool
    shift: float
    sentence: str
    caveats: tuple[str, ...] = ()
    label: str = LOCAL_LABEL

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: local RES, its place, and the pooled RES without/with it."""
        nan = math.nan
        return pd.DataFrame(
            [
                {
                    "label": self.label,
                    "res": self.res,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "percent_change": self.percent_change,
                    "k_published": self.k_published,
                    "percentile": self.percentile,
                    "within_range": self.within_range,
                    "k_pooled": self.without.k if self.without else 0,
                    "pooled_quoted": self.pooled_quoted,
                    "pooled_without": self.without.res if self.without else nan,
                    "pooled_with": self.with_local.res if self.with_local else nan,
                    "shift": self.shift,
                    "sentence": self.sentence,
                    "n_caveats": len(self.caveats),
                }
            ]
        )

    def __str__(self) -> str:
        return "\n".join([self.sentence, *(f"- {c}" for c in self.caveats)])


def _num(value: float) -> str:
    return f"{value:.{SENTENCE_DECIMALS}f}"


def placement_sentence(
    *,
    res: float,
    ci_low: float,
    ci_high: float,
    ci_level: float,
    percent_change: float,
    percentile: float,
    k: int,
    position: str,
    k_pooled: int,
    pooled_without: tuple[float, float, float] | None,
    pooled_with: float | None,
) -> str:
    """Write the reading of a :class:`Placement` from its numbers.

    The rule: local RES and interval to :data:`SENTENCE_DECIMALS` decimals; the
    change as a whole percentage, "lower" or "higher" than comparison (or "no
    different" when it rounds to 0%); "larger than P% of the k published
    trials' main effects" with P the mid-rank percentile rounded to a whole
    number; ``position`` is "within their range", "above all of them" or
    "below all of them". Then, when ``pooled_without`` is given (at least
    :data:`MIN_POOLED` effects with a standard error), the pooled RES
    (interval) without the local result and the pooled RES with it; otherwise
    how many published effects give a standard error, and that they are too
    few to pool.

    Examples
    --------
    >>> import textwrap
    >>> print(textwrap.fill(placement_sentence(res=1.25, ci_low=1.02, ci_high=1.53,
    ...     ci_level=0.95, percent_change=-20.0, percentile=70.0, k=10,
    ...     position="within their range", k_pooled=6,
    ...     pooled_without=(1.13, 1.07, 1.19), pooled_with=1.14), 78))
    The local effect (RES 1.25, 95% CI 1.02 to 1.53; crime 20% lower than
    comparison) is larger than 70% of the 10 published trials' main effects and
    within their range. Pooling the 6 published effects that give a standard
    error: RES 1.13 (1.07 to 1.19) without the local result and 1.14 with it.
    >>> placement_sentence(res=1.25, ci_low=1.02, ci_high=1.53, ci_level=0.95,
    ...     percent_change=-20.0, percentile=70.0, k=10,
    ...     position="within their range", k_pooled=2,
    ...     pooled_without=None, pooled_with=None).split(". ")[-1][:60]
    'Only 2 of the published effects give a standard error, too f'
    """
    text = (
        f"The local effect (RES {_num(res)}, {ci_level:.0%} CI {_num(ci_low)} to "
        f"{_num(ci_high)}; {change_words(percent_change)}) is larger than "
        f"{percentile:.0f}% of the {k} published trials' main effects and "
        f"{position}."
    )
    if pooled_without is not None and pooled_with is not None:
        pooled, low, high = pooled_without
        return text + (
            f" Pooling the {k_pooled} published effects that give a standard "
            f"error: RES {_num(pooled)} ({_num(low)} to {_num(high)}) without the "
            f"local result and {_num(pooled_with)} with it."
        )
    return text + (
        f" Only {k_pooled} of the published effects give a standard error, too "
        f"few to pool (at least {MIN_POOLED} are needed)."
    )
