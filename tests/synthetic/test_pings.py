"""SYNTHETIC patrol pings: reproducible, the export layout, labelled, true to plan."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from hotspots.exceptions import CRSError
from hotspots.synthetic import SyntheticPings, simulate_pings

BUFFER = 10.0
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def _places(n: int = 4) -> gpd.GeoDataFrame:
    """150 m squares and a triangle in central Leicester, 400-700 m apart."""
    shapes = []
    for i in range(n):
        x, y = 458_000 + 700 * i, 302_000 + 400 * (i % 2)
        if i == 1:
            shapes.append(shapely.Polygon([(x, y), (x + 200, y), (x, y + 200)]))
        else:
            shapes.append(box(x, y, x + 150, y + 150))
    return gpd.GeoDataFrame(
        {"place_id": [f"P{i}" for i in range(n)]}, geometry=shapes, crs=27700
    )


@pytest.fixture(scope="module")
def places():
    return _places()


@pytest.fixture(scope="module")
def sim(places):
    # the week of the October 2024 clock change (Sunday 27th, 02:00 BST -> 01:00 GMT)
    return simulate_pings(places, start="2024-10-23", end="2024-10-29", units=3, seed=5)


def _xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return TO_BNG.transform(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())


def _utc(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["time"], format="ISO8601", utc=True)


def test_simulate_pings_same_seed_gives_the_same_pings(places):
    kwargs = {"start": "2024-06-03", "end": "2024-06-04", "units": 2}
    a = simulate_pings(places, seed=11, **kwargs)
    b = simulate_pings(places, seed=11, **kwargs)
    c = simulate_pings(places, seed=12, **kwargs)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.truth_table, b.truth_table)
    assert not a.frame["longitude"].equals(c.frame["longitude"])


def test_simulate_pings_records_a_drawn_seed_that_reproduces_the_pings(places):
    kwargs = {"start": "2024-06-03", "end": "2024-06-03", "units": 1}
    drawn = simulate_pings(places, **kwargs)
    assert drawn.rules["seed_auto"] is True
    again = simulate_pings(places, seed=drawn.rules["seed"], **kwargs)
    pd.testing.assert_frame_equal(drawn.frame, again.frame)


def test_simulate_pings_frame_has_the_raw_export_layout(sim):
    frame = sim.frame
    assert list(frame.columns) == [
        "unit",
        "time",
        "longitude",
        "latitude",
        "officers",
        "synthetic",
    ]
    assert (
        frame["time"]
        .str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
        .all()
    )
    offsets = set(frame["time"].str[-6:])
    assert offsets == {"+01:00", "+00:00"}  # BST then GMT
    times = _utc(frame)
    assert times.is_monotonic_increasing
    lon, lat = frame["longitude"], frame["latitude"]
    assert lon.between(-1.3, -0.9).all() and lat.between(52.5, 52.8).all()
    assert (lon.round(6) == lon).all() and (lat.round(6) == lat).all()
    assert set(frame["unit"]) == {"SYN-U01", "SYN-U02", "SYN-U03"}
    assert (frame["officers"] == 2).all()


def test_simulate_pings_local_text_is_the_same_instant(sim):
    text = sim.frame["time"]
    local = pd.to_datetime(text.str[:19])
    offset = pd.to_timedelta(text.str[19:22].astype(int), unit="h")
    utc = _utc(sim.frame).dt.tz_localize(None)
    assert ((local - offset) == utc).all()
    again = utc.dt.tz_localize("UTC").dt.tz_convert("Europe/London")
    assert (again.dt.tz_localize(None) == local).all()


def test_simulate_pings_is_labelled_synthetic(sim):
    assert sim.frame["synthetic"].all()
    assert sim.frame.attrs["synthetic"] is True
    assert sim.truth.attrs["synthetic"] is True
    assert sim.rules["synthetic"] is True
    assert "SYNTHETIC" in str(sim)
    assert isinstance(sim, SyntheticPings)


def test_simulate_pings_truth_has_its_columns(sim):
    assert list(sim.truth.columns) == [
        "unit",
        "place_id",
        "start",
        "end",
        "date",
        "minutes",
        "officers",
        "pings",
    ]
    assert str(sim.truth["start"].dtype) == "datetime64[ns, UTC]"
    assert list(sim.truth_table.columns) == [
        "place_id",
        "date",
        "patrol_minutes",
        "person_minutes",
        "visits",
        "units",
    ]
    assert isinstance(sim.truth_table["date"].iloc[0], dt.date)


def test_simulate_pings_plants_every_visit_in_its_window(sim, places):
    truth = sim.truth
    # every unit visits every place once per window (a window opens each day)
    opened = truth["start"].dt.tz_convert("Europe/London") - pd.Timedelta(hours=12)
    per_window = truth.groupby([truth["unit"], opened.dt.date, truth["place_id"]])
    assert (per_window.size() == 1).all()
    assert per_window.ngroups == 3 * 7 * len(places)
    local = truth["start"].dt.tz_convert("Europe/London")
    hour = local.dt.hour + local.dt.minute / 60
    assert ((hour >= 18) | (hour < 2)).all()
    assert (truth["minutes"] == 15.0).all()
    assert ((truth["end"] - truth["start"]).dt.total_seconds() == 900).all()
    assert (truth["date"] == local.dt.date).all()
    # one unit is never in two places at once
    for _, visits in truth.sort_values("start").groupby("unit"):
        assert (visits["start"].iloc[1:].to_numpy() >= visits["end"].iloc[:-1]).all()


def test_simulate_pings_truth_table_adds_up(sim):
    truth, table = sim.truth, sim.truth_table
    assert table["visits"].sum() == len(truth)
    assert table["person_minutes"].sum() == pytest.approx(
        (truth["minutes"] * truth["officers"]).sum()
    )
    assert (table["patrol_minutes"] <= table["person_minutes"] / 2 + 1e-9).all()
    assert table.groupby("place_id").size().eq(8).all()  # 23 Oct to 30 Oct
    assert table["date"].min() == dt.date(2024, 10, 23)
    assert table["date"].max() == dt.date(2024, 10, 30)
    by_start = truth.groupby(["place_id", "date"]).size()
    indexed = table.set_index(["place_id", "date"])["visits"]
    assert (indexed[indexed > 0] == by_start.reindex(indexed[indexed > 0].index)).all()


def test_simulate_pings_union_counts_overlapping_units_once(places):
    sim = simulate_pings(
        places.iloc[:1],
        start="2024-06-03",
        end="2024-06-09",
        units=6,
        visits_per_day=2,
        window=("20:00", "23:00"),
        seed=3,
    )
    table = sim.truth_table
    unit_minutes = table["person_minutes"] / 2
    assert (table["patrol_minutes"] <= unit_minutes + 1e-9).all()
    assert (table["patrol_minutes"] < unit_minutes).any()  # 12 visits in 3 h overlap
    assert (table["patrol_minutes"] <= 180 + 1e-9).all()


def test_simulate_pings_puts_visit_pings_in_the_buffer_and_others_outside(sim, places):
    frame, truth = sim.frame, sim.truth
    x, y = _xy(frame)
    times = _utc(frame).dt.as_unit("ns").astype("int64").to_numpy()
    shapes = dict(zip(places["place_id"], places.geometry, strict=True))
    in_visit = np.zeros(len(frame), dtype=bool)
    for visit in truth.itertuples():
        rows = (
            (frame["unit"].to_numpy() == visit.unit)
            & (times >= visit.start.value)
            & (times < visit.end.value)
        )
        in_visit |= rows
        assert rows.sum() == visit.pings
        zone = shapes[visit.place_id].buffer(BUFFER)
        assert shapely.contains_xy(zone, x[rows], y[rows]).all()
        others = [s for p, s in shapes.items() if p != visit.place_id]
        near = shapely.union_all([s.buffer(BUFFER) for s in others])
        assert not shapely.contains_xy(near, x[rows], y[rows]).any()
    everywhere = shapely.union_all([s.buffer(BUFFER) for s in shapes.values()])
    assert not shapely.contains_xy(everywhere, x[~in_visit], y[~in_visit]).any()
    assert in_visit.mean() < 0.5  # most pings are travel and background patrol


def test_simulate_pings_visit_pings_sit_on_the_ping_grid(sim):
    truth = sim.truth
    assert (truth["pings"] <= 30).all()
    assert truth["pings"].mean() > 28  # 2% dropout
    times = _utc(sim.frame).dt.as_unit("ns").astype("int64").to_numpy()
    units = sim.frame["unit"].to_numpy()
    for visit in truth.itertuples():
        mine = times[(units == visit.unit) & (times >= visit.start.value)]
        inside = mine[mine < visit.end.value]
        assert ((inside - visit.start.value) % 30_000_000_000 == 0).all()
        assert len(inside) == visit.pings


def test_simulate_pings_a_night_across_the_clock_change_has_nine_hours(sim):
    # 26 Oct 18:00 BST (17:00 UTC) to 27 Oct 02:00 GMT (02:00 UTC)
    times = _utc(sim.frame)
    night = times[(times >= "2024-10-26 17:00Z") & (times < "2024-10-27 02:00Z")]
    assert (night.max() - night.min()) > pd.Timedelta(hours=8, minutes=58)
    repeated = sim.frame["time"].str.startswith("2024-10-27T01:")
    assert set(sim.frame.loc[repeated, "time"].str[-6:]) == {"+01:00", "+00:00"}


def test_simulate_pings_without_background_pings_only_at_visits_and_drives(places):
    sim = simulate_pings(
        places,
        start="2024-06-03",
        end="2024-06-05",
        units=2,
        background=False,
        dropout=0.0,
        seed=2,
    )
    times = _utc(sim.frame)
    first_visit = sim.truth.groupby("unit")["start"].min()
    first_ping = sim.frame.assign(t=times).groupby("unit")["t"].min()
    assert (first_ping == first_visit.reindex(first_ping.index)).all()
    assert sim.truth["pings"].eq(30).all()
    assert len(sim.frame) < 0.6 * 2 * 3 * 8 * 120  # well under a full window


def test_simulate_pings_draws_visit_lengths_between_low_and_high(places):
    sim = simulate_pings(
        places,
        start="2024-06-03",
        end="2024-06-04",
        units=2,
        visit_minutes=(10.0, 20.0),
        seed=4,
    )
    minutes = sim.truth["minutes"]
    assert minutes.between(10, 20).all() and minutes.nunique() > 3
    assert ((minutes * 60) % 30 == 0).all()


def test_simulate_pings_whole_day_window(places):
    sim = simulate_pings(
        places, start="2024-06-03", end="2024-06-03", units=1, window=None, seed=1
    )
    assert sim.truth_table["date"].nunique() == 1
    times = _utc(sim.frame)
    assert times.max() - times.min() > pd.Timedelta(hours=23, minutes=59)


def test_simulate_pings_write_csv_round_trips(sim, tmp_path):
    for name in ("pings.csv", "pings.csv.gz"):
        path = sim.write_csv(tmp_path / name)
        back = pd.read_csv(path)
        pd.testing.assert_frame_equal(back, sim.frame, check_dtype=False)
    assert (
        (tmp_path / "pings.csv")
        .read_text()
        .startswith("unit,time,longitude,latitude,officers,synthetic\n")
    )


def test_simulate_pings_refuses_a_window_too_short(places):
    with pytest.raises(ValueError, match="do not fit the patrol window"):
        simulate_pings(
            places,
            start="2024-06-03",
            end="2024-06-03",
            visits_per_day=3,
            window=("18:00", "20:00"),
        )


def test_simulate_pings_refuses_places_too_close():
    touching = gpd.GeoDataFrame(
        {"place_id": ["A", "B"]},
        geometry=[box(0, 0, 10, 10), box(15, 0, 25, 10)],
        crs=27700,
    ).translate(458_000, 302_000)
    frame = gpd.GeoDataFrame({"place_id": ["A", "B"]}, geometry=touching, crs=27700)
    with pytest.raises(ValueError, match="further apart"):
        simulate_pings(frame, start="2024-06-03", end="2024-06-03", seed=1)


def test_simulate_pings_refuses_degrees(places):
    with pytest.raises(CRSError, match="to_crs"):
        simulate_pings(places.to_crs(4326), start="2024-06-03", end="2024-06-03")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": ("18:00",)}, "window must be a pair"),
        ({"window": ("18:00", "25:00")}, "HH:MM"),
        ({"ping_seconds": 0}, "ping_seconds"),
        ({"ping_seconds": 600}, "ping_seconds"),
        ({"units": 0}, "units"),
        ({"dropout": 0.9}, "dropout"),
        ({"jitter": -1.0}, "jitter"),
        ({"visit_minutes": (20, 10)}, "visit_minutes"),
        ({"end": "2024-06-01"}, "before start"),
    ],
    ids=[
        "window-1",
        "window-hour",
        "ping-0",
        "ping-600",
        "units",
        "dropout",
        "jitter",
        "minutes",
        "dates",
    ],
)
def test_simulate_pings_errors_say_what_to_do(places, kwargs, message):
    options = {"start": "2024-06-03", "end": "2024-06-03", **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate_pings(places, **options)


def test_simulate_pings_refuses_places_without_ids(places):
    with pytest.raises(ValueError, match="place_id"):
        simulate_pings(
            places.rename(columns={"place_id": "id"}),
            start="2024-06-03",
            end="2024-06-03",
        )
