"""Randomised patrol schedules: crossover and parallel designs, CSV round trips.

The constraints are checked from the public table by code written separately from
the mechanism (``check_crossover``); the marginal test plants the truth of a
uniform mechanism (every place-day treated with probability ``share``).
"""

import datetime as dt
import json
import logging
import math
from fractions import Fraction

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotspots.design import (
    Schedule,
    crossover_schedule,
    parallel_schedule,
    read_schedule,
)
from hotspots.design._schedule_rounding import check_constraints
from hotspots.exceptions import HotspotsWarning

COLUMNS = ["place_id", "date", "shift", "period", "arm", "block", "start", "end"]
TWO_SHIFTS = {"early": ("07:00", "15:00"), "late": ("22:00", "06:00")}


def ids(n):
    return [f"P{i:02d}" for i in range(n)]


def bounds(share, n):
    s = Fraction(share).limit_denominator(1000)
    return {math.floor(s * n), math.ceil(s * n)}


def expected_washout(table0, k, unit):
    """Washout slots recomputed from a schedule drawn without washout."""
    out = set()
    for place, rows in table0.groupby("place_id"):
        rows = rows.sort_values("start")
        if unit == "day":
            treated = rows.groupby("date")["arm"].first().eq("treatment")
            last = None
            for date, on in treated.items():
                if on:
                    last = date
                elif last is not None and (date - last).days <= k:
                    out.update((place, date, s) for s in rows["shift"].unique())
        else:
            last_end = None
            for row in rows.itertuples():
                local_start = row.start.tz_localize(None)
                if row.arm == "treatment":
                    end = row.end.tz_localize(None)
                    last_end = end if last_end is None else max(last_end, end)
                elif last_end is not None and local_start < last_end + pd.Timedelta(
                    days=k
                ):
                    out.add((place, row.date, row.shift))
    return out


def check_crossover(schedule, *, share, unit="day", period_days=1, balance="weekday"):
    """Every constraint, on every period, place, weekday (and shift)."""
    table = schedule.table
    n_places = len(schedule.places)
    assert list(table.columns) == COLUMNS
    treated = table.assign(on=table["arm"].eq("treatment"))
    per = treated.groupby(["place_id", "period"])["on"].agg(["min", "max"])
    assert (per["min"] == per["max"]).all(), "a period's slots differ in arm"
    wide = per["max"].unstack().astype(int)
    # 1: the load of every period
    assert set(wide.sum(axis=0)) <= bounds(share, n_places)
    # 2: each place's share of periods
    assert set(wide.sum(axis=1)) <= bounds(share, wide.shape[1])
    # periods have the expected length
    days = treated.groupby("period")["date"].nunique()
    if unit == "day":
        assert (days.iloc[:-1] == period_days).all() and days.iloc[-1] <= period_days
    else:
        assert (treated.groupby("period")["shift"].nunique() == 1).all()
    if balance == "weekday" and period_days == 1:
        first = treated.groupby("period")[["date", "shift"]].first()
        weekday = first["date"].dt.day_of_week
        keys = weekday if unit == "day" else [first["shift"], weekday]
        for _, periods in first.groupby(keys).groups.items():
            got = wide[list(periods)].sum(axis=1)
            assert set(got) <= bounds(share, len(periods))
        if unit == "shift":
            for _, periods in first.groupby("shift").groups.items():
                got = wide[list(periods)].sum(axis=1)
                assert set(got) <= bounds(share, len(periods))


def check_washout(schedule, **kwargs):
    """Washout rows are exactly those recomputed from the draw without washout."""
    rules = dict(schedule.rules)
    k = rules["washout_days"]
    plain = crossover_schedule(
        list(schedule.places), **{**kwargs, "washout_days": 0, "seed": rules["seed"]}
    )
    t, t0 = schedule.table, plain.table
    assert t["arm"].eq("treatment").equals(t0["arm"].eq("treatment"))
    got = set(
        t.loc[t["arm"].eq("washout"), ["place_id", "date", "shift"]].itertuples(
            index=False, name=None
        )
    )
    assert got == expected_washout(t0, k, rules["unit"])


# --- crossover ------------------------------------------------------------


