"""The artefact rule in the national queries (SYNTHETIC archive with planted points).

The independent reference is the quality layer run in pandas on the same rows:
:func:`hotspots.quality.check_data` on each force's selected crimes, loaded whole.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.exceptions import HotspotsWarning
from hotspots.find import count_points, find_hotspots
from hotspots.io import DEFINITIONS, open_national
from hotspots.national import run_by_force, top_cells
from hotspots.national._artefacts import flag_points, scan_points
from hotspots.quality import check_data, describe_places

SV = list(DEFINITIONS["serious_violence"].policeuk_types)
SIZE = 250


def _reference(out, types=SV) -> gpd.GeoDataFrame:
    """Every selected row in pandas, with check_data's flag and weight per force."""
    columns = ["force_slug", "month", "crime_type", "location"]
    table = open_national(out).to_table(
        columns=[*columns, "last_outcome_category", "lsoa_name", "x", "y"]
    )
    rows = table.to_pandas()
    rows["crime_type"] = rows["crime_type"].astype(str)
    if types is not None:
        rows = rows[rows["crime_type"].isin(types)]
    frames = []
    for _, mine in rows.groupby("force_slug"):
        crimes = gpd.GeoDataFrame(
            mine, geometry=gpd.points_from_xy(mine["x"], mine["y"]), crs=27700
        )
        report = check_data(crimes)
        crimes["flag"] = report.point_flags(crimes)
        crimes["weight"] = report.point_weights(crimes)
        crimes.attrs = {}
        frames.append(crimes)
    out_rows = pd.concat(frames)
    out_rows["cell_x"] = (np.floor(out_rows["x"] / SIZE) * SIZE).astype(np.int64)
    out_rows["cell_y"] = (np.floor(out_rows["y"] / SIZE) * SIZE).astype(np.int64)
    return out_rows


