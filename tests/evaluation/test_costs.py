import csv
import logging
import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from hotspots.evaluation import (
    UNIT_COST_COLUMNS,
    Effect,
    break_even_reduction,
    cost_benefit,
    crimes_prevented,
    gdp_deflator,
    home_office_unit_costs,
    officer_hours,
    unit_cost_table,
    uprate,
    uprate_unit_costs,
)

# The worked example of docs/methods/costs.md (oracle 9.1 of the project's methods
# notes): 18 hotspots x 3 visits/day x 15 min x 2 officers x 182 days.
DOSAGE_9_1 = {
    "n_places": 18,
    "visits_per_day": 3,
    "minutes_per_visit": 15,
    "officers": 2,
    "days": 182,
}
HOURS_9_1 = 18 * 3 * 0.25 * 2 * 182
VWI = "Violence with injury"
#: HM Treasury GDP deflator, March 2026 edition, financial years (2024-25 = 100), as
#: cited in hotspots/data/README.md: typed here by hand from that source.
DEFLATOR_2015_16 = 74.5804
DEFLATOR_2023_24 = 96.1117
LATEST = "2024/25"


def oracle_kw(**kw):
    """The worked example, with the hourly cost in the unit costs' own prices."""
    return {
        "unit_costs": home_office_unit_costs(),
        "mix": VWI,
        "officer_hours": HOURS_9_1,
        "hourly_cost": 45,
        "price_year": "2015/16",
        **kw,
    }


def raw_deflator() -> dict[str, float]:
    """The shipped CSV read with the csv module, not the package's loader."""
    text = resources.files("hotspots.data").joinpath("gdp_deflator.csv")
    with text.open(encoding="utf-8") as handle:
        return {
            row["financial_year"]: float(row["gdp_deflator"])
            for row in csv.DictReader(handle)
        }


# --- officer hours ---------------------------------------------------------------


def test_officer_hours_matches_oracle_9_1():
    hours = officer_hours(**DOSAGE_9_1)
    assert hours == HOURS_9_1 == 4914
    result = cost_benefit((25, 25, 25), **oracle_kw(officer_hours=hours))
    assert result.cost == pytest.approx(221_130)
    assert result.break_even_crimes == pytest.approx(15.74, abs=0.005)
    assert result.benefit_cost_ratio.estimate == pytest.approx(1.588, abs=5e-4)


def test_officer_hours_scales_with_each_part_of_the_dosage():
    base = officer_hours(**DOSAGE_9_1)
    assert officer_hours(**{**DOSAGE_9_1, "officers": 1}) == base / 2
    assert officer_hours(**{**DOSAGE_9_1, "days": 364}) == base * 2
    assert officer_hours(**{**DOSAGE_9_1, "minutes_per_visit": 30}) == base * 2
    assert officer_hours(**{**DOSAGE_9_1, "visits_per_day": 1.5}) == base / 2


def test_officer_hours_of_the_synthetic_patrols(synthetic_violence):
    from hotspots.synthetic import patrol_dosage

    truth, _ = synthetic_violence
    dosage = patrol_dosage(truth)
    # 18 places x 3 visits of 15 minutes x 2 officers, every day of 2024 (366)
    assert dosage == {
        "n_places": 18,
        "visits_per_day": 3,
        "minutes_per_visit": 15,
        "officers": 2,
        "days": 366,
    }
    assert officer_hours(**dosage) == 9_882


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"n_places": 0}, "n_places must be a whole number >= 1"),
        ({"officers": 1.5}, "officers must be a whole number"),
        ({"days": True}, "days must be a whole number"),
        ({"visits_per_day": 0}, "visits_per_day must be > 0"),
        ({"minutes_per_visit": -15}, "minutes_per_visit must be > 0"),
    ],
    ids=["places", "officers", "days-bool", "visits", "minutes"],
)
def test_officer_hours_errors(change, match):
    with pytest.raises(ValueError, match=match):
        officer_hours(**{**DOSAGE_9_1, **change})


