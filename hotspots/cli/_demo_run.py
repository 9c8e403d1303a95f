"""The end-to-end demo run by ``make demo`` (``hotspots demo``)."""

from __future__ import annotations

import logging
from pathlib import Path

from hotspots._atomic import atomic_path
from hotspots.demo import data_dir, load_lsoa, load_real_sample
from hotspots.io import read_policeuk

__all__ = ["run_demo"]

logger = logging.getLogger(__name__)

#: Demo hotspot map settings: 250 m cells (above the ~100-150 m where police.uk
#: snap points dominate, :doc:`/docs/methods/policeuk-data`) and a 400 m quartic
#: bandwidth.
_DEMO_CELL_M = 250
_DEMO_BANDWIDTH_M = 400
#: Illustrative patrol input for the SYNTHETIC pack (not any force's figures): the
#: officer hours come from the planted dosage (hotspots.synthetic.patrol_dosage).
_DEMO_HOURLY_COST = 45.0


def run_demo(
    out_dir: str | Path = "data/processed",
    *,
    synthetic_dir: str | Path | None = None,
    render_notebooks: bool = True,
) -> dict:
    """Run the demo end to end and return the paths it wrote.

    Steps: read the real sample (quarantine and summary); map its 2024 hotspots
    (counts, kernel density, Gi* on 250 m cells inside the force's LSOAs);
    generate the SYNTHETIC Leicestershire archive and read it back; then
    (optionally) execute the notebooks and save rendered HTML copies.

    Parameters
    ----------
    out_dir : str or Path, default "data/processed"
        Where outputs go.
    synthetic_dir : str or Path, optional
        Where the SYNTHETIC archive is generated; default ``<data>/raw/synthetic``.
    render_notebooks : bool, default True
        Execute ``notebooks/*.ipynb`` and write HTML copies to ``out_dir/notebooks``.

    Returns
    -------
    dict
        Output name -> path, and ``"summaries"`` -> text summaries by step.
    """
    out_dir = Path(out_dir)
    outputs: dict = {"summaries": {}}
    real = load_real_sample()
    for key, path in real.write(
        out_dir, name="real_leicestershire_serious_violence"
    ).items():
        outputs[f"real_{key}"] = path
    outputs["summaries"]["real police.uk sample"] = str(real)

    from hotspots.find import find_hotspots
    from hotspots.quality import check_data

    boundary = load_lsoa()
    recent = real.crimes[real.crimes["month"] >= "2024-01-01"]
    report = check_data(recent, quarantine=real)
    outputs["summaries"]["data quality, real sample, 2024"] = report.summary(top=6)
    cells = find_hotspots(
        recent,
        cell_size=_DEMO_CELL_M,
        boundary=boundary,
        bandwidth=_DEMO_BANDWIDTH_M,
        progress=False,
        quality=report,  # artefacts="flag": hot cells name their flagged points
    )
    path = out_dir / "real_leicestershire_hotspots_2024.parquet"
    with atomic_path(path) as tmp:
        cells.to_parquet(tmp, index=False)
    outputs["real_hotspots"] = path
    classes = cells["hotspot_class"].value_counts()
    outputs["summaries"]["hotspots, real sample, 2024"] = "\n".join(
        [
            f"{len(recent):,} crimes, {len(cells):,} cells of {_DEMO_CELL_M} m, KDE "
            f"bandwidth {_DEMO_BANDWIDTH_M} m, Gi* queen neighbours with FDR:"
        ]
        + [f"  {n:>7,}  {name}" for name, n in classes.items() if n]
    )

    real_map = demo_real_map(cells, report.flagged_points, boundary)
    outputs.update(
        _save_map(real_map, out_dir / "maps" / "real_leicestershire_hotspots_2024.html")
    )

    from hotspots.synthetic import make_archive

    archive = make_archive(synthetic_dir or data_dir() / "raw" / "synthetic")
    synthetic = read_policeuk(archive.root)
    for key, path in synthetic.write(out_dir, name="synthetic_leicestershire").items():
        outputs[f"synthetic_{key}"] = path
    outputs["synthetic_truth"] = archive.truth_path
    outputs["summaries"]["SYNTHETIC Leicestershire archive"] = str(synthetic)

    outputs.update(
        _synthetic_pack(
            out_dir, outputs["synthetic_crimes"], archive.truth_path, outputs
        )
    )

    if render_notebooks:
        from hotspots.cli._notebooks import render_notebooks as _render

        notebooks = data_dir().parent / "notebooks"
        outputs.update(_render(notebooks, out_dir / "notebooks"))
    return outputs


