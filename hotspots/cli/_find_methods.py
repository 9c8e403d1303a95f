"""The three statistics of ``hotspots find --method``: run one, then say what it found.

``gistar`` is :func:`hotspots.find_hotspots` (counts, kernel density and Gi* on one
grid; ArcGIS's Hot Spot Analysis), ``local-moran`` is :func:`hotspots.local_moran`
(ArcGIS's Cluster and Outlier Analysis, GeoDa's LISA) and ``optimized`` is
:func:`hotspots.optimized_hotspots` (ArcGIS's Optimized Hot Spot Analysis). The
cells an analyst would visit are named by their busiest police.uk locations, as
``find_hotspots`` names its hot cells. No statistics live here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import click

import hotspots
from hotspots.cli._common import artefact_lines

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["METHODS", "run_method", "summary_lines"]

#: ``--method`` values, and the options each one takes besides the grid's.
METHODS: dict[str, tuple[str, ...]] = {
    "gistar": ("shape", "bandwidth", "kernel", "neighbours"),
    "local-moran": ("shape", "neighbours"),
    "optimized": ("distances",),
}
#: Default permutations: Gi* and optimized use the analytic p; Local Moran's I
#: has only permutation p-values (999, as ArcGIS and GeoDa).
_PERMUTATIONS = {"gistar": 0, "local-moran": 999, "optimized": 0}
_NAMED = {"local-moran": ("High-High cluster", "High-Low outlier")}
_SHOWN = 10  # busiest named cells listed


def run_method(method: str, points: gpd.GeoDataFrame, boundary, **options):
    """Run ``method`` on the points; return cells named where they matter.

    ``options`` are the command's: cell_size, shape, bandwidth, kernel,
    neighbours, distances, permutations, fdr and seed (None = not given).

    Raises
    ------
    click.UsageError
        If an option is given that ``method`` does not take.
    """
    import numpy as np

    from hotspots.quality import check_data, describe_places

    optional = ("shape", "bandwidth", "kernel", "neighbours", "distances")
    wrong = [k for k in optional if options[k] is not None and k not in METHODS[method]]
    if wrong:
        flags = ", ".join(f"--{k}" for k in wrong)
        raise click.UsageError(
            f"--method {method} does not take {flags}"
            + (
                " (it chooses the distance band itself; pass --distances to choose "
                "the bands it tries)."
                if method == "optimized"
                else "."
            )
        )
    neighbours = options["neighbours"] or "queen"
    spec: Literal["queen", "rook"] | float
    if neighbours == "queen":
        spec = "queen"
    elif neighbours == "rook":
        spec = "rook"
    else:
        try:
            spec = float(neighbours)
        except ValueError as err:
            raise click.BadParameter(
                f"queen, rook or a distance in metres; got {neighbours!r}",
                param_hint="--neighbours",
            ) from err
    permutations = options["permutations"]
    if permutations is None:
        permutations = _PERMUTATIONS[method]
    common = {
        "cell_size": options["cell_size"],
        "boundary": boundary,
        "permutations": permutations,
        "fdr": options["fdr"],
        "rng": options["seed"],
    }
    if method == "gistar":
        return hotspots.find_hotspots(
            points,
            shape=options["shape"] or "square",
            bandwidth=options["bandwidth"],
            kernel=options["kernel"] or "quartic",
            neighbours=spec,
            **common,
        )
    if method == "local-moran":
        cells = hotspots.local_moran(
            points, shape=options["shape"] or "square", neighbours=spec, **common
        )
        visit = cells["cluster"].isin(_NAMED[method]).to_numpy()
    else:
        distances = options["distances"]
        try:
            bands = [float(d) for d in distances.split(",")] if distances else None
        except ValueError as err:
            raise click.BadParameter(
                f"metres separated by commas, e.g. 150,300,450; got {distances!r}",
                param_hint="--distances",
            ) from err
        cells = hotspots.optimized_hotspots(points, distances=bands, **common)
        visit = cells["gi_bin"].to_numpy() > 0
    meta = cells.attrs["hotspots"]
    named = describe_places(
        cells, points, report=check_data(points), rows=np.flatnonzero(visit)
    )
    named.attrs["hotspots"] = meta
    return named


def _busiest_lines(cells: gpd.GeoDataFrame, rows, heading: str) -> list[str]:
    chosen = cells[rows].sort_values("n", ascending=False).head(_SHOWN)
    if not len(chosen):
        return []
    lines = [heading]
    for row in chosen.itertuples():
        flag = f"  [{row.quality_flag}]" if row.quality_flag else ""
        tag = f"{row.cluster}: " if "cluster" in cells.columns else ""
        lines.append(
            f"  {row.n:>6,}  {tag}{row.top_locations or '-'}  ({row.lsoa_name}){flag}"
        )
    return lines


def summary_lines(method: str, cells: gpd.GeoDataFrame, n_points: int) -> list[str]:
    """Say what ``method`` found: the settings, the classes, the busiest cells."""
    meta = cells.attrs["hotspots"]
    control = "FDR-controlled" if meta["fdr"] else "unadjusted"
    size = f"{len(cells):,} cells of {meta['cell_size']:g} m"
    if method == "local-moran":
        counts = cells["cluster"].value_counts(sort=False)
        rows = cells["cluster"].isin(_NAMED[method])
        heading = "High-High clusters and High-Low outliers"
    else:
        counts = cells["hotspot_class"].value_counts()
        rows = cells["gi_bin"] > 0
        heading = "Hot cells"
    if method == "gistar":
        lines = [
            f"{n_points:,} crimes on {size}; KDE bandwidth {meta['bandwidth']:.0f} m "
            f"({meta['kernel']}); Gi* {meta['neighbours']} neighbours, {control}."
        ]
    elif method == "local-moran":
        lines = [
            f"{n_points:,} crimes on {size}; Local Moran's I, {meta['neighbours']} "
            f"neighbours, {meta['permutations']:,} permutations, {control} "
            f"(two-sided p < {meta['alpha']:g})."
        ]
    else:
        lines = [
            f"{n_points:,} crimes on {size} ({meta['cells_analysed']}); "
            f"{meta['n_point_outliers']:,} locational outliers (kept).",
            "Incremental spatial autocorrelation (global Moran's I by distance band):",
        ]
        for row in meta["incremental"]:
            mark = (
                f"  <- chosen ({meta['distance_reason']})"
                if row["distance"] == meta["distance"]
                else ""
            )
            lines.append(
                f"  {row['distance']:>9,.0f} m  I = {row['moran_i']:.3f}  "
                f"z = {row['z']:.1f}{mark}"
            )
        lines.append(
            f"Gi* with neighbours within {meta['distance']:,.0f} m, {control}."
        )
        if meta["distance_reason"] == "maximum z":
            lines.append(
                "No peak: z rises through every band, so the widest band was chosen. "
                "Wide bands map districts, not streets; for patrol planning pass a "
                "shorter band (--method gistar --neighbours 300) or a smaller "
                "--boundary."
            )
    lines += [f"  {n:>7,}  {name}" for name, n in counts.items() if n]
    lines += _busiest_lines(
        cells, rows, f"{heading}, busiest first (top police.uk locations; flags):"
    )
    return lines + artefact_lines(meta)
