"""``hotspots power``: the power and minimum detectable effect of a proposed test."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from hotspots.cli._common import fail, shown
from hotspots.cli._schedule import parse_blocking, read_places
from hotspots.exceptions import HotspotsError


@click.command("power")
@click.argument("places", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--design",
    type=click.Choice(["crossover", "parallel", "before_after"]),
    required=True,
    help="crossover: every place switched on and off by day; parallel: places "
    "randomised to patrols or none; before_after: treated against comparison "
    "places, months before and after (what `hotspots evaluate` analyses).",
)
@click.option(
    "--length",
    type=int,
    required=True,
    help="Trial length: days (crossover, parallel) or months after the start "
    "(before_after).",
)
@click.option(
    "--months-selected",
    type=int,
    default=12,
    show_default=True,
    help="Months of crimes behind the 'n' column of PLACES (the selection period); "
    "the base rates are n over this.",
)
@click.option(
    "--before",
    type=int,
    default=0,
    show_default=True,
    help="Days (parallel) or months (before_after, at least 1) observed before "
    "the start.",
)
@click.option(
    "--share",
    type=float,
    default=0.5,
    show_default=True,
    help="Share of days (crossover) or places (parallel) patrolled.",
)
@click.option(
    "--washout-days",
    type=int,
    default=0,
    show_default=True,
    help="Crossover only: control days after a patrolled day left out.",
)
@click.option(
    "--blocking",
    metavar="none|pairs|N",
    callback=parse_blocking,
    help="Parallel only: randomise within matched pairs, or within N blocks of "
    "places of similar crime (default: none).",
)
@click.option(
    "--dispersion",
    type=float,
    default=0.0,
    show_default=True,
    help="Month-to-month variation of a place's counts beyond Poisson (NB2 alpha).",
)
@click.option(
    "--effect",
    "effects",
    type=float,
    multiple=True,
    help="Rate ratio to simulate (0.8 = a 20% fall), repeatable. Default: find "
    "the minimum detectable effect.",
)
@click.option(
    "--sims",
    type=int,
    default=1000,
    show_default=True,
    help="Simulated trials per effect.",
)
@click.option(
    "--alpha",
    type=float,
    default=0.05,
    show_default=True,
    help="Two-sided significance level.",
)
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for power.csv (the table) and power.json (plan, result, caveats).",
)
def power(
    places,
    design,
    length,
    months_selected,
    before,
    share,
    washout_days,
    blocking,
    dispersion,
    effects,
    sims,
    alpha,
    seed,
    out,
):
    """Simulate a proposed test of patrols: its power, or the smallest fall it finds.

    PLACES is the places file written by `hotspots select` (GeoJSON or
    GeoParquet) or a CSV with a place_id and an 'n' column (crimes in the
    selection period). With no --effect, finds the minimum detectable effect at
    80% power; with --effect, simulates the power at each rate ratio. Prints
    the result in a sentence, the table of effects tried and the caveats.
    """
    import pandas as pd

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.design import (
        REGRESSION_CAVEAT,
        Plan,
        base_rates,
        minimum_detectable_effect,
    )
    from hotspots.design import power as simulate_power

    try:
        frame = read_places(places)
        plan = Plan(
            design,
            length,
            share=share,
            before=before,
            washout_days=washout_days,
            blocking=blocking,
            dispersion=dispersion,
        )
        rates = base_rates(frame, months=months_selected, per=plan.unit)
        settings = {"n_sims": sims, "alpha": alpha, "seed": seed}
        if effects:
            result = simulate_power(plan, rates, effects=effects, **settings)
        else:
            result = minimum_detectable_effect(plan, rates, **settings)
        paths = {}
        if out is not None:
            paths = {"table": out / "power.csv", "record": out / "power.json"}
            record = {
                "plan": plan.to_dict(),
                "plan_description": plan.describe(),
                "places": Path(places).name,
                "n_places": result.n_places,
                "months_selected": months_selected,
                "base_rate": result.base_rate,
                "base_rate_per": plan.unit,
                "effects": list(effects) or None,
                "target": result.target,
                "mde": result.mde if math.isfinite(result.mde) else None,
                "mde_reduction": (
                    result.mde_reduction if math.isfinite(result.mde) else None
                ),
                "sentence": result.sentence(),
                "caveats": [*result.caveats, REGRESSION_CAVEAT],
                **settings,
            }
            with atomic_path(paths["table"]) as tmp:
                spreadsheet_safe(result.table).to_csv(tmp, index=False)
            with atomic_path(paths["record"]) as tmp:
                tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except (HotspotsError, ValueError, TypeError) as err:
        fail(err)
    click.echo(
        f"Base rate: {result.base_rate:.3g} crimes per place per {plan.unit} on "
        f"average ({len(rates)} places, {months_selected} months selected); "
        f"{sims} simulated trials per effect, seed {seed}."
    )
    click.echo(result.sentence())
    with pd.option_context("display.width", 120):
        click.echo(result.table.to_string(index=False, float_format="{:.3f}".format))
    for caveat in (*result.caveats, REGRESSION_CAVEAT):
        click.echo(f"Caveat: {caveat}")
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {shown(path)}")
