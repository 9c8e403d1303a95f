"""``hotspots quality``: data-quality checks before any hot spot is shown."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import crimes_options, fail, load_crimes, shown
from hotspots.exceptions import HotspotsError


def quality_text(report, *, top: int = 8) -> str:
    """Return the summary printed after ``ingest``, ``find`` and ``select``."""
    return report.summary(top=top)


@click.command("quality")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--quarantine",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The quarantine CSV written beside CRIMES by `hotspots ingest` "
    "(default: <name>_quarantine.csv next to it, when present).",
)
@crimes_options("check", "to check")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the findings table as CSV (spreadsheet-safe).",
)
@click.option(
    "--points",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the flagged map points as GeoJSON (a map layer).",
)
@click.option("--top", type=int, default=20, show_default=True, help="Findings shown.")
def quality(crimes, quarantine, definition, start, end, out, points, top):
    """Check crimes for recording artefacts before mapping them.

    Flags map points that hold far more crimes than their neighbourhood or whose
    crimes nearly all end in court (custody suites, prisons), points labelled as a
    police station, hospital, prison or court, months missing from the data,
    implausible monthly totals, shifts in the share without a location, LSOA code
    vintages, duplicate IDs and rows far outside the force. CRIMES is a GeoParquet
    written by `hotspots ingest`.
    """
    import pandas as pd

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.quality import check_data

    if quarantine is None:
        beside = crimes.with_name(f"{crimes.stem}_quarantine.csv")
        quarantine = beside if beside.exists() else None
    try:
        points_in = load_crimes(crimes, start, end, definition)
        set_aside = (
            pd.read_csv(quarantine, dtype=str, keep_default_na=False)
            if quarantine is not None
            else None
        )
        report = check_data(points_in, quarantine=set_aside)
        if out is not None:
            with atomic_path(out) as tmp:
                spreadsheet_safe(report.findings).to_csv(tmp, index=False)
        if points is not None:
            with atomic_path(points) as tmp:
                report.flagged_points.to_crs(4326).to_file(tmp, driver="GeoJSON")
    except (HotspotsError, ValueError) as err:
        fail(err)
    if quarantine is None:
        click.echo(
            "No quarantine file given: the missing-location and duplicate-ID checks "
            "were skipped (pass --quarantine)."
        )
    click.echo(quality_text(report, top=top))
    for label, path in (("findings", out), ("flagged points", points)):
        if path is not None:
            click.echo(f"Wrote {label}: {shown(path)}")
