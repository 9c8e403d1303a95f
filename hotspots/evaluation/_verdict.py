"""The verdict rule: one place where numbers become the SMS level, label and words.

Every sentence that judges an evaluation, in :func:`hotspots.evaluate`'s result,
the notebooks, the CLI and the pack's first screen, comes from :func:`judge`, so
a reviewer can check each word against the balance and effects tables beside it.
The rule is written out in :doc:`/docs/methods/sms`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from hotspots.evaluation._effect import Effect
from hotspots.evaluation._label_rule import (
    ALPHA,
    BALANCE_LIMIT,
    MIN_PLACES,
    PRACTICE_BANK_LABELS,
    PRE_TREND_ALPHA,
    ROBUST_LEVEL,
    change_words,
    format_p,
    p_phrase,
    practice_label,
)
from hotspots.evaluation._sms import maryland_sms

__all__ = [
    "ALPHA",
    "BALANCE_LIMIT",
    "MIN_PLACES",
    "PRACTICE_BANK_LABELS",
    "PRE_TREND_ALPHA",
    "ROBUST_LEVEL",
    "Verdict",
    "format_p",
    "judge",
]

#: Columns of :attr:`Verdict.checks`.
CHECK_COLUMNS = ("check", "value", "rule", "passed", "shown_in")


@dataclass(frozen=True)
class Verdict:
    """The judgement of one evaluation, with every check it rests on.

    Attributes
    ----------
    sms_level : int
        Maryland Scientific Methods Scale level, 1 to 5.
    sms_reasons : tuple of str
        Why this level (naming the checks that failed) and what the next level
        needs.
    label : str
        Suggested practice bank label, one of :data:`PRACTICE_BANK_LABELS`.
    label_reason : str
        One sentence tying the label to the numbers.
    checks : DataFrame
        One row per check: ``check``, ``value`` (the number), ``rule`` (the
        threshold in words), ``passed`` (bool) and ``shown_in`` (the table a
        reader finds the number in).
    sentences : mapping of str to str
        The words a reader sees, keyed ``effect``, ``balance``, ``pre_trend``,
        ``randomisation``, ``design`` and ``label``.
    """

    sms_level: int
    sms_reasons: tuple[str, ...]
    label: str
    label_reason: str
    checks: pd.DataFrame = field(compare=False, repr=False)
    sentences: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def comparable(self) -> bool:
        """Whether the comparison places pass the three comparability checks."""
        rows = self.checks.set_index("check")["passed"]
        return bool(rows[["level balance", "trend balance", "pre-trend test"]].all())

    def __str__(self) -> str:
        lines = [
            f"Maryland SMS level {self.sms_level}; suggested label: {self.label}",
            f"  {self.label_reason}",
            "",
            *(f"{key}: {text}" for key, text in self.sentences.items()),
            "",
            "Checks:",
            self.checks.to_string(index=False),
        ]
        return "\n".join(lines)


def judge(
    *,
    balance: pd.DataFrame,
    did: Effect,
    randomisation_p: float | None,
    n_treated: int,
    n_comparison: int,
    controls: bool = True,
    randomised: bool = False,
) -> Verdict:
    """Apply the verdict rule to an evaluation's numbers.

    Parameters
    ----------
    balance : DataFrame
        The balance table (``balance`` of :class:`hotspots.Evaluation`): rows ``level``
        and ``trend`` with a ``std_diff`` column.
    did : Effect
        The main estimate, a rate ratio with a 95% interval; its
        ``details["pre_trend_p"]`` is the pre-period trend test.
    randomisation_p : float or None
        The randomisation test's p-value (None: not run).
    n_treated, n_comparison : int
        Treated and comparison places.
    controls : bool, default True
        Other influences controlled (place and month fixed effects).
    randomised : bool, default False
        Places were randomly assigned to treatment and comparison.

    Returns
    -------
    Verdict

    Notes
    -----
    **Comparable** comparison places pass three checks, all read from the
    tables a reader has: level and trend balanced (absolute standardised
    difference at most :data:`BALANCE_LIMIT`) and a pre-period trend test
    with p of at least :data:`PRE_TREND_ALPHA` (a test that could not be run
    fails: comparability is not shown). The SMS level is then
    :func:`hotspots.maryland_sms` of the design flags.

    **Several units** means at least :data:`MIN_PLACES` treated and as many
    comparison places.

    **The label**, with robust = level at least :data:`ROBUST_LEVEL` and
    several units, shown =
    the 95% interval lies wholly below 1, confirmed = randomisation p below
    :data:`ALPHA`:

    1. *worked*: robust, shown and confirmed;
    2. *didn't work*: robust and no reduction estimated (rate ratio at least
       1, or interval wholly above 1);
    3. *promising*: a reduction is estimated and shown or confirmed, but not
       both with a robust design;
    4. *new or innovative*: otherwise: the evidence cannot yet say.
    """
    d_level = float(balance.loc["level", "std_diff"])
    d_trend = float(balance.loc["trend", "std_diff"])
    details = did.details or {}
    pre_p = details.get("pre_trend_p", math.nan)
    pre_p = math.nan if pre_p is None else float(pre_p)
    ratio = float(did.estimate)
    low, high = float(did.ci_low), float(did.ci_high)

    level_ok = math.isfinite(d_level) and abs(d_level) <= BALANCE_LIMIT
    trend_ok = math.isfinite(d_trend) and abs(d_trend) <= BALANCE_LIMIT
    parallel = math.isfinite(pre_p) and pre_p >= PRE_TREND_ALPHA
    several = n_treated >= MIN_PLACES and n_comparison >= MIN_PLACES
    shown = math.isfinite(high) and high < 1
    above = math.isfinite(low) and low > 1
    confirmed = randomisation_p is not None and randomisation_p < ALPHA
    limit = f"|d| <= {BALANCE_LIMIT:g}"
    checks = pd.DataFrame(
        [
            ("level balance", d_level, limit, level_ok, "balance table"),
            ("trend balance", d_trend, limit, trend_ok, "balance table"),
            (
                "pre-trend test",
                pre_p,
                f"p >= {PRE_TREND_ALPHA:g}",
                parallel,
                "effects table (DiD caveats)",
            ),
            (
                "several units",
                float(min(n_treated, n_comparison)),
                f">= {MIN_PLACES} places each",
                several,
                "effects table (places)",
            ),
            ("controls", float(controls), "place and month effects", controls, ""),
            (
                "random assignment",
                float(randomised),
                "places randomised",
                randomised,
                "",
            ),
            ("interval below 1", high, "95% CI upper < 1", shown, "effects table"),
            (
                "randomisation test",
                math.nan if randomisation_p is None else float(randomisation_p),
                f"p < {ALPHA:g}",
                confirmed,
                "effects table",
            ),
        ],
        columns=list(CHECK_COLUMNS),
    )
    comparable = level_ok and trend_ok and parallel
    level, reasons = maryland_sms(
        before_after=True,
        comparison=True,
        comparable=comparable,
        multiple_units=several,
        controls=controls,
        randomised=randomised,
    )
    failed = _comparability_failures(d_level, d_trend, pre_p, level_ok, trend_ok)
    if not comparable:
        # name what failed, and advise what this design has not already done
        advice = [
            text
            for ok, text in (
                (
                    level_ok,
                    "comparison places as busy as the treated places before the "
                    "start (if none is, randomly choose which of a larger set of "
                    "similar hot spots to treat)",
                ),
                (
                    trend_ok,
                    "comparison places whose selection-period trend matches (a larger "
                    "candidate pool or a longer selection period)",
                ),
                (
                    parallel or not math.isfinite(pre_p),
                    "comparison places whose crime ran parallel before the start",
                ),
                (
                    math.isfinite(pre_p),
                    "at least three months before the start, to test for parallel "
                    "trends",
                ),
            )
            if not ok
        ]
        reasons = (
            f"{reasons[0]}: {'; '.join(failed)}",
            "for level 3: " + "; ".join(advice),
        )

    sentences = {
        "effect": _effect_sentence(ratio, low, high, shown, above),
        "balance": _balance_sentence(d_level, d_trend, level_ok, trend_ok),
        "pre_trend": (
            f"Before the start the treated and comparison places' trends did "
            f"{'not ' if parallel else ''}differ ({p_phrase(pre_p)})."
            if math.isfinite(pre_p)
            else "The pre-period trend test could not be run (too few months "
            "before the start), so parallel trends are not shown."
        ),
        "randomisation": (
            "The randomisation test was not run."
            if randomisation_p is None
            else f"Randomisation test {p_phrase(randomisation_p)}: placebo sets "
            + (
                "rarely show an effect this large, so it confirms the estimate."
                if confirmed
                else "often show an effect this large, so it does not confirm the "
                "estimate."
            )
        ),
        "design": f"Maryland SMS level {level} of 5: "
        + reasons[0].replace(f" (level {level})", "", 1)
        + ".",
    }
    label, label_reason = practice_label(
        level, ratio, low, high, shown, above, confirmed, randomisation_p, n_treated
    )
    sentences["label"] = (
        f"Suggested label: {label}. {label_reason[:1].upper()}{label_reason[1:]}"
    )
    return Verdict(
        sms_level=level,
        sms_reasons=tuple(reasons),
        label=label,
        label_reason=label_reason,
        checks=checks,
        sentences=MappingProxyType(sentences),
    )


def _comparability_failures(d_level, d_trend, pre_p, level_ok, trend_ok) -> list[str]:
    out = []
    for name, d, ok in (("level", d_level, level_ok), ("trend", d_trend, trend_ok)):
        if not ok:
            out.append(
                f"{name} standardised difference {d:.2f}, beyond ±{BALANCE_LIMIT:g}"
                if math.isfinite(d)
                else f"{name} balance could not be measured"
            )
    if not math.isfinite(pre_p):
        out.append("pre-period trend test not run")
    elif pre_p < PRE_TREND_ALPHA:
        out.append(f"pre-period trends differ ({p_phrase(pre_p)})")
    return out


def _effect_sentence(ratio, low, high, shown, above) -> str:
    if not math.isfinite(ratio):
        return "The difference-in-differences could not be estimated."
    ci = f"95% CI {low:.2f} to {high:.2f}"
    if shown or above:
        return (
            f"{change_words(ratio).capitalize()} than expected "
            f"(rate ratio {ratio:.2f}, {ci})."
        )
    return (
        f"An estimated {change_words(ratio)} than expected (rate ratio "
        f"{ratio:.2f}), but the 95% interval ({low:.2f} to {high:.2f}) includes no "
        "change."
    )


def _balance_sentence(d_level, d_trend, level_ok, trend_ok) -> str:
    def d(x):
        return f"{x:.2f}" if math.isfinite(x) else "not measured"

    limit = f"within ±{BALANCE_LIMIT:g}"
    if level_ok and trend_ok:
        return (
            f"The comparison places are balanced with the treated places on "
            f"selection-period level and trend (standardised differences "
            f"{d(d_level)} and {d(d_trend)}, {limit})."
        )
    if trend_ok:
        return (
            f"The comparison places follow the treated places' selection-period trend "
            f"(standardised difference {d(d_trend)}, {limit}) but not their level "
            f"({d(d_level)}): "
            + (
                "the treated places are busier than the comparison places"
                if math.isfinite(d_level) and d_level > 0
                else "the treated places are quieter than the comparison places"
            )
            + ", so regression to the mean can differ between them."
        )
    if level_ok:
        return (
            f"The comparison places match the treated places' selection-period level "
            f"(standardised difference {d(d_level)}, {limit}) but not their trend "
            f"({d(d_trend)})."
        )
    return (
        f"The comparison places match neither the treated places' selection-period "
        f"level ({d(d_level)}) nor their trend ({d(d_trend)}; "
        f"limit ±{BALANCE_LIMIT:g})."
    )
