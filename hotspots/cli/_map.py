"""``hotspots map``: cells, areas, places or crimes on one interactive map."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import boundary_option, fail, read_layer, shown
from hotspots.exceptions import HotspotsError

_LAYER_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("map")
@click.argument("inputs", nargs=-1, type=_LAYER_FILE)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/processed/map.html"),
    show_default=True,
    help="The map page (.html).",
)
@click.option(
    "--gistar",
    "gistar_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Cells with Gi* classes (from `hotspots find`), drawn as hot and cold spots.",
)
@click.option(
    "--clusters",
    "clusters_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Cells with Local Moran's I classes (from `hotspots find --method "
    "local-moran`), drawn as clusters and outliers.",
)
@click.option(
    "--rates",
    "rates_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Areas with rates per resident (from `hotspots rates`), smoothed and raw.",
)
@click.option(
    "--density",
    "density_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Cells with a 'kde' column (from `hotspots find`), drawn as kernel density.",
)
@click.option(
    "--counts",
    "counts_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Cells with an 'n' column (from `hotspots find`), drawn as crime counts.",
)
@click.option(
    "--places",
    "places_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Patrol places (from `hotspots select`), numbered by rank.",
)
@click.option(
    "--crimes",
    "crimes_files",
    multiple=True,
    type=_LAYER_FILE,
    help="Crime points (from `hotspots ingest`), clustered at low zoom.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="One file that opens with no network: scripts inlined, no base-map tiles.",
)
@click.option(
    "--tiles",
    default=None,
    help="Base map (an xyzservices name, e.g. Esri.WorldGrayCanvas) or 'none'. "
    "Default: OpenStreetMap, or none with --offline.",
)
@boundary_option("Study area drawn as an outline (dissolved into one).")
@click.option("--title", help="Map title (default: from the first layer).")
def map_command(
    inputs,
    out,
    gistar_files,
    clusters_files,
    rates_files,
    density_files,
    counts_files,
    places_files,
    crimes_files,
    offline,
    tiles,
    boundary,
    title,
):
    """Draw cells, areas, places or crimes on one interactive map (an HTML page).

    INPUTS are GeoParquet, GeoPackage or GeoJSON files written by `hotspots
    find`, `rates`, `select` or `ingest`; each is drawn as the layer its columns
    say (Gi* cells, Local Moran clusters, rates, places or crime points). Name the
    layer with --gistar, --clusters, --rates, --density, --counts, --places or
    --crimes instead, e.g. to show the kernel density of a `find` output. Every
    layer can be switched off in the map's layer list; text from the data is
    escaped.
    """
    from hotspots import maps
    from hotspots.io import read_boundary

    named = [
        ("auto", inputs),
        ("gistar", gistar_files),
        ("clusters", clusters_files),
        ("rates", rates_files),
        ("density", density_files),
        ("counts", counts_files),
        ("places", places_files),
        ("crimes", crimes_files),
    ]
    try:
        layers = [(kind, read_layer(path)) for kind, paths in named for path in paths]
        if not layers:
            raise click.UsageError(
                "give at least one file to map (INPUTS, or --gistar, --places...)."
            )
        if tiles is None:
            tiles = None if offline else maps.DEFAULT_TILES
        elif tiles.lower() == "none":
            tiles = None
        outline = None
        if boundary is not None:
            outline = read_boundary(boundary)[["geometry"]].dissolve()
        m = maps.layered_map(layers, tiles=tiles, outline=outline, title=title)
        saved = maps.save(m, out, offline=offline)
    except (HotspotsError, ValueError, OSError) as err:
        fail(err)
    kinds = sorted(
        (maps.layer_kind(frame) if kind == "auto" else kind for kind, frame in layers),
        key=maps.LAYER_KINDS.index,
    )
    click.echo(f"Map layers, bottom to top: {', '.join(kinds)}.")
    click.echo(f"Wrote map: {shown(saved)}" + (" (works offline)" if offline else ""))
