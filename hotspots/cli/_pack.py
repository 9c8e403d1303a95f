"""``hotspots pack``: build or rebuild a knowledge-sharing pack."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hotspots.cli._common import fail, shown
from hotspots.exceptions import HotspotsError


@click.command("pack")
@click.argument(
    "crimes",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file (GeoJSON, GeoPackage...) of the treated places.",
)
@click.option("--treatment-start", help="First treated month, YYYY-MM.")
@click.option("--title", help="Title of the pack.")
@click.option("--area", help="Where, e.g. 'Leicestershire'.")
@click.option("--organisation", default="", help="Who ran the intervention.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed/pack"),
    show_default=True,
    help="Pack folder (a zip is written beside it).",
)
@click.option(
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to evaluate: a definition name or 'all'.",
)
@click.option("--id-column", default="place_id", show_default=True)
@click.option("--ring-radius", type=float, default=250.0, show_default=True)
@click.option("--permutations", type=int, default=999, show_default=True)
@click.option("--seed", type=int, default=20240601, show_default=True)
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Study-area polygons for the hotspot grid.",
)
@click.option("--officer-hours", type=float, help="Patrol officer hours (post period).")
@click.option("--hourly-cost", type=float, help="Cost of one officer hour, GBP.")
@click.option("--hourly-cost-source", default="", help="Where the hourly cost is from.")
@click.option(
    "--price-year",
    help="Financial year the hourly cost is priced in, e.g. 2024/25; every money "
    "figure is put in it (default: the latest year of the shipped GDP deflator).",
)
@click.option(
    "--boundary-attribution",
    help="Attribution of the --boundary data (default: the ONS / OS statement).",
)
@click.option(
    "--pings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Patrol location pings (CSV export, as `hotspots dosage` reads): adds the "
    "tracked patrol, compliance and dose-response to the Implementation section.",
)
@click.option(
    "--patrol-plan",
    help='The patrol plan as JSON of PatrolPlan fields, e.g. \'{"min_visit_minutes": '
    '15, "window": ["18:00", "02:00"], "target_hours": 2}\' (default: one visit '
    "of at least 15 minutes a day, 18:00-02:00). Needs --pings.",
)
@click.option("--no-map", is_flag=True, help="Static map only (smaller page).")
@click.option("--no-zip", is_flag=True, help="Do not write the zip.")
@click.option(
    "--rebuild",
    type=click.Path(exists=True, path_type=Path),
    help="Rebuild the pack of this manifest.json (or pack folder) into --out and "
    "compare every output byte for byte; other options are ignored.",
)
def pack(
    crimes,
    places,
    treatment_start,
    title,
    area,
    organisation,
    out,
    definition,
    id_column,
    ring_radius,
    permutations,
    seed,
    boundary,
    officer_hours,
    hourly_cost,
    hourly_cost_source,
    price_year,
    boundary_attribution,
    pings,
    patrol_plan,
    no_map,
    no_zip,
    rebuild,
):
    """Build a College of Policing knowledge-sharing pack, or rebuild one.

    CRIMES is a GeoParquet written by `hotspots ingest`. The pack folder holds
    index.html (EMMIE-framed page with maps, charts and tables; opens offline),
    data/ (numbers of every figure), methods.md and manifest.json (inputs and
    outputs with SHA-256, versions, parameters, seed).
    """
    from hotspots.pack import PackRecipe, build_pack, rebuild_pack

    try:
        if rebuild is not None:
            result = rebuild_pack(rebuild, out)
            click.echo(str(result))
            if not result.identical:
                sys.exit(1)
            return
        missing = [
            name
            for name, value in (
                ("CRIMES", crimes),
                ("--places", places),
                ("--treatment-start", treatment_start),
                ("--title", title),
                ("--area", area),
            )
            if value is None
        ]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or use --rebuild)")
        recipe = PackRecipe(
            crimes=str(crimes),
            places=str(places),
            treatment_start=treatment_start,
            title=title,
            area=area,
            organisation=organisation,
            definition=definition,
            id_column=id_column,
            ring_radius=ring_radius,
            permutations=permutations,
            seed=seed,
            boundary=None if boundary is None else str(boundary),
            officer_hours=officer_hours,
            hourly_cost=hourly_cost,
            hourly_cost_source=hourly_cost_source,
            price_year=price_year,
            boundary_attribution=boundary_attribution,
            patrol_pings=None if pings is None else str(pings),
            patrol_plan=None if patrol_plan is None else json.loads(patrol_plan),
        )
        built = build_pack(
            out, recipe, zip_archive=not no_zip, interactive_map=not no_map
        )
    except json.JSONDecodeError as err:
        fail(
            ValueError(
                f"--patrol-plan is not valid JSON ({err}); give an object of "
                "PatrolPlan fields."
            )
        )
    except (HotspotsError, ValueError, FileExistsError, FileNotFoundError) as err:
        fail(err)
    click.echo(f"Wrote pack: {shown(built.index)}")
    if built.zip_path:
        click.echo(f"Zip: {shown(built.zip_path)}")
