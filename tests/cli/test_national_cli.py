"""``hotspots national counts|top|by-force`` on a SYNTHETIC dataset with plants."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from hotspots.cli import main
from hotspots.exceptions import HotspotsWarning
from hotspots.io import DEFINITIONS, open_national
from hotspots.national import top_cells
from tests.national.conftest import build_artefact_dataset

SV = list(DEFINITIONS["serious_violence"].policeuk_types)


@pytest.fixture(scope="module")
def artefact_dataset(tmp_path_factory):
    """SYNTHETIC national dataset with a planted hospital (tests/national)."""
    return build_artefact_dataset(tmp_path_factory.mktemp("cli-artefacts"))


def _run(*args: str):
    result = CliRunner().invoke(main, ["--quiet", "national", *map(str, args)])
    return result


def test_top_writes_a_geopackage_and_says_what_was_left_out(artefact_dataset, tmp_path):
    out, _ = artefact_dataset
    path = tmp_path / "top.gpkg"
    result = _run("top", out, "--n", 5, "--out", path)
    assert result.exit_code == 0, result.output
    assert "artefacts='exclude'" in result.output
    assert "Left out of the top 5 as likely recording artefacts" in result.output
    assert "Hospital: reporting location (hospital)" in result.output
    written = gpd.read_file(path)
    with pytest.warns(HotspotsWarning):
        want = top_cells(out, n=5, progress=False)
    assert written["n"].tolist() == want["n"].tolist()
    assert written["cell_x"].tolist() == want["cell_x"].tolist()
    assert written.crs.to_epsg() == 27700
    assert "Hospital" not in " ".join(written["location"])


def test_top_with_flag_keeps_the_hospital_first_in_csv_and_geojson(
    artefact_dataset, tmp_path
):
    out, _ = artefact_dataset
    csv, geojson = tmp_path / "top.csv", tmp_path / "top.geojson"
    result = _run("top", out, "--n", 3, "--artefacts", "flag", "--out", csv)
    assert result.exit_code == 0, result.output
    assert "artefacts='flag'" in result.output and "(kept)" in result.output
    table = pd.read_csv(csv)
    assert table.loc[0, "location"] == "On or near Hospital"
    assert "reporting location (hospital)" in table.loc[0, "quality_flag"]
    assert table.loc[0, "wkt"].startswith("POLYGON")
    result = _run("top", out, "--n", 3, "--artefacts", "flag", "--out", geojson)
    assert result.exit_code == 0, result.output
    cells = gpd.read_file(geojson)
    assert cells.crs.to_epsg() == 4326
    assert cells["n"].tolist() == table["n"].tolist()


def test_top_refuses_an_unknown_extension(artefact_dataset, tmp_path):
    result = _run("top", artefact_dataset[0], "--out", tmp_path / "top.xlsx")
    assert result.exit_code == 2
    assert "--out must end with .gpkg, .geojson, .csv" in result.output


def test_counts_by_force_match_pandas(artefact_dataset, tmp_path):
    out, _ = artefact_dataset
    path = tmp_path / "counts.csv"
    result = _run("counts", out, "--by", "force", "--out", path)
    assert result.exit_code == 0, result.output
    assert "every crime counted" in result.output
    rows = open_national(out).to_table(columns=["force_slug", "crime_type"])
    rows = rows.to_pandas()
    want = rows[rows["crime_type"].astype(str).isin(SV)]["force_slug"].value_counts()
    got = pd.read_csv(path).set_index("force")["n"]
    assert got.sort_index().to_dict() == want.sort_index().to_dict()


def test_by_force_writes_one_file_per_force_without_the_hospital(
    artefact_dataset, tmp_path
):
    out, plants = artefact_dataset
    result = _run(
        "by-force",
        out,
        "--func",
        "grid",
        "--forces",
        "derbyshire",
        "--out-dir",
        tmp_path,
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    assert "artefacts='exclude'" in result.output
    assert "left out (e.g. Hospital" in result.output
    cells = pd.read_csv(tmp_path / "derbyshire-grid.csv")
    rows = (
        open_national(out)
        .to_table(columns=["force_slug", "crime_type"], filter=None)
        .to_pandas()
    )
    mine = rows[(rows["force_slug"] == "derbyshire") & rows["crime_type"].isin(SV)]
    assert cells["n"].sum() == len(mine) - plants[0]["n"]  # only the hospital flagged
