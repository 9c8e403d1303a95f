import subprocess
import sys

import pytest
from click.testing import CliRunner

from hotspots.cli import main
from tests.conftest import policeuk_row


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["ingest"],
        ["find"],
        ["select"],
        ["evaluate"],
        ["map"],
        ["pack"],
        ["demo-data"],
        ["demo"],
    ],
)
def test_cli_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_cli_ingest_writes_outputs_and_summary(tmp_path, write_csv):
    path = write_csv([policeuk_row("a"), policeuk_row("b", lon="", lat="")])
    out = tmp_path / "processed"
    result = CliRunner().invoke(
        main,
        [
            "--quiet",
            "ingest",
            str(path),
            "--out",
            str(out),
            "--crime-types",
            "serious_violence",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "kept 1, quarantined 1" in result.output
    assert "no_coordinates" in result.output
    assert (out / "crimes.parquet").exists() and (
        out / "crimes_quarantine.csv"
    ).exists()


def test_cli_ingest_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["ingest", str(path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "required column(s)" in result.output


def test_cli_entry_point_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "hotspots.cli", "--version"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "hotspots" in proc.stdout


def test_cli_find_writes_cells_with_kde_and_gistar(tmp_path):
    import geopandas as gpd
    import numpy as np

    rng = np.random.default_rng(3)
    xy = np.vstack([rng.uniform(0, 4000, (800, 2)), rng.normal(2000, 80, (150, 2))])
    crimes = gpd.GeoDataFrame(
        {"crime_type": ["Robbery"] * len(xy)},
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )
    source = tmp_path / "crimes.parquet"
    crimes.to_parquet(source)
    for suffix in (".parquet", ".geojson"):
        out = tmp_path / f"cells{suffix}"
        result = CliRunner().invoke(
            main,
            [
                "--quiet",
                "find",
                str(source),
                "--out",
                str(out),
                "--cell-size",
                "200",
                "--bandwidth",
                "400",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "hot spot, 99% confidence" in result.output
        cells = gpd.read_file(out) if suffix == ".geojson" else gpd.read_parquet(out)
        assert {"n", "kde", "gi_z", "p_fdr", "hotspot_class"} <= set(cells.columns)
        assert cells["n"].sum() == len(crimes)


def test_cli_find_explains_stray_points(tmp_path):
    import geopandas as gpd
    import shapely

    crimes = gpd.GeoDataFrame(
        {"crime_type": ["Robbery"] * 3},
        geometry=[
            shapely.Point(450_000, 300_000),
            shapely.Point(451_000, 301_000),
            shapely.Point(150_000, 30_000),
        ],
        crs=27700,
    )
    source = tmp_path / "crimes.parquet"
    crimes.to_parquet(source)
    result = CliRunner().invoke(
        main,
        [
            "find",
            str(source),
            "--out",
            str(tmp_path / "c.parquet"),
            "--cell-size",
            "50",
        ],
    )
    assert result.exit_code == 2
    assert "stray points" in result.output


def test_cli_boundary_gz_is_read_and_bad_boundary_is_a_clear_error(tmp_path, write_csv):
    from hotspots.demo import lsoa_path

    path = write_csv([policeuk_row("a"), policeuk_row("b", lon="-1.5", lat="53.2")])
    ok = CliRunner().invoke(
        main,
        [
            "--quiet",
            "ingest",
            str(path),
            "--out",
            str(tmp_path),
            "--boundary",
            str(lsoa_path()),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "outside_boundary" in ok.output
    bad = tmp_path / "area.geojson"
    bad.write_text("not a boundary")
    result = CliRunner().invoke(
        main, ["ingest", str(path), "--out", str(tmp_path), "--boundary", str(bad)]
    )
    assert result.exit_code == 2
    assert "cannot be read as a boundary" in result.output


@pytest.fixture(scope="module")
def evaluation_inputs(tmp_path_factory):
    """A small SYNTHETIC archive as crimes GeoParquet and patrol places GeoJSON."""
    import geopandas as gpd
    from shapely import wkt

    import hotspots
    from hotspots.synthetic import make_archive

    root = tmp_path_factory.mktemp("evaluate")
    archive = make_archive(root / "raw", rng=1, scale=0.3)
    crimes = root / "crimes.parquet"
    hotspots.read_policeuk(archive.root).crimes.to_parquet(crimes)
    patrol = archive.truth["patrol"]
    places = root / "places.geojson"
    gpd.GeoDataFrame(
        {"place_id": [p["place_id"] for p in patrol["places"]]},
        geometry=[wkt.loads(p["wkt"]) for p in patrol["places"]],
        crs=27700,
    ).to_crs(4326).to_file(places, driver="GeoJSON")
    return crimes, places, patrol["treatment_start"]


def evaluate_args(inputs, out_dir, *extra):
    crimes, places, start = inputs
    return [
        "--quiet",
        "evaluate",
        str(crimes),
        "--places",
        str(places),
        "--treatment-start",
        start,
        "--out-dir",
        str(out_dir),
        "--permutations",
        "99",
        *extra,
    ]


def test_cli_evaluate_writes_estimates_balance_and_plot(
    tmp_path, evaluation_inputs, monkeypatch
):
    import pandas as pd

    import hotspots

    titles = []
    plot_its = hotspots.plot_its

    def recording_plot(result, ax=None, *, title):
        titles.append(title)
        return plot_its(result, ax, title=title)

    monkeypatch.setattr(hotspots, "plot_its", recording_plot)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, evaluate_args(evaluation_inputs, out, "--seed", "1")
    )
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC DATA" in result.output
    assert "[did_negative_binomial] incidence rate ratio" in result.output
    assert "Maryland SMS level" in result.output
    estimates = pd.read_csv(out / "evaluation.csv")
    assert estimates["estimator"].tolist() == [
        "naive",
        "did_negative_binomial",
        "did_poisson",
        "randomisation",
        "its_level",
        "its_slope",
        "res",
        "wdq",
        "wdd",
    ]
    balance = pd.read_csv(out / "balance.csv", index_col="feature")
    assert balance.index.tolist() == ["level", "trend"]
    assert "std_diff" in balance.columns
    assert (out / "its.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert titles and titles[0].startswith("SYNTHETIC DATA")
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--treatment-start", "spring"], "treatment_start must be a date"),
        (["--treatment-start", "2035-01"], "need at least 2 each"),
        (["--id-column", "beat"], "no 'beat' column"),
        (["--ring-radius", "-5"], "ring_radius must be > 0"),
    ],
    ids=["not-a-month", "after-the-data", "no-id-column", "negative-ring"],
)
def test_cli_evaluate_bad_inputs_are_clear_errors(
    tmp_path, evaluation_inputs, extra, match
):
    result = CliRunner().invoke(
        main, evaluate_args(evaluation_inputs, tmp_path / "out", *extra)
    )
    assert result.exit_code == 2
    assert match in result.output
    assert not (tmp_path / "out" / "evaluation.csv").exists()
