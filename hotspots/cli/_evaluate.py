"""``hotspots evaluate``: before/after evaluation of patrols in places."""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import fail, load_crimes, shown
from hotspots.exceptions import HotspotsError


@click.command("evaluate")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Polygon file (GeoJSON, GeoPackage...) of the treated places.",
)
@click.option("--treatment-start", required=True, help="First treated month, YYYY-MM.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for evaluation.csv, balance.csv and its.png.",
)
@click.option(
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to evaluate: a definition name (serious_violence, violence, "
    "robbery) or 'all'.",
)
@click.option(
    "--id-column",
    default="place_id",
    show_default=True,
    help="Column of --places naming each place.",
)
@click.option(
    "--ring-radius",
    type=float,
    default=250.0,
    show_default=True,
    help="Displacement ring width in metres.",
)
@click.option(
    "--comparisons-k",
    type=int,
    default=3,
    show_default=True,
    help="Comparison places matched to each treated place.",
)
@click.option(
    "--permutations",
    type=int,
    default=999,
    show_default=True,
    help="Placebo sets for the randomisation test.",
)
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
def evaluate(
    crimes,
    places,
    treatment_start,
    out_dir,
    definition,
    id_column,
    ring_radius,
    comparisons_k,
    permutations,
    seed,
):
    """Evaluate patrols in the places: naive, DiD, randomisation, ITS, RES and WDQ.

    CRIMES is a GeoParquet written by `hotspots ingest`, covering months before
    and after the start. Writes evaluation.csv (one row per estimate),
    balance.csv (treated vs matched comparison places) and its.png, and prints
    the summary with its caveats.
    """
    import matplotlib.pyplot as plt

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.io import read_boundary

    try:
        points = load_crimes(crimes, None, None, definition)
        treated = read_boundary(places)
        result = hotspots.evaluate(
            points,
            treated,
            treatment_start=treatment_start,
            ring_radius=ring_radius,
            comparisons_k=comparisons_k,
            permutations=permutations,
            id_column=id_column,
            rng=seed,
        )
        synthetic = "context" in points.columns and bool(
            points["context"].astype(str).str.contains("SYNTHETIC").any()
        )
        label = "SYNTHETIC DATA: " if synthetic else ""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "estimates": out_dir / "evaluation.csv",
            "balance": out_dir / "balance.csv",
            "verdict checks": out_dir / "verdict_checks.csv",
            "plot": out_dir / "its.png",
        }
        with atomic_path(paths["estimates"]) as tmp:
            spreadsheet_safe(result.to_frame()).to_csv(tmp, index=False)
        with atomic_path(paths["balance"]) as tmp:
            spreadsheet_safe(result.balance.reset_index(names="feature")).to_csv(
                tmp, index=False
            )
        with atomic_path(paths["verdict checks"]) as tmp:
            spreadsheet_safe(result.verdict.checks).to_csv(tmp, index=False)
        ax = hotspots.plot_its(
            result.its,
            title=f"{label}crimes in the {len(treated)} treated places, "
            "interrupted time series",
        )
        try:
            with atomic_path(paths["plot"]) as tmp:
                ax.figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        finally:
            plt.close(ax.figure)
    except (HotspotsError, ValueError) as err:
        fail(err)
    if synthetic:
        click.echo("SYNTHETIC DATA: the crimes are simulated, not real.")
    click.echo(str(result))
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {shown(path)}")
