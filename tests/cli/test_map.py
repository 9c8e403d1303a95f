"""``hotspots map``: files written by find, select and ingest on one map."""

from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from hotspots.cli import main
from tests.maps.conftest import PAYLOADS


@pytest.fixture
def outputs(tmp_path, cells, places, crimes) -> dict[str, Path]:
    paths = {
        "cells": tmp_path / "cells.parquet",
        "places": tmp_path / "patrol_places.geojson",
        "crimes": tmp_path / "crimes.parquet",
        "boundary": tmp_path / "area.geojson",
    }
    cells.to_parquet(paths["cells"])
    places.to_crs(4326).to_file(paths["places"], driver="GeoJSON")
    crimes.to_parquet(paths["crimes"])
    gpd.GeoDataFrame(geometry=[cells.union_all().envelope], crs=cells.crs).to_file(
        paths["boundary"], driver="GeoJSON"
    )
    return paths


def test_map_detects_each_layer_and_writes_one_page(tmp_path, outputs):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        main,
        [
            "--quiet",
            "map",
            str(outputs["crimes"]),
            str(outputs["places"]),
            str(outputs["cells"]),
            "--density",
            str(outputs["cells"]),
            "--boundary",
            str(outputs["boundary"]),
            "--tiles",
            "none",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bottom to top: density, gistar, places, crimes" in result.output
    page = out.read_text(encoding="utf-8")
    for name in (
        "Kernel density",
        "Gi* hot and cold spots",
        "Patrol places",
        "Boundary",
    ):
        assert name in page


def test_map_offline_inlines_everything(tmp_path, outputs, asset_cache):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        main, ["--quiet", "map", str(outputs["cells"]), "--offline", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "works offline" in result.output
    assert '<script src="http' not in page and "tile.openstreetmap" not in page


def test_map_title_from_the_user_is_escaped(tmp_path, outputs):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        main,
        [
            "map",
            str(outputs["cells"]),
            "--tiles",
            "none",
            "--title",
            PAYLOADS[0],
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert PAYLOADS[0] not in out.read_text(encoding="utf-8")


def test_map_without_inputs_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["map", "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 2
    assert "at least one file" in result.output


def test_map_of_unrecognised_polygons_says_what_to_do(tmp_path, cells):
    path = tmp_path / "odd.geojson"
    cells[["cell_id", "geometry"]].to_crs(4326).to_file(path, driver="GeoJSON")
    result = CliRunner().invoke(
        main, ["map", str(path), "--tiles", "none", "--out", str(tmp_path / "m.html")]
    )
    assert result.exit_code == 2
    assert "say the kind explicitly" in result.output
