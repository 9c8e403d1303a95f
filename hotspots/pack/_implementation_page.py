"""The pack page's tracked patrol, under I · Implementation: dose, plan, caveats.

Every number is formatted here and every table escaped by pandas; the template
escapes the text. The two charts are the library's own
(:func:`hotspots.tracking.plot_compliance`,
:func:`hotspots.tracking.plot_visit_lengths`) drawn as inline SVG like the
pack's other charts, with mathtext off so a place id is drawn as it is written.
The compliance sentences are the library's (:attr:`Compliance.words`), verbatim.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from hotspots.pack._charts import _RC, _svg
from hotspots.pack._format import num, table
from hotspots.pack._implementation import PackPatrols
from hotspots.pack._recipe import PackRecipe
from hotspots.tracking import plot_compliance, plot_visit_lengths
from hotspots.tracking._plots import KOPER_BAND

__all__ = ["CAVEATS", "patrols_context"]

#: What tracked patrol can and cannot say, on every pack that shows it.
CAVEATS = (
    "Pings are where radios or cameras were, not what officers did: a radio left "
    "in a parked car counts as presence, an officer away from their radio does "
    "not, and neither says whether officers were visible or what they did there.",
    "Only tracked units count: patrols by units without a tracked radio or "
    "camera, or with tracking off, are missing from every hour here.",
    "A ping counts at a hot spot when it falls inside the place or within the "
    "buffer round it; GPS error among tall buildings can be larger, and a unit "
    "driving past an edge is credited with the time to its next ping.",
)


def _hours(value: float) -> str:
    return f"{value:,.1f}"


def _ratio(value: float) -> str:
    """Write a rate ratio: two decimals, or two significant digits below 0.01."""
    return num(value) if not math.isfinite(value) or value >= 0.01 else f"{value:.2g}"


def _share(value: float) -> str:
    return f"{value:.0%}" if isinstance(value, float) and math.isfinite(value) else ""


def _places_table(patrols: PackPatrols) -> str:
    places = patrols.compliance.places
    frame = pd.DataFrame(
        {
            "place": places["place_id"].astype(str),
            "patrol hours": places["patrol_hours"].map(_hours),
            "officer hours": places["person_hours"].map(_hours),
            "visits": places["visits"].map(lambda v: f"{v:,.0f}"),
            "qualifying visits": places["qualifying_visits"].map(lambda v: f"{v:,.0f}"),
            "plan days compliant": [
                f"{done:,.0f} of {days:,.0f} ({_share(float(share))})"
                for done, days, share in zip(
                    places["days_compliant"],
                    places["days"],
                    places["share_compliant"],
                    strict=True,
                )
            ],
        }
    )
    if patrols.plan.target_hours is not None:
        frame["funded hours delivered"] = places["hours_share"].map(
            lambda v: _share(float(v))
        )
    return table(frame)


def _rules_table(patrols: PackPatrols, recipe: PackRecipe, names: dict) -> str:
    rules = patrols.dosage.rules
    counted = (
        f"local day ({rules['timezone']})"
        if rules["by"] == "day"
        else "shift: "
        + "; ".join(f"{k} {a} to {b}" for k, (a, b) in rules["shifts"].items())
    )
    default = {True: " (default)", False: ""}
    rows = [
        ("location export", names.get("patrol_pings", "")),
        (
            "rows of the export",
            f"{patrols.rows_read:,} read; {patrols.rows_kept:,} kept; "
            f"{patrols.rows_read - patrols.rows_kept:,} set aside",
        ),
        ("dates tracked", f"{rules['start']} to {rules['end']} (local dates)"),
        ("counted by", counted),
        (
            "buffer round each place (GPS error)",
            f"{rules['buffer']:g} m{default[rules['buffer_auto']]}",
        ),
        (
            "longest gap between pings counted as presence",
            f"{rules['max_gap']:g} s{default[rules['max_gap_auto']]}; a longer gap, "
            "or a unit's last ping, is credited with its median interval",
        ),
        ("patrol plan", patrols.plan.describe()),
        (
            "a visit qualifies when",
            "it starts inside the window (a window across midnight belongs to the "
            f"day it opens) and lasts at least {patrols.plan.min_visit_minutes:g} "
            "minutes; visits of several units at once count as one",
        ),
    ]
    if recipe.patrol_columns:
        mapped = ", ".join(f"{k}: {v}" for k, v in recipe.patrol_columns.items())
        rows.insert(1, ("column map", mapped))
    cut = patrols.compliance.rules.get("days_cut") or []
    if cut:
        rows.append(
            (
                "plan days left out",
                f"{', '.join(cut)}: the window runs past the last tracked date",
            )
        )
    return table(pd.DataFrame(rows, columns=["rule", "value"]))


def _set_aside(patrols: PackPatrols) -> tuple[str, str]:
    n = patrols.rows_read - patrols.rows_kept
    if not n:
        return f"All {patrols.rows_read:,} rows of the export were kept.", ""
    text = (
        f"{n:,} of the export's {patrols.rows_read:,} rows "
        f"({n / patrols.rows_read:.1%}) were set aside before counting, each with "
        "its reason; the counts by reason are in data/patrol_set_aside.csv (the rows "
        "themselves stay with the force)."
    )
    frame = patrols.set_aside.assign(n=patrols.set_aside["n"].map(lambda v: f"{v:,}"))
    return text, table(
        frame.rename(columns={"reason_code": "code", "n": "rows set aside"})
    )


def _charts(patrols: PackPatrols, synthetic: bool) -> tuple[str, str]:
    label = "SYNTHETIC DATA: " if synthetic else ""
    with plt.rc_context({**_RC, "text.parse_math": False}):
        ax = plot_compliance(
            patrols.compliance,
            title=f"{label}share of plan days with the planned visits\n"
            f"{patrols.plan.describe()}",
        )
        heat = _svg(ax.figure)
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        n = len(patrols.dosage.visits)
        plot_visit_lengths(
            patrols.dosage,
            ax=ax,
            plan=patrols.plan,
            title=f"{label}how long each unit stayed at a hot spot ({n:,} visits)",
        )
        lengths = _svg(fig)
    return heat, lengths


def _dose(evaluation: Any, patrols: PackPatrols) -> dict[str, Any]:
    found = getattr(evaluation, "dose_response", None)
    if found is None:
        months = evaluation.settings.get("months", ("", ""))
        return {
            "sentence": "No dose-response: the pings cover "
            f"{patrols.dosage.rules['start']} to {patrols.dosage.rules['end']}, "
            "and no whole calendar month of that is among the evaluated months "
            f"({months[0]} to {months[-1]}).",
            "caveats": [],
        }
    if math.isfinite(found.estimate):
        sentence = (
            f"Across the treated places' monthly crimes in "
            f"{', '.join(found.rules['months'])} ({found.n_places} places with "
            f"crimes, {found.n_obs} place-months), each {found.per_hours:g} more "
            "patrol hours in a month went with a rate ratio of "
            f"{_ratio(found.estimate)} (95% CI {_ratio(found.ci_low)} to "
            f"{_ratio(found.ci_high)}); below 1 = fewer crimes in months with more "
            "patrol."
        )
        if found.ci_low < 1 < found.ci_high:
            sentence += (
                " The interval includes 1: these months cannot tell whether more "
                "patrol went with less crime or more."
            )
    else:
        sentence = (
            f"Dose-response over {', '.join(found.rules['months'])}: not estimable "
            "(no crimes in those place-months, or patrol hours that do not vary "
            "within places and months)."
        )
    # the first of them: patrol hours were not randomised unless a testing
    # design assigned them (the trial under Testing randomises days, not months)
    return {"sentence": sentence, "caveats": list(found.caveats)}


def patrols_context(
    analysis: Any, recipe: PackRecipe, records: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Return the template's ``patrols`` entry (None without ``patrol_pings``).

    Parameters
    ----------
    analysis : PackAnalysis
        Its ``patrols``, ``evaluation`` (for the dose-response) and
        ``synthetic``.
    recipe : PackRecipe
    records : list of dict
        Input files with ``role`` and ``name``.
    """
    patrols: PackPatrols | None = analysis.patrols
    if patrols is None:
        return None
    synthetic = bool(analysis.synthetic or patrols.synthetic)
    names = {r["role"]: r["name"] for r in records}
    overall = patrols.compliance.overall
    rules = patrols.dosage.rules
    n_places = len(patrols.dosage.places)
    span = f"{rules['start']} to {rules['end']}"
    summary = (
        f"Patrol at the {n_places} places was measured from the location pings of "
        f"patrol units' radios or cameras ({names.get('patrol_pings', '')}), "
        f"{span}: {_hours(overall['patrol_hours'])} hours with at least one unit "
        f"present ({_hours(overall['person_hours'])} officer hours), "
        f"{overall['visits']:,} visits. The plan: {patrols.plan.describe()}."
    )
    step = (
        f"{_hours(overall['patrol_hours'])} patrol hours at the {n_places} places, "
        f"{span}, measured from location pings; "
        f"{_share(float(overall['share_place_days_compliant']))} of place-days met "
        "the plan."
    )
    heat, lengths = _charts(patrols, synthetic)
    aside_text, aside_table = _set_aside(patrols)
    low, high = KOPER_BAND
    return {
        "synthetic": synthetic,
        "step": step,
        "intro": None
        if recipe.implementation
        else (
            "Patrol was tracked from location pings: how much each place received, "
            "how it compares with the plan, and what the pings cannot say, below."
        ),
        "summary": summary,
        "words": list(patrols.compliance.words),
        "compliance_svg": heat,
        "compliance_caption": (
            "Each row is a place, in the order of the places file; each column a "
            "week starting Monday "
            "(local time); the colour is the share of its plan days with the "
            "planned visits, and each cell reads days compliant / plan days. Grey: "
            "no plan day that week inside the tracked dates."
        ),
        "lengths_svg": lengths,
        "lengths_caption": (
            "Minutes each unit stayed at a hot spot per visit (one bar a minute). "
            f"The green band, {low:g} to {high:g} minutes, is where Koper (1995) "
            "found a patrol stop did most good: stops of about 10 minutes or more "
            "were followed by longer spells without disorder than drive-bys, with "
            "the most benefit at 11 to 15 minutes. The dashed line is the plan's "
            "minimum."
        ),
        "places_table": _places_table(patrols),
        "set_aside": aside_text,
        "set_aside_table": aside_table,
        "rules_table": _rules_table(patrols, recipe, names),
        "dose": _dose(analysis.evaluation, patrols),
        "caveats": [
            *(
                ["SYNTHETIC DATA: the location pings are simulated, not real patrols."]
                if patrols.synthetic
                else []
            ),
            *CAVEATS,
        ],
    }
