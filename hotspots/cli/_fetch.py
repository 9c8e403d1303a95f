"""``hotspots fetch``: download police.uk street-level crime for a force and months."""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import fail, shown
from hotspots.exceptions import HotspotsError


@click.command("fetch")
@click.option(
    "--force",
    required=True,
    help="Force by slug or name, e.g. leicestershire or 'Leicestershire Police'.",
)
@click.option("--from", "start", required=True, help="First month, YYYY-MM.")
@click.option("--to", "end", required=True, help="Last month, YYYY-MM.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/raw/policeuk"),
    show_default=True,
    help="Folder for YYYY-MM/YYYY-MM-<force>-street.csv and manifest.json.",
)
@click.option(
    "--source",
    type=click.Choice(["archive", "api"]),
    default="archive",
    show_default=True,
    help="archive: the monthly bulk ZIPs (byte for byte); api: the street-level "
    "crimes API over the force's outline (no LSOA columns).",
)
@click.option(
    "--base-url",
    help="Site serving /data/archive/ and /api/ (default https://data.police.uk); "
    "a mirror.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache folder (default OUT/.cache); share one between forces.",
)
@click.option(
    "--retries", type=int, default=4, show_default=True, help="Retries per request."
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for an answer.",
)
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def fetch(
    force, start, end, out, source, base_url, cache, retries, timeout, no_progress
):
    """Download police.uk street-level crime for one force and a run of months.

    Writes the bulk-archive layout `hotspots ingest` reads, and a manifest of what
    was fetched, when, from where, with sha256 checksums. A re-run downloads only
    what is missing. Without a network it stops with an error saying so; copy the
    police.uk files into OUT by hand instead.
    """
    try:
        result = hotspots.fetch_policeuk(
            force,
            start=start,
            end=end,
            out=out,
            source=source,
            base_url=base_url,
            cache=cache,
            retries=retries,
            timeout=timeout,
            progress=not no_progress,
        )
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(str(result))
    click.echo(f"Next: hotspots ingest {shown(result.out)} --force {result.force}")