def _synthetic_pack(
    out_dir: Path, crimes: Path, truth_path: Path, outputs: dict
) -> dict:
    """Build the SYNTHETIC knowledge-sharing pack of the 18 planted patrol places."""
    from hotspots.evaluation import officer_hours
    from hotspots.pack import build_pack
    from hotspots.synthetic import load_truth, patrol_dosage, patrol_places

    truth = load_truth(truth_path)
    places_path = out_dir / "synthetic_patrol_places.geojson"
    with atomic_path(places_path) as tmp:
        patrol_places(truth).to_file(tmp, driver="GeoJSON")
    pack = build_pack(
        out_dir / "pack_synthetic",
        crimes=_relative(crimes),
        places=_relative(places_path),
        treatment_start=truth["patrol"]["treatment_start"],
        title="Hot spot patrols against serious violence: a worked example",
        area="Leicestershire (SYNTHETIC)",
        organisation="a fictional force (SYNTHETIC demonstration)",
        officer_hours=officer_hours(**patrol_dosage(truth)),
        hourly_cost=_DEMO_HOURLY_COST,
        hourly_cost_source="illustrative figure for the SYNTHETIC demonstration",
    )
    outputs["summaries"]["SYNTHETIC knowledge-sharing pack"] = str(pack)

    import geopandas as gpd

    m = demo_synthetic_map(patrol_places(truth), gpd.read_parquet(crimes), load_lsoa())
    return {
        **_save_map(m, out_dir / "maps" / "synthetic_patrol_places.html"),
        "synthetic_patrol_places": places_path,
        "pack": pack.index,
        "pack_zip": pack.zip_path,
    }


def demo_real_map(cells, flagged_points, boundary):
    """Return the demo's map of the real sample's 2024 Gi* hot spots.

    Hot cells only (named by their busiest police.uk locations), the flagged map
    points, and the force's LSOAs as the outline (the force boundary, and named
    LSOAs when zoomed in). OpenStreetMap tiles show when the reader is online.
    """
    from hotspots import maps

    m = maps.gistar_map(
        cells,
        outline=boundary,
        title="Gi* hot spots of serious violence",
        where="Leicestershire, police.uk data (Open Government Licence v3.0)",
        when="2024",
        synthetic=False,
    )
    return maps.quality_map(flagged_points, m=m, synthetic=False)


def demo_synthetic_map(places, crimes, boundary):
    """Return the demo's map of the SYNTHETIC patrol places and their 250 m rings.

    The places are named by their busiest locations in ``crimes``
    (:func:`hotspots.quality.describe_places`) and drawn once, with their rings.
    """
    from hotspots import maps
    from hotspots.evaluation import rings
    from hotspots.quality import describe_places

    named = describe_places(places, crimes)
    m = maps.places_map(
        named,
        outline=boundary,
        title="SYNTHETIC patrol places and 250 m displacement rings",
        synthetic=True,
    )
    return maps.rings_map(named, rings(named, radius=250), m=m, synthetic=True)


def _relative(path: Path) -> str:
    """Return the path relative to the working folder when inside it (portable)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _save_map(m, path: Path) -> dict:
    """Save an offline map; without the cached web assets, say so and skip it."""
    from hotspots import maps
    from hotspots.maps.assets import AssetError

    try:
        return {f"map_{path.stem}": maps.save(m, path, offline=True)}
    except AssetError as err:
        logger.warning("Skipped %s: %s", path.name, err)
        return {}
