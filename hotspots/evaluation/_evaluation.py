"""The result of :func:`hotspots.evaluate`: estimates, balance and the SMS level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hotspots.evaluation._comparison import (
    Matched,
)
from hotspots.evaluation._effect import FRAME_COLUMNS, Effect
from hotspots.evaluation._its import InterruptedTimeSeries
from hotspots.evaluation._verdict import Verdict
from hotspots.tracking._dose_response import DoseResponse

__all__ = ["Evaluation"]


@dataclass(frozen=True)
class Evaluation:
    """Every estimate of one evaluation, with balance, evidence level and caveats.

    Attributes
    ----------
    naive : Effect
        Before/after rate ratio in the treated places alone (no comparison;
        biased by regression to the mean when places were chosen on a high
        period).
    did_negative_binomial, did_poisson : Effect
        DiD incidence rate ratios (:func:`did`) on the treated and matched
        comparison places, negative binomial and Poisson, cluster-robust SEs.
    randomisation : Effect
        Permutation p-value for the DiD from placebo sets drawn from the
        candidate pool (:func:`randomisation_test`).
    its : InterruptedTimeSeries
        Segmented regression of the treated places' summed series (:func:`its`);
        its ``level`` and ``slope`` effects are in :meth:`to_frame`.
    wdq : Effect
        Weighted displacement quotient for the union of the rings (:func:`wdq`),
        against the rest of the area.
    wdd : Effect
        Weighted displacement difference test (:func:`wdd`) on the same counts:
        the change in crimes in the places and rings together beyond what the
        rest of the area predicts, with its interval and p-value.
    res : Effect
        Relative effect size, treated vs matched comparison places
        (:func:`relative_effect_size`).
    balance : DataFrame
        Treated vs comparison balance on pre-period level and trend
        (:attr:`Matched.balance`).
    verdict : Verdict
        The judgement, from :func:`hotspots.evaluation.judge` (the one documented
        rule): Maryland SMS level, suggested practice bank label, the checks
        behind them and the sentences a reader sees.
    caveats : tuple of str
        Caveats of the whole evaluation: police.uk data caveats and matching
        problems. Each effect also carries its own.
    matched : Matched
        The comparison places and their panel.
    settings : dict
        The values used, including automatic ones (``cell_size``,
        ``selection_months``, ``ring_radius``, ``wdq_months``, ``pool_size``).
    dose_response : DoseResponse or None
        With ``evaluate(dosage=...)``: the treated places' monthly crimes
        against the patrol hours tracked there
        (:func:`hotspots.tracking.dose_response`; place and month fixed
        effects, months wholly tracked only). Patrol hours were not
        randomised, so this is an association beside the effect, not an
        effect; its ``caveats`` say why. None without a dosage.
    """

    naive: Effect
    did_negative_binomial: Effect
    did_poisson: Effect
    randomisation: Effect
    its: InterruptedTimeSeries
    wdq: Effect
    wdd: Effect
    res: Effect
    balance: pd.DataFrame = field(compare=False)
    verdict: Verdict
    caveats: tuple[str, ...]
    matched: Matched = field(repr=False, compare=False)
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    dose_response: DoseResponse | None = field(default=None, compare=False)

    @property
    def sms_level(self) -> int:
        """Maryland SMS level of the strongest design (the DiD): :attr:`verdict`."""
        return self.verdict.sms_level

    @property
    def sms_reasons(self) -> tuple[str, ...]:
        """Why that level and what the next level needs, from :attr:`verdict`."""
        return self.verdict.sms_reasons

    @property
    def effects(self) -> dict[str, Effect]:
        """The effects by estimator name, in reading order."""
        return {
            "naive": self.naive,
            "did_negative_binomial": self.did_negative_binomial,
            "did_poisson": self.did_poisson,
            "randomisation": self.randomisation,
            "its_level": self.its.level,
            "its_slope": self.its.slope,
            "res": self.res,
            "wdq": self.wdq,
            "wdd": self.wdd,
        }

    def to_frame(self) -> pd.DataFrame:
        """Stack every effect into one tidy frame.

        Returns
        -------
        DataFrame
            Column ``estimator`` (the key in :attr:`effects`) followed by
            the columns of :meth:`hotspots.Effect.to_frame`; one row per effect.
        """
        frames = [
            effect.to_frame().assign(estimator=name)
            for name, effect in self.effects.items()
        ]
        out = pd.concat(frames, ignore_index=True)
        return out[["estimator", *FRAME_COLUMNS]]

    def __str__(self) -> str:
        start = self.settings.get("treatment_start")
        head = (
            f"Evaluation from {start:%Y-%m}: " if start is not None else "Evaluation: "
        )
        head += (
            f"{self.did_negative_binomial.n_treated} treated places, "
            f"{self.did_negative_binomial.n_comparison} matched comparison places; "
            f"Maryland SMS level {self.sms_level}; suggested label: "
            f"{self.verdict.label}"
        )
        lines = [head, *(f"  {t}" for t in self.verdict.sentences.values()), ""]
        for name, effect in self.effects.items():
            first, *rest = str(effect).splitlines()
            lines.append(f"[{name}] {first}")
            lines.extend(line for line in rest if not line.startswith("  - "))
        lines += ["", "Balance (pre-period):", self.balance.round(3).to_string(), ""]
        if self.dose_response is not None:
            lines.append("Tracked patrol (an association, not randomised):")
            lines.extend(f"  {line}" for line in str(self.dose_response).splitlines())
            lines.append("")
        lines.append("Caveats:")
        lines.extend(f"  - {c}" for c in self.caveats)
        return "\n".join(lines)
