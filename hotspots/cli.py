"""Command-line interface: ``hotspots ingest|find|select|evaluate|pack|demo-data|demo``.

Each subcommand parses arguments and calls the same library verbs as the notebooks;
no statistics live here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

import hotspots
from hotspots.exceptions import HotspotsError
from hotspots.io.boundary import read_boundary


def _shown(path) -> str:
    """Return the path relative to the working folder when it lies inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _load_crimes(path: Path, start, end, definition: str):
    """Read a GeoParquet of crimes and keep the months and definition asked for."""
    import geopandas as gpd

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
        points = hotspots.select_crimes(points, definition)
    return points


def _fail(err: Exception) -> None:
    click.echo(f"Error: {err}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(hotspots.__version__, prog_name="hotspots")
@click.option(
    "--quiet", is_flag=True, help="Show warnings only, not progress messages."
)
def main(quiet: bool) -> None:
    """Find and evaluate serious-violence hotspots from police.uk and force data."""
    hotspots.set_log_level("WARNING" if quiet else "INFO")


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for <name>.parquet (kept rows) and <name>_quarantine.csv.",
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
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file (GeoJSON, GeoPackage...) of the study area.",
)
@click.option(
    "--column-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML column map: read SOURCE as a force extract instead of police.uk data.",
)
@click.option(
    "--force-name", help="Force name for a force extract without a force column."
)
def ingest(
    source, out, name, forces, start, end, crime_types, boundary, column_map, force_name
):
    """Read police.uk data (CSV, archive folder or ZIP) or a force extract.

    Writes kept rows as GeoParquet (EPSG:27700) and the quarantine as CSV, and
    prints a summary by reason and force.
    """
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
        _fail(err)
    click.echo(str(result))
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {path}")


@main.command()
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
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file of the study area; cells outside are dropped.",
)
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
        points = _load_crimes(crimes, start, end, definition)
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
        _fail(err)
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
    click.echo(f"Wrote cells: {out}")


@main.command("select")
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
@click.option(
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to use: a definition name (serious_violence, violence, robbery) "
    "or 'all'.",
)
@click.option("--start", help="First month of the selection period, YYYY-MM.")
@click.option("--end", help="Last month of the selection period, YYYY-MM.")
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
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file of the study area; cells outside are dropped.",
)
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

    try:
        points = _load_crimes(crimes, start, end, definition)
        area = read_boundary(boundary) if boundary else None
        blocked = gpd.read_file(exclude) if exclude else None
        places = hotspots.select_places(
            points,
            n_places=n_places,
            score=score,
            cell_size=cell_size,
            boundary=area,
            min_separation=min_separation,
            max_area_share=max_area_share,
            exclude=blocked,
            weights=weights,
            bandwidth=bandwidth,
        )
        summary = hotspots.concentration(
            points, cell_size=places.attrs["hotspots"]["cell_size"], boundary=area
        )
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
            table.to_csv(tmp, index=False)
    except (HotspotsError, ValueError) as err:
        _fail(err)
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
    click.echo(
        f"The places hold {100 * meta['share_of_crimes']:.1f}% of crimes on "
        f"{100 * meta['area_share']:.3f}% of the study area."
    )
    click.echo(str(summary))
    click.echo(f"Wrote {geojson}\nWrote {csv}")


