"""``hotspots find``: hot spots per cell by Gi*, Local Moran's I or optimized Gi*."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import (
    boundary_option,
    crimes_options,
    fail,
    load_crimes,
    shown,
)
from hotspots.cli._find_methods import METHODS, run_method, summary_lines
from hotspots.exceptions import HotspotsError


@click.command()
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/processed/hotspots.parquet"),
    show_default=True,
    help="Output cells: .parquet (GeoParquet) or .geojson.",
)
@click.option(
    "--method",
    type=click.Choice(list(METHODS)),
    default="gistar",
    show_default=True,
    help="gistar: counts, kernel density and Gi* hot and cold spots (ArcGIS Hot Spot "
    "Analysis). local-moran: clusters and outliers (ArcGIS Cluster and Outlier "
    "Analysis, GeoDa LISA). optimized: Gi* at the distance band chosen by "
    "incremental spatial autocorrelation (ArcGIS Optimized Hot Spot Analysis).",
)
@crimes_options("map")
@click.option(
    "--cell-size", type=float, help="Cell size in metres (default: automatic)."
)
@click.option(
    "--shape",
    type=click.Choice(["square", "hex"]),
    help="Cell shape (default square; not with optimized).",
)
@click.option(
    "--bandwidth",
    type=float,
    help="gistar: KDE bandwidth in metres (default: automatic).",
)
@click.option(
    "--kernel",
    type=click.Choice(["quartic", "gaussian"]),
    help="gistar: KDE kernel (default quartic).",
)
@click.option(
    "--neighbours",
    help="gistar, local-moran: queen (default), rook, or a distance band in metres.",
)
@click.option(
    "--distances",
    help="optimized: the distance bands to try, metres, comma-separated (default: "
    "ten bands from the shortest that gives every cell a neighbour, as ArcGIS).",
)
@click.option(
    "--permutations",
    type=int,
    help="Permutations for p-values (default 0 = analytic p for gistar and "
    "optimized; 999 for local-moran, which has only permutation p-values).",
)
@click.option("--no-fdr", is_flag=True, help="Class cells on unadjusted p-values.")
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
@boundary_option("Study area; cells outside it are dropped.")
def find(crimes, out, method, definition, start, end, boundary, **options):
    """Find hotspots per grid cell: Gi* (default), Local Moran's I or optimized Gi*.

    CRIMES is a GeoParquet written by `hotspots ingest`. Each method writes the
    cells with its classes (Gi* `hotspot_class`, or Local Moran's `cluster`), which
    `hotspots map` draws in the ArcGIS palette; optimized also writes its
    incremental spatial autocorrelation table beside them
    (<out>_incremental.csv).
    """
    import pandas as pd

    from hotspots._atomic import atomic_path
    from hotspots.io import read_boundary

    options["fdr"] = not options.pop("no_fdr")
    table = out.with_name(f"{out.stem}_incremental.csv")
    try:
        points = load_crimes(crimes, start, end, definition)
        area = read_boundary(boundary) if boundary else None
        cells = run_method(method, points, area, **options)
        with atomic_path(out) as tmp:
            if out.suffix.lower() == ".geojson":
                cells.to_crs(4326).to_file(tmp, driver="GeoJSON")
            else:
                cells.to_parquet(tmp, index=False)
        if method == "optimized":
            with atomic_path(table) as tmp:
                pd.DataFrame(cells.attrs["hotspots"]["incremental"]).to_csv(
                    tmp, index=False
                )
    except (HotspotsError, ValueError) as err:
        fail(err)
    for line in summary_lines(method, cells, len(points)):
        click.echo(line)
    if method == "optimized":
        click.echo(f"Wrote incremental table: {shown(table)}")
    click.echo(f"Wrote cells: {out}")
