"""Helpers shared by the command-line verbs: loading crimes, errors, paths."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = [
    "artefact_lines",
    "boundary_option",
    "fail",
    "load_crimes",
    "read_layer",
    "shown",
]


def shown(path) -> str:
    """Return the path relative to the working folder when it lies inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_crimes(path: Path, start, end, definition: str):
    """Read a GeoParquet of crimes and keep the months and definition asked for."""
    import geopandas as gpd

    from hotspots.io import select_crimes
    from hotspots.io._assemble import normalise_months

    start, end = normalise_months(start, end)
    points = gpd.read_parquet(path)
    if (start or end) and "month" not in points.columns:
        raise ValueError(
            f"{path.name} has no 'month' column; write it with `hotspots ingest`."
        )
    if start:
        points = points[points["month"] >= f"{start}-01"]
    if end:
        points = points[points["month"] <= f"{end}-01"]
    if definition != "all":
        points = select_crimes(points, definition)
    return points


def fail(err: Exception) -> None:
    """Print the error for the user and exit with status 2."""
    click.echo(f"Error: {err}", err=True)
    sys.exit(2)


def read_layer(path: Path):
    """Read a GeoParquet (``.parquet``) or any file GDAL reads (GeoJSON, GeoPackage)."""
    import geopandas as gpd

    if Path(path).suffix.lower() in {".parquet", ".geoparquet"}:
        return gpd.read_parquet(path)
    return gpd.read_file(path)


def crimes_options(use: str, months: str = "to include"):
    """Make ``--definition``, ``--start`` and ``--end``: the crimes a verb uses.

    ``use`` completes "Crimes to ...", ``months`` "First/Last month ...": every verb
    words its crime filter the same way.
    """
    options = [
        click.option(
            "--definition",
            default="serious_violence",
            show_default=True,
            help=f"Crimes to {use}: a definition name (serious_violence, violence, "
            "robbery) or 'all'.",
        ),
        click.option("--start", help=f"First month {months}, YYYY-MM."),
        click.option("--end", help=f"Last month {months}, YYYY-MM."),
    ]

    def decorate(func):
        for option in reversed(options):  # shown in the order listed
            func = option(func)
        return func

    return decorate


def boundary_option(help_text: str):
    """Make the ``--boundary`` option: a polygon file, or a police force's name."""
    return click.option(
        "--boundary",
        metavar="FILE|FORCE",
        help=f"{help_text} A polygon file (GeoJSON, GeoPackage...) or a police force's "
        "name or slug (e.g. leicestershire) for its area.",
    )


def artefact_lines(meta: dict) -> list[str]:
    """Say what a verb did with crimes at flagged map points (from its attrs)."""
    action = meta.get("artefacts")
    points = meta.get("flagged_points") or []
    if action in (None, "off") or not points:
        return []
    done = {
        "exclude": "left out",
        "downweight": "weighted down",
        "flag": "kept (flagged)",
    }[action]
    lines = [
        f"Data quality: {meta.get('n_artefact_crimes', 0):,} crimes at {len(points)} "
        f"map point(s) flagged as likely recording artefacts were {done}:"
    ]
    lines += [f"  - {text}" for text in points[:10]]
    if len(points) > 10:
        lines.append(f"  ... and {len(points) - 10} more (hotspots quality CRIMES).")
    return lines
