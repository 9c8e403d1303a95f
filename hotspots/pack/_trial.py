"""A randomised trial in a pack: a planned trial's power and a run trial's analysis.

The College's hot spots guide ends with *testing*. A recipe may give a planned
trial (``trial_plan``: the pack simulates it at the recipe's places and reports
its minimum detectable effect) and a trial that has run (``trial_schedule`` and
``trial_counts``: the pack analyses it with
:func:`hotspots.evaluation.analyse_experiment`). Both are seeded by the recipe's
``seed``, so a rebuilt pack is identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots._safe import markdown_safe_text as md
from hotspots.design import (
    Plan,
    Power,
    Schedule,
    base_rates,
    estimate_dispersion,
    minimum_detectable_effect,
    read_schedule,
)
from hotspots.evaluation import analyse_experiment
from hotspots.evaluation._evaluate import Evaluation
from hotspots.evaluation._experiment import Experiment
from hotspots.pack._methods import methods_markdown
from hotspots.pack._recipe import PackRecipe

__all__ = [
    "RATE_MONTHS",
    "PackTrial",
    "methods_with_trial",
    "run_trial",
    "trial_frames",
    "trial_rates",
]

#: Months before ``treatment_start`` whose crimes give a planned trial's base rates.
RATE_MONTHS = 12
#: Columns each trial CSV needs, by recipe field.
_COLUMNS = {
    "trial_counts": ("place_id", "date", "count"),
    "trial_dosage": ("place_id", "date", "minutes"),
}


@dataclass(frozen=True)
class PackTrial:
    """The trial part of a pack.

    Attributes
    ----------
    plan : Plan or None
        The planned trial as simulated (``dispersion`` filled in when estimated).
    power : Power or None
        :func:`hotspots.design.minimum_detectable_effect` of ``plan``.
    rates : DataFrame or None
        Per place (the recipe's ``id_column``): ``crimes`` in ``rate_months``
        and ``base_rate`` (crimes per place per day, or per month for a
        before/after plan).
    rate_months : tuple of str
        The months (``"YYYY-MM"``) the base rates and dispersion come from.
    dispersion_source : str
        ``"plan"`` (given), ``"estimated"`` (from ``rate_months``) or
        ``"none"`` (one month only: the simulation assumes Poisson counts).
    schedule : Schedule or None
        The schedule the trial ran to.
    experiment : Experiment or None
        :func:`hotspots.evaluation.analyse_experiment` of the trial.
    outside : tuple of str
        Trial places that are not among the pack's places.
    """

    plan: Plan | None = None
    power: Power | None = None
    rates: pd.DataFrame | None = None
    rate_months: tuple[str, ...] = ()
    dispersion_source: str = ""
    schedule: Schedule | None = None
    experiment: Experiment | None = None
    outside: tuple[str, ...] = field(default=())


def trial_rates(
    evaluation: Evaluation, place_ids: list, *, id_column: str = "place_id"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Crimes per place and month in the months before the start (at most 12).

    Returns the places x months table of counts (the evaluation's panel, so the
    recipe's artefact handling applies) and the months, ``"YYYY-MM"``.
    """
    data = evaluation.matched.panel
    start = evaluation.settings["treatment_start"]
    before = data[data["treated"].astype(bool) & (data["month"] < start)]
    months = sorted(before["month"].unique())[-RATE_MONTHS:]
    wide = (
        before[before["month"].isin(months)]
        .pivot_table(index=id_column, columns="month", values="count", aggfunc="sum")
        .reindex(index=place_ids, columns=months)
        .fillna(0.0)
    )
    return wide, tuple(pd.Timestamp(m).strftime("%Y-%m") for m in months)


def _plan_power(
    recipe: PackRecipe, evaluation: Evaluation, place_ids: list
) -> dict[str, Any]:
    plan = Plan(**(recipe.trial_plan or {}))
    wide, months = trial_rates(evaluation, place_ids, id_column=recipe.id_column)
    if not months:
        raise ValueError(
            "trial_plan needs crimes before treatment_start for its base rates; the "
            f"data have no month before {recipe.treatment_start}."
        )
    totals = pd.DataFrame({"n": wide.sum(axis=1)})
    rates = base_rates(totals, months=len(months), per=plan.unit)
    source = "plan"
    if plan.dispersion is None:
        if len(months) >= 2:
            plan = replace(plan, dispersion=estimate_dispersion(wide.to_numpy()))
            source = "estimated"
        else:
            source = "none"
    power = minimum_detectable_effect(
        plan, rates, n_sims=recipe.trial_sims, seed=recipe.seed, progress=False
    )
    table = pd.DataFrame(
        {recipe.id_column: place_ids, "crimes": totals["n"].to_numpy()}
    ).assign(base_rate=rates)
    return {
        "plan": plan,
        "power": power,
        "rates": table,
        "rate_months": months,
        "dispersion_source": source,
    }


def _read_trial_csv(path: Path, role: str) -> pd.DataFrame:
    text = {"place_id": str, "shift": str, "date": str}
    frame = pd.read_csv(path, dtype=text, keep_default_na=False)
    missing = [c for c in _COLUMNS[role] if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{role} file {path.name} lacks column(s) {missing} (found "
            f"{list(frame.columns)}); it needs {list(_COLUMNS[role])} and, for "
            "trials by shift, shift."
        )
    return frame


def _experiment(
    recipe: PackRecipe, inputs: dict[str, Path], place_ids: list
) -> dict[str, Any]:
    schedule = read_schedule(inputs["trial_schedule"])
    counts = _read_trial_csv(inputs["trial_counts"], "trial_counts")
    unknown = sorted(set(counts["place_id"]) - set(schedule.places))
    if unknown:
        raise ValueError(
            f"trial_counts ({inputs['trial_counts'].name}) names {len(unknown)} "
            f"place(s) that are not in the schedule, e.g. {unknown[:3]}; the counts "
            "must be of the trial's places (hotspots.evaluation.trial_counts)."
        )
    dosage = None
    if "trial_dosage" in inputs:
        dosage = _read_trial_csv(inputs["trial_dosage"], "trial_dosage")
    experiment = analyse_experiment(
        counts,
        schedule,
        permutations=recipe.permutations,
        dosage=dosage,
        seed=recipe.seed,
        progress=False,
    )
    known = {str(p) for p in place_ids}
    return {
        "schedule": schedule,
        "experiment": experiment,
        "outside": tuple(p for p in schedule.places if p not in known),
    }


def run_trial(
    recipe: PackRecipe,
    inputs: dict[str, Path],
    evaluation: Evaluation,
    place_ids: list,
) -> PackTrial | None:
    """Simulate the planned trial and analyse the run one a recipe gives.

    Parameters
    ----------
    recipe : PackRecipe
    inputs : dict of role -> Path
        Resolved input files (``trial_schedule``, ``trial_counts`` and
        ``trial_dosage`` when given).
    evaluation : Evaluation
        The pack's evaluation; its panel gives the planned trial's base rates.
    place_ids : list
        The recipe's places, in the order of the places file.

    Returns
    -------
    PackTrial or None
        None when the recipe has no trial fields.
    """
    if recipe.trial_plan is None and recipe.trial_schedule is None:
        return None
    parts: dict[str, Any] = {}
    if recipe.trial_plan is not None:
        parts.update(_plan_power(recipe, evaluation, place_ids))
    if recipe.trial_schedule is not None:
        parts.update(_experiment(recipe, inputs, place_ids))
    return PackTrial(**parts)


def trial_frames(trial: PackTrial | None) -> dict[str, pd.DataFrame]:
    """Return the trial's data files for the pack's ``data/`` folder, by name."""
    if trial is None:
        return {}
    frames = {}
    if trial.power is not None and trial.rates is not None:
        unit = trial.power.plan.unit
        frames["trial_base_rates.csv"] = trial.rates.rename(
            columns={"base_rate": f"crimes_per_{unit}"}
        )
        frames["trial_power.csv"] = trial.power.table
    if trial.experiment is not None and trial.schedule is not None:
        frames["trial_effects.csv"] = trial.experiment.effects()
        rules = trial.schedule.rules
        frames["trial_design.csv"] = pd.DataFrame(
            {"rule": list(rules), "value": [_text(v) for v in rules.values()]}
        )
    return frames


def _text(value: Any) -> str:
    """Write a schedule rule as text: mappings and tuples spelt out, None empty."""
    if value is None:
        return ""
    if hasattr(value, "items"):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return " to ".join(_text(v) for v in value)
    return str(value)


def _methods_lines(recipe: PackRecipe, trial: PackTrial) -> list[str]:
    lines = ["## Randomised trial (testing)"]
    if trial.power is not None and trial.plan is not None:
        months = trial.rate_months
        dispersion = {
            "plan": f"{trial.plan.dispersion:.3g}, given in the plan",
            "estimated": f"{trial.plan.dispersion:.3g}, estimated from those "
            "months (hotspots.design.estimate_dispersion)",
            "none": "not estimable from one month: Poisson counts assumed",
        }[trial.dispersion_source]
        lines.append(
            f"- Power of the planned trial (hotspots.design."
            f"minimum_detectable_effect): {trial.plan.describe()}, at the "
            f"{trial.power.n_places} places of this pack; base rates from their "
            f"crimes in {len(months)} months ({months[0]} to {months[-1]}); "
            f"dispersion {dispersion}; {recipe.trial_sims} simulated trials per "
            f"effect, seed {recipe.seed}."
        )
    if trial.experiment is not None and trial.schedule is not None:
        rules = trial.schedule.rules
        names = ", ".join(
            md(Path(str(getattr(recipe, n))).name)
            for n in ("trial_schedule", "trial_counts", "trial_dosage")
            if getattr(recipe, n) is not None
        )
        lines.append(
            f"- Trial analysis (hotspots.evaluation.analyse_experiment) of {names}: "
            f"{md(str(rules.get('design', trial.experiment.design)))} design, "
            f"schedule seed {md(str(rules.get('seed', '')))}; intention to treat "
            "by two-way fixed-effects Poisson (and negative binomial) with "
            f"cluster-robust errors by place; randomisation test with "
            f"{recipe.permutations} schedules re-drawn by the schedule's own rules "
            f"(seed {recipe.seed}); carry-over check; per protocol and compliance "
            "when dosage is given."
        )
    lines += [
        "- The model, the randomisation test, the power simulation and their "
        "checks are on the hotspots methods page 'trials' (docs/methods/trials.md).",
        "",
    ]
    return lines


def methods_with_trial(recipe: PackRecipe, analysis: Any) -> str:
    """Return ``methods.md``, with the trial's methods before the references."""
    text = methods_markdown(recipe, analysis.evaluation, analysis.synthetic)
    trial = getattr(analysis, "trial", None)
    if trial is None:
        return text
    block = "\n".join(_methods_lines(recipe, trial)) + "\n"
    head, marker, tail = text.partition("## References\n")
    return head + block + marker + tail if marker else text + "\n" + block