# --- the GDP deflator -------------------------------------------------------------


def test_gdp_deflator_ships_the_cited_edition():
    raw = raw_deflator()
    assert raw["2015-16"] == DEFLATOR_2015_16
    assert raw["2023-24"] == DEFLATOR_2023_24
    assert raw["2024-25"] == 100.0
    starts = [int(year[:4]) for year in raw]
    assert starts == list(range(2010, 2025))  # consecutive, outturn only
    assert all(
        f"{(y + 1) % 100:02d}" == year[5:] for y, year in zip(starts, raw, strict=True)
    )
    frame = gdp_deflator()
    assert list(frame.columns) == ["price_year", "gdp_deflator"]
    assert frame["price_year"].iloc[-1] == LATEST
    assert frame["gdp_deflator"].tolist() == list(raw.values())
    assert "March 2026" in frame.attrs["source"]


def test_uprate_matches_brute_force_ratio_from_the_csv():
    raw = raw_deflator()
    for a, da in raw.items():
        for b, db in raw.items():
            assert uprate(1000.0, a, b) == pytest.approx(1000.0 * db / da, rel=1e-12)
    values = np.array([1.0, -2.0, 14_050.0])
    assert uprate(values, "2015-16", "2024/25") == pytest.approx(values * 100 / 74.5804)


def test_uprate_reproduces_figures_computed_outside_the_package():
    # Home Office violence with injury, 14,050 in 2015/16 prices: by hand
    assert uprate(14_050, "2015/16", LATEST) == pytest.approx(18_838.73, abs=0.01)
    assert uprate(14_050, "2015/16", "2023/24") == pytest.approx(18_106.22, abs=0.01)
    # a 2020/21 -> 2024/25 factor of 1.1751 (100 / 85.10), quoted by an independent
    # project that read the same March 2026 edition
    assert uprate(1.0, "2020/21", LATEST) == pytest.approx(1.1751, abs=5e-5)
    # round trip
    assert uprate(uprate(500.0, "2012/13", LATEST), LATEST, "2012/13") == 500.0


def test_uprate_default_is_the_latest_year_and_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="hotspots"):
        value = uprate(100.0, "2023/24")
    assert value == pytest.approx(100 * 100 / DEFLATOR_2023_24)
    assert "Price year set automatically to 2024/25" in caplog.text
    assert "price_year=" in caplog.text


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((100, "2030/31", LATEST), r"2010/11 to 2024/25.*from_year='2024/25'"),
        ((100, "2015/16", "2009/10"), r"outside the GDP deflator series.*to_year="),
        ((100, "2015", LATEST), "like '2015/16'"),
        ((100, "2015/17", LATEST), "like '2015/16'"),
        ((100, 2015, LATEST), "like '2015/16'"),
        ((math.inf, "2015/16", LATEST), "finite"),
    ],
    ids=["after-series", "before-series", "calendar", "two-years", "int", "inf"],
)
def test_uprate_errors(args, match):
    with pytest.raises(ValueError, match=match):
        uprate(*args)


def test_uprate_unit_costs_keeps_the_published_figures():
    published = home_office_unit_costs()
    table = uprate_unit_costs(published, "2023/24")
    assert list(table.columns[: len(UNIT_COST_COLUMNS)]) == list(UNIT_COST_COLUMNS)
    row = table.set_index("offence").loc[VWI]
    assert row["unit_cost"] == pytest.approx(14_050 * DEFLATOR_2023_24 / 74.5804)
    assert row["price_base"] == "2023/24"
    assert row["published_unit_cost"] == 14_050
    assert row["published_price_base"] == "2015/16"
    assert row["deflator_factor"] == pytest.approx(DEFLATOR_2023_24 / 74.5804)
    assert "HM Treasury" in row["deflator_source"]
    # uprating again goes from the current prices; published figures stay
    again = uprate_unit_costs(table, LATEST).set_index("offence").loc[VWI]
    assert again["unit_cost"] == pytest.approx(14_050 * 100 / 74.5804)
    assert again["published_unit_cost"] == 14_050
    assert again["deflator_factor"] == pytest.approx(100 / 74.5804)
    assert published["unit_cost"].iloc[0] == 14_050  # input unchanged


