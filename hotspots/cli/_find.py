"""``hotspots find``: counts, kernel density and Gi* classes per grid cell."""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import artefact_lines, boundary_option, fail, load_crimes
from hotspots.exceptions import HotspotsError
from hotspots.io import read_boundary


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
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to map: a definition name (serious_violence, violence, robbery) "
    "or 'all'.",
)
@click.option("--start", help="First month to include, YYYY-MM.")
@click.option("--end", help="Last month to include, YYYY-MM.")
@click.option(
    "--cell-size", type=float, help="Cell size in metres (default: automatic)."
)
@click.option(
    "--shape", type=click.Choice(["square", "hex"]), default="square", show_default=True
)
@click.option(
    "--bandwidth", type=float, help="KDE bandwidth in metres (default: automatic)."
)
@click.option(
    "--kernel",
    type=click.Choice(["quartic", "gaussian"]),
    default="quartic",
    show_default=True,
)
@click.option(
    "--neighbours",
    default="queen",
    show_default=True,
    help="Gi* neighbours: queen, rook, or a distance band in metres.",
)
@click.option(
    "--permutations", type=int, default=0, show_default=True, help="Gi* permutations."
)
@click.option("--no-fdr", is_flag=True, help="Class cells on unadjusted p-values.")
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
@boundary_option("Study area; cells outside it are dropped.")
def find(
    crimes,
    out,
    definition,
    start,
    end,
    cell_size,
    shape,
    bandwidth,
    kernel,
    neighbours,
    permutations,
    no_fdr,
    seed,
    boundary,
):
    """Find hotspots: counts, kernel density and Gi* classes per grid cell.

    CRIMES is a GeoParquet written by `hotspots ingest`.
    """
    from hotspots._atomic import atomic_path

    try:
        points = load_crimes(crimes, start, end, definition)
        area = read_boundary(boundary) if boundary else None
        spec = neighbours if neighbours in ("queen", "rook") else float(neighbours)
        cells = hotspots.find_hotspots(
            points,
            cell_size=cell_size,
            shape=shape,
            boundary=area,
            bandwidth=bandwidth,
            kernel=kernel,
            neighbours=spec,
            permutations=permutations,
            fdr=not no_fdr,
            rng=seed,
        )
        with atomic_path(out) as tmp:
            if out.suffix.lower() == ".geojson":
                cells.to_crs(4326).to_file(tmp, driver="GeoJSON")
            else:
                cells.to_parquet(tmp, index=False)
    except (HotspotsError, ValueError) as err:
        fail(err)
    meta = cells.attrs["hotspots"]
    counts = cells["hotspot_class"].value_counts()
    control = "FDR-controlled" if meta["fdr"] else "unadjusted"
    click.echo(
        f"{len(points):,} crimes on {len(cells):,} cells of {meta['cell_size']:g} m; "
        f"KDE bandwidth {meta['bandwidth']:.0f} m ({meta['kernel']}); Gi* "
        f"{meta['neighbours']} neighbours, {control}."
    )
    for name, n in counts.items():
        if n:
            click.echo(f"  {n:>7,}  {name}")
    hot = cells[cells["gi_bin"] > 0].sort_values("n", ascending=False).head(10)
    if len(hot):
        click.echo("Hot cells, busiest first (top police.uk locations; flags):")
        for row in hot.itertuples():
            flag = f"  [{row.quality_flag}]" if row.quality_flag else ""
            click.echo(
                f"  {row.n:>6,}  {row.top_locations or '-'}  ({row.lsoa_name}){flag}"
            )
    for line in artefact_lines(meta):
        click.echo(line)
    click.echo(f"Wrote cells: {out}")
