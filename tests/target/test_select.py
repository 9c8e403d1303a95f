import itertools
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._harm import HarmTable, harm_weights
from hotspots.target import select_places
from hotspots.target._greedy import greedy_select

COLUMNS = [
    "rank",
    "place_id",
    "cell_id",
    "row",
    "col",
    "x",
    "y",
    "score",
    "n",
    "share",
    "cumulative_share",
    "area_km2",
    "top_locations",
    "busiest_point_share",
    "lsoa_name",
    "quality_flag",
    "flagged_share",
    "geometry",
]


def crimes_at(counts: dict[tuple[float, float], int], crs=27700) -> gpd.GeoDataFrame:
    """Points: ``n`` crimes at each (x, y)."""
    xy = [p for p, n in counts.items() for _ in range(n)]
    return gpd.GeoDataFrame(
        {"offence_code": ["8N"] * len(xy)},
        geometry=[shapely.Point(x, y) for x, y in xy],
        crs=crs,
    )


# Cells of 150 m with centres 150 m apart along a row (cell centres at 75 + 150 k).
ROW = {(75, 75): 10, (225, 75): 9, (675, 75): 8, (375, 75): 7, (1425, 1425): 1}


def reference_greedy(score, x, y, n_places, min_separation):
    """Plain-Python statement of the rule, for comparison."""
    order = sorted(
        (i for i in range(len(score)) if score[i] > 0), key=lambda i: (-score[i], i)
    )
    chosen = []
    for i in order:
        if len(chosen) == n_places:
            break
        if all(np.hypot(x[i] - x[j], y[i] - y[j]) >= min_separation for j in chosen):
            chosen.append(i)
    return chosen


def test_greedy_select_hand_example():
    score = np.array([9.0, 10.0, 9.0])
    x, y = np.array([0.0, 150.0, 300.0]), np.zeros(3)
    assert greedy_select(score, x, y, n_places=3, min_separation=200).tolist() == [1]
    # Without separation: best first, the tie at 9 goes to the lower position.
    assert greedy_select(score, x, y, n_places=3).tolist() == [1, 0, 2]


def test_greedy_select_is_not_the_best_total_and_says_so():
    # Brute force: the best spread-out pair is the two 9s (total 18), but the
    # greedy rule takes the 10 first, which blocks both. Documented in Notes.
    score = np.array([9.0, 10.0, 9.0])
    x, y = np.array([0.0, 150.0, 300.0]), np.zeros(3)
    best = max(
        (
            subset
            for r in (1, 2, 3)
            for subset in itertools.combinations(range(3), r)
            if all(
                abs(x[a] - x[b]) >= 200 for a, b in itertools.combinations(subset, 2)
            )
        ),
        key=lambda s: score[list(s)].sum(),
    )
    assert set(best) == {0, 2}
    assert greedy_select(score, x, y, n_places=2, min_separation=200).tolist() == [1]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=40),
    st.integers(1, 8),
    st.sampled_from([0.0, 150.0, 200.0, 300.0, 450.0]),
    st.integers(0, 2**31 - 1),
)
def test_greedy_select_matches_reference_and_keeps_places_apart(
    counts, n_places, min_separation, seed
):
    rng = np.random.default_rng(seed)
    score = np.asarray(counts, dtype=float)
    x = rng.integers(0, 8, len(score)) * 150.0
    y = rng.integers(0, 8, len(score)) * 150.0
    chosen = greedy_select(
        score, x, y, n_places=n_places, min_separation=min_separation
    )
    assert chosen.tolist() == reference_greedy(score, x, y, n_places, min_separation)
    assert len(chosen) <= n_places
    assert (score[chosen] > 0).all()
    for a, b in itertools.combinations(chosen, 2):
        assert np.hypot(x[a] - x[b], y[a] - y[b]) >= min_separation


def test_greedy_select_area_cap():
    score = np.array([5.0, 4.0, 3.0, 2.0])
    x, y = np.arange(4) * 1000.0, np.zeros(4)
    area = np.array([1.0, 3.0, 1.0, 1.0])
    # 5 (area 1) fits, 4 (area 3) would make 4 > 3, skipped; 3 and 2 fit (total 3).
    chosen = greedy_select(score, x, y, n_places=4, area=area, max_area=3.0)
    assert chosen.tolist() == [0, 2, 3]


def test_select_places_separation_hand_case():
    crimes = crimes_at(ROW)
    places = select_places(crimes, n_places=4, cell_size=150, min_separation=300)
    # 10 at x=75 taken; 9 at 225 is 150 m away: skipped; 8 at 675 taken; 7 at 375 is
    # exactly 300 m from both: not closer than 300, so taken; 1 at (1425,1425) next.
    assert places["n"].tolist() == [10, 8, 7, 1]
    assert places["x"].tolist() == [75, 675, 375, 1425]
    with pytest.warns(HotspotsWarning, match="only 3 of 4"):
        strict = select_places(crimes, n_places=4, cell_size=150, min_separation=301)
    assert strict["n"].tolist() == [10, 8, 1]