# --- cost-benefit ------------------------------------------------------------------


def test_cost_benefit_matches_oracle_9_1():
    assert HOURS_9_1 == 4914
    result = cost_benefit((25, 25, 25), **oracle_kw())
    assert result.cost == pytest.approx(221_130)
    assert result.unit_cost == 14_050
    assert result.break_even_crimes == pytest.approx(15.74, abs=0.005)
    assert result.net_benefit.details["benefit"] == pytest.approx(351_250)
    assert result.net_benefit.estimate == pytest.approx(130_120)
    assert result.benefit_cost_ratio.estimate == pytest.approx(1.588, abs=5e-4)
    assert result.net_benefit.measure == "net benefit (GBP, 2015/16 prices)"
    assert result.benefit_cost_ratio.measure == "benefit-cost ratio"
    assert result.price_year == result.unit_cost_price_base == "2015/16"
    assert result.deflator_factor == 1
    assert "no uprating" in result.price_basis
    assert list(result.to_frame()["measure"]) == [
        "net benefit (GBP, 2015/16 prices)",
        "benefit-cost ratio",
        "cost per crime prevented (GBP, 2015/16 prices)",
    ]
    assert set(result.to_frame()["price_year"]) == {"2015/16"}


def test_cost_benefit_uprates_unit_costs_to_the_price_year_by_hand():
    result = cost_benefit((25, 10, 40), **oracle_kw(price_year=LATEST))
    unit = 14_050 * 100 / 74.5804  # 18,838.73
    assert result.unit_cost == pytest.approx(unit)
    assert result.cost == pytest.approx(221_130)  # the hourly cost is not uprated
    assert result.net_benefit.estimate == pytest.approx(25 * unit - 221_130)
    assert result.net_benefit.ci_low == pytest.approx(10 * unit - 221_130)
    assert result.benefit_cost_ratio.estimate == pytest.approx(25 * unit / 221_130)
    assert result.break_even_crimes == pytest.approx(221_130 / unit)
    assert result.price_year == LATEST and not result.price_year_auto
    assert result.unit_cost_price_base == "2015/16"
    assert result.deflator_factor == pytest.approx(100 / 74.5804)
    assert result.net_benefit.measure == "net benefit (GBP, 2024/25 prices)"
    assert result.price_basis == (
        "2024/25 prices, uprated from 2015/16 with the GDP deflator "
        "(HM Treasury, March 2026)"
    )
    assert "uprated from 2015/16" in result.net_benefit.method
    assert any(
        "hourly cost is taken to be in 2024/25" in c for c in result.net_benefit.caveats
    )
    assert "2024/25 prices" in str(result)


def test_cost_benefit_default_price_year_is_latest_logged_and_recorded(caplog):
    kw = oracle_kw()
    del kw["price_year"]
    with caplog.at_level(logging.INFO, logger="hotspots"):
        result = cost_benefit((25, 10, 40), **kw)
    assert result.price_year == LATEST and result.price_year_auto
    assert "Price year set automatically to 2024/25" in caplog.text
    assert "hourly cost taken to be in that year's prices" in caplog.text


def test_cost_benefit_carries_interval_by_hand():
    # low 10, high 40 prevented: benefit 140,500 and 562,000
    result = cost_benefit((25, 10, 40), **oracle_kw())
    assert result.net_benefit.ci_low == pytest.approx(140_500 - 221_130)
    assert result.net_benefit.ci_high == pytest.approx(562_000 - 221_130)
    assert result.benefit_cost_ratio.ci_low == pytest.approx(140_500 / 221_130)
    assert result.benefit_cost_ratio.ci_high == pytest.approx(562_000 / 221_130)
    assert any("only the uncertainty" in c for c in result.net_benefit.caveats)


