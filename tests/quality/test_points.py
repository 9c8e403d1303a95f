"""Map-point checks on hand-made data: each rule fires where it should, only there."""

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.quality._points import (
    custody_signature,
    map_points,
    point_baselines,
    reporting_location_flags,
    single_point_flags,
)

MONTHS = pd.date_range("2023-01-01", periods=12, freq="MS")


def crimes_at(spec, months=MONTHS, outcome="Unable to prosecute suspect"):
    """``spec``: list of (x, y, crimes per month, label); one row per crime."""
    rows = []
    for x, y, per_month, label in spec:
        for month in months:
            rows += [(x, y, month, label, outcome)] * per_month
    frame = pd.DataFrame(rows, columns=["x", "y", "month", "location", "outcome"])
    return gpd.GeoDataFrame(
        {
            "month": frame["month"],
            "location": frame["location"],
            "last_outcome_category": frame["outcome"],
        },
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=27700,
    )


def flags(crimes, n_months=12):
    points = point_baselines(map_points(crimes))
    return points, single_point_flags(points, n_months=n_months)


def test_map_points_counts_crimes_per_point_and_months():
    crimes = crimes_at([(0, 0, 2, "On or near A Street"), (100, 0, 1, "On or near B")])
    points = map_points(crimes)
    assert points["n"].tolist() == [24, 12]
    assert points["n_months"].tolist() == [12, 12]
    assert points["location"].tolist() == ["On or near A Street", "On or near B"]


def test_baseline_is_the_mean_of_the_three_busiest_neighbours():
    spec = [(0, 0, 20, "P"), (100, 0, 4, "a"), (200, 0, 3, "b"), (300, 0, 2, "c")]
    spec += [(0, 400, 1, "d"), (2000, 0, 9, "far")]  # d inside 500 m, far outside
    points, _ = flags(crimes_at(spec))
    row = points.set_index("location").loc["P"]
    assert row["baseline"] == pytest.approx(12 * (4 + 3 + 2) / 3)
    assert row["n_neighbours"] == 4
    assert row["share"] == pytest.approx(240 / (240 + 12 * (4 + 3 + 2 + 1)))


def test_single_point_flags_a_persistent_point_far_above_its_neighbours():
    spec = [(0, 0, 20, "P"), (100, 0, 2, "a"), (200, 0, 2, "b"), (0, 150, 2, "c")]
    points, flagged = flags(crimes_at(spec))
    assert points.loc[flagged, "location"].tolist() == ["P"]


def test_single_point_needs_ratio_share_volume_and_persistence():
    # a busy street: four points of similar size -> nothing flagged
    street = [(i * 100, 0, 10, f"s{i}") for i in range(4)]
    assert not flags(crimes_at(street))[1].any()
    # ratio 3.5 (below 4)
    spec = [(0, 0, 7, "P"), (100, 0, 2, "a"), (200, 0, 2, "b"), (300, 0, 2, "c")]
    assert not flags(crimes_at(spec))[1].any()
    # one busy spell: 5 of 12 months only
    spell = crimes_at([(0, 0, 20, "P")], months=MONTHS[:5])
    quiet = crimes_at([(100, 0, 1, "a")])
    both = pd.concat([spell, quiet], ignore_index=True)
    assert not flags(both)[1].any()
    # fewer than six months of data: behaviour is not judged
    short = crimes_at([(0, 0, 30, "P"), (100, 0, 1, "a")], months=MONTHS[:4])
    assert not flags(short, n_months=4)[1].any()


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("On or near Police Station", "police station or custody"),
        ("On or near Hospital", "hospital"),
        ("On or near Glenfield Hospital", "hospital"),
        ("On or near Prison", "prison"),
        ("On or near HMP Leicester", "prison"),
        ("On or near Magistrates Court", "court"),
        ("On or near Hospital Lane", ""),
        ("On or near Infirmary Close", ""),
        ("On or near Prison Road", ""),
        ("On or near Granby Street", ""),
    ],
)
def test_reporting_locations_are_premises_not_streets_named_after_them(label, kind):
    points = map_points(crimes_at([(0, 0, 2, label)]))
    assert reporting_location_flags(points, n_months=12).tolist() == [kind]


def test_reporting_location_needs_some_crimes():
    points = map_points(crimes_at([(0, 0, 1, "On or near Police Station")], MONTHS[:3]))
    assert reporting_location_flags(points, n_months=12).tolist() == [""]


def test_custody_signature_matches_a_binomial_test_by_hand():
    from scipy import stats

    street = crimes_at([(i * 100, 0, 3, f"s{i}") for i in range(20)])
    custody = crimes_at([(5000, 0, 4, "On or near Euston Street")], outcome="")
    custody["last_outcome_category"] = ["Court result unavailable"] * 40 + [
        "Unable to prosecute suspect"
    ] * 8
    crimes = pd.concat([street, custody], ignore_index=True)
    points = map_points(crimes)
    share = custody_signature(crimes, points, n_months=12)
    row = points.index[points["location"] == "On or near Euston Street"][0]
    assert share[row] == pytest.approx(40 / 48)
    overall = 40 / len(crimes)
    assert share.attrs["overall"] == pytest.approx(overall)
    p = stats.binomtest(40, 48, overall, alternative="greater").pvalue
    assert p < 0.001 / len(points)
    assert share.attrs["flagged"].tolist() == [row == i for i in points.index]
