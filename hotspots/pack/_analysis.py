"""The analysis behind a pack: evaluation, hotspot map, costs, and the data files."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots._safe import spreadsheet_safe
from hotspots.evaluation import (
    UNIT_COST_COLUMNS,
    evaluate,
    home_office_unit_costs,
    rings,
    unit_cost_table,
)
from hotspots.evaluation._evaluate import Evaluation
from hotspots.exceptions import HotspotsWarning
from hotspots.find._find_hotspots import find_hotspots
from hotspots.io._boundary import read_boundary
from hotspots.io._definitions import select_crimes
from hotspots.maps._title import is_synthetic
from hotspots.pack._economics import costing, costs_frame
from hotspots.pack._evidence_page import evidence_frames, place_evaluation
from hotspots.pack._implementation import (
    PackPatrols,
    evaluation_dosage,
    patrol_frames,
    run_patrols,
)
from hotspots.pack._recipe import PackRecipe
from hotspots.pack._trial import PackTrial, run_trial, trial_frames
from hotspots.quality import QualityReport, check_data

__all__ = ["PackAnalysis", "costs_frame", "run_analysis", "write_data"]

_CSV_FLOAT = "%.10g"
#: The warnings about flagged map points that the page shows as caveats instead.
_FLAGGED = r".*flagged as likely recording artefacts.*"


@dataclass(frozen=True)
class PackAnalysis:
    """Everything a pack shows, computed once from the recipe's inputs.

    Attributes
    ----------
    crimes : GeoDataFrame
        The crimes evaluated (after the recipe's definition), EPSG:27700.
    places, rings : GeoDataFrame
        Treated places and their displacement rings.
    evaluation : Evaluation
        :func:`hotspots.evaluate` on the places.
    cells : GeoDataFrame
        :func:`hotspots.find_hotspots` on the selection period's crimes.
    place_table : DataFrame
        Crimes per treated place before and after the start.
    costs : dict or None
        ``prevented``, ``result`` (:class:`CostBenefit`), ``break_even``,
        ``unit_costs``, ``mix``; None when the patrols were not costed.
    cost_caveats : list of str
        Caveats of the costing.
    synthetic : bool
        Whether the crimes are SYNTHETIC.
    n_selection : int
        Located crimes in the selection period.
    quality : QualityReport or None
        Data-quality checks of the crimes (None when ``artefacts`` is "off").
    trial : PackTrial or None
        The planned and the run randomised trial (None without trial fields).
    patrols : PackPatrols or None
        Patrol tracked from location pings (None without ``patrol_pings``).
    evidence : Placement or None
        The headline effect among published trials
        (:func:`hotspots.evidence.place_result`; None when not estimable).
    """

    crimes: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    rings: gpd.GeoDataFrame
    evaluation: Evaluation
    cells: gpd.GeoDataFrame
    place_table: pd.DataFrame
    costs: dict[str, Any] | None
    cost_caveats: list[str]
    synthetic: bool
    n_selection: int
    quality: QualityReport | None = None
    trial: PackTrial | None = None
    patrols: PackPatrols | None = None
    evidence: Any = None


def _load_crimes(path: Path, definition: str) -> gpd.GeoDataFrame:
    crimes = gpd.read_parquet(path)
    if "month" not in crimes.columns:
        raise ValueError(
            f"{path.name} has no 'month' column; write it with `hotspots ingest`."
        )
    crimes = (
        crimes.to_crs(27700) if crimes.crs and crimes.crs.to_epsg() != 27700 else crimes
    )
    return crimes if definition == "all" else select_crimes(crimes, definition)


def _is_synthetic(recipe: PackRecipe, crimes: pd.DataFrame) -> bool:
    if recipe.synthetic is not None:
        return recipe.synthetic
    return is_synthetic([crimes])


def _unit_costs(recipe: PackRecipe, inputs: dict[str, Path]) -> pd.DataFrame:
    if recipe.unit_costs == "home_office":
        return home_office_unit_costs()
    table = pd.read_csv(inputs["unit_costs"])
    missing = [c for c in UNIT_COST_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{inputs['unit_costs'].name} lacks column(s) {missing}; a unit-cost CSV "
            f"needs {list(UNIT_COST_COLUMNS)} (see hotspots.unit_cost_table)."
        )
    first = table.iloc[0]
    return unit_cost_table(
        dict(zip(table["offence"], table["unit_cost"], strict=True)),
        price_base=str(first["price_base"]),
        year=int(first["year"]),
        source=str(first["source"]),
    )


def _to_geojson(frame: gpd.GeoDataFrame) -> str:
    wgs = frame.to_crs(4326)
    return wgs.to_json(drop_id=True, na="null", show_bbox=False) + "\n"


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    # text from data (place ids, locations, outcomes) cannot run as a formula
    spreadsheet_safe(frame).to_csv(
        path, index=False, float_format=_CSV_FLOAT, lineterminator="\n"
    )


def _costs(
    recipe: PackRecipe,
    inputs: dict[str, Path],
    evaluation: Evaluation,
    crimes: pd.DataFrame,
    observed_after: float,
) -> tuple[dict[str, Any] | None, list[str]]:
    """Cost-benefit numbers for the page and the caveats they bring."""
    if recipe.officer_hours is None or recipe.hourly_cost is None:
        return None, []
    return costing(
        recipe,
        _unit_costs(recipe, inputs),
        evaluation.did_negative_binomial,
        crimes,
        observed_after,
    )


def _places_frame(evaluation: Evaluation, id_column: str) -> pd.DataFrame:
    data = evaluation.matched.panel
    treated = data[data["treated"].astype(bool)]
    start = evaluation.settings["treatment_start"]
    post = treated["month"] >= start
    before = treated[~post].groupby(id_column)["count"].sum()
    after = treated[post].groupby(id_column)["count"].sum()
    n_before = treated.loc[~post, "month"].nunique()
    n_after = treated.loc[post, "month"].nunique()
    frame = pd.DataFrame({"crimes_before": before, "crimes_after": after}).fillna(0)
    frame["per_month_before"] = frame["crimes_before"] / max(n_before, 1)
    frame["per_month_after"] = frame["crimes_after"] / max(n_after, 1)
    frame = frame.sort_values(["crimes_before", "crimes_after"], ascending=False)
    return frame.reset_index().rename(columns={"index": id_column})


def run_analysis(recipe: PackRecipe, inputs: dict[str, Path]) -> PackAnalysis:
    """Run the evaluation, hotspot map and costing a recipe asks for.

    Parameters
    ----------
    recipe : PackRecipe
        Inputs and parameters.
    inputs : dict of role -> Path
        The recipe's input files, resolved (``crimes``, ``places`` and,
        when given, ``boundary`` and ``unit_costs``).

    Returns
    -------
    PackAnalysis
    """
    crimes = _load_crimes(inputs["crimes"], recipe.definition)
    places = read_boundary(inputs["places"])
    if recipe.id_column not in places.columns:
        raise ValueError(
            f"{inputs['places'].name} has no {recipe.id_column!r} column; give "
            f"id_column= (its columns: {list(places.columns)})."
        )
    report = check_data(crimes) if recipe.artefacts != "off" else None
    patrols = run_patrols(recipe, inputs, places)
    with warnings.catch_warnings():
        # flagged points are named on the page (caveats, data-quality section)
        warnings.filterwarnings("ignore", _FLAGGED, HotspotsWarning)
        evaluation = evaluate(
            crimes,
            places,
            treatment_start=recipe.treatment_start,
            ring_radius=recipe.ring_radius,
            comparisons_k=recipe.comparisons_k,
            permutations=recipe.permutations,
            id_column=recipe.id_column,
            rng=recipe.seed,
            progress=False,
            artefacts=recipe.artefacts,  # type: ignore[arg-type]
            quality=report,
            dosage=evaluation_dosage(patrols, crimes["month"]),
        )
    selection = evaluation.settings["selection_months"]
    months = crimes["month"].dt.strftime("%Y-%m")
    in_selection = crimes[months.isin(selection).to_numpy()]
    boundary = read_boundary(inputs["boundary"]) if "boundary" in inputs else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _FLAGGED, HotspotsWarning)
        cells = find_hotspots(
            in_selection,
            cell_size=recipe.cell_size,
            boundary=boundary,
            rng=recipe.seed,
            progress=False,
            artefacts=recipe.artefacts,  # type: ignore[arg-type]
            quality=report,
        )
    place_table = _places_frame(evaluation, recipe.id_column)
    inside = crimes.geometry.within(places.geometry.union_all()).to_numpy()
    costs, cost_caveats = _costs(
        recipe,
        inputs,
        evaluation,
        crimes[inside],  # the offence mix of the treated places
        float(place_table["crimes_after"].sum()),
    )
    synthetic = _is_synthetic(recipe, crimes)
    return PackAnalysis(
        crimes=crimes,
        places=places,
        rings=rings(places, radius=recipe.ring_radius),
        evaluation=evaluation,
        cells=cells,
        place_table=place_table,
        costs=costs,
        cost_caveats=cost_caveats,
        synthetic=synthetic,
        n_selection=len(in_selection),
        quality=report,
        trial=run_trial(recipe, inputs, evaluation, places[recipe.id_column].tolist()),
        patrols=patrols,
        evidence=place_evaluation(evaluation, synthetic),
    )


def write_data(folder: Path, analysis: PackAnalysis, recipe: PackRecipe) -> None:
    """Write the numbers behind every figure and table to ``folder``.

    CSV numbers carry 10 significant digits and GeoJSON is in WGS84
    (EPSG:4326), as the GeoJSON standard asks; nothing depends on the time or
    the output folder, so the files are reproducible.
    """
    folder.mkdir(parents=True, exist_ok=True)
    evaluation = analysis.evaluation
    _write_csv(evaluation.to_frame(), folder / "estimates.csv")
    _write_csv(evaluation.balance.reset_index(names="feature"), folder / "balance.csv")
    _write_csv(evaluation.verdict.checks, folder / "verdict_checks.csv")
    series = evaluation.its.series.assign(
        month=lambda f: pd.to_datetime(f["month"]).dt.strftime("%Y-%m")
    )
    _write_csv(series, folder / "its_series.csv")
    _write_csv(analysis.place_table, folder / "places.csv")
    places = analysis.places[[recipe.id_column, "geometry"]].merge(
        analysis.place_table, on=recipe.id_column, how="left"
    )
    (folder / "places.geojson").write_text(_to_geojson(places), encoding="utf-8")
    ring = analysis.rings[[recipe.id_column, "overlaps_other_ring", "geometry"]]
    (folder / "rings.geojson").write_text(_to_geojson(ring), encoding="utf-8")
    columns = ["cell_id", "n", "kde", "gi_z", "p_fdr", "gi_bin", "geometry"]
    hot = analysis.cells.loc[analysis.cells["gi_bin"] != 0, columns]
    (folder / "hotspots_selection_period.geojson").write_text(
        _to_geojson(hot), encoding="utf-8"
    )
    if analysis.quality is not None:
        _write_csv(analysis.quality.findings, folder / "quality_findings.csv")
    if analysis.costs is not None:
        _write_csv(costs_frame(analysis.costs, recipe), folder / "costs.csv")
        _write_csv(analysis.costs["unit_costs"], folder / "unit_costs.csv")
    for name, frame in trial_frames(analysis.trial).items():
        _write_csv(frame, folder / name)
    for name, frame in patrol_frames(analysis.patrols, evaluation).items():
        _write_csv(frame, folder / name)
    for name, frame in evidence_frames(analysis.evidence).items():
        _write_csv(frame, folder / name)
