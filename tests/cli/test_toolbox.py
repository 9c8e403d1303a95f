"""The analyst's toolbox on the command line: find --method, near-repeat, rates.

Small SYNTHETIC inputs near Leicester; each command's files must hold the same
numbers as the library call it wraps.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

import hotspots
from hotspots.cli import main
from hotspots.find import rates
from hotspots.maps import layer_kind

X0, Y0 = 458000.0, 304000.0
SEED = 20240601
AREA = 500.0


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    """700 crimes over 2 km with a tight group of 250, dated within 2024."""
    rng = np.random.default_rng(11)
    xy = np.vstack(
        [
            rng.uniform([X0, Y0], [X0 + 2000, Y0 + 2000], (450, 2)),
            rng.normal([X0 + 700, Y0 + 1300], 90, (250, 2)),
        ]
    )
    xy = np.clip(xy, [X0 + 1, Y0 + 1], [X0 + 1999, Y0 + 1999])
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 366, len(xy)), unit="D"
    )
    dates += pd.to_timedelta(rng.integers(0, 24, len(xy)), unit="h")
    streets = ["Granby Street", "Church Gate", "High Street", "London Road"]
    return gpd.GeoDataFrame(
        {
            "crime_id": [f"c{i:04d}" for i in range(len(xy))],
            "date": dates,
            "month": dates.to_period("M").to_timestamp(),
            "crime_type": "Robbery",
            "location": [f"On or near {streets[i % 4]}" for i in range(len(xy))],
            "lsoa_name": "Leicester 041A",
        },
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )


@pytest.fixture(scope="module")
def files(events, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("toolbox")
    paths = {
        "crimes": root / "crimes.parquet",
        "months": root / "months.parquet",
        "areas": root / "areas.geojson",
        "population": root / "population.csv",
    }
    events.to_parquet(paths["crimes"])
    events.drop(columns="date").to_parquet(paths["months"])
    codes = [f"E0101{i:04d}" for i in range(16)]
    gpd.GeoDataFrame(
        {"LSOA11CD": codes, "LSOA11NM": [f"Leicester {i:03d}A" for i in range(16)]},
        geometry=[
            box(
                X0 + AREA * (i % 4),
                Y0 + AREA * (i // 4),
                X0 + AREA * (i % 4 + 1),
                Y0 + AREA * (i // 4 + 1),
            )
            for i in range(16)
        ],
        crs=27700,
    ).to_crs(4326).to_file(paths["areas"], driver="GeoJSON")
    population = 900 + 150 * np.arange(16)
    population[5] = 80  # a small area, pulled hardest by the smoothing
    pd.DataFrame(
        {
            "lsoa_code": [*codes, "E01099999"],  # one row matches no area
            "lsoa_name": [f"Leicester {i:03d}A" for i in range(17)],
            "population": [*population, 1500],
        }
    ).to_csv(paths["population"], index=False)
    return paths


def run(*args: str):
    result = CliRunner().invoke(main, ["--quiet", *map(str, args)])
    return result


@pytest.mark.parametrize("verb", ["find", "near-repeat", "rates"])
def test_toolbox_verbs_have_help(verb):
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_find_local_moran_writes_the_library_classes(events, files, tmp_path):
    out = tmp_path / "clusters.parquet"

    result = run(
        "find", files["crimes"], "--method", "local-moran", "--definition", "all",
        "--cell-size", "200", "--out", out,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    cells = gpd.read_parquet(out)
    expected = hotspots.local_moran(events, cell_size=200, rng=SEED, progress=False)
    assert cells["cluster"].astype(str).tolist() == (
        expected["cluster"].astype(str).tolist()
    )
    np.testing.assert_allclose(cells["moran_i"], expected["moran_i"])
    np.testing.assert_allclose(cells["p_fdr"], expected["p_fdr"])
    high = int((expected["cluster"] == "High-High cluster").sum())
    assert high > 0
    assert f"{high:>7,}  High-High cluster" in result.output
    assert "999 permutations, FDR-controlled" in result.output
    assert "High-High cluster: Granby Street" in result.output
    assert layer_kind(cells) == "clusters"


def test_find_optimized_writes_cells_and_the_incremental_table(events, files, tmp_path):
    out = tmp_path / "optimized.parquet"

    result = run(
        "find", files["crimes"], "--method", "optimized", "--definition", "all",
        "--cell-size", "100", "--out", out,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    cells = gpd.read_parquet(out)
    expected = hotspots.optimized_hotspots(events, cell_size=100, progress=False)
    meta = expected.attrs["hotspots"]
    np.testing.assert_allclose(cells["gi_z"], expected["gi_z"])
    assert cells["hotspot_class"].tolist() == expected["hotspot_class"].tolist()
    table = pd.read_csv(tmp_path / "optimized_incremental.csv")
    np.testing.assert_allclose(table["distance"], meta["distances"])
    np.testing.assert_allclose(table["z"], meta["moran_z"])
    chosen = f"{meta['distance']:,.0f} m"
    assert f"<- chosen ({meta['distance_reason']})" in result.output
    assert f"Gi* with neighbours within {chosen}" in result.output
    assert layer_kind(cells) == "gistar"


def test_find_refuses_options_the_method_does_not_take(files, tmp_path):
    result = run(
        "find", files["crimes"], "--method", "optimized", "--neighbours", "300",
        "--definition", "all", "--out", tmp_path / "x.parquet",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "does not take --neighbours" in result.output
    assert "--distances" in result.output
    result = run(
        "find", files["crimes"], "--method", "local-moran", "--bandwidth", "400",
        "--definition", "all", "--out", tmp_path / "x.parquet",
    )  # fmt: skip
    assert result.exit_code == 2 and "does not take --bandwidth" in result.output
    result = run(
        "find", files["crimes"], "--method", "optimized", "--distances", "150,x",
        "--definition", "all", "--out", tmp_path / "x.parquet",
    )  # fmt: skip
    assert result.exit_code == 2 and "Invalid value for --distances" in result.output


def test_find_default_is_still_gistar_with_kde(files, tmp_path):
    out = tmp_path / "cells.parquet"
    result = run(
        "find", files["crimes"], "--definition", "all", "--cell-size", "200",
        "--bandwidth", "400", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {"kde", "gi_bin", "hotspot_class"} <= set(gpd.read_parquet(out).columns)


def test_near_repeat_writes_the_knox_tables_of_the_library(events, files, tmp_path):
    result = run(
        "near-repeat", files["crimes"], "--definition", "all",
        "--distance-bands", "0,100,200", "--time-bands", "0,7,14",
        "--permutations", "99", "--out", tmp_path,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    expected = hotspots.near_repeat(
        events,
        distance_bands=(0, 100, 200),
        time_bands=(0, 7, 14),
        permutations=99,
        rng=SEED,
        progress=False,
    )
    tidy = pd.read_csv(tmp_path / "near_repeat.csv")
    pd.testing.assert_frame_equal(tidy, expected.to_frame(), check_dtype=False)
    ratios = pd.read_csv(tmp_path / "knox_ratios.csv", index_col=0)
    np.testing.assert_allclose(ratios.to_numpy(), expected.knox_ratio.to_numpy())
    assert ratios.index.tolist() == ["same location", "(0, 100) m", "[100, 200) m"]
    assert ratios.columns.tolist() == ["[0, 7) days", "[7, 14) days"]
    page = (tmp_path / "near_repeat.html").read_text(encoding="utf-8")
    assert "Knox ratios" in page and "Observed pairs" in page
    assert f"{expected.n_events:,} events" in page
    assert "2024-01-01 to 2024-12-31" in page
    assert str(expected).splitlines()[0] in result.output


def test_near_repeat_refuses_day_bands_on_month_only_data(files, tmp_path):
    result = run(
        "near-repeat", files["months"], "--definition", "all", "--out", tmp_path,
    )  # fmt: skip

    assert result.exit_code == 2
    assert result.output.startswith("Error: events have no 'date' column")
    assert "police.uk street-level data give the month of each crime only" in (
        result.output
    )
    assert "--time-column month --unit month" in result.output
    assert not (tmp_path / "near_repeat.csv").exists()


def test_near_repeat_counts_month_bands_on_month_only_data(events, files, tmp_path):
    result = run(
        "near-repeat", files["months"], "--definition", "all", "--time-column",
        "month", "--unit", "month", "--permutations", "99", "--out", tmp_path,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    expected = hotspots.near_repeat(
        events, time="month", unit="month", permutations=99, rng=SEED, progress=False
    )
    tidy = pd.read_csv(tmp_path / "near_repeat.csv")
    assert tidy["time_band"].unique().tolist() == [
        "[0, 1) months",
        "[1, 2) months",
        "[2, 3) months",
    ]
    np.testing.assert_array_equal(tidy["observed"], expected.to_frame()["observed"])
    page = (tmp_path / "near_repeat.html").read_text(encoding="utf-8")
    assert "calendar months" in page


def test_rates_writes_areas_table_and_map_equal_to_the_library(events, files, tmp_path):
    result = run(
        "rates", files["crimes"], "--areas", files["areas"], "--population",
        files["population"], "--definition", "all", "--out", tmp_path,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Areas named by their LSOA11CD (as lsoa_code)." in result.output
    assert "1 rows of population.csv match no area" in result.output
    areas = hotspots.read_boundary(files["areas"]).rename(
        columns={"LSOA11CD": "lsoa_code"}
    )
    areas = areas.merge(pd.read_csv(files["population"]), on="lsoa_code")
    expected = rates(events, areas)
    written = gpd.read_file(tmp_path / "rates.gpkg")
    table = pd.read_csv(tmp_path / "rates.csv")
    for frame in (written, table):
        assert frame["n"].tolist() == expected["n"].tolist()
        np.testing.assert_allclose(frame["rate"], expected["rate"])
        np.testing.assert_allclose(frame["rate_eb"], expected["rate_eb"])
    assert layer_kind(written) == "rates"
    top = expected.loc[expected["rate_eb"].idxmax()]
    assert f"{top['rate_eb']:>9,.1f}  {top['rate']:>9,.1f}" in result.output
    assert "not the population at risk" in result.output
    page = (tmp_path / "rates_map.html").read_text(encoding="utf-8")
    assert "Smoothed rate (empirical Bayes)" in page and "Raw rate" in page


def test_rates_without_a_population_column_is_a_clear_error(files, tmp_path):
    result = run(
        "rates", files["crimes"], "--areas", files["areas"], "--definition", "all",
        "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "the areas have no 'population' column: pass --population" in (result.output)


def test_map_draws_clusters_and_rates_from_their_files(files, tmp_path):
    clusters = tmp_path / "clusters.parquet"
    assert run(
        "find", files["crimes"], "--method", "local-moran", "--definition", "all",
        "--cell-size", "200", "--out", clusters,
    ).exit_code == 0  # fmt: skip
    assert run(
        "rates", files["crimes"], "--areas", files["areas"], "--population",
        files["population"], "--definition", "all", "--out", tmp_path,
    ).exit_code == 0  # fmt: skip
    out = tmp_path / "map.html"

    result = run(
        "map", clusters, tmp_path / "rates.gpkg", "--tiles", "none", "--out", out
    )

    assert result.exit_code == 0, result.output
    assert "bottom to top: rates, clusters" in result.output
    page = out.read_text(encoding="utf-8")
    assert "Local Moran" in page and "Smoothed rate (empirical Bayes)" in page
