"""``hotspots rates``: crimes per resident by area, raw and empirical-Bayes smoothed."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from hotspots.cli._common import crimes_options, fail, load_crimes, shown
from hotspots.exceptions import HotspotsError, SchemaError

#: Columns of area files that hold LSOA codes, tried when --id-column is not one.
_CODE_COLUMNS = ("LSOA11CD", "LSOA21CD")
_FORMATS = {
    "gpkg": "rates.gpkg",
    "geojson": "rates.geojson",
    "parquet": "rates.parquet",
}
_SHOWN = 10  # areas listed, highest rate first


def _join_population(areas, population: Path | None, id_column: str, column: str):
    """Return the areas with the population table joined on the id column.

    The areas' id column is ``id_column``, else an LSOA code column (said so).
    """
    import pandas as pd

    if id_column not in areas.columns:
        found = [c for c in _CODE_COLUMNS if c in areas.columns]
        if not found:
            raise SchemaError(
                f"the areas have no column {id_column!r} (nor {list(_CODE_COLUMNS)}); "
                f"columns are {list(areas.columns)}. Pass --id-column."
            )
        click.echo(f"Areas named by their {found[0]} (as {id_column}).")
        areas = areas.rename(columns={found[0]: id_column})
    if population is None:
        if column not in areas.columns:
            raise SchemaError(
                f"the areas have no {column!r} column: pass --population with a CSV "
                "of residents per area (e.g. the 2011 Census LSOA populations in "
                "data/raw/lsoa_2011_population_leicestershire.csv), or name the "
                "areas' column with --population-column."
            )
        return areas
    table = pd.read_csv(population, dtype={id_column: str})
    for name in (id_column, column):
        if name not in table.columns:
            raise SchemaError(
                f"{population.name} has no column {name!r}; columns are "
                f"{list(table.columns)}. Pass --id-column and --population-column."
            )
    extra = [id_column] + [
        c
        for c in table.columns
        if c != id_column and (c not in areas.columns or c == column)
    ]
    joined = areas.drop(columns=[column], errors="ignore").merge(
        table[extra], on=id_column, how="left", validate="1:1"
    )
    unmatched = int((~table[id_column].isin(areas[id_column])).sum())
    if unmatched:
        click.echo(f"{unmatched:,} rows of {population.name} match no area (left out).")
    return joined


@click.command("rates")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--areas",
    required=True,
    metavar="FILE",
    help="Area polygons (GeoJSON, GeoPackage..., .gz read too), e.g. LSOAs.",
)
@click.option(
    "--population",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of residents per area, joined on --id-column (default: the areas "
    "already hold --population-column).",
)
@click.option(
    "--id-column",
    default="lsoa_code",
    show_default=True,
    help="Column naming each area, in the CSV and the areas (for the areas, "
    "LSOA11CD or LSOA21CD is used when it is missing).",
)
@click.option("--population-column", default="population", show_default=True)
@click.option(
    "--smoothing",
    type=click.Choice(["empirical_bayes", "spatial_empirical_bayes", "none"]),
    default="empirical_bayes",
    show_default=True,
    help="Global empirical Bayes (GeoDa's EB rate map), the spatial version, or "
    "raw rates only.",
)
@click.option(
    "--per", type=float, default=1000, show_default=True, help="Rates per N residents."
)
@click.option(
    "--count-by",
    type=click.Choice(["location", "code"]),
    default="location",
    show_default=True,
    help="Crimes to areas by point in polygon, or by matching --id-column codes "
    "(only when crimes and areas use the same LSOA vintage).",
)
@crimes_options("count")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed/rates"),
    show_default=True,
    help="Folder for the areas with rates, rates.csv and rates_map.html.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(list(_FORMATS)),
    default="gpkg",
    show_default=True,
    help="Areas file: GeoPackage (British National Grid; opens in ArcGIS and "
    "QGIS), GeoJSON (WGS84) or GeoParquet (keeps the recorded settings).",
)
@click.option(
    "--offline", is_flag=True, help="Map that opens with no network (no base map)."
)
def rates_command(
    crimes,
    areas,
    population,
    id_column,
    population_column,
    smoothing,
    per,
    count_by,
    definition,
    start,
    end,
    out,
    file_format,
    offline,
):
    """Crimes per resident by area, raw and empirical-Bayes smoothed.

    CRIMES is a GeoParquet written by `hotspots ingest`. Counts the crimes in each
    area, divides by its residents and smooths the rates of small populations
    towards the study-area rate (Marshall's empirical Bayes, as GeoDa). Writes the
    areas with n, rate, rate_eb, eb_weight, rate_prior and rate_note, the same
    table as rates.csv, and rates_map.html (smoothed and raw rates on the same
    classes). Residents are not the population at risk: read city-centre rates
    with care.
    """
    from hotspots import maps
    from hotspots._atomic import atomic_path
    from hotspots.find import rates
    from hotspots.io import read_boundary

    target = out / _FORMATS[file_format]
    try:
        points = load_crimes(crimes, start, end, definition)
        polygons = _join_population(
            read_boundary(areas), population, id_column, population_column
        )
        result = rates(
            points.to_crs(polygons.crs),
            polygons,
            population=population_column,
            id_column=id_column,
            per=per,
            smoothing=None if smoothing == "none" else smoothing,
            count_by=count_by,
        )
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            if file_format == "geojson":
                result.to_crs(4326).to_file(tmp, driver="GeoJSON")
            elif file_format == "gpkg":
                with warnings.catch_warnings():  # the temporary name ends in .tmp
                    warnings.filterwarnings("ignore", "The filename extension")
                    result.to_file(tmp, driver="GPKG", layer="rates")
            else:
                result.to_parquet(tmp, index=False)
        with atomic_path(out / "rates.csv") as tmp:
            result.drop(columns=result.geometry.name).to_csv(tmp, index=False)
        m = maps.rates_map(result, tiles=None if offline else maps.DEFAULT_TILES)
        maps.save(m, out / "rates_map.html", offline=offline)
    except (HotspotsError, ValueError, OSError) as err:
        fail(err)
    meta = result.attrs["hotspots"]
    column = "rate_eb" if "rate_eb" in result.columns else "rate"
    click.echo(
        f"{meta['n_counted']:,} of {meta['n_crimes']:,} crimes counted in "
        f"{len(result):,} areas ({meta['method']})."
    )
    if "prior_mean" in meta:
        click.echo(f"Study-area rate: {meta['prior_mean']:,.1f} per {per:,g}.")
    name = next(
        (c for c in ("lsoa_name", "LSOA11NM", "name") if c in result.columns),
        id_column,
    )
    click.echo(f"Highest rates per {per:,g} residents ({column}; raw; crimes):")
    for row in result.nlargest(_SHOWN, column).itertuples():
        click.echo(
            f"  {getattr(row, column):>9,.1f}  {row.rate:>9,.1f}  {row.n:>6,}  "
            f"{getattr(row, name)}"
        )
    click.echo(
        "Residents are not the population at risk: where many visit and few live "
        "(city centres) the rate per resident is high."
    )
    written = (target, out / "rates.csv", out / "rates_map.html")
    click.echo(f"Wrote {', '.join(shown(p) for p in written)}")
