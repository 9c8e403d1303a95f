"""The caveats of a whole evaluation, written from its verdict and its inputs.

The pre-period caveat quotes a simulation study (``benchmarks/sim_preperiod.py``)
of the DiD by the number of months of data before the selection window; see
:func:`pre_period_advice` for the rule that turns its numbers into words.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd

from hotspots.evaluation._comparison import Matched
from hotspots.evaluation._sms import POLICEUK_CAVEATS
from hotspots.evaluation._verdict import Verdict

__all__ = [
    "PRE_PERIOD_STUDY",
    "PrePeriodRow",
    "design_caveats",
    "pre_period_advice",
    "pre_period_study",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrePeriodRow:
    """One row of the pre-period simulation study (log IRR scale for bias).

    ``power`` is the share of studies whose DiD rejected "no effect" at 5% (the
    planted 20% cut was found) and ``ci_width`` the mean width of the 95% CI of
    the IRR.
    """

    extra_months: int
    n_studies: int
    bias_log: float
    bias_log_mcse: float
    coverage: float
    coverage_mcse: float
    power: float
    ci_width: float

    @property
    def bias_percent(self) -> float:
        """Mean IRR over the true IRR, minus 1, in %."""
        return math.expm1(self.bias_log) * 100

    @property
    def short(self) -> bool:
        """Coverage below the nominal 95% by more than two Monte Carlo SEs."""
        return self.coverage + SHORTFALL_MCSE * self.coverage_mcse < NOMINAL_COVERAGE

    @property
    def biased(self) -> bool:
        """Mean IRR off the truth beyond noise and by ``MATERIAL_BIAS`` or more.

        Beyond noise: more than two Monte Carlo SEs; a bias that matters, not
        one noise can explain.
        """
        beyond_noise = abs(self.bias_log) > SHORTFALL_MCSE * self.bias_log_mcse
        return beyond_noise and abs(math.expm1(self.bias_log)) >= MATERIAL_BIAS

    @property
    def adequate(self) -> bool:
        """Neither biased nor short: what the advice asks a pre-period to reach."""
        return not (self.biased or self.short)

    def less_precise_than(self, other: PrePeriodRow) -> bool:
        """Power below ``other``'s by more than two Monte Carlo SEs of the gap."""
        se = math.sqrt(
            self.power * (1 - self.power) / self.n_studies
            + other.power * (1 - other.power) / other.n_studies
        )
        return other.power - self.power > SHORTFALL_MCSE * se