@main.command("evaluate")
@click.argument("crimes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Polygon file (GeoJSON, GeoPackage...) of the treated places.",
)
@click.option("--treatment-start", required=True, help="First treated month, YYYY-MM.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for evaluation.csv, balance.csv and its.png.",
)
@click.option(
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to evaluate: a definition name (serious_violence, violence, "
    "robbery) or 'all'.",
)
@click.option(
    "--id-column",
    default="place_id",
    show_default=True,
    help="Column of --places naming each place.",
)
@click.option(
    "--ring-radius",
    type=float,
    default=250.0,
    show_default=True,
    help="Displacement ring width in metres.",
)
@click.option(
    "--comparisons-k",
    type=int,
    default=3,
    show_default=True,
    help="Comparison places matched to each treated place.",
)
@click.option(
    "--permutations",
    type=int,
    default=999,
    show_default=True,
    help="Placebo sets for the randomisation test.",
)
@click.option(
    "--seed", type=int, default=20240601, show_default=True, help="Random seed."
)
def evaluate(
    crimes,
    places,
    treatment_start,
    out_dir,
    definition,
    id_column,
    ring_radius,
    comparisons_k,
    permutations,
    seed,
):
    """Evaluate patrols in the places: naive, DiD, randomisation, ITS, RES and WDQ.

    CRIMES is a GeoParquet written by `hotspots ingest`, covering months before
    and after the start. Writes evaluation.csv (one row per estimate),
    balance.csv (treated vs matched comparison places) and its.png, and prints
    the summary with its caveats.
    """
    import matplotlib.pyplot as plt

    from hotspots._atomic import atomic_path

    try:
        points = _load_crimes(crimes, None, None, definition)
        treated = read_boundary(places)
        result = hotspots.evaluate(
            points,
            treated,
            treatment_start=treatment_start,
            ring_radius=ring_radius,
            comparisons_k=comparisons_k,
            permutations=permutations,
            id_column=id_column,
            rng=seed,
        )
        synthetic = "context" in points.columns and bool(
            points["context"].astype(str).str.contains("SYNTHETIC").any()
        )
        label = "SYNTHETIC DATA: " if synthetic else ""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "estimates": out_dir / "evaluation.csv",
            "balance": out_dir / "balance.csv",
            "plot": out_dir / "its.png",
        }
        with atomic_path(paths["estimates"]) as tmp:
            result.to_frame().to_csv(tmp, index=False)
        with atomic_path(paths["balance"]) as tmp:
            result.balance.to_csv(tmp, index_label="feature")
        ax = hotspots.plot_its(
            result.its,
            title=f"{label}crimes in the {len(treated)} treated places, "
            "interrupted time series",
        )
        try:
            with atomic_path(paths["plot"]) as tmp:
                ax.figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        finally:
            plt.close(ax.figure)
    except (HotspotsError, ValueError) as err:
        _fail(err)
    if synthetic:
        click.echo("SYNTHETIC DATA: the crimes are simulated, not real.")
    click.echo(str(result))
    for key, path in paths.items():
        click.echo(f"Wrote {key}: {_shown(path)}")