def test_crossover_schedule_same_seed_same_table_other_seed_differs():
    kwargs = {"start": "2025-01-06", "end": "2025-03-02", "seed": 11}
    first = crossover_schedule(ids(6), **kwargs)
    again = crossover_schedule(ids(6), **kwargs)
    other = crossover_schedule(ids(6), **{**kwargs, "seed": 12})
    pd.testing.assert_frame_equal(first.table, again.table)
    assert not first.table["arm"].equals(other.table["arm"])
    assert first.rules["seed"] == 11 and first.rules["seed_auto"] is False


def test_crossover_schedule_table_layout():
    schedule = crossover_schedule(
        ["b", "a", "c"], start="2025-01-06", end="2025-01-19", shifts=TWO_SHIFTS
    )
    table = schedule.table
    assert list(table.columns) == COLUMNS
    assert table["date"].dtype == "datetime64[ns]"
    assert str(table["start"].dt.tz) == "Europe/London"
    assert table["period"].dtype == np.int64
    assert len(table) == 3 * 14 * 2
    assert schedule.places == ("b", "a", "c")
    order = ["date", "start", "place_id"]
    assert table.equals(table.sort_values(order, kind="stable"))
    assert set(table["arm"]) == {"treatment", "control"}
    assert set(table["block"]) == {""}
    assert schedule.assignment().shape == (3, 28)
    assert schedule.assignment().dtype == np.int8
    slots = schedule.slots()
    assert list(slots[["date", "shift"]].itertuples(index=False, name=None))[:2] == [
        (pd.Timestamp("2025-01-06"), "early"),
        (pd.Timestamp("2025-01-06"), "late"),
    ]
    # the assignment matrix and the table say the same
    codes = table.pivot_table(
        index="place_id",
        columns=["date", "shift"],
        values="arm",
        aggfunc="first",
    ).reindex(index=list(schedule.places))
    mapped = codes.apply(lambda c: c.map({"treatment": 1, "control": 0})).to_numpy()
    assert (mapped == schedule.assignment()).all()