def test_select_places_default_separation_is_two_cells(caplog):
    with caplog.at_level("INFO", logger="hotspots"):
        places = select_places(crimes_at(ROW), n_places=3)
    meta = places.attrs["hotspots"]
    assert meta["cell_size"] == 150 and meta["cell_size_auto"]
    assert meta["min_separation"] == 300 and meta["min_separation_auto"]
    assert "Minimum separation set to 300 m" in caplog.text
    assert "Place cell size set to 150 m" in caplog.text


def test_select_places_columns_and_shares():
    crimes = crimes_at(ROW)
    places = select_places(crimes, n_places=2, cell_size=150, min_separation=0)
    assert list(places.columns) == COLUMNS
    assert places["rank"].tolist() == [1, 2]
    assert places["place_id"].tolist() == ["E0N0", "E150N0"]
    total = sum(ROW.values())
    np.testing.assert_allclose(places["share"], [10 / total, 9 / total])
    np.testing.assert_allclose(places["cumulative_share"], [10 / total, 19 / total])
    np.testing.assert_allclose(places["area_km2"], 0.0225)
    meta = places.attrs["hotspots"]
    assert meta["n_crimes"] == total
    assert meta["share_of_crimes"] == pytest.approx(19 / total)
    assert meta["area_share"] == pytest.approx(2 / 100)  # 10 x 10 cells


def test_select_places_ties_broken_by_cell_id():
    crimes = crimes_at({(675, 675): 3, (75, 1425): 3, (1425, 75): 3})
    places = select_places(crimes, n_places=3, cell_size=150, min_separation=0)
    assert places["cell_id"].is_monotonic_increasing
    assert places["place_id"].tolist() == ["E1350N0", "E600N600", "E0N1350"]


def test_select_places_area_cap_and_share():
    crimes = crimes_at(ROW)
    with pytest.warns(HotspotsWarning, match="area cap"):
        capped = select_places(crimes, n_places=4, cell_size=150, max_area=0.05)
    assert len(capped) == 2  # 0.0225 km² each
    assert capped.attrs["hotspots"]["max_area_km2"] == 0.05
    with pytest.warns(HotspotsWarning, match="only 3 of 4"):
        shared = select_places(crimes, n_places=4, cell_size=150, max_area_share=0.03)
    assert len(shared) == 3  # 3 of the 100 cells


def test_select_places_exclude():
    crimes = crimes_at(ROW)
    treated = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 150, 150)], crs=27700)
    places = select_places(crimes, n_places=2, cell_size=150, exclude=treated)
    # The 10-crime cell is excluded (the touching 9-crime cell is not).
    assert places["n"].tolist() == [9, 8]
    assert places.attrs["hotspots"]["n_excluded_cells"] == 1


def test_select_places_harm_kde_gistar():
    rng = np.random.default_rng(4)
    xy = np.vstack([rng.uniform(0, 3000, (400, 2)), rng.normal(1500, 40, (120, 2))])
    crimes = gpd.GeoDataFrame(
        {"offence_code": ["8N"] * len(xy)},
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )
    table = HarmTable(
        pd.Series({"8N": 2.0}), key="offence_code", name="t", edition="t", source="t"
    )
    weighted = harm_weights(crimes, table)
    harm = select_places(weighted, n_places=3, score="harm", weights="harm")
    assert "harm" in harm.columns
    np.testing.assert_allclose(harm["harm"], 2 * harm["n"])
    for score in ("kde", "gistar"):
        places = select_places(crimes, n_places=1, score=score, bandwidth=300)
        assert places.geometry.iloc[0].distance(shapely.Point(1500, 1500)) < 150


def test_select_places_warns_when_too_few_qualify():
    with pytest.warns(HotspotsWarning, match="only 1 of 3 places"):
        select_places(crimes_at({(75, 75): 5, (1425, 1425): 0}), n_places=3)