#: Nominal coverage of the DiD's 95% interval.
NOMINAL_COVERAGE = 0.95
#: Monte Carlo SEs by which a simulated coverage, bias or power must miss its
#: target before the advice says so: noise alone rarely does that.
SHORTFALL_MCSE = 2.0
#: A bias of the IRR smaller than this (5%, a quarter of the planted 20% cut) is
#: not called a bias, however precisely the study measured it.
MATERIAL_BIAS = 0.05
#: ``benchmarks/sim_preperiod.py``, default run (``python
#: benchmarks/sim_preperiod.py``, 2026-11-29, 21 min): 500 SYNTHETIC studies per
#: row (seed 20240601 + further months), 1,000 places, the 18 busiest of the
#: 12-month selection window treated, a planted 20% cut (IRR 0.80), 12 months
#: after the start, 3 comparisons each matched on the selection window,
#: negative-binomial DiD; no study failed. Rows: further pre-period months before
#: the selection window; bias of the log IRR and coverage with Monte Carlo SEs,
#: power (rejection rate at 5%) and mean CI width of the IRR.
PRE_PERIOD_STUDY: tuple[PrePeriodRow, ...] = (
    PrePeriodRow(0, 500, -0.010948, 0.0050660, 0.934, 0.011104, 0.544, 0.3500),
    PrePeriodRow(6, 500, -0.0098856, 0.0048335, 0.936, 0.010946, 0.632, 0.3199),
    PrePeriodRow(12, 500, -0.0030891, 0.0045707, 0.940, 0.010621, 0.628, 0.3118),
    PrePeriodRow(24, 500, -0.0000034, 0.0043959, 0.936, 0.010946, 0.658, 0.2995),
)


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def pre_period_study() -> pd.DataFrame:
    """Return the pre-period simulation study as a table (SYNTHETIC data).

    Returns
    -------
    DataFrame
        One row per pre-period length in ``PRE_PERIOD_STUDY``:
        ``extra_months`` (months of data before the selection window),
        ``n_studies``, ``bias_percent`` (mean IRR over the true IRR, minus 1,
        in %), ``bias_log`` and ``bias_log_mcse``, ``coverage`` and
        ``coverage_mcse`` (share of 95% intervals holding the true IRR, with its
        Monte Carlo SE), ``power`` (share of studies that found the planted cut
        at 5%), ``ci_width`` (mean width of the IRR's 95% CI) and the verdicts
        ``biased``, ``short``, ``adequate`` and ``less_precise`` (power below the
        longest pre-period's beyond noise) of :func:`pre_period_advice`'s rule.

    Examples
    --------
    >>> from hotspots.evaluation import pre_period_study
    >>> pre_period_study()["extra_months"].tolist()
    [0, 6, 12, 24]
    """
    rows = [
        {
            "extra_months": r.extra_months,
            "n_studies": r.n_studies,
            "bias_percent": r.bias_percent,
            "bias_log": r.bias_log,
            "bias_log_mcse": r.bias_log_mcse,
            "coverage": r.coverage,
            "coverage_mcse": r.coverage_mcse,
            "biased": r.biased,
            "short": r.short,
            "adequate": r.adequate,
            "power": r.power,
            "ci_width": r.ci_width,
            "less_precise": r.less_precise_than(PRE_PERIOD_STUDY[-1]),
        }
        for r in PRE_PERIOD_STUDY
    ]
    return pd.DataFrame(rows)


def _bias_words(row: PrePeriodRow) -> str:
    size = f"{abs(row.bias_percent):.1f}%"
    if not row.biased:
        return f"within {size} of the truth on average"
    if row.bias_log < 0:
        return f"on average {size} too low (the effect overstated)"
    return f"on average {size} too high (the effect understated)"


def pre_period_advice(extra_months: int) -> tuple[PrePeriodRow, str]:
    """Return the study row for ``extra_months`` and what it says, in words.

    Parameters
    ----------
    extra_months : int
        Months of data before the selection window (below 0 counts as 0).

    Returns
    -------
    row : PrePeriodRow
        The study's longest pre-period not longer than ``extra_months``.
    text : str
        What that row says, by one rule with ``SHORTFALL_MCSE`` Monte Carlo SEs
        as the margin for noise: the bias is "too low" or "too high" only
        beyond the margin and when at least ``MATERIAL_BIAS`` (else "within x%
        of the truth"); the coverage is "short of", "above" or "close to" the
        nominal 95% by the same margin. When the row is biased or short the
        text asks for earlier months and names the shortest longer pre-period
        in the study that is neither. When the row is adequate but its power
        is below the longest pre-period's beyond the margin, the text says how
        often each found the planted cut and how wide their intervals were.

    Examples
    --------
    >>> from hotspots.evaluation import pre_period_advice
    >>> row, text = pre_period_advice(18)
    >>> row.extra_months
    12
    """
    months = max(int(extra_months), 0)
    row = [r for r in PRE_PERIOD_STUDY if r.extra_months <= months][-1]
    margin = SHORTFALL_MCSE * row.coverage_mcse
    if row.short:
        level = "short of"
    elif row.coverage - margin > NOMINAL_COVERAGE:
        level = "above"
    else:
        level = "close to"
    text = (
        f"in {row.n_studies} SYNTHETIC simulated evaluations with "
        f"{row.extra_months} further months (benchmarks/sim_preperiod.py, a planted "
        f"20% cut) the DiD's IRR was {_bias_words(row)} and its 95% CI held the "
        f"true IRR in {_percent(row.coverage)} of them (Monte Carlo SE "
        f"{100 * row.coverage_mcse:.1f}%), {level} the nominal 95%"
    )
    longest = PRE_PERIOD_STUDY[-1]
    if not row.adequate:
        enough = [r for r in PRE_PERIOD_STUDY if r.adequate and r.extra_months > months]
        if enough:
            text += (
                f"; add earlier months: with {enough[0].extra_months} further "
                f"months it was {_bias_words(enough[0])} and held the true IRR in "
                f"{_percent(enough[0].coverage)}"
            )
        else:
            text += "; add earlier months (no pre-period in the study was long enough)"
    elif row.less_precise_than(longest):
        text += (
            f"; but it found the planted cut in only {_percent(row.power)} of them "
            f"(mean 95% CI width {row.ci_width:.2f}), against "
            f"{_percent(longest.power)} with {longest.extra_months} further months "
            f"(width {longest.ci_width:.2f}): earlier months make the estimate "
            "more precise"
        )
    return row, text


