"""``hotspots ingest --national``: a whole police.uk bulk archive into a dataset."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import fail, shown
from hotspots.exceptions import HotspotsError


def run_national(
    archive: Path,
    out: Path,
    filters: dict,
    *,
    batch_rows: int,
    progress: bool,
    boundary: str | None = None,
) -> None:
    """Ingest ``archive`` into the dataset ``out`` and print the summary.

    ``boundary`` is the ``--boundary`` text, as for ``hotspots ingest``: a polygon
    file, or a police force's name or slug (its area).
    """
    import hotspots
    from hotspots.io import ingest_national, read_boundary

    types = filters.pop("crime_types")
    if types and types not in hotspots.DEFINITIONS:
        types = [t.strip() for t in types.split(",")]
    try:
        area = read_boundary(boundary) if boundary else None
        done = ingest_national(
            archive,
            out,
            crime_types=types or None,
            boundary=area,
            batch_rows=batch_rows,
            progress=progress,
            **filters,
        )
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(str(done))
    click.echo(
        f"Dataset: {shown(out)} (open with hotspots.io.open_national; the ledger is "
        f"{shown(out / '_ledger.json')})."
    )