def test_cost_per_crime_prevented_has_its_own_interval_in_pounds():
    result = cost_benefit((25, 10, 40), **oracle_kw())
    per = result.cost_per_crime
    assert per.measure == "cost per crime prevented (GBP, 2015/16 prices)"
    assert per.estimate == pytest.approx(221_130 / 25)
    # the most crimes prevented give the lowest cost per crime
    assert per.ci_low == pytest.approx(221_130 / 40)
    assert per.ci_high == pytest.approx(221_130 / 10)
    assert per.ci_low < per.estimate < per.ci_high
    assert not per.caveats


@pytest.mark.parametrize(
    ("prevented", "words"),
    [
        ((25, 0, 56.25), "interval not estimable"),
        ((25, -3, 56.25), "reaches zero or below"),
        ((-5, -10, 20), "no crimes prevented on the central estimate"),
    ],
    ids=["low-zero", "low-negative", "none-prevented"],
)
def test_cost_per_crime_is_not_estimable_when_crimes_prevented_can_be_zero(
    prevented, words
):
    per = cost_benefit(prevented, **oracle_kw()).cost_per_crime
    assert not per.has_ci
    assert math.isnan(per.ci_low) and math.isnan(per.ci_high)
    assert any(words in c for c in per.caveats)
    assert math.isnan(per.estimate) == (prevented[0] <= 0)


def test_cost_benefit_mix_weights_unit_costs_by_hand():
    table = unit_cost_table(
        {"A": 1000, "B": 3000}, price_base="2020/21", year=2022, source="test table"
    )
    result = cost_benefit(
        (10, 10, 10),
        unit_costs=table,
        mix={"A": 0.5, "B": 0.5},
        officer_hours=100,
        hourly_cost=50,
        price_year="2020/21",
    )
    # unit cost 2000, benefit 20,000, cost 5,000
    assert result.unit_cost == 2000
    assert result.net_benefit.estimate == 15_000
    assert result.benefit_cost_ratio.estimate == 4
    assert result.break_even_crimes == 2.5


def test_cost_benefit_from_did_effect_via_crimes_prevented():
    irr = Effect("incidence rate ratio", 0.8, 0.64, 1.0, n_treated=18, caveats=("x",))
    prevented = crimes_prevented(irr, observed_after=100)
    # counterfactual 100 / 0.8 = 125 -> 25 prevented; bounds 0 and 56.25
    assert prevented.measure == "crimes prevented"
    assert prevented.estimate == pytest.approx(25)
    assert prevented.ci_low == pytest.approx(0)
    assert prevented.ci_high == pytest.approx(56.25)
    assert prevented.caveats == ("x",)
    result = cost_benefit(prevented, **oracle_kw())
    assert result.net_benefit.estimate == pytest.approx(130_120)
    assert result.net_benefit.ci_low == pytest.approx(-221_130)
    assert result.net_benefit.n_treated == 18
    assert "x" in result.benefit_cost_ratio.caveats
    assert not result.cost_per_crime.has_ci  # crimes prevented can be 0


def test_break_even_reduction_by_hand():
    result = break_even_reduction(expected_crimes=100, **oracle_kw())
    assert result.estimate == pytest.approx(100 * 221_130 / 14_050 / 100)
    assert result.estimate == pytest.approx(15.74, abs=0.005)
    assert not result.has_ci
    impossible = break_even_reduction(expected_crimes=10, **oracle_kw())
    assert impossible.estimate == pytest.approx(157.39, abs=0.01)
    assert any("cannot pay for itself" in c for c in impossible.caveats)
    uprated = break_even_reduction(expected_crimes=100, **oracle_kw(price_year=LATEST))
    assert uprated.estimate == pytest.approx(221_130 / (14_050 * 100 / 74.5804))
    assert "2024/25 prices" in uprated.method