def _ranking(rows: pd.DataFrame, weights=None) -> pd.DataFrame:
    """Cells by crimes (or summed weights), most first; ties south then west."""
    values = rows[weights] if weights else pd.Series(1, index=rows.index)
    score = values.groupby([rows["cell_x"], rows["cell_y"]]).sum().rename("score")
    table = score.reset_index()
    return table.sort_values(
        ["score", "cell_y", "cell_x"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(artefact_dataset):
    return _reference(artefact_dataset[0])


def _hospital_cell(reference) -> tuple[int, int]:
    """The cell of the planted hospital (the synthetic archive has small ones too)."""
    at = reference[
        (reference["location"] == "On or near Hospital")
        & (reference["force_slug"] == "derbyshire")
    ]
    cell = at.groupby(["cell_x", "cell_y"]).size().idxmax()
    return int(cell[0]), int(cell[1])


@pytest.mark.parametrize("types", [SV, None], ids=["serious_violence", "all"])
def test_points_are_flagged_exactly_as_check_data_flags_them(artefact_dataset, types):
    out, plants = artefact_dataset
    got = flag_points(
        scan_points(out, cell_size=SIZE, definition=types, progress=False)
    )
    rows = _reference(out, types)
    # a map point: coordinates to 0.1 m, as hotspots.quality.map_points keys them
    rows = rows.assign(n=1, x=np.round(rows["x"], 1), y=np.round(rows["y"], 1))
    want = rows.groupby(["force_slug", "x", "y"])
    want = want.agg(n=("n", "sum"), flag=("flag", "first"), weight=("weight", "first"))
    mine = got.set_index(["force_slug", "x", "y"]).loc[want.index]
    assert len(got) == len(want)
    assert mine["n"].tolist() == want["n"].tolist()
    assert mine["flag"].tolist() == want["flag"].tolist()
    np.testing.assert_allclose(mine["weight"], want["weight"], rtol=1e-12)
    flagged = mine[mine["flag"] != ""]
    # both plants are among them, for the planted reasons
    kinds = " | ".join(flagged["flag"])
    assert "reporting location (hospital)" in kinds
    assert "custody signature" in kinds
    assert flagged["n"].max() >= plants[0]["n"]


def test_by_default_the_hospital_cell_is_left_out_of_the_ranking(
    artefact_dataset, reference
):
    out, _ = artefact_dataset
    hospital = _hospital_cell(reference)
    before = _ranking(reference)
    assert tuple(before.loc[0, ["cell_x", "cell_y"]]) == hospital  # the fault
    with pytest.warns(HotspotsWarning, match="left the top 10"):
        cells = top_cells(out, cell_size=SIZE, n=10, progress=False)
    kept = _ranking(reference[reference["flag"] == ""]).head(10)
    assert cells[["cell_x", "cell_y"]].values.tolist() == (
        kept[["cell_x", "cell_y"]].values.tolist()
    )
    assert cells["n"].tolist() == kept["score"].tolist()
    assert hospital not in set(zip(cells["cell_x"], cells["cell_y"], strict=True))
    order = {tuple(c): i + 1 for i, c in enumerate(before[["cell_x", "cell_y"]].values)}
    assert cells["rank_without_rule"].tolist() == [
        order[(x, y)] for x, y in zip(cells["cell_x"], cells["cell_y"], strict=True)
    ]
    assert (cells["rank_change"] == cells["rank_without_rule"] - cells["rank"]).all()
    flagged = reference[reference["flag"] != ""]
    at = flagged.groupby(["cell_x", "cell_y"]).size()
    assert cells["n_at_flagged_points"].tolist() == [
        int(at.get((x, y), 0))
        for x, y in zip(cells["cell_x"], cells["cell_y"], strict=True)
    ]
    meta = cells.attrs["hotspots"]
    assert meta["artefacts"] == "exclude"
    assert meta["n_artefact_crimes"] == len(flagged)
    assert meta["n_flagged_points"] == len(flagged.groupby(["force_slug", "x", "y"]))
    assert f"E{hospital[0]} N{hospital[1]}" in meta["left_top"][0]
    assert "reporting location (hospital)" in meta["left_top"][0]


def test_flag_keeps_the_hospital_and_names_it_as_describe_places_does(
    artefact_dataset, reference
):
    out, _ = artefact_dataset
    hospital = _hospital_cell(reference)
    with pytest.warns(HotspotsWarning, match="top cells hold crimes at map points"):
        cells = top_cells(out, cell_size=SIZE, n=10, artefacts="flag", progress=False)
    before = _ranking(reference).head(10)
    assert cells["n"].tolist() == before["score"].tolist()
    assert (cells["rank_change"] == 0).all()
    first = cells.iloc[0]
    assert (first["cell_x"], first["cell_y"]) == hospital
    assert first["location"] == "On or near Hospital"
    assert "Hospital: reporting location (hospital)" in first["quality_flag"]
    # the quality layer's own description of the same cell on the same rows
    rows = reference[reference["force_slug"] == first["force"]]
    crimes = gpd.GeoDataFrame(rows, geometry=rows.geometry, crs=27700)
    described = describe_places(
        cells.iloc[[0]][["geometry"]], crimes, report=check_data(crimes)
    ).iloc[0]
    assert first["flagged_share"] == pytest.approx(described["flagged_share"])
    assert (
        first["top_locations"].split(" (")[0]
        == (described["top_locations"].split(" (")[0])
    )


def test_downweight_ranks_by_the_quality_layers_weights(artefact_dataset, reference):
    out, _ = artefact_dataset
    with pytest.warns(HotspotsWarning, match="weighted down"):
        cells = top_cells(
            out, cell_size=SIZE, n=10, artefacts="downweight", progress=False
        )
    want = _ranking(reference, weights="weight").head(10)
    assert cells[["cell_x", "cell_y"]].values.tolist() == (
        want[["cell_x", "cell_y"]].values.tolist()
    )
    np.testing.assert_allclose(cells["weighted_n"], want["score"], rtol=1e-12)
    assert cells.attrs["hotspots"]["artefacts"] == "downweight"


def test_off_is_the_ranking_of_every_crime_and_records_nothing(
    artefact_dataset, reference
):
    out, _ = artefact_dataset
    cells = top_cells(out, cell_size=SIZE, n=10, artefacts="off", progress=False)
    assert cells["n"].tolist() == _ranking(reference).head(10)["score"].tolist()
    assert (cells["n_at_flagged_points"] == 0).all()
    assert (cells["quality_flag"] == "").all()
    assert cells.attrs["hotspots"]["artefacts"] == "off"
    assert "n_flagged_points" not in cells.attrs["hotspots"]


def test_top_cells_refuse_an_unknown_action(artefact_dataset):
    with pytest.raises(ValueError, match="artefacts must be one of"):
        top_cells(artefact_dataset[0], artefacts="drop", progress=False)


def _points(rows: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rows["x"], rows["y"]), crs=27700
    )


def test_run_by_force_leaves_flagged_points_out_by_default(artefact_dataset, reference):
    out, plants = artefact_dataset
    with pytest.warns(HotspotsWarning, match=r"run_by_force \(derbyshire\): left out"):
        results = run_by_force(
            out, "grid", forces=["derbyshire"], cell_size=SIZE, progress=False
        )
    cells = results["derbyshire"]
    mine = reference[reference["force_slug"] == "derbyshire"]
    want = count_points(_points(mine[mine["flag"] == ""]), cell_size=SIZE)
    assert cells["n"].tolist() == want["n"].tolist()
    assert cells["n"].sum() == (mine["flag"] == "").sum() <= len(mine) - plants[0]["n"]
    meta = cells.attrs["hotspots"]
    assert meta["artefacts"] == "exclude"
    assert meta["applied_by"] == "run_by_force"
    assert meta["n_artefact_crimes"] == (mine["flag"] != "").sum()
    kept = run_by_force(
        out,
        "grid",
        forces=["derbyshire"],
        cell_size=SIZE,
        artefacts="off",
        progress=False,
    )["derbyshire"]
    assert kept["n"].sum() == len(mine)
    assert kept.attrs["hotspots"]["artefacts"] == "off"


def test_run_by_force_passes_artefacts_to_a_verb_that_takes_it(
    artefact_dataset, reference
):
    out, _ = artefact_dataset
    with pytest.warns(HotspotsWarning, match="find_hotspots: left out"):
        results = run_by_force(
            out,
            find_hotspots,
            forces=["derbyshire"],
            cell_size=1000,
            bandwidth=1500,
            progress=False,
        )
    cells = results["derbyshire"]
    meta = cells.attrs["hotspots"]
    assert (meta["artefacts"], meta["applied_by"]) == ("exclude", "func")
    mine = reference[reference["force_slug"] == "derbyshire"]
    assert cells["n"].sum() == (mine["flag"] == "").sum()


def test_run_by_force_refuses_downweight_without_weights_and_unknown_actions(
    artefact_dataset,
):
    out, _ = artefact_dataset
    with pytest.raises(ValueError, match="takes none"):
        run_by_force(out, len, artefacts="downweight", progress=False)
    with pytest.raises(ValueError, match="artefacts must be one of"):
        run_by_force(out, "grid", artefacts="drop", cell_size=SIZE, progress=False)
