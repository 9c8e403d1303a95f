"""The pack page's Testing section: a planned trial's power and a run trial's result.

Every number is formatted here and every table escaped by pandas; the template
escapes the text. The sentences of the power and of the trial's verdict are the
library's own (:meth:`hotspots.design.Power.sentence`,
:meth:`hotspots.evaluation.Experiment.summary`), shown verbatim.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from hotspots.design import REGRESSION_CAVEAT, Plan, Power, Schedule
from hotspots.evaluation import format_p
from hotspots.evaluation._experiment import Experiment
from hotspots.pack._format import num, table
from hotspots.pack._recipe import PackRecipe
from hotspots.pack._trial import PackTrial

__all__ = ["trial_context"]

#: Schedule rules shown in the design table, in order, with their reader names.
_RULES = {
    "shifts": "patrol windows (UK local time)",
    "share_fraction": "share treated",
    "washout_days": "washout days after a patrolled day",
    "blocking": "blocking",
    "balance": "balanced by",
    "seed": "random seed of the schedule",
    "mechanism": "randomisation mechanism",
}
#: The trial's input files, by role, in the order the design table names them.
_FILES = ("trial_schedule", "trial_counts", "trial_dosage")
#: Keeps an interval or a p-value on one line of a narrow table column.
_NBSP = "\u00a0"
#: How many place ids the caveat about places outside the pack names.
_NAMED = 5


def trial_context(
    trial: PackTrial | None, recipe: PackRecipe, records: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Return the template's ``trial`` entry (None when the recipe has no trial)."""
    if trial is None:
        return None
    names = {r["role"]: r["name"] for r in records}
    plan = run = None
    if trial.power is not None and trial.plan is not None:
        plan = _plan(trial, trial.power, trial.plan)
    if trial.experiment is not None and trial.schedule is not None:
        run = _run(trial, trial.experiment, trial.schedule, names)
    if run is not None and plan is not None:
        step = (
            "A randomised trial of the patrols, and the power of a planned one, are "
            "reported under Testing."
        )
    elif run is not None:
        step = "A randomised trial of the patrols is reported under Testing."
    else:
        step = "The power of a planned randomised trial is reported under Testing."
    tracking = None
    if trial.experiment is not None and trial.experiment.compliance:
        share = trial.experiment.compliance["delivered_share"]
        minutes = trial.experiment.compliance["protocol_minutes"]
        slot = "shift" if trial.experiment.plan.get("shifts") else "day"
        tracking = (
            (
                f"{recipe.officer_hours:,.0f} officer hours recorded in total. "
                if recipe.officer_hours
                else ""
            )
            + f"Patrol minutes by place and {slot} of the trial were supplied "
            f"({names.get('trial_dosage', '')}): {share:.0%} of the treated "
            f"place-{slot}s received at least {minutes:g} minutes (see Testing)."
        )
    return {
        "heading": "randomised trial" if run else "power of a planned trial",
        "step": step,
        "tracking": tracking,
        "plan": plan,
        "run": run,
    }


def _plan(trial: PackTrial, power: Power, plan: Plan) -> dict[str, Any]:
    months = trial.rate_months
    per = "month" if plan.unit == "month" else "day"
    dispersion = {
        "plan": f"{plan.dispersion:.2f}, as given in the plan",
        "estimated": f"{plan.dispersion:.2f}, estimated from the same months",
        "none": "not estimable from one month, so none is simulated",
    }[trial.dispersion_source]
    crimes = 0.0 if trial.rates is None else float(trial.rates["crimes"].sum())
    inputs = (
        f"Proposed: {plan.describe()}, at the {power.n_places} places of this pack "
        f"(simulated {int(power.table['n_sims'].iloc[0]):,} times at each effect "
        f"size). Base rates: their {crimes:,.0f} crimes in the {len(months)} months "
        f"{months[0]} to {months[-1]}, on average {power.base_rate:.3f} crimes per "
        f"place per {per}. Month-to-month variation (NB2 dispersion): {dispersion}."
    )
    rows = power.table.sort_values("irr", ascending=False)
    power_table = table(
        pd.DataFrame(
            {
                "planted fall in crime": [
                    "none (how often the test finds an effect that is not there)"
                    if r == 0
                    else f"{r:.0%}"
                    for r in rows["reduction"]
                ],
                "rate ratio": rows["irr"].map(num),
                "power": rows["power"].map(lambda v: f"{v:.0%}"),
                "Monte Carlo SE": rows["mcse"].map(lambda v: f"{v:.1%}"),
                "simulated trials": rows["n_sims"].map(lambda v: f"{v:,}"),
            }
        )
    )
    return {
        "inputs": inputs,
        "sentence": power.sentence(),
        "table": power_table,
        "caveats": [*power.caveats, REGRESSION_CAVEAT],
    }


