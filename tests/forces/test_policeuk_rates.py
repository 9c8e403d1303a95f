"""policeuk_force_rates, policeuk_rate_change; police.uk against Home Office."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import hotspots
from hotspots.exceptions import SchemaError
from hotspots.forces import (
    load_recorded_crime,
    policeuk_force_rates,
    policeuk_rate_change,
)
from tests.conftest import policeuk_row

LEICS = 1_017_697  # 2011 Census usual residents, Leicestershire force area
WEST_YORKSHIRE = "policeuk_street_west_yorkshire_2016_2018_july.csv.gz"


def _crimes(rows):
    """A read_policeuk-like crimes frame from (force, month, crime type) tuples."""
    frame = pd.DataFrame(rows, columns=["force", "month", "crime_type"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


CRIMES = _crimes(
    [
        ("Leicestershire Police", "2024-05", "Violence and sexual offences"),
        ("Leicestershire Police", "2024-05", "Robbery"),
        ("Leicestershire Police", "2024-05", "Burglary"),
        ("Leicestershire Police", "2024-06", "Possession of weapons"),
        ("Leicestershire Police", "2024-06", "Violence and sexual offences"),
        ("Leicestershire Police", "2024-06", "Violence and sexual offences"),
        ("Leicestershire Police", "2024-07", "Burglary"),
        ("British Transport Police", "2024-06", "Robbery"),
    ]
)


def test_policeuk_force_rates_known_answer():
    rates = policeuk_force_rates(CRIMES)
    assert list(rates.columns) == [
        "force", "force_slug", "month", "count", "population", "rate",
    ]  # fmt: skip
    assert rates["month"].tolist() == ["2024-05", "2024-06", "2024-07"]
    assert rates["count"].tolist() == [2, 3, 0]  # July: burglary only, so 0
    assert (rates["population"] == LEICS).all()
    assert rates["rate"].tolist() == pytest.approx([2e3 / LEICS, 3e3 / LEICS, 0.0])
    assert rates.attrs["hotspots"]["left_out"] == ["btp"]
    assert rates.attrs["hotspots"]["policeuk_types"] == [
        "Violence and sexual offences",
        "Robbery",
        "Possession of weapons",
    ]


def test_policeuk_force_rates_reads_read_policeuk_output(write_csv):
    path = write_csv(
        [
            policeuk_row(crime_id="a1", crime_type="Robbery"),
            policeuk_row(crime_id="a2", crime_type="Burglary"),
            policeuk_row(crime_id="a3", crime_type="Violence and sexual offences"),
        ]
    )
    result = hotspots.read_policeuk(path)
    rates = policeuk_force_rates(result.crimes, per=100_000)
    assert rates[["force_slug", "month", "count"]].values.tolist() == [
        ["leicestershire", "2024-06", 2]
    ]
    assert rates["rate"].iloc[0] == pytest.approx(2 / LEICS * 100_000)


def test_policeuk_force_rates_other_definition():
    rates = policeuk_force_rates(CRIMES, definition="violence")
    assert rates["count"].tolist() == [1, 2, 0]


@pytest.mark.parametrize(
    ("crimes", "kwargs", "error", "match"),
    [
        (CRIMES.drop(columns="crime_type"), {}, SchemaError, "read_policeuk"),
        (CRIMES, {"definition": "knife"}, ValueError, "choose one of"),
        (CRIMES, {"per": -1}, ValueError, "per must be > 0"),
        (CRIMES.assign(force="Atlantis Police"), {}, ValueError, "not a force"),
    ],
    ids=["columns", "definition", "per", "force"],
)
def test_policeuk_force_rates_errors_say_what_to_do(crimes, kwargs, error, match):
    with pytest.raises(error, match=match):
        policeuk_force_rates(crimes, **kwargs)


def test_policeuk_rate_change_known_answer():
    rates = policeuk_force_rates(CRIMES)
    change = policeuk_rate_change(rates, before="2024-05", after=["2024-06", "2024-07"])
    row = change.iloc[0]
    assert (row["count_before"], row["count_after"]) == (2, 3)
    assert row["ratio"] == pytest.approx((3 / 2) / (2 / 1))
    ci = stats.binomtest(3, 5).proportion_ci(method="exact")
    assert row["ci_low"] == pytest.approx(ci.low / (1 - ci.low) / 2)
    assert row["ci_high"] == pytest.approx(ci.high / (1 - ci.high) / 2)
    assert row["p_value"] == pytest.approx(stats.binomtest(3, 5, 2 / 3).pvalue)
    assert change.attrs["hotspots"]["after"] == ["2024-06", "2024-07"]


def test_policeuk_rate_change_calendar_years_and_errors():
    rates = policeuk_force_rates(CRIMES)
    with pytest.raises(ValueError, match="share"):
        policeuk_rate_change(rates, before="2024", after="2024-06")
    with pytest.raises(ValueError, match="not in the rates"):
        policeuk_rate_change(rates, before="2023", after="2024")
    with pytest.raises(ValueError, match="not understood"):
        policeuk_rate_change(rates, before="May 2024", after="2024-06")


@pytest.mark.shared
def test_policeuk_force_rates_west_yorkshire_against_home_office(shared_real):
    crimes = hotspots.read_policeuk(shared_real / WEST_YORKSHIRE).crimes
    rates = policeuk_force_rates(crimes)
    assert rates["count"].tolist() == [5781, 7251, 10524]  # located rows only
    violence = policeuk_force_rates(crimes, definition="violence")
    july_2017 = violence.set_index("month").loc["2017-07", "count"]
    assert july_2017 == 6910  # + 593 rows without a location = 7,503 published
    home_office = load_recorded_crime()
    q2 = home_office[
        (home_office["force_slug"] == "west-yorkshire")
        & (home_office["quarter"] == 2)
        & (home_office["group"] == "violence and sexual offences")
    ]["count"].sum()
    assert q2 == 21570  # violence against the person 19,622 + sexual offences 1,948
    assert july_2017 / (q2 / 3) == pytest.approx(0.9611, abs=1e-4)
    assert (6910 + 593) / (q2 / 3) == pytest.approx(1.0435, abs=1e-4)
    change = policeuk_rate_change(rates, before="2016-07", after="2017-07")
    assert change["ratio"].iloc[0] == pytest.approx(7251 / 5781)
    assert np.isfinite(change[["ci_low", "ci_high"]].to_numpy()).all()


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "slug", "months", "total"),
    [
        (
            "policeuk_street_leicestershire_2023_2024.csv.gz",
            "leicestershire",
            24,
            82291,
        ),
        ("policeuk_street_derbyshire_2023_2024.csv.gz", "derbyshire", 24, 84110),
    ],
    ids=["leicestershire", "derbyshire"],
)
def test_policeuk_force_rates_on_real_force_years(
    shared_real, name, slug, months, total
):
    rates = policeuk_force_rates(hotspots.read_policeuk(shared_real / name).crimes)
    assert set(rates["force_slug"]) == {slug}
    assert len(rates) == months and (rates["count"] > 0).all()
    assert rates["count"].sum() == total  # located rows of the three crime types
