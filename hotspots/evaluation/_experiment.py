"""Analyse a randomised trial of hot spot patrols: :func:`analyse_experiment`."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import pandas as pd

from hotspots._validate import as_rng
from hotspots.evaluation._effect import Effect
from hotspots.evaluation._experiment_fits import (
    carryover,
    groups_for,
    itt_negbin,
    itt_poisson,
    per_protocol,
    randomisation,
)
from hotspots.evaluation._label_rule import ALPHA, MIN_PLACES, p_phrase, practice_label
from hotspots.evaluation._sms import maryland_sms
from hotspots.evaluation._trial_counts import trial_matrices

__all__ = ["Experiment", "analyse_experiment"]

IRR_MEASURE = "incidence rate ratio"

logger = logging.getLogger(__name__)

#: Default re-drawn schedules for the randomisation test.
DEFAULT_PERMUTATIONS = 999
#: Default patrol minutes a treated slot must receive to count as delivered
#: (Koper 1995: deterrence grew with stops up to about 11-15 minutes; the UK
#: crossover trials planned 15-minute visits).
PROTOCOL_MINUTES = 15.0


@dataclass(frozen=True)
class Experiment:
    """The analysis of one randomised trial.

    Attributes
    ----------
    itt : Effect
        Intention-to-treat rate ratio of crimes on treated against untreated
        place-slots (Poisson, place and day fixed effects, cluster-robust).
    itt_negbin : Effect or None
        The same contrast from a negative-binomial GLM (statsmodels).
    itt_harm : Effect or None
        The ITT rate ratio of harm-weighted counts (when ``harm`` was given).
    randomisation : Effect
        The ITT estimate with its randomisation p-value.
    carryover : Effect or None
        Crossover only: untreated days right after patrol against others.
    per_protocol : Effect or None
        With dosage: slots patrolled as planned against unpatrolled ones.
    design : str
        ``"crossover"`` or ``"parallel"``; ``plan`` the schedule's rules.
    sms_level : int
        Maryland Scientific Methods Scale level (5: random assignment, or 4 with
        fewer than :data:`MIN_PLACES` places per arm).
    label, sentences
        The practice-bank label and the words, from the rule of
        :doc:`/docs/methods/trials`.
    """

    itt: Effect
    randomisation: Effect
    design: str
    n_places: int
    n_slots: int
    sms_level: int
    label: str
    itt_negbin: Effect | None = None
    itt_harm: Effect | None = None
    carryover: Effect | None = None
    per_protocol: Effect | None = None
    compliance: dict = field(default_factory=dict)
    plan: dict = field(default_factory=dict)
    sentences: tuple[str, ...] = ()

    def effects(self) -> pd.DataFrame:
        """Every estimate as one row (``Effect.to_frame`` columns) with a ``name``."""
        named = [
            ("ITT, crimes (Poisson)", self.itt),
            ("ITT, crimes (negative binomial)", self.itt_negbin),
            ("ITT, harm (Poisson)", self.itt_harm),
            ("randomisation test", self.randomisation),
            ("carry-over check", self.carryover),
            ("per protocol", self.per_protocol),
        ]
        frames = [e.to_frame().assign(name=n) for n, e in named if e is not None]
        table = pd.concat(frames, ignore_index=True)
        return table[["name", *[c for c in table.columns if c != "name"]]]

    def __str__(self) -> str:
        """Return the sentences, then one line per estimate."""
        lines = [self.summary(), ""]
        for row in self.effects().itertuples(index=False):
            text = f"- {row.name}: {row.estimate:.2f}"
            if pd.notna(row.ci_low):
                text += f" (95% CI {row.ci_low:.2f} to {row.ci_high:.2f})"
            if row.p_value is not None and pd.notna(row.p_value):
                text += f", {p_phrase(float(row.p_value))}"
            lines.append(text)
        return "\n".join(lines)

    def summary(self) -> str:
        """Return the sentences a reader sees, in order."""
        return " ".join(self.sentences)


def _judge(itt: Effect, ri: Effect, n_places: int, design: str):
    """Apply the verdict rule of evaluations to a randomised design."""
    several = (
        n_places >= 2 * MIN_PLACES if design == "parallel" else n_places >= MIN_PLACES
    )
    level, _ = maryland_sms(
        before_after=design == "crossover",
        comparison=True,
        comparable=True,
        multiple_units=several,
        controls=True,
        randomised=True,
    )
    ratio, low, high = itt.estimate, itt.ci_low, itt.ci_high
    shown = math.isfinite(high) and high < 1
    above = math.isfinite(low) and low > 1
    p = ri.p_value
    confirmed = p is not None and math.isfinite(p) and p < ALPHA
    n_treated = n_places if design == "crossover" else max(n_places // 2, 0)
    label, reason = practice_label(
        level,
        ratio,
        low,
        high,
        shown,
        above,
        confirmed,
        p,
        n_treated,
        design="randomised design",
    )
    words = [
        f"{'Crossover' if design == 'crossover' else 'Parallel-group'} trial at "
        f"{n_places} places: {itt.interpretation}"
        + (
            f" (rate ratio {ratio:.2f}, 95% CI {low:.2f} to {high:.2f})."
            if math.isfinite(low)
            else "."
        ),
        f"Randomisation test {p_phrase(p)}.",
        f"Maryland SMS level {level} of 5 (random assignment).",
        f"Suggested label: {label}. {reason[:1].upper()}{reason[1:]}",
    ]
    return level, label, tuple(words)


def analyse_experiment(
    counts: pd.DataFrame,
    schedule,
    *,
    outcome: str = "count",
    harm: str | None = None,
    negbin: bool = True,
    permutations: int = DEFAULT_PERMUTATIONS,
    dosage: pd.DataFrame | None = None,
    protocol_minutes: float = PROTOCOL_MINUTES,
    ci_level: float = 0.95,
    seed=None,
    progress: bool = True,
) -> Experiment:
    """Analyse a randomised patrol trial run to ``schedule``.

    Parameters
    ----------
    counts : DataFrame
        One row per place and slot: ``place_id``, ``date``, ``shift`` (optional
        with one slot a day) and the ``outcome`` column (and ``harm``); e.g.
        :func:`hotspots.evaluation.trial_counts`.
    schedule : hotspots.design.Schedule
        The schedule the trial ran to (its rules are re-drawn for the
        randomisation test).
    outcome : str, default "count"
        Column of crime counts.
    harm : str, optional
        Column of harm-weighted counts; adds ``itt_harm``.
    negbin : bool, default True
        Also fit the negative-binomial model (slower: statsmodels with dummies).
    permutations : int, default 999
        Re-drawn schedules for the randomisation test (0 skips it).
    dosage : DataFrame, optional
        Patrol received: ``place_id``, ``date``, (``shift``), ``minutes``; adds
        the per-protocol contrast and compliance.
    protocol_minutes : float, default 15
        Minutes a treated slot must receive to count as delivered.
    ci_level : float, default 0.95
    seed : int or Generator, optional
        For the re-drawn schedules; None draws one (logged).
    progress : bool, default True
        Show a progress bar over the re-drawn schedules.

    Returns
    -------
    Experiment

    Raises
    ------
    ValueError
        If a column is missing or counts are negative.

    Notes
    -----
    The estimand is the ratio of crime rates on treated and untreated
    place-slots, with each place (or, in a parallel design without a before
    period, each block) and each slot its own baseline. Washout slots are left
    out of the ITT and used by the carry-over check.
    """
    y, codes, _ = trial_matrices(counts, schedule, outcome)
    n_places = len(schedule.places)
    groups = groups_for(schedule)
    seed_value = int(as_rng(seed).integers(2**31))
    logger.info(
        "analyse_experiment: %d places, %d slots, seed %d", *y.shape, seed_value
    )
    unit = "place-shifts" if schedule.rules.get("shifts") else "place-days"
    fit, itt = itt_poisson(
        y,
        codes,
        groups,
        outcome="count",
        ci_level=ci_level,
        n_places=n_places,
        unit=unit,
    )
    nb = None
    if negbin and math.isfinite(fit.beta):
        nb = itt_negbin(
            y, codes, groups, fit.alpha, ci_level=ci_level, n_places=n_places, unit=unit
        )
    harm_effect = None
    if harm is not None:
        h, _, _ = trial_matrices(counts, schedule, harm)
        _, harm_effect = itt_poisson(
            h,
            codes,
            groups,
            outcome="harm",
            ci_level=ci_level,
            n_places=n_places,
            unit=unit,
        )
    if permutations > 0:
        ri = randomisation(
            y,
            codes,
            schedule,
            fit,
            permutations=permutations,
            seed=seed_value,
            ci_level=ci_level,
            n_places=n_places,
            progress=progress,
        )
    else:
        ri = Effect(
            IRR_MEASURE,
            itt.estimate,
            math.nan,
            math.nan,
            ci_level,
            None,
            "randomisation test not run",
            n_places,
        )
    carry = None
    if schedule.design == "crossover":
        carry = carryover(
            y,
            codes,
            ci_level=ci_level,
            n_places=n_places,
            washout=bool((codes == -1).any()),
        )
    pp, compliance = None, {}
    if dosage is not None:
        dose, _, _ = trial_matrices(
            dosage.rename(columns={"minutes": "_minutes"}), schedule, "_minutes"
        )
        pp, compliance = per_protocol(
            y,
            codes,
            dose,
            protocol_minutes,
            ci_level=ci_level,
            n_places=n_places,
            unit=unit,
        )
    level, label, words = _judge(itt, ri, n_places, schedule.design)
    return Experiment(
        itt=itt,
        randomisation=ri,
        design=schedule.design,
        n_places=n_places,
        n_slots=int(y.shape[1]),
        sms_level=level,
        label=label,
        itt_negbin=nb,
        itt_harm=harm_effect,
        carryover=carry,
        per_protocol=pp,
        compliance=compliance,
        plan=dict(schedule.rules),
        sentences=words,
    )