def _run(
    trial: PackTrial,
    experiment: Experiment,
    schedule: Schedule,
    names: dict[str, str],
) -> dict[str, Any]:
    rules = schedule.rules
    shown = [  # zero washout days and seed 0 are worth saying; no blocking is not
        key
        for key in _RULES
        if key in rules
        and (rules[key] not in (None, "", 0) or key in ("washout_days", "seed"))
    ]
    rows = [(_RULES[key], _rule(key, rules[key])) for key in shown]
    places = ", ".join(str(p) for p in schedule.places)
    slots = "place-shifts" if rules.get("shifts") else "place-days"
    rows[:0] = [
        ("design", _design(rules, experiment.design)),
        ("places", f"{len(schedule.places)}: {places}"),
        ("dates", f"{rules.get('start', '')} to {rules.get('end', '')}"),
    ]
    rows.append(("files", ", ".join(names[r] for r in _FILES if r in names)))
    design = table(pd.DataFrame(rows, columns=["setting", "value"]))
    return {
        "design": design,
        "summary": experiment.summary(),
        "effects": table(_effects(experiment)),
        "compliance": _compliance(experiment.compliance, slots),
        "caveats": _caveats(trial, experiment, len(schedule.places), names),
    }


def _design(rules, design: str) -> str:
    """Name the design and what its random assignment switches."""
    if design == "parallel":
        return "parallel groups: each place randomised once, for the whole trial"
    unit = rules.get("unit", "day")
    days = rules.get("period_days", 1) or 1
    what = f"periods of {days} days" if unit == "day" and days > 1 else unit
    return f"repeat crossover: each place switched on and off by {what}"


def _rule(key: str, value: Any) -> str:
    if key == "shifts" and hasattr(value, "items"):
        return "; ".join(f"{k} {a} to {b}" for k, (a, b) in value.items())
    if key == "washout_days":
        return f"{value:g}" if isinstance(value, int | float) else str(value)
    return str(value)


def _effects(experiment) -> pd.DataFrame:
    frame = experiment.effects()
    reading = frame["interpretation"].fillna("").astype(str)
    carry = frame["name"] == "carry-over check"
    if carry.any() and experiment.carryover is not None:
        # its interpretation is written for treated days; the check's own caveat
        # says what its ratio means
        reading = reading.where(~carry, experiment.carryover.caveats[0])
    return pd.DataFrame(
        {
            "estimate": frame["name"],
            "rate ratio": frame["estimate"].map(num),
            "95% CI": [
                f"{num(lo)}{_NBSP}to{_NBSP}{num(hi)}" if math.isfinite(lo) else ""
                for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ],
            "p": [
                format_p(v).replace(" ", _NBSP) if math.isfinite(v) else ""
                for v in frame["p_value"]
            ],
            "reading": reading,
        }
    )


def _compliance(compliance: dict, slots: str) -> str:
    if not compliance:
        return ""
    minutes = compliance["protocol_minutes"]
    rows = [
        (f"treated {slots}", f"{compliance['treated_slots']:,.0f}"),
        (
            f"treated {slots} with at least {minutes:g} minutes of patrol",
            f"{compliance['delivered_share']:.0%}",
        ),
        (f"control {slots}", f"{compliance['control_slots']:,.0f}"),
        (
            f"control {slots} with at least {minutes:g} minutes of patrol",
            f"{compliance['contaminated_share']:.0%}",
        ),
    ]
    return table(pd.DataFrame(rows, columns=["patrol delivered", "value"]))


def _caveats(
    trial: PackTrial, experiment: Experiment, n: int, names: dict[str, str]
) -> list[str]:
    named = [
        ("ITT, crimes (Poisson)", experiment.itt),
        ("ITT, crimes (negative binomial)", experiment.itt_negbin),
        ("ITT, harm (Poisson)", experiment.itt_harm),
        ("randomisation test", experiment.randomisation),
        ("carry-over check", experiment.carryover),
        ("per protocol", experiment.per_protocol),
    ]
    out = [
        f"{name}: {caveat}"
        for name, effect in named
        if effect is not None
        for caveat in effect.caveats
    ]
    if trial.outside:
        shown = ", ".join(trial.outside[:_NAMED])
        extra = len(trial.outside) - _NAMED
        more = f" and {extra} more" if extra > 0 else ""
        out.append(
            f"{len(trial.outside)} of the trial's {n} places are not among this "
            f"pack's places ({names.get('places', '')}): {shown}{more}; the maps and "
            "the evaluation above do not cover them."
        )
    return out
