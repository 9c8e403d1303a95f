"""``hotspots national by-force``: Gi*, KDE or counts for every force."""

from __future__ import annotations

from pathlib import Path

import click

from hotspots.cli._common import crimes_options, fail, shown
from hotspots.exceptions import HotspotsError

_SUFFIX = {"gpkg": ".gpkg", "geojson": ".geojson", "csv": ".csv"}
_COLUMN = {"gistar": "gi_z", "kde": "kde", "grid": "n"}


@click.command("by-force")
@click.argument(
    "dataset", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--func",
    type=click.Choice(list(_COLUMN)),
    default="gistar",
    show_default=True,
    help="Gi* hot spots, kernel density or counts per cell.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one file per force, <force>-<func>.<format>.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(_SUFFIX)),
    default="gpkg",
    show_default=True,
    help="File format (GeoJSON in WGS84; CSV with British National Grid WKT).",
)
@click.option("--cell-size", type=float, default=250, show_default=True, help="Metres.")
@click.option("--bandwidth", type=float, help="KDE bandwidth in metres (--func kde).")
@click.option("--forces", help="Force slugs, comma-separated (default: every force).")
@crimes_options("use")
@click.option(
    "--artefacts",
    type=click.Choice(["exclude", "downweight", "flag", "off"]),
    default="exclude",
    show_default=True,
    help="What to do with crimes at map points flagged as likely recording "
    "artefacts (judged on each force's crimes).",
)
@click.option(
    "--scheduler",
    help="Run one task per force on this Dask scheduler (e.g. tcp://host:8786).",
)
@click.option(
    "--local-cluster", is_flag=True, help="Start a Dask cluster on this machine."
)
def by_force(
    dataset,
    func,
    out_dir,
    fmt,
    cell_size,
    bandwidth,
    forces,
    definition,
    start,
    end,
    artefacts,
    scheduler,
    local_cluster,
):
    """Run Gi*, kernel density or counts for every force of the national dataset.

    Each force's crimes are checked for recording artefacts first (as
    `hotspots quality` does) and, by default, crimes at flagged map points are
    left out. Writes one file per force and says what was left out.
    """
    import warnings

    from hotspots.cli._national_counts import write_table
    from hotspots.national import run_by_force

    settings = {"cell_size": cell_size}
    if bandwidth is not None:
        settings["bandwidth"] = bandwidth
    chosen = [f.strip() for f in forces.split(",")] if forces else None
    written = []
    try:
        with warnings.catch_warnings():  # said below, per force
            warnings.simplefilter("ignore")
            results = run_by_force(
                dataset,
                func,
                forces=chosen,
                definition=None if definition == "all" else definition,
                start=start,
                end=end,
                artefacts=artefacts,
                client=scheduler,
                local_cluster=local_cluster,
                progress=False,
                **settings,
            )
        for slug, cells in results.items():
            path = out_dir / f"{slug}-{func}{_SUFFIX[fmt]}"
            write_table(cells, path)
            written.append((slug, cells, path))
    except (HotspotsError, ValueError) as err:
        fail(err)
    click.echo(
        f"Ran {func} on {cell_size:g} m cells for {len(written)} force(s), "
        f"artefacts='{artefacts}'."
    )
    for slug, cells, path in written:
        meta = cells.attrs["hotspots"]
        best = cells.loc[cells[_COLUMN[func]].idxmax()]
        click.echo(
            f"  {slug}: {len(cells):,} cells; highest {_COLUMN[func]} "
            f"{best[_COLUMN[func]]:.3g} at E{best.geometry.bounds[0]:.0f} "
            f"N{best.geometry.bounds[1]:.0f}; wrote {shown(path)}"
        )
        if meta.get("n_flagged_points"):
            done = {"exclude": "left out", "downweight": "weighted down"}.get(
                artefacts, "kept"
            )
            examples = "; ".join((meta.get("flagged_points") or [])[:3])
            click.echo(
                f"      {meta['n_artefact_crimes']:,} crimes at "
                f"{meta['n_flagged_points']} flagged map point(s) {done} "
                f"(e.g. {examples})"
            )