def test_home_office_unit_costs_ships_only_verified_rows():
    table = home_office_unit_costs()
    assert list(table.columns) == list(UNIT_COST_COLUMNS)
    costs = table.set_index("offence")["unit_cost"].to_dict()
    assert costs == {
        "Violence with injury": 14_050,
        "Rape": 39_360,
        "Other sexual offences": 6_520,
        "Robbery (personal)": 11_320,
        "Theft of vehicle": 10_290,
        "Theft from vehicle": 870,
        "Arson": 8_420,
        "Criminal damage (other)": 1_350,
    }
    for unverified in ("Homicide", "Violence without injury", "Domestic burglary"):
        assert unverified not in costs
    assert set(table["price_base"]) == {"2015/16"}
    assert set(table["year"]) == {2018}
    assert table["source"].str.contains("Heeks").all()
    table.loc[0, "unit_cost"] = 1  # a new frame each call
    assert home_office_unit_costs()["unit_cost"].iloc[0] == 14_050


@pytest.mark.parametrize(
    ("prevented", "kw", "exc", "match"),
    [
        (
            Effect("incidence rate ratio", 0.8, 0.7, 0.9),
            {},
            ValueError,
            "crimes_prevented\\(effect",
        ),
        ("many", {}, TypeError, "estimate, low, high"),
        ((25, 30, 40), {}, ValueError, "low <= estimate <= high"),
        ((25, 10, 40), {"mix": "Homicide"}, ValueError, "not in unit_costs"),
        ((25, 10, 40), {"mix": {VWI: 0.5}}, ValueError, "sum to 1"),
        ((25, 10, 40), {"hourly_cost": 0}, ValueError, "hourly_cost must be > 0"),
        (
            (25, 10, 40),
            {"unit_costs": pd.Series({VWI: 1.0})},
            TypeError,
            "unit_cost_table",
        ),
        (
            (25, 10, 40),
            {"unit_costs": home_office_unit_costs().drop(columns="price_base")},
            ValueError,
            "missing column",
        ),
        (
            (25, 10, 40),
            {
                "unit_costs": home_office_unit_costs().assign(
                    price_base=["2015/16"] * 7 + ["2022/23"]
                )
            },
            ValueError,
            "uprate",
        ),
        (
            (25, 10, 40),
            {"price_year": "2030/31"},
            ValueError,
            r"outside the GDP deflator series.*2010/11 to 2024/25.*"
            r"price_year='2024/25'",
        ),
        ((25, 10, 40), {"price_year": "2024"}, ValueError, "like '2015/16'"),
        (
            (25, 10, 40),
            {"unit_costs": home_office_unit_costs().assign(price_base="2030/31")},
            ValueError,
            "rebuild the table",
        ),
        (
            (25, 10, 40),
            {"unit_costs": home_office_unit_costs().assign(price_base="2016 prices")},
            ValueError,
            "like '2015/16'",
        ),
    ],
    ids=[
        "not-prevented",
        "bad-type",
        "bad-order",
        "unknown-offence",
        "mix-sum",
        "hourly",
        "series",
        "no-price-base",
        "mixed-prices",
        "price-year-outside",
        "price-year-calendar",
        "table-outside",
        "table-not-financial-year",
    ],
)
def test_cost_benefit_errors(prevented, kw, exc, match):
    with pytest.raises(exc, match=match):
        cost_benefit(prevented, **oracle_kw(**kw))


def test_unit_cost_table_and_crimes_prevented_errors():
    with pytest.raises(ValueError, match="must be > 0"):
        unit_cost_table({"A": -1}, price_base="2020", year=2020, source="s")
    with pytest.raises(ValueError, match="price_base must be"):
        unit_cost_table({"A": 1}, price_base="", year=2020, source="s")
    with pytest.raises(ValueError, match="expected_crimes must be > 0"):
        break_even_reduction(expected_crimes=0, **oracle_kw())
    log_ratio = Effect("incidence rate ratio", -0.2, -0.4, 0.0)
    with pytest.raises(ValueError, match="not its log"):
        crimes_prevented(log_ratio, observed_after=10)
    with pytest.raises(ValueError, match="observed_after"):
        crimes_prevented(Effect("irr", 0.8, 0.7, 0.9), observed_after=-1)
