"""``hotspots national counts``: crimes by force, month, LSOA or cell; and writing."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import crimes_options, fail, shown
from hotspots.exceptions import HotspotsError

#: What ``--out`` may end with, and what is written.
FORMATS = {".gpkg": "GeoPackage", ".geojson": "GeoJSON (WGS84)", ".csv": "CSV"}
_KEYS = ("force", "month", "lsoa_code", "crime_type", "cell")


def write_table(frame, path: Path) -> None:
    """Write a table (or GeoDataFrame) as GeoPackage, GeoJSON or CSV by extension.

    A GeoDataFrame's CSV gets the polygon as British National Grid WKT (``wkt``)
    and is made spreadsheet-safe; GeoJSON is written in WGS84 (EPSG:4326).

    Raises
    ------
    ValueError
        If the extension is not one of :data:`FORMATS`, or a table without
        geometry is asked for as GeoPackage or GeoJSON.
    """
    from hotspots._atomic import atomic_path
    from hotspots._safe import spreadsheet_safe

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"--out must end with {', '.join(FORMATS)}; got {path.name!r}."
        )
    spatial = hasattr(frame, "geometry") and "geometry" in frame.columns
    if suffix != ".csv" and not spatial:
        raise ValueError(f"this table has no geometry: write it as .csv, not {suffix}.")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table = frame
            if spatial:
                table = frame.drop(columns="geometry").assign(
                    wkt=frame.geometry.to_wkt().to_numpy()
                )
            spreadsheet_safe(table).to_csv(tmp, index=False)
        else:  # GDAL wants the format's extension: write beside, then move
            staged = tmp.with_name(tmp.name + suffix)
            try:
                if suffix == ".gpkg":
                    frame.to_file(staged, driver="GPKG", layer=path.stem)
                else:
                    frame.to_crs(4326).to_file(staged, driver="GeoJSON")
                staged.replace(tmp)
            finally:
                staged.unlink(missing_ok=True)


@click.command("counts")
@click.argument(
    "dataset", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--by",
    default="force,month",
    show_default=True,
    help=f"What to count by, comma-separated: any of {', '.join(_KEYS)}.",
)
@crimes_options("count")
@click.option("--cell-size", type=float, help="Cell side in metres (with --by cell).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the counts as CSV.",
)
@click.option("--show", type=int, default=20, show_default=True, help="Rows shown.")
def counts(dataset, by, definition, start, end, cell_size, out, show):
    """Count crimes by force, month, LSOA, crime type or cell, nationally.

    Counts every crime selected (no map point is judged here: counts are not a
    ranking of places). Prints the first rows and, with --out, writes them all.
    """
    from hotspots.national import monthly_counts

    keys = tuple(k.strip() for k in by.split(",") if k.strip())
    try:
        table = monthly_counts(
            dataset,
            by=keys,
            definition=None if definition == "all" else definition,
            start=start,
            end=end,
            cell_size=cell_size,
            progress=False,
        )
        if out is not None:
            write_table(table, out)
    except (HotspotsError, ValueError) as err:
        fail(err)
    what = "every crime" if definition == "all" else f"{definition} crimes"
    click.echo(
        f"{int(table['n'].sum()):,} {what} in {len(table):,} groups by "
        f"{', '.join(keys)} (artefacts: not applied to counts; every crime counted)."
    )
    click.echo(table.head(show).to_string(index=False))
    if len(table) > show:
        click.echo(f"... and {len(table) - show:,} more rows.")
    if out is not None:
        click.echo(f"Wrote {shown(out)}")