@main.command("pack")
@click.argument(
    "crimes",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--places",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygon file (GeoJSON, GeoPackage...) of the treated places.",
)
@click.option("--treatment-start", help="First treated month, YYYY-MM.")
@click.option("--title", help="Title of the pack.")
@click.option("--area", help="Where, e.g. 'Leicestershire'.")
@click.option("--organisation", default="", help="Who ran the intervention.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed/pack"),
    show_default=True,
    help="Pack folder (a zip is written beside it).",
)
@click.option(
    "--definition",
    default="serious_violence",
    show_default=True,
    help="Crimes to evaluate: a definition name or 'all'.",
)
@click.option("--id-column", default="place_id", show_default=True)
@click.option("--ring-radius", type=float, default=250.0, show_default=True)
@click.option("--permutations", type=int, default=999, show_default=True)
@click.option("--seed", type=int, default=20240601, show_default=True)
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Study-area polygons for the hotspot grid.",
)
@click.option("--officer-hours", type=float, help="Patrol officer hours (post period).")
@click.option("--hourly-cost", type=float, help="Cost of one officer hour, GBP.")
@click.option("--hourly-cost-source", default="", help="Where the hourly cost is from.")
@click.option("--no-map", is_flag=True, help="Static map only (smaller page).")
@click.option("--no-zip", is_flag=True, help="Do not write the zip.")
@click.option(
    "--rebuild",
    type=click.Path(exists=True, path_type=Path),
    help="Rebuild the pack of this manifest.json (or pack folder) into --out and "
    "compare every output byte for byte; other options are ignored.",
)
def pack(
    crimes,
    places,
    treatment_start,
    title,
    area,
    organisation,
    out,
    definition,
    id_column,
    ring_radius,
    permutations,
    seed,
    boundary,
    officer_hours,
    hourly_cost,
    hourly_cost_source,
    no_map,
    no_zip,
    rebuild,
):
    """Build a College of Policing knowledge-sharing pack, or rebuild one.

    CRIMES is a GeoParquet written by `hotspots ingest`. The pack folder holds
    index.html (EMMIE-framed page with maps, charts and tables; opens offline),
    data/ (numbers of every figure), methods.md and manifest.json (inputs and
    outputs with SHA-256, versions, parameters, seed).
    """
    from hotspots.pack import PackRecipe, build_pack, rebuild_pack

    try:
        if rebuild is not None:
            result = rebuild_pack(rebuild, out)
            click.echo(str(result))
            if not result.identical:
                sys.exit(1)
            return
        missing = [
            name
            for name, value in (
                ("CRIMES", crimes),
                ("--places", places),
                ("--treatment-start", treatment_start),
                ("--title", title),
                ("--area", area),
            )
            if value is None
        ]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or use --rebuild)")
        recipe = PackRecipe(
            crimes=str(crimes),
            places=str(places),
            treatment_start=treatment_start,
            title=title,
            area=area,
            organisation=organisation,
            definition=definition,
            id_column=id_column,
            ring_radius=ring_radius,
            permutations=permutations,
            seed=seed,
            boundary=None if boundary is None else str(boundary),
            officer_hours=officer_hours,
            hourly_cost=hourly_cost,
            hourly_cost_source=hourly_cost_source,
        )
        built = build_pack(
            out, recipe, zip_archive=not no_zip, interactive_map=not no_map
        )
    except (HotspotsError, ValueError, FileExistsError, FileNotFoundError) as err:
        _fail(err)
    click.echo(f"Wrote pack: {_shown(built.index)}")
    if built.zip_path:
        click.echo(f"Zip: {_shown(built.zip_path)}")


@main.command("demo-data")
@click.option("--seed", default=20240601, show_default=True, help="Random seed.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/raw/synthetic"),
    show_default=True,
    help="Folder for the SYNTHETIC archive and truth.json.",
)
@click.option(
    "--zip", "zip_archive", is_flag=True, help="Also write the archive as a ZIP."
)
def demo_data(seed, out, zip_archive):
    """Generate the SYNTHETIC Leicestershire archive with a planted truth."""
    from hotspots.synthetic import make_archive

    archive = make_archive(out, rng=seed, zip_archive=zip_archive)
    click.echo(f"Wrote SYNTHETIC archive: {archive.root} ({archive.n_rows:,} rows)")
    click.echo(f"Planted truth: {archive.truth_path}")
    if archive.zip_path:
        click.echo(f"ZIP: {archive.zip_path}")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/processed"),
    show_default=True,
    help="Folder for the demo's outputs.",
)
@click.option(
    "--no-notebooks", is_flag=True, help="Skip executing and rendering notebooks."
)
def demo(out, no_notebooks):
    """Run the demo end to end on the bundled real sample and SYNTHETIC data."""
    from hotspots.demo import run_demo

    try:
        outputs = run_demo(out, render_notebooks=not no_notebooks)
    except HotspotsError as err:
        _fail(err)
    for title, text in outputs.pop("summaries").items():
        click.echo(f"\n== {title} ==\n{text}")
    click.echo("\nOutputs:")
    for key, path in outputs.items():
        click.echo(f"  {key}: {_shown(path)}")


if __name__ == "__main__":  # pragma: no cover
    main()
