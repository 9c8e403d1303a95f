"""``hotspots demo-data`` and ``hotspots demo``: SYNTHETIC data and the demo."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import fail, shown
from hotspots.exceptions import HotspotsError


@click.command("demo-data")
@click.option("--seed", default=20240601, show_default=True, help="Random seed.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/raw/synthetic"),
    show_default=True,
    help="Folder for the SYNTHETIC archive and truth.json.",
)
@click.option(
    "--zip", "zip_archive", is_flag=True, help="Also write the archive as a ZIP."
)
def demo_data(seed, out, zip_archive):
    """Generate the SYNTHETIC Leicestershire archive with a planted truth."""
    from hotspots.synthetic import make_archive

    archive = make_archive(out, rng=seed, zip_archive=zip_archive)
    click.echo(f"Wrote SYNTHETIC archive: {archive.root} ({archive.n_rows:,} rows)")
    click.echo(f"Planted truth: {archive.truth_path}")
    if archive.zip_path:
        click.echo(f"ZIP: {archive.zip_path}")


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for the demo's outputs.",
)
@click.option(
    "--no-notebooks", is_flag=True, help="Skip executing and rendering notebooks."
)
def demo(out, no_notebooks):
    """Run the demo end to end on the bundled real sample and SYNTHETIC data."""
    from hotspots.cli._demo_run import run_demo

    try:
        outputs = run_demo(out, render_notebooks=not no_notebooks)
    except HotspotsError as err:
        fail(err)
    for title, text in outputs.pop("summaries").items():
        click.echo(f"\n== {title} ==\n{text}")
    click.echo("\nOutputs:")
    for key, path in outputs.items():
        click.echo(f"  {key}: {shown(path)}")