CASES = {
    "20 places, year, share 0.5": {"n": 20, "start": "2025-01-01", "end": "2025-12-31"},
    "7 places, share 0.3": {
        "n": 7,
        "start": "2025-01-06",
        "end": "2025-04-06",
        "share": 0.3,
    },
    "odd 5, share 1/3, washout 1": {
        "n": 5,
        "start": "2025-01-06",
        "end": "2025-03-30",
        "share": 1 / 3,
        "washout_days": 1,
    },
    "shifts by day": {
        "n": 6,
        "start": "2025-03-03",
        "end": "2025-04-13",
        "shifts": TWO_SHIFTS,
    },
    "by shift, odd 9, share 0.3": {
        "n": 9,
        "start": "2025-03-03",
        "end": "2025-04-27",
        "share": 0.3,
        "unit": "shift",
        "shifts": TWO_SHIFTS,
    },
    "by shift, washout 1": {
        "n": 6,
        "start": "2025-10-06",
        "end": "2025-11-09",
        "unit": "shift",
        "shifts": TWO_SHIFTS,
        "washout_days": 1,
    },
    "weeks on and off, washout 2": {
        "n": 8,
        "start": "2025-01-06",
        "end": "2025-06-29",
        "period_days": 7,
        "washout_days": 2,
    },
    "3-day periods, 0.25": {
        "n": 11,
        "start": "2025-01-06",
        "end": "2025-03-01",
        "share": 0.25,
        "period_days": 3,
    },
    "no balance, 0.6": {
        "n": 5,
        "start": "2025-01-06",
        "end": "2025-02-20",
        "share": 0.6,
        "balance": None,
    },
    "one place": {"n": 1, "start": "2025-01-06", "end": "2025-01-26"},
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crossover_schedule_meets_every_constraint(case, seed):
    case = dict(case)
    n = case.pop("n")
    schedule = crossover_schedule(ids(n), seed=seed, **case)
    check_crossover(
        schedule,
        share=case.get("share", 0.5),
        unit=case.get("unit", "day"),
        period_days=case.get("period_days", 1),
        balance=case.get("balance", "weekday"),
    )
    if case.get("washout_days"):
        check_washout(schedule, **case)
        assert (schedule.summary()["washout"] > 0).any()


@settings(max_examples=40, deadline=None)
@example(
    n=1, share=0.75, n_days=7, layout="periods", washout=1, balance="weekday", seed=0
)
@example(
    n=1, share=0.75, n_days=7, layout="periods", washout=0, balance="weekday", seed=0
)
@given(
    n=st.integers(1, 9),
    share=st.sampled_from([0.2, 0.25, 0.3, 1 / 3, 0.5, 0.6, 0.75]),
    n_days=st.integers(7, 40),
    layout=st.sampled_from(["day", "day+shifts", "shift", "periods"]),
    washout=st.integers(0, 2),
    balance=st.sampled_from(["weekday", None]),
    seed=st.integers(0, 2**32 - 1),
)
def test_crossover_schedule_property(n, share, n_days, layout, washout, balance, seed):
    start = dt.date(2025, 3, 20)
    kwargs = {
        "start": start,
        "end": start + dt.timedelta(days=n_days - 1),
        "share": share,
        "washout_days": washout,
        "balance": balance,
        "shifts": None if layout == "day" else TWO_SHIFTS,
        "unit": "shift" if layout == "shift" else "day",
        "period_days": 3 if layout == "periods" else 1,
    }
    try:
        schedule = crossover_schedule(ids(n), seed=seed, **kwargs)
    except ValueError as err:
        # only a washout (or share) that leaves a place without control may refuse
        assert "no control days" in str(err)
        # the share alone may treat every period of a short trial, with or without
        # a washout: then the schedule without washout must refuse for that reason
        periods = {"periods": math.ceil(n_days / 3), "shift": 2 * n_days}
        m = periods.get(layout, n_days)
        share_fills_all = math.ceil(share * m - 1e-9) >= m
        if "treats every period" in str(err):
            assert share_fills_all, err
            return
        try:
            plain = crossover_schedule(
                ids(n), seed=seed, **{**kwargs, "washout_days": 0}
            )
        except ValueError as plain_err:
            assert "treats every period" in str(plain_err), plain_err
            assert share_fills_all, plain_err
            return
        wash = (
            expected_washout(plain.table, washout, kwargs["unit"]) if washout else set()
        )
        t = plain.table
        for place in plain.places:
            rows = t[(t["place_id"] == place) & t["arm"].eq("control")]
            keys = set(
                rows[["place_id", "date", "shift"]].itertuples(index=False, name=None)
            )
            if keys <= wash:
                return
        raise AssertionError(f"refused a schedule with control days: {err}") from err
    resolved = balance if kwargs["period_days"] == 1 else None
    check_crossover(
        schedule,
        share=share,
        unit=kwargs["unit"],
        period_days=kwargs["period_days"],
        balance=resolved,
    )
    if washout:
        check_washout(schedule, **kwargs)


@pytest.mark.parametrize(
    "design",
    [
        {"n": 5, "share": 0.4, "end": "2025-01-19"},
        {"n": 4, "share": 0.5, "end": "2025-01-24", "period_days": 3},
        {
            "n": 3,
            "share": 0.3,
            "end": "2025-01-12",
            "unit": "shift",
            "shifts": TWO_SHIFTS,
        },
    ],
    ids=["weekday balance", "3-day periods", "by shift"],
)
def test_crossover_schedule_every_place_day_has_probability_share(design):
    design = dict(design)
    n, share = design.pop("n"), design["share"]
    schedule = crossover_schedule(ids(n), start="2025-01-06", seed=0, **design)
    draws = 2000
    total = np.zeros(schedule.assignment().shape)
    for seed in range(draws):
        total += schedule.redraw(seed).assignment() == 1
    freq = total / draws
    tolerance = 4.5 * math.sqrt(share * (1 - share) / draws)  # all cells jointly
    assert np.abs(freq - share).max() < tolerance, np.abs(freq - share).max()


def test_crossover_schedule_redraw_is_the_same_rules_with_another_seed():
    kwargs = {
        "start": "2025-01-06",
        "end": "2025-02-16",
        "share": 0.3,
        "washout_days": 1,
    }
    schedule = crossover_schedule(ids(7), seed=1, **kwargs)
    again = schedule.redraw(99)
    fresh = crossover_schedule(ids(7), seed=99, **kwargs)
    assert (again.assignment() == fresh.assignment()).all()
    pd.testing.assert_frame_equal(again.table, fresh.table)
    assert again.rules["seed"] == 99 and schedule.rules["seed"] == 1
    assert not again.assignment().flags.writeable


def test_crossover_schedule_without_seed_records_and_logs_it(caplog):
    with caplog.at_level(logging.INFO, logger="hotspots"):
        schedule = crossover_schedule(ids(4), start="2025-01-06", end="2025-01-19")
    seed = schedule.rules["seed"]
    assert schedule.rules["seed_auto"] is True
    assert f"seed={seed}" in caplog.text
    again = crossover_schedule(ids(4), start="2025-01-06", end="2025-01-19", seed=seed)
    assert (again.assignment() == schedule.assignment()).all()


def test_crossover_schedule_records_every_rule():
    schedule = crossover_schedule(
        ids(4), start="2025-01-06", end="2025-03-02", period_days=7, seed=3
    )
    rules = schedule.rules
    keys = "start end share unit period_days shifts washout_days balance seed"
    for key in [*keys.split(), "trade_rounds", "mechanism"]:
        assert key in rules
    assert rules["balance"] is None and rules["balance_requested"] == "weekday"
    with pytest.raises(TypeError):
        rules["seed"] = 4  # read-only


def test_crossover_schedule_summary_counts():
    schedule = crossover_schedule(
        ids(4), start="2025-01-06", end="2025-02-02", washout_days=1, seed=2
    )
    summary = schedule.summary()
    table = schedule.table
    for row in summary.itertuples():
        rows = table[table["place_id"] == row.place_id]
        assert row.treated == (rows["arm"] == "treatment").sum()
        assert row.washout == (rows["arm"] == "washout").sum()
        assert row.treated + row.control + row.washout == row.slots == 28
        mondays = rows[
            (rows["date"].dt.day_of_week == 0) & (rows["arm"] == "treatment")
        ]
        assert row.treated_mon == len(mondays) == 2  # 4 Mondays, share 0.5


def test_crossover_schedule_local_times_across_clock_changes():
    shifts = {"evening": ("18:00", "23:00")}
    table = crossover_schedule(
        ids(2), start="2025-03-29", end="2025-04-04", shifts=shifts, seed=1
    ).table
    first = table[table["place_id"] == "P00"].set_index("date")
    assert first.loc["2025-03-29", "start"].utcoffset() == dt.timedelta(0)
    assert first.loc["2025-03-31", "start"].utcoffset() == dt.timedelta(hours=1)
    assert (first["start"].dt.hour == 18).all()
    whole_day = crossover_schedule(ids(2), start="2025-03-24", end="2025-03-30", seed=1)
    hours = (whole_day.slots()["end"] - whole_day.slots()["start"]).dt.total_seconds()
    assert hours.iloc[-1] == 23 * 3600 and hours.iloc[0] == 24 * 3600


def test_check_constraints_names_the_constraint_and_place():
    schedule = crossover_schedule(ids(4), start="2025-01-06", end="2025-01-19", seed=1)
    plan = schedule._draw.__self__
    periods = (schedule.assignment() == 1).astype(np.int8).copy()
    check_constraints(periods, plan)
    load = periods.copy()
    load[:, 3] = 1
    with pytest.raises(ValueError, match=r"constraint 1 .* 2025-01-09"):
        check_constraints(load, plan)
    swapped = periods.copy()
    col = np.flatnonzero(swapped[0] == 0)[0]
    other = int(np.flatnonzero(swapped[:, col] == 1)[0])
    swapped[0, col], swapped[other, col] = 1, 0
    with pytest.raises(ValueError, match=r"constraint [23] .*place 'P0"):
        check_constraints(swapped, plan)


# --- parallel -------------------------------------------------------------


def places_frame(n, crs=27700):
    cells = [
        shapely.box(458000 + 200 * i, 304000, 458150 + 200 * i, 304150)
        for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {"place_id": ids(n), "n": [30 - 2 * (i % 7) for i in range(n)]},
        geometry=cells,
        crs=crs,
    )


def test_parallel_schedule_complete_treats_round_share():
    schedule = parallel_schedule(ids(7), start="2025-01-06", end="2025-01-12", seed=3)
    table = schedule.table
    arms = table.groupby("place_id")["arm"].agg(set)
    assert all(len(a) == 1 for a in arms)  # one arm for the whole trial
    assert sum(a == {"treatment"} for a in arms) == 4  # 3.5 rounds up
    assert (table["period"] == 0).all() and set(table["block"]) == {""}
    assert len(table) == 7 * 7
    other = parallel_schedule(ids(7), start="2025-01-06", end="2025-01-12", seed=4)
    seen = {tuple(other.redraw(s).assignment()[:, 0]) for s in range(60)}
    assert len(seen) > 20  # many of the C(7, 4) = 35 sets occur
    assert other.design == "parallel"


def test_parallel_schedule_pairs_one_treated_per_adjacent_pair():
    crime = pd.Series({"a": 5, "b": 9, "c": 9, "d": 1, "e": 7, "f": 3})
    for seed in range(20):
        schedule = parallel_schedule(
            list(crime.index),
            start="2025-01-06",
            end="2025-01-08",
            blocking="pairs",
            crime=crime,
            seed=seed,
        )
        first = schedule.table.drop_duplicates("place_id").set_index("place_id")
        # ranks: b, c (9, ties by id), e (7), a (5), f (3), d (1)
        assert first.loc[["b", "c"], "block"].nunique() == 1
        assert first.loc[["e", "a"], "block"].nunique() == 1
        assert first.loc[["f", "d"], "block"].nunique() == 1
        per_pair = first.groupby("block")["arm"].agg(lambda a: sorted(a))
        assert all(arms == ["control", "treatment"] for arms in per_pair)
    assert dict(schedule.rules["crime_levels"])["b"] == 9.0


def test_parallel_schedule_blocks_by_crime_level():
    places = places_frame(10)
    schedule = parallel_schedule(
        places, start="2025-01-06", end="2025-01-07", share=0.4, blocking=3, seed=5
    )
    first = schedule.table.drop_duplicates("place_id").set_index("place_id")
    ranked = places.sort_values(["n", "place_id"], ascending=[False, True])["place_id"]
    blocks = first.loc[list(ranked), "block"].tolist()
    assert blocks == ["block 1"] * 4 + ["block 2"] * 3 + ["block 3"] * 3
    treated = first[first["arm"] == "treatment"].groupby("block").size()
    assert treated.to_dict() == {"block 1": 2, "block 2": 1, "block 3": 1}
    assert schedule.rules["crime"] == "n"


def test_parallel_schedule_with_shifts_lists_every_slot():
    schedule = parallel_schedule(
        ids(4), start="2025-01-06", end="2025-01-12", shifts=TWO_SHIFTS, seed=1
    )
    assert len(schedule.table) == 4 * 7 * 2
    assert schedule.assignment().shape == (4, 14)


# --- errors ---------------------------------------------------------------

BASE = {"start": "2025-01-06", "end": "2025-02-02", "seed": 1}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: parallel_schedule(
                ids(5),
                blocking="pairs",
                crime=pd.Series(dict(zip(ids(5), [5, 4, 3, 2, 1], strict=True))),
                **BASE,
            ),
            r"'P04' .*unpaired.*Drop it",
        ),
        (
            lambda: parallel_schedule(
                ids(4),
                blocking="pairs",
                share=0.3,
                crime=pd.Series(dict.fromkeys(ids(4), 1)),
                **BASE,
            ),
            "share must be 0.5",
        ),
        (lambda: parallel_schedule(ids(4), blocking="pairs", **BASE), "crime="),
        (
            lambda: parallel_schedule(
                ids(4), blocking=3, crime=pd.Series(dict.fromkeys(ids(4), 1)), **BASE
            ),
            "2 to 2 blocks",
        ),
        (
            lambda: crossover_schedule(ids(3), start="2025-01-06", end="2025-01-11"),
            r"at least 7 days.*balance=None",
        ),
        (
            lambda: crossover_schedule(ids(2), washout_days=3, **BASE),
            r"no control days: \['P0.*fewer washout days",
        ),
        (
            lambda: crossover_schedule(ids(2), unit="shift", period_days=2, **BASE),
            "period_days must be 1",
        ),
        (lambda: crossover_schedule(ids(2), share=1.2, **BASE), "between 0 and 1"),
        (lambda: crossover_schedule(ids(2), share=0, **BASE), "between 0 and 1"),
        (lambda: parallel_schedule(ids(2), share=-0.5, **BASE), "between 0 and 1"),
        (lambda: crossover_schedule(["a", "b", "a"], **BASE), r"repeated: \['a'\]"),
        (lambda: crossover_schedule(["a", " "], **BASE), r"empty.*positions \[1\]"),
        (
            lambda: crossover_schedule(["a"], start="2025-02-01", end="2025-01-01"),
            "before start",
        ),
        (
            lambda: crossover_schedule(["a"], shifts={"x": ("7pm", "23:00")}, **BASE),
            "HH:MM",
        ),
        (lambda: crossover_schedule(["a"], unit="week", **BASE), "unit must be"),
        (lambda: parallel_schedule(ids(1), **BASE), "treated and control"),
    ],
    ids=[
        "odd pairs",
        "pairs share",
        "pairs without crime",
        "too many blocks",
        "under 7 days",
        "washout leaves no control",
        "shift periods",
        "share > 1",
        "share 0",
        "share < 0",
        "duplicate ids",
        "empty id",
        "end before start",
        "bad time",
        "bad unit",
        "one place parallel",
    ],
)
def test_schedule_errors_say_what_to_do(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_schedule_refuses_a_bare_string_and_non_string_ids():
    with pytest.raises(TypeError, match="list of place ids"):
        crossover_schedule("ABC", **BASE)
    with pytest.raises(TypeError, match=r"strings; got 5 .*str\(x\)"):
        crossover_schedule(["a", 5], **BASE)
    with pytest.raises(TypeError, match="whole number"):
        crossover_schedule(["a", "b"], start="2025-01-06", end="2025-02-02", seed=1.5)


# --- CSV ------------------------------------------------------------------


def test_schedule_csv_round_trip(tmp_path):
    schedule = crossover_schedule(
        ["x,1", 'y"2', "z;\n3", "NA"],
        start="2025-03-24",
        end="2025-04-06",
        shifts=TWO_SHIFTS,
        washout_days=1,
        seed=8,
    )
    path = schedule.to_csv(tmp_path / "trial.csv")
    sidecar = json.loads((tmp_path / "trial.json").read_text())
    assert sidecar["design"] == "crossover" and sidecar["rules"]["seed"] == 8
    text = (tmp_path / "trial.csv").read_text()
    assert "2025-03-31T07:00:00+01:00" in text
    back = read_schedule(path)
    pd.testing.assert_frame_equal(back.table, schedule.table)
    assert back.places == schedule.places and dict(back.rules) == dict(schedule.rules)
    assert (back.redraw(3).assignment() == schedule.redraw(3).assignment()).all()


def test_parallel_schedule_csv_round_trip(tmp_path):
    schedule = parallel_schedule(places_frame(6), blocking="pairs", **BASE)
    back = read_schedule(schedule.to_csv(tmp_path / "p.csv"))
    pd.testing.assert_frame_equal(back.table, schedule.table)
    assert back._locations == schedule._locations


def test_read_schedule_warns_when_the_csv_was_edited(tmp_path):
    schedule = crossover_schedule(ids(4), **{**BASE, "seed": 2})
    path = schedule.to_csv(tmp_path / "trial.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    flip = table.index[:3]
    table.loc[flip, "arm"] = table.loc[flip, "arm"].map(
        {"treatment": "control", "control": "treatment"}
    )
    table.to_csv(path, index=False)
    with pytest.warns(HotspotsWarning, match=r"3 of 112 rows .* edited"):
        back = read_schedule(path)
    assert (back.assignment() != schedule.assignment()).sum() == 3
    assert (back.table["arm"] != schedule.table["arm"]).sum() == 3
    assert (back.redraw(2).assignment() == schedule.assignment()).all()


def test_read_schedule_without_sidecar_reads_but_cannot_redraw(tmp_path):
    schedule = parallel_schedule(ids(4), **BASE)
    path = schedule.to_csv(tmp_path / "trial.csv")
    (tmp_path / "trial.json").unlink()
    back = read_schedule(path)
    assert back.design == "parallel" and dict(back.rules) == {}
    pd.testing.assert_frame_equal(back.table, schedule.table)
    with pytest.raises(ValueError, match=r"rules.*sidecar"):
        back.redraw(1)


def test_read_schedule_refuses_rows_that_do_not_match(tmp_path):
    schedule = crossover_schedule(ids(3), **BASE)
    path = schedule.to_csv(tmp_path / "trial.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.iloc[:-2].to_csv(path, index=False)
    with pytest.raises(ValueError, match="2 place-slots are missing"):
        read_schedule(path)


def test_schedule_is_a_frozen_dataclass():
    schedule = crossover_schedule(ids(2), **BASE)
    assert isinstance(schedule, Schedule)
    with pytest.raises(AttributeError):
        schedule.design = "parallel"
    with pytest.raises(ValueError):
        schedule.assignment()[0, 0] = 1
