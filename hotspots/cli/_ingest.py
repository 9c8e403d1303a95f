"""``hotspots ingest``: read police.uk data or a force extract, with a quarantine."""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import boundary_option, fail, shown
from hotspots.exceptions import HotspotsError
from hotspots.io import read_boundary


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for <name>.parquet (kept rows) and <name>_quarantine.csv.",
)
@click.option("--name", default="crimes", show_default=True, help="Output file stem.")
@click.option("--force", "forces", multiple=True, help="Force to keep (repeatable).")
@click.option("--start", help="First month to keep, YYYY-MM.")
@click.option("--end", help="Last month to keep, YYYY-MM.")
@click.option(
    "--crime-types",
    help="Comma-separated police.uk crime types, or a definition name "
    "(serious_violence, violence, robbery).",
)
@boundary_option("Study area; rows outside it are set aside.")
@click.option(
    "--column-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML column map: read SOURCE as a force extract instead of police.uk data.",
)
@click.option(
    "--force-name", help="Force name for a force extract without a force column."
)
def ingest(
    source, out, name, forces, start, end, crime_types, boundary, column_map, force_name
):
    """Read police.uk data (CSV, archive folder or ZIP) or a force extract.

    Writes kept rows as GeoParquet (EPSG:27700) and the quarantine as CSV, and
    prints a summary by reason and force.
    """
    try:
        area = read_boundary(boundary) if boundary else None
        if column_map:
            result = hotspots.read_force_extract(
                source,
                column_map,
                force=force_name,
                start=start,
                end=end,
                boundary=area,
            )
        else:
            types = None
            if crime_types:
                types = (
                    crime_types
                    if crime_types in hotspots.DEFINITIONS
                    else [t.strip() for t in crime_types.split(",")]
                )
            result = hotspots.read_policeuk(
                source,
                forces=forces or None,
                start=start,
                end=end,
                crime_types=types,
                boundary=area,
            )
        paths = result.write(out, name=name)
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(str(result))
    if len(result.crimes):
        from hotspots.cli._quality import quality_text
        from hotspots.quality import check_data

        click.echo(quality_text(check_data(result.crimes, quarantine=result), top=6))
        click.echo(f"Full table: hotspots quality {shown(paths['crimes'])}")
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {path}")
