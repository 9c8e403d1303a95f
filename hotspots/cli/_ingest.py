"""``hotspots ingest``: read police.uk data or a force extract, with a quarantine.

``hotspots ingest --national ARCHIVE --out DATASET`` ingests a whole police.uk bulk
archive into a partitioned dataset instead (:mod:`hotspots.cli._ingest_national`).
"""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import boundary_option, fail, shown
from hotspots.exceptions import HotspotsError


@click.command()
@click.argument("source", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--national",
    type=click.Path(exists=True, path_type=Path),
    metavar="ARCHIVE",
    help="Ingest a whole police.uk bulk archive (folder or ZIP, every force and "
    "month) into the partitioned dataset --out, incrementally, instead of SOURCE.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <name>.parquet (kept rows) and <name>_quarantine.csv "
    "[default: data/processed]; with --national, the dataset folder "
    "[default: data/national].",
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
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="With --national: rows checked and written at a time (sets peak memory).",
)
@click.option("--progress/--no-progress", default=True, help="Progress bar.")
def ingest(
    source,
    national,
    out,
    name,
    forces,
    start,
    end,
    crime_types,
    boundary,
    column_map,
    force_name,
    batch_rows,
    progress,
):
    """Read police.uk data (CSV, archive folder or ZIP) or a force extract.

    Writes kept rows as GeoParquet (EPSG:27700) and the quarantine as CSV, and
    prints a summary by reason and force. With --national ARCHIVE, writes every
    force and month to a dataset by force and year, reading only new files.
    """
    from hotspots.io import read_boundary

    if national is not None:
        from hotspots.cli._ingest_national import run_national

        if source is not None or column_map:
            fail(ValueError("--national takes no SOURCE or --column-map."))
        filters = {"forces": forces or None, "start": start, "end": end}
        run_national(
            national,
            out or Path("data/national"),
            {**filters, "crime_types": crime_types},
            batch_rows=batch_rows,
            progress=progress,
            boundary=boundary,
        )
        return
    if source is None:
        fail(ValueError("give SOURCE, or --national ARCHIVE for a bulk archive."))
    out = out or Path("data/processed")
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
