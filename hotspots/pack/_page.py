"""The pack's page, ``index.html``: the EMMIE-framed story of one evaluation."""

from __future__ import annotations

import importlib.resources
import math
from typing import Any

import jinja2
import numpy as np

from hotspots._version import __version__
from hotspots.evaluation import POLICEUK_CAVEATS, format_p
from hotspots.pack import _charts as charts
from hotspots.pack._analysis import PackAnalysis
from hotspots.pack._economics import economic_texts
from hotspots.pack._evidence_page import evidence_context
from hotspots.pack._format import num, pct, reader_estimates, table
from hotspots.pack._implementation_page import patrols_context
from hotspots.pack._map_embed import interactive_map_html
from hotspots.pack._recipe import BOUNDARY_ATTRIBUTION, PackRecipe
from hotspots.pack._trial_page import trial_context

__all__ = ["POLICEUK_ATTRIBUTION", "render_page"]


#: Attribution for police.uk data shown in packs built on real data.
POLICEUK_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence "
    "v3.0 (police.uk street-level crime data)."
)


def _template() -> tuple[jinja2.Template, str]:
    folder = importlib.resources.files("hotspots.pack") / "templates"
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    page = env.from_string((folder / "index.html.j2").read_text(encoding="utf-8"))
    css = (folder / "pack.css").read_text(encoding="utf-8")
    return page, css