def test_select_places_does_not_change_input():
    crimes = crimes_at(ROW)
    before = crimes.copy()
    select_places(crimes, n_places=2)
    pd.testing.assert_frame_equal(crimes, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"score": "density"}, "score must be one of"),
        ({"score": "harm"}, "harm_weights"),
        ({"n_places": 0}, "n_places must be"),
        ({"min_separation": -5}, "min_separation must be >= 0"),
        ({"max_area": 1, "max_area_share": 0.1}, "not both"),
        ({"max_area_share": 5}, "pass max_area= instead"),
    ],
    ids=["score", "harm", "n_places", "separation", "both caps", "share"],
)
def test_select_places_errors_say_what_to_do(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_places(crimes_at(ROW), **kwargs)


def test_select_places_rejects_degrees():
    with pytest.raises(CRSError, match="to_crs"):
        select_places(crimes_at({(-1.13, 52.63): 2}, crs=4326))


@pytest.mark.slow
def test_select_places_recovers_planted_patrol_places(synthetic_violence):
    truth, violence = synthetic_violence
    selection = truth["patrol"]["selection_months"]
    months = violence["month"].dt.strftime("%Y-%m")
    period = violence[months.isin(selection)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        places = select_places(
            period, n_places=18, cell_size=150, min_separation=0, artefacts="off"
        )
    planted = pd.DataFrame(truth["patrol"]["places"]).sort_values("rank")
    assert places["n"].tolist() == planted["selection_count"].tolist()
    assert set(places["place_id"]) == set(planted["place_id"])
    for wkt, geom in zip(
        planted.set_index("place_id").loc[places["place_id"], "wkt"],
        places.geometry,
        strict=True,
    ):
        assert shapely.from_wkt(wkt).equals(geom)


def test_cli_select_writes_geojson_and_csv(tmp_path):
    from click.testing import CliRunner

    from hotspots.cli import main

    rng = np.random.default_rng(3)
    xy = np.vstack([rng.uniform(0, 4000, (800, 2)), rng.normal(2000, 80, (150, 2))])
    crimes = gpd.GeoDataFrame(
        {
            "crime_type": ["Robbery"] * len(xy),
            "month": pd.Timestamp("2024-03-01"),
        },
        geometry=gpd.points_from_xy(*xy.T),
        crs=27700,
    )
    source = tmp_path / "crimes.parquet"
    crimes.to_parquet(source)
    out = tmp_path / "out"
    args = ["--quiet", "select", str(source), "--out-dir", str(out), "--n", "5"]
    args += ["--start", "2024-01", "--end", "2024-12", "--min-separation", "300"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "5 places by count on 150 m cells, at least 300 m apart" in result.output
    assert "top 1% of cells" in result.output
    places = gpd.read_file(out / "patrol_places.geojson")
    assert len(places) == 5 and places.crs.to_epsg() == 4326
    table = pd.read_csv(out / "patrol_places.csv")
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert {"place_id", "n", "share", "lon", "lat", "wkt"} <= set(table.columns)
    assert shapely.from_wkt(table["wkt"].iloc[0]).area == pytest.approx(150**2)
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_cli_select_error_is_clear(tmp_path):
    from click.testing import CliRunner

    from hotspots.cli import main

    source = tmp_path / "crimes.parquet"
    crimes_at(ROW).assign(crime_type="Robbery").to_parquet(source)
    result = CliRunner().invoke(
        main, ["select", str(source), "--out-dir", str(tmp_path), "--score", "harm"]
    )
    assert result.exit_code == 2
    assert "harm_weights" in result.output
    assert "Usage:" in CliRunner().invoke(main, ["select", "--help"]).output


def test_cli_select_builds_its_grid_once_and_gives_the_same_places(
    tmp_path, monkeypatch
):
    """Places and the concentration summary share one 150 m grid (was two)."""
    from click.testing import CliRunner

    import hotspots.find._grid as grid_module
    import hotspots.target._greedy as greedy_module
    from hotspots.cli import main
    from hotspots.io import read_boundary
    from hotspots.target import concentration

    rng = np.random.default_rng(3)
    xy = np.vstack([rng.uniform(0, 4000, (800, 2)), rng.normal(2000, 80, (150, 2))])
    crimes = gpd.GeoDataFrame(
        {"crime_type": ["Robbery"] * len(xy)},
        geometry=gpd.points_from_xy(*(xy + 450_000).T),
        crs=27700,
    )
    source, boundary = tmp_path / "crimes.parquet", tmp_path / "area.geojson"
    crimes.to_parquet(source)
    area = shapely.box(449_500, 449_500, 454_500, 454_500)
    gpd.GeoDataFrame(geometry=[area], crs=27700).to_file(boundary)
    # what the library gives when each verb builds its own grid
    expected = select_places(crimes, n_places=5, boundary=read_boundary(boundary))
    summary = concentration(crimes, boundary=read_boundary(boundary))

    builds = []
    make_grid = grid_module.make_grid

    def counting_make_grid(*args, **kwargs):
        builds.append(kwargs.get("cell_size"))
        return make_grid(*args, **kwargs)

    monkeypatch.setattr(grid_module, "make_grid", counting_make_grid)
    monkeypatch.setattr(greedy_module, "make_grid", counting_make_grid)
    out = tmp_path / "out"
    args = ["--quiet", "select", str(source), "--out-dir", str(out), "--n", "5"]
    result = CliRunner().invoke(main, [*args, "--boundary", str(boundary)])
    assert result.exit_code == 0, result.output
    assert builds == [150.0]
    table = pd.read_csv(out / "patrol_places.csv")
    assert table["place_id"].tolist() == expected["place_id"].tolist()
    assert table["n"].tolist() == expected["n"].tolist()
    np.testing.assert_allclose(table["share"], expected["share"])
    assert str(summary) in result.output