def design_caveats(
    verdict: Verdict,
    matched: Matched,
    *,
    n_pre: int,
    n_selection: int,
    flags: list[str],
    extra_pre_months: int | None = None,
) -> list[str]:
    """Return the evaluation's caveats: data, matching, design and quality.

    ``flags`` are the data-quality flags of the treated places to caveat (empty
    when crimes at flagged points were excluded or the checks were off). The
    design caveat repeats the verdict's reason (one source of truth), so a
    caveat can never contradict the level on the same page. The pre-period
    length and what the simulation study says of it are logged at INFO; a
    caveat appears when every month before the start is a selection month, or
    when the simulation study's row for the user's ``extra_pre_months`` (months
    before the start that are not selection months; default
    ``n_pre - n_selection``) is biased, short of 95% coverage or less precise
    than the longest pre-period studied, and quotes
    :func:`pre_period_advice`.
    """
    caveats = [*POLICEUK_CAVEATS.values()]
    if not verdict.comparable:
        checks = verdict.checks.set_index("check")["passed"]
        risk = (
            "the busiest places fall back further than quieter comparison places "
            "(regression to the mean), so the DiD may overstate the effect"
            if not checks["level balance"]
            else "the DiD's parallel-trends assumption is in doubt"
        )
        caveats.append(
            f"Maryland SMS level {verdict.sms_level}, not 3: "
            + verdict.sms_reasons[0].split(": ", 1)[-1]
            + f"; {risk}"
        )
    # the matching's own "poor balance" notes are in the design caveat above
    caveats += [c for c in matched.caveats if not c.startswith("poor balance")]
    if flags:
        caveats.append(
            f"{len(flags)} treated place(s) hold crimes at map points flagged as "
            f"likely recording artefacts ({'; '.join(flags[:3])}); patrols "
            "cannot change crimes recorded there. They are counted here "
            "(artefacts='flag'); re-run with artefacts='exclude' to leave them out"
        )
    extra = n_pre - n_selection if extra_pre_months is None else extra_pre_months
    row, study = pre_period_advice(extra)
    logger.info(
        "Pre-period: %d months before the start, %d of them not selection months "
        "(settings['extra_pre_months']); %s.",
        n_pre,
        max(extra, 0),
        study,
    )
    if extra <= 0:
        caveats.append(
            f"the {n_pre} months before the start are all selection months: places "
            "were chosen and matched on the whole pre-period, so regression to the "
            f"mean is in every pre-period count; {study}"
            + (
                "; the study's places vary only by chance around steady rates, so "
                "add earlier months if you can"
                if row.adequate and not row.less_precise_than(PRE_PERIOD_STUDY[-1])
                else ""
            )
        )
    elif not row.adequate or row.less_precise_than(PRE_PERIOD_STUDY[-1]):
        caveats.append(
            f"only {extra} of the {n_pre} months before the start are not selection "
            f"months, so regression to the mean is in most pre-period counts; {study}"
        )
    return caveats
