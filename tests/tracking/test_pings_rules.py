"""Duplicate and spike rules against a brute-force reimplementation; projection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from hotspots.exceptions import HotspotsWarning
from hotspots.tracking._pings import Pings
from hotspots.tracking._pings_project import LonLatToBNG
from hotspots.tracking._pings_rules import flag_spikes, localise

NS = 1_000_000_000


def brute_force(rows: list[tuple], max_speed: float) -> dict[int, str]:
    """Rows (unit, t_ns, x, y) in input order -> {position: reason} set aside.

    The documented rules written out plainly: per unit, pings in time order (ties
    in input order); a ping at the same instant as the one before is a duplicate;
    then, walking the rest in time order, a ping is a spike if
      - it is the first, the unit has at least three pings, the leg to the second
        is impossible and the leg from the second to the third is not;
      - it is the last and the leg from the previous kept ping is impossible;
      - it is in between and both the leg from the previous kept ping and the leg
        to the next ping are impossible;
    and a ping with no previous kept ping (after a first ping set aside) is kept.
    """
    out: dict[int, str] = {}
    for unit in {r[0] for r in rows}:
        mine = sorted((r[1], i, r[2], r[3]) for i, r in enumerate(rows) if r[0] == unit)
        rest = []
        for k, p in enumerate(mine):
            if k and p[0] == mine[k - 1][0]:
                out[p[1]] = "duplicate_ping"
            else:
                rest.append(p)

        def impossible(a, b):
            dist = math.hypot(b[2] - a[2], b[3] - a[3])
            return dist > max_speed * (b[0] - a[0]) / NS

        n, prev = len(rest), None
        for k, p in enumerate(rest):
            if k == 0:
                spike = (
                    n >= 3
                    and impossible(rest[0], rest[1])
                    and not impossible(rest[1], rest[2])
                )
            elif prev is None:
                spike = False
            elif k == n - 1:
                spike = impossible(prev, p)
            else:
                spike = impossible(prev, p) and impossible(p, rest[k + 1])
            if spike:
                out[p[1]] = "impossible_speed"
            else:
                prev = p
    return out


def _random_pings(rng: np.random.Generator, n: int, units: int) -> pd.DataFrame:
    unit = rng.integers(0, units, n)
    t = rng.integers(0, 40, n) * 10 * NS  # a 10 s lattice: many exact repeats
    x = 450_000 + rng.normal(0, 200, n)
    y = 300_000 + rng.normal(0, 200, n)
    jump = rng.random(n) < 0.15
    x[jump] += rng.choice([-1, 1], jump.sum()) * rng.uniform(1_000, 20_000, jump.sum())
    return pd.DataFrame({"unit": [f"u{u}" for u in unit], "time": t, "x": x, "y": y})


def _check_against_brute_force(frame: pd.DataFrame, max_speed: float) -> None:
    rows = list(zip(frame["unit"], frame["time"], frame["x"], frame["y"], strict=True))
    expected = brute_force(rows, max_speed)
    if expected:
        with pytest.warns(HotspotsWarning):
            pings = Pings.from_frame(frame, max_speed=max_speed)
    else:
        pings = Pings.from_frame(frame, max_speed=max_speed)
    got = dict(
        zip(pings.quarantine["row"] - 1, pings.quarantine["reason_code"], strict=True)
    )
    assert got == expected
    kept = sorted(set(range(len(rows))) - set(expected))
    want = frame.iloc[kept].sort_values(["unit", "time"], kind="stable")
    have = pings.frame()
    assert have["unit"].tolist() == want["unit"].tolist()
    assert (have["time"].astype("int64").to_numpy() == want["time"].to_numpy()).all()
    np.testing.assert_array_equal(have["x"], want["x"])


@pytest.mark.parametrize("seed", range(6))
def test_duplicates_and_spikes_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    frame = _random_pings(rng, 400, units=7)
    _check_against_brute_force(frame, max_speed=70.0)


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 2),  # unit
            st.integers(0, 12),  # time, 10 s steps
            st.integers(-3, 3),  # x, km
        ),
        max_size=25,
    ),
    max_speed=st.sampled_from([50.0, 70.0, 200.0]),
)
def test_duplicates_and_spikes_match_brute_force_property(steps, max_speed):
    frame = pd.DataFrame(
        {
            "unit": [f"u{u}" for u, _, _ in steps],
            "time": np.array([t * 10 * NS for _, t, _ in steps], dtype=np.int64),
            "x": [450_000.0 + 1000.0 * x for _, _, x in steps],
            "y": [300_000.0] * len(steps),
        }
    )
    _check_against_brute_force(frame, max_speed=max_speed)


def test_flag_spikes_known_answers():
    def run(xs, n_units_break=None):
        t = np.arange(len(xs), dtype=np.int64) * 10 * NS
        starts = np.zeros(len(xs), dtype=bool)
        starts[0] = True
        if n_units_break is not None:
            starts[n_units_break] = True
        x = np.asarray(xs, dtype=float)
        return flag_spikes(starts, t, x, np.zeros(len(xs)), 70.0).tolist()

    # 10 s apart, 70 m/s allows 700 m per leg
    assert run([0, 10, 5000, 20, 30]) == [False, False, True, False, False]
    assert run([5000, 0, 10, 20]) == [True, False, False, False]  # first ping
    assert run([0, 10, 20, 5000]) == [False, False, False, True]  # last ping
    assert run([0, 5000]) == [False, True]  # two pings: the later one goes
    # the first ping disagrees with the two after it, which agree with each other
    assert run([0, 5000, 5010, 5020]) == [True, False, False, False]
    assert run([0, 5000, 9000, 10]) == [False, True, True, False]  # two in a row
    # the unit break: no leg between units
    assert run([0, 10, 20, 9000, 9010, 9020], n_units_break=3) == [False] * 6


def test_localise_flags_the_clock_changes():
    wall = (
        pd.to_datetime(
            [
                "2024-03-31 00:59:59",
                "2024-03-31 01:00:00",
                "2024-03-31 02:00:00",
                "2024-10-27 00:59:59",
                "2024-10-27 01:00:00",
                "2024-10-27 01:59:59",
                "2024-10-27 02:00:00",
            ]
        )
        .as_unit("ns")
        .asi8
    )
    utc, ambiguous, nonexistent = localise(wall, "Europe/London")
    assert nonexistent.tolist() == [False, True, False, False, False, False, False]
    assert ambiguous.tolist() == [False, False, False, False, True, True, False]
    ok = ~(ambiguous | nonexistent)
    expect = (
        pd.to_datetime(
            [
                "2024-03-31 00:59:59",
                "2024-03-31 01:00:00",
                "2024-10-26 23:59:59",
                "2024-10-27 02:00:00",
            ]
        )
        .tz_localize("UTC")
        .as_unit("ns")
        .asi8
    )
    assert utc[ok].tolist() == expect.tolist()


def test_lattice_projection_matches_pyproj_within_a_centimetre():
    rng = np.random.default_rng(11)
    # corners of the United Kingdom and a city (pyproj itself jumps north of 60.94)
    boxes = [(-8.7, 54.0), (-1.5, 51.3), (-1.3, 60.4), (1.3, 52.5), (-3.0, 49.85)]
    lon = np.concatenate([rng.uniform(a, a + 0.5, 20_000) for a, _ in boxes])
    lat = np.concatenate([rng.uniform(b, b + 0.5, 20_000) for _, b in boxes])
    exact = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    ex, ey = exact.transform(lon, lat)
    x, y = LonLatToBNG().transform(lon, lat)
    assert np.abs(x - ex).max() < 0.01
    assert np.abs(y - ey).max() < 0.01