def render_page(
    analysis: PackAnalysis,
    recipe: PackRecipe,
    records: list[dict[str, Any]],
    *,
    interactive_map: bool = True,
) -> tuple[str, dict[str, str]]:
    """Return the pack's ``index.html`` and its "At a glance" entries as text.

    Parameters
    ----------
    analysis : PackAnalysis
        The numbers to show (:func:`hotspots.pack._analysis.run_analysis`).
    recipe : PackRecipe
        Titles, free text and parameters.
    records : list of dict
        Input files with ``role``, ``name``, ``bytes`` and ``sha256``.
    interactive_map : bool, default True
        Embed the offline interactive map (an ``iframe`` with ``srcdoc``).

    Returns
    -------
    html : str
        The page. Every string from the data or the recipe is escaped by the
        template (Jinja2 autoescape); charts are SVG made here, tables are
        escaped by pandas. A Content-Security-Policy forbids any network load.
    glance : dict of str
        The first screen as plain text: ``what``, ``effect``, ``randomisation``,
        ``displacement``, ``cost_per_crime``, ``study_quality`` and ``label``.
    """
    evaluation = analysis.evaluation
    crimes, places, ring, cells = (
        analysis.crimes,
        analysis.places,
        analysis.rings,
        analysis.cells,
    )
    costs, cost_caveats = analysis.costs, analysis.cost_caveats
    synthetic = analysis.synthetic
    place_table = analysis.place_table
    start = evaluation.settings["treatment_start"]
    selection = evaluation.settings["selection_months"]
    observed_after = float(place_table["crimes_after"].sum())
    in_sel = analysis.n_selection

    did = evaluation.did_negative_binomial
    outcome = (
        "serious violence"
        if recipe.definition == "serious_violence"
        else (
            f"'{recipe.definition}' crimes" if recipe.definition != "all" else "crime"
        )
    )
    first, last = crimes["month"].min(), crimes["month"].max()
    period = f"{first:%B %Y} to {last:%B %Y}"
    map_title = (
        f"Hot spots of {outcome}, {recipe.area}, {selection[0]} to {selection[-1]}"
    )
    verdict = evaluation.verdict
    label, label_reason = verdict.label, verdict.label_reason
    wdq, wdd = evaluation.wdq, evaluation.wdd
    p = evaluation.randomisation.p_value
    naive = evaluation.naive
    sel_treated = evaluation.matched.panel
    sel_treated = sel_treated[
        sel_treated["treated"].astype(bool)
        & sel_treated["month"].dt.strftime("%Y-%m").isin(selection)
    ]["count"].sum()
    median_area = float(np.median(places.geometry.area))
    per_crime, economic, costs_table = economic_texts(
        costs, recipe, observed_after=observed_after
    )

    quality_caveats = _quality_caveats(analysis.quality)
    caveats = [
        *(["SYNTHETIC DATA: simulated crimes, not real ones"] if synthetic else []),
        *evaluation.caveats,
        *quality_caveats,
        *cost_caveats,
    ]
    # the design caveat a reader most needs: why the SMS level is what it is
    design_caveats = sorted(
        (c for c in evaluation.caveats if c not in POLICEUK_CAVEATS.values()),
        key=lambda c: not c.startswith("Maryland SMS"),
    )
    # the SMS caveat is the Study quality line already: show the next design caveat
    main_caveats = [
        POLICEUK_CAVEATS["monthly_dates"],
        POLICEUK_CAVEATS["snapped_locations"],
        *[c for c in design_caveats if not c.startswith("Maryland SMS")][:1],
    ]
    effects_for_chart = {
        "naive before/after (no comparison)": naive,
        "DiD, negative binomial (main)": did,
        "DiD, Poisson": evaluation.did_poisson,
        "randomisation (placebo interval)": evaluation.randomisation,
        "ITS level change (treated only)": evaluation.its.level,
    }
    effects_table = table(reader_estimates(evaluation))
    checks_table = table(
        verdict.checks.assign(
            value=[
                _check_value(c, v)
                for c, v in zip(
                    verdict.checks["check"], verdict.checks["value"], strict=True
                )
            ],
            passed=verdict.checks["passed"].map({True: "yes", False: "no"}),
        ).rename(columns={"shown_in": "shown in"})
    )
    balance_table = table(
        evaluation.balance.reset_index(names="measure")
        .assign(
            measure=lambda f: f["measure"].map(
                {"level": "level (crimes per month)", "trend": "trend (change a month)"}
            ),
            **{
                c: (lambda col: lambda f: f[col].map(lambda v: num(v, 3)))(c)
                for c in ("treated_mean", "comparison_mean", "pool_mean", "std_diff")
            },
        )
        .rename(
            columns={
                "treated_mean": "treated places",
                "comparison_mean": "comparison places",
                "pool_mean": "all candidates",
                "std_diff": "standardised difference",
            }
        )
    )
    places_table = table(
        place_table.assign(
            per_month_before=lambda f: f["per_month_before"].map(num),
            per_month_after=lambda f: f["per_month_after"].map(num),
            crimes_before=lambda f: f["crimes_before"].map(lambda v: f"{v:,.0f}"),
            crimes_after=lambda f: f["crimes_after"].map(lambda v: f"{v:,.0f}"),
        ).rename(columns=lambda c: c.replace("_", " "))
    )
    map_html = (
        interactive_map_html(
            cells, places, ring, recipe=recipe, title=map_title, synthetic=synthetic
        )
        if interactive_map
        else ""
    )
    n_comp = len(evaluation.matched.comparison_ids)
    names = {r["role"]: r["name"] for r in records}
    context = {
        "synthetic": synthetic,
        "title": recipe.title,
        "organisation": recipe.organisation,
        "area": recipe.area,
        "period": period,
        "treatment_start": f"{start:%B %Y}",
        "n_places": len(places),
        "outcome": outcome,
        "what": (
            f"{len(places)} places in {recipe.area} "
            f"(median {median_area:,.0f} m² each) "
            f"treated from {start:%B %Y}"
            + (f" by {recipe.organisation}" if recipe.organisation else "")
            + f"; {outcome} from {period} ({len(crimes):,} crimes with a location)."
        ),
        "headline": verdict.sentences["effect"],
        "comparison": (
            f"{n_comp} comparison places chosen to match the treated places' "
            f"selection-period level and trend ({recipe.comparisons_k} per treated "
            f"place, outside the {recipe.ring_radius:g} m rings), in a negative "
            "binomial difference-in-differences with place and month fixed effects"
        ),
        "balance_sentence": verdict.sentences["balance"],
        "randomisation": verdict.sentences["randomisation"].rstrip(".")
        + (f" ({recipe.permutations} placebo sets)." if p is not None else "."),
        "displacement": (
            f"{wdq.interpretation} (weighted displacement quotient "
            f"{wdq.estimate:.2f}, {recipe.ring_radius:g} m rings); {wdd.interpretation}"
            + (
                f" (weighted displacement difference {wdd.estimate:,.0f} crimes, "
                f"{wdd.ci_level:.0%} CI {wdd.ci_low:,.0f} to {wdd.ci_high:,.0f}, p "
                f"{'' if format_p(wdd.p_value)[0] == '<' else '= '}"
                f"{format_p(wdd.p_value)})"
                if wdd.has_ci
                else ""
            )
            + (
                ", though its before period is the year the places were chosen on, "
                "so part of that change is regression to the mean."
                if any("regression to the mean" in c for c in wdd.caveats)
                else "."
            )
        ),
        "cost_per_crime": per_crime,
        "sms_level": evaluation.sms_level,
        "design_sentence": verdict.sentences["design"],
        "sms_next": (
            evaluation.sms_reasons[1][:1].upper() + evaluation.sms_reasons[1][1:] + "."
            if len(evaluation.sms_reasons) > 1
            else ""
        ),
        "main_caveats": main_caveats,
        "label": label,
        "label_reason": label_reason,
        "targeting": (
            f"{len(places)} places (median {median_area:,.0f} m²) given as input. "
            "In the "
            f"selection period ({selection[0]} to {selection[-1]}) they held "
            f"{sel_treated:,.0f} of the {in_sel:,} located crimes "
            f"({100 * sel_treated / max(in_sel, 1):.1f}%). "
            "The map shows them among that "
            "period's Gi* hot spots."
        ),
        "tracking": (
            f"{recipe.officer_hours:,.0f} officer hours recorded in total; "
            "no dosage by "
            "place and visit was supplied."
            if recipe.officer_hours
            else "No patrol dosage was supplied. Record minutes per place per visit "
            "(for example from GPS or body-worn video) so the next evaluation can "
            "relate the effect to the dose delivered."
        ),
        "testing": (
            f"Matched comparison places, difference-in-differences, a randomisation "
            f"test, an interrupted time series and displacement rings: Maryland SMS "
            f"level {evaluation.sms_level}."
        ),
        "map_html": map_html,
        "places_svg": charts.places_svg(
            cells, places, ring, title=map_title, synthetic=synthetic
        ),
        "selection": f"{selection[0]} to {selection[-1]}",
        "hotspot_caption": (
            f"Gi* hot and cold spots of the selection period ({selection[0]} to "
            f"{selection[-1]}, {recipe.cell_size:g} m cells, Benjamini-Hochberg FDR "
            f"control), the treated places (black) and their {recipe.ring_radius:g} m "
            "displacement rings (dashed)."
            if (cells["gi_bin"] != 0).any()
            else "No cell was a significant Gi* hot or cold spot in the selection "
            f"period ({selection[0]} to {selection[-1]}, {recipe.cell_size:g} m "
            "cells, Benjamini-Hochberg FDR control): too few crimes in too small an "
            "area for the test to single any out. The map shows the treated places "
            f"(black) and their {recipe.ring_radius:g} m displacement rings (dashed)."
        ),
        "cell_size": f"{recipe.cell_size:g}",
        "ring_radius": f"{recipe.ring_radius:g}",
        "effect_text": (
            f"A naive before/after count in the treated places alone gives a rate "
            f"ratio of {naive.estimate:.2f} ({pct(naive.estimate)} crimes). Places "
            "picked because they were busy tend to be quieter afterwards anyway "
            "(regression to the mean), so this overstates the effect. Against "
            f"matched comparison places the difference-in-differences gives "
            f"{did.estimate:.2f} (95% CI {did.ci_low:.2f} to {did.ci_high:.2f}); the "
            f"Poisson model {evaluation.did_poisson.estimate:.2f}, the relative effect "
            f"size {evaluation.res.estimate:.2f}, and the interrupted time series "
            "of the treated places puts the level change at "
            f"{evaluation.its.level.estimate:.2f}."
        ),
        "effects_svg": charts.effects_svg(effects_for_chart, synthetic=synthetic),
        "its_svg": charts.its_svg(evaluation.its, synthetic=synthetic),
        "effects_table": effects_table,
        "checks_table": checks_table,
        "balance_table": balance_table,
        "mechanism": recipe.mechanism
        or (
            "Not assessed by this analysis. The mechanism usually proposed for "
            "visible hot spot patrol is deterrence: a higher perceived risk of being "
            "caught at the place (Braga et al. 2019, Campbell Systematic Reviews). "
            "Say what officers did in the places and how it was meant to reduce "
            "violence."
        ),
        "moderators": recipe.moderators
        or (
            "Not assessed: the evaluation pools all places. Effects may differ by "
            "place type, time of day and patrol dose; police.uk's monthly dates rule "
            "out time-of-day analysis."
        ),
        "implementation": recipe.implementation
        or (
            "Not described. The Home Office evaluation of Grip (Jeffery et al. 2024) "
            "asks how much hot spot policing was delivered and how: record planned and "
            "delivered patrol minutes per place."
        ),
        "places_table": places_table,
        "economic_text": economic,
        "costs_table": costs_table,
        "caveats": caveats,
        "trial": trial_context(analysis.trial, recipe, records),
        "patrols": patrols_context(analysis, recipe, records),
        "evidence": evidence_context(analysis.evidence, synthetic=synthetic),
        "provenance": (
            f"Crimes from {names['crimes']}; treated places from "
            f"{names['places']}. "
            + (
                "SYNTHETIC DATA generated by hotspots.synthetic: not real crime."
                if synthetic
                else POLICEUK_ATTRIBUTION
            )
        ),
        "inputs": records,
        "seed": recipe.seed,
        "version": __version__,
        "attribution": _boundary_attribution(recipe),
    }
    page, css = _template()
    context["css"] = css
    glance = {
        "what": str(context["what"]),
        "effect": f"{context['headline']} Against {context['comparison']}.",
        "randomisation": str(context["randomisation"]),
        "displacement": str(context["displacement"]),
        "cost_per_crime": str(context["cost_per_crime"]),
        "study_quality": " ".join(
            str(context[key])
            for key in ("design_sentence", "balance_sentence", "sms_next")
            if context[key]
        ),
        "label": f"{label}: {label_reason}",
    }
    return page.render(**context), glance


def _quality_caveats(quality) -> list[str]:
    """One caveat per kind of data-quality warning, with the first places named."""
    if quality is None:
        return []
    warned = quality.findings[quality.findings["severity"] == "warning"]
    out = []
    for check, rows in warned.groupby("check", sort=False):
        named = "; ".join(rows["where"].head(3))
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        out.append(
            f"data quality ({str(check).replace('_', ' ')}): {len(rows)} finding(s): "
            f"{named}{more} (all with their evidence in data/quality_findings.csv)"
        )
    return out


def _boundary_attribution(recipe: PackRecipe) -> str:
    """Return the boundary data's attribution (ONS / OS by default with a boundary)."""
    if recipe.boundary_attribution is not None:
        return recipe.boundary_attribution
    return BOUNDARY_ATTRIBUTION if recipe.boundary else ""


def _check_value(check: str, value: float) -> str:
    """Write a verdict check's number as the tables beside it do."""
    if check in ("pre-trend test", "randomisation test"):
        return format_p(None if math.isnan(value) else value)
    if check == "several units":
        return f"{value:,.0f}"
    if check in ("controls", "random assignment"):
        return "yes" if value else "no"
    return num(value, 2)
