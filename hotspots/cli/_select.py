"""``hotspots select``: choose patrol places, the top cells kept apart."""

from __future__ import annotations

from pathlib import Path

import click

import hotspots
from hotspots.cli._common import (
    artefact_lines,
    boundary_option,
    crimes_options,
    fail,
    load_crimes,
)
from hotspots.exceptions import HotspotsError


@click.command("select")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for patrol_places.geojson and patrol_places.csv.",
)
@click.option(
    "--n", "n_places", type=int, default=18, show_default=True, help="Places."
)
@click.option(
    "--score",
    type=click.Choice(["count", "harm", "kde", "gistar"]),
    default="count",
    show_default=True,
    help="What ranks the cells (harm needs --weights).",
)
@crimes_options("use", "of the selection period")
@click.option(
    "--cell-size", type=float, help="Place cell size in metres (default: 150)."
)
@click.option(
    "--min-separation",
    type=float,
    help="Metres between place centres (default: two cell sizes; 0 = off).",
)
@click.option(
    "--max-area-share",
    type=float,
    help="Cap on the places' total area, as a share of the study area.",
)
@click.option("--bandwidth", type=float, help="KDE bandwidth in metres (--score kde).")
@click.option("--weights", help="Column of harm weights in CRIMES (--score harm).")
@boundary_option("Study area; cells outside it are dropped.")
@click.option(
    "--exclude",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file of areas where no place may be chosen.",
)
def select(
    crimes,
    out_dir,
    n_places,
    score,
    definition,
    start,
    end,
    cell_size,
    min_separation,
    max_area_share,
    bandwidth,
    weights,
    boundary,
    exclude,
):
    """Choose patrol places: the top grid cells by a hotspot score, kept apart.

    CRIMES is a GeoParquet written by `hotspots ingest`. Writes the places as
    GeoJSON (WGS84) and CSV (British National Grid WKT and centre lon/lat).
    """
    import geopandas as gpd

    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe
    from hotspots.io import read_boundary
    from hotspots.target._greedy import place_grid

    try:
        points = load_crimes(crimes, start, end, definition)
        area = read_boundary(boundary) if boundary else None
        blocked = gpd.read_file(exclude) if exclude else None
        # One grid for the places and the concentration summary (built once).
        grid = place_grid(points, cell_size=cell_size, boundary=area)
        places = hotspots.select_places(
            points,
            n_places=n_places,
            score=score,
            grid=grid,
            boundary=area,
            min_separation=min_separation,
            max_area_share=max_area_share,
            exclude=blocked,
            weights=weights,
            bandwidth=bandwidth,
        )
        summary = hotspots.concentration(points, grid=grid, boundary=area)
        centres = gpd.points_from_xy(places["x"], places["y"], crs=places.crs)
        lonlat = gpd.GeoSeries(centres).to_crs(4326)
        table = places.drop(columns="geometry").assign(
            lon=lonlat.x.round(6).to_numpy(),
            lat=lonlat.y.round(6).to_numpy(),
            wkt=places.geometry.to_wkt().to_numpy(),
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        geojson, csv = out_dir / "patrol_places.geojson", out_dir / "patrol_places.csv"
        with atomic_path(geojson) as tmp:
            places.to_crs(4326).to_file(tmp, driver="GeoJSON")
        with atomic_path(csv) as tmp:
            spreadsheet_safe(table).to_csv(tmp, index=False)
    except (HotspotsError, ValueError) as err:
        fail(err)
    meta = places.attrs["hotspots"]
    click.echo(
        f"{len(places)} places by {score} on {meta['cell_size']:g} m cells, at least "
        f"{meta['min_separation']:g} m apart, from {meta['n_crimes']:,} crimes:"
    )
    for row in places.itertuples():
        click.echo(
            f"  {row.rank:>3}  {row.place_id}  {row.n:>6,} crimes  "
            f"{100 * row.share:5.2f}%  (cumulative {100 * row.cumulative_share:5.1f}%)"
        )
        click.echo(f"       {row.top_locations}  ({row.lsoa_name})")
        if row.quality_flag:
            click.echo(f"       flag: {row.quality_flag}")
    for line in artefact_lines(meta):
        click.echo(line)
    click.echo(
        f"The places hold {100 * meta['share_of_crimes']:.1f}% of crimes on "
        f"{100 * meta['area_share']:.3f}% of the study area."
    )
    click.echo(str(summary))
    click.echo(f"Wrote {geojson}\nWrote {csv}")
